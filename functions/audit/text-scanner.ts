import type { Check, RuleMeta } from './finding';

/**
 * A raw match from a scanner: the rule and the span inside the scanned text.
 * Scanners never format evidence themselves; `row-scanner.ts` masks or escapes it in one place,
 * so no scanner can leak a secret through a report by accident.
 */
export interface ScanHit {
  rule: string;
  start: number;
  end: number;
}

/**
 * A row check over one text field. Implementations are pure and synchronous and sit in the hot loop:
 * cheap prefilters (indexOf, one combined regex) before any expensive validation.
 */
export interface TextScanner {
  readonly check: Check;
  readonly rules: readonly RuleMeta[];
  /** Calls `emit` once per hit. `role` is the chat role of the field when known (system/user/assistant/tool). */
  scan(text: string, emit: (hit: ScanHit) => void, role?: string): void;
}
