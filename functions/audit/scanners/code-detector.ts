import type { CodeFeatures } from './code-features';

/**
 * One payload shape of the code scanner. `gate` reads only cheap features of the text and must be true for
 * every text `re` can match, so that skipping the regex never hides a hit; the unit tests pin the pairs.
 */
export interface CodeDetector {
  /** Rule id reported by default. */
  readonly rule: string;
  readonly gate: (f: CodeFeatures) => boolean;
  /** Global, case-insensitive regex over the original text. */
  readonly re: RegExp;
  /**
   * With a `d`-flagged regex anchored late (on a rare character, with a lookbehind for what precedes it), the
   * capture group whose start begins the reported span.
   */
  readonly spanGroup?: number;
  /** Decides the rule for one match (another rule id, or undefined to drop it); default: `rule`. */
  readonly classify?: (m: RegExpExecArray, text: string) => string | undefined;
}

/** The line of `text` that holds `index`. */
export function lineAt(text: string, index: number): string {
  const s = text.lastIndexOf('\n', index - 1) + 1;
  const e = text.indexOf('\n', index);
  return text.slice(s, e === -1 ? text.length : e);
}
