import type { Verdict } from '../../events/corpus-audited';
import type { AuditConfig } from './audit-config';
import type { Action, Check, Severity } from './finding';
import type { JudgeRelabelResult } from './judge-relabel';
import type { LabelNoiseResult } from './label-noise';
import type { SkewResult } from './skew';

/** One rule's findings across the corpus, with a few masked examples. */
export interface RuleSummary {
  rule: string;
  check: Check;
  severity: Severity;
  action: Action;
  count: number;
  examples: { line: number; evidence: string; field?: string }[];
}

export interface AuditCounts {
  /** Physical lines read, blank ones included. */
  lines: number;
  blankLines: number;
  /** Non-blank lines: every one ends in `clean` or `quarantined`. */
  rows: number;
  clean: number;
  quarantined: number;
  /** Rows kept in the clean corpus that carry warn-only findings. */
  warned: number;
  /** Rows whose `split` marks them as held-out. */
  evalRows: number;
}

/** report.json: everything the audit found and decided, under the configuration it ran with. */
export interface AuditReport {
  auditId: string;
  corpus: { uri: string; bytes: number; compressed: boolean; truncated?: string; versionId?: string; etag?: string };
  startedAt: string;
  finishedAt: string;
  verdict: Verdict;
  reasons: string[];
  configHash: string;
  config: AuditConfig;
  counts: AuditCounts;
  findingsByCheck: Partial<Record<Check, number>>;
  rules: RuleSummary[];
  dedup: {
    threshold: number;
    bands: number;
    rowsPerBand: number;
    shingleSize: number;
    exactDuplicates: number;
    normalizedDuplicates: number;
    nearDuplicates: number;
    /** Representatives that have at least one duplicate. */
    clusters: number;
  };
  leakage: { enabled: boolean; heldout?: string; heldoutRows: number; heldoutParseErrors: number; evalSplitRows: number; leakedRows: number };
  paraphrase: {
    skipped?: string;
    model?: string;
    threshold?: number;
    pairs?: number;
    embedded?: number;
    errors?: number;
    calls?: number;
    incomplete?: boolean;
    reason?: string;
  };
  labelNoise?: LabelNoiseResult;
  /** When a judge model re-labelled a sample: its agreement is the label accuracy the verdict uses. */
  judgeRelabel?: JudgeRelabelResult & { judgeModel: string };
  skew: SkewResult;
  performance: { durationMs: number; rowsPerSecond: number; mbPerSecond: number; peakRssMb: number };
  artifacts: { clean: string; quarantine: string; findings: string; report?: string; reportMarkdown?: string; reportHtml?: string };
}
