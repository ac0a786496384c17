/** The checks a corpus audit runs; `check` in findings.jsonl is one of these. */
export const CHECKS = [
  'secrets',
  'pii',
  'injection',
  'url',
  'invisible',
  'code',
  'topic',
  'duplicate',
  'near_duplicate',
  'leakage',
  'label_noise',
  'parse',
] as const;
export type Check = (typeof CHECKS)[number];

export type Severity = 'low' | 'medium' | 'high' | 'critical';
/** quarantine: the row leaves the clean corpus. warn: the row stays and the finding is reported. */
export type Action = 'quarantine' | 'warn';

/** A rule's stable identity. Ids never change meaning once shipped: users allowlist and override by id. */
export interface RuleMeta {
  readonly id: string;
  readonly check: Check;
  readonly severity: Severity;
  readonly action: Action;
  readonly description: string;
}

export interface Finding {
  check: Check;
  rule: string;
  severity: Severity;
  action: Action;
  /** Masked for secrets and PII; escaped and truncated otherwise. Never the raw secret. */
  evidence: string;
  /** Where in the row: `messages[2].content`, `completion`, … */
  field?: string;
  /** For duplicate, near_duplicate and leakage: the 1-based line (or held-out line) this row repeats. */
  duplicateOf?: number;
  /** Verified Jaccard similarity, for near_duplicate and leakage. */
  similarity?: number;
}
