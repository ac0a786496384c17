/**
 * The shape of an injection phrasing family (override, jailbreak, exfiltration) and the regex pieces
 * its phrasings are written with.
 */

export interface Phrasing {
  /**
   * Case-insensitive substrings (folded like the topic phrases: case, spacing, soft punctuation, apostrophes)
   * at least one of which lies inside or near every match. The regex only runs on a window around an anchor,
   * which is what keeps clean text cheap.
   */
  readonly anchors: readonly string[];
  /** Case-sensitive anchors found with indexOf (e.g. "DAN", which is a name in lower case). */
  readonly exactAnchors?: readonly string[];
  /**
   * Without it, a match starts exactly where an anchor starts and the regex is tried there once (sticky), which
   * costs next to nothing. With it, the regex scans the text from `before` characters ahead of an anchor to
   * `after` characters past it, for phrasings whose anchor sits in the middle ("you are no longer *bound by*").
   */
  readonly reach?: readonly [before: number, after: number];
  /** Global, usually case-insensitive. May name a `verb` group: an inflected verb marks a description, not an order. */
  readonly regex: RegExp;
  /** Rejects a match that is ordinary language after all (a first-person owner, a scope, no override cue…). */
  readonly accept?: (match: RegExpExecArray, text: string, start: number, end: number) => boolean;
  /** Roles in which the phrasing is legitimate, e.g. a system prompt telling a persona to stay in character. */
  readonly legitimateIn?: readonly string[];
}

export interface PhrasingFamily {
  /** The rule a direct (not discussed) hit reports. */
  readonly rule: string;
  readonly phrasings: readonly Phrasing[];
}

/** Between two words: spaces and punctuation, never a letter or digit ("ignore, ALL… previous"). */
export const SEP = String.raw`[^\p{L}\p{N}]{1,6}`;
/** A word starts here. */
export const WORD_START = String.raw`(?<![\p{L}\p{N}_])`;
/** A word ends here. */
export const WORD_END = String.raw`(?![\p{L}\p{N}_])`;
/** An optional apostrophe, straight or typographic ("don't", "don’t", "dont"). */
export const APOS = String.raw`['’ʼ]?`;

/** Joins words with SEP: `words('pay no attention to')`. */
export function words(phrase: string): string {
  return phrase.trim().split(/\s+/).join(SEP);
}

/** `(?:a|b|c)` where each alternative may contain spaces (joined with SEP). */
export function oneOf(alternatives: readonly string[]): string {
  return `(?:${alternatives.map(words).join('|')})`;
}

/** Up to `max` words from `lexicon`, each preceded by SEP (greedy, so a match reaches as far as it can). */
export function fillers(lexicon: readonly string[], max: number): string {
  return `(?:${SEP}${oneOf(lexicon)}){0,${max}}`;
}

export function phrasingRegex(source: string, flags = 'giu'): RegExp {
  return new RegExp(source, flags);
}
