import type { Verdict } from '../../events/corpus-audited';

/** A verdict as stored: what was judged, the outcome, and the configuration it was judged under. */
export interface VerdictRecord {
  /** What was judged: `corpus#s3://bucket/key`, later `run#<id>`… */
  subject: string;
  /** Which judgement of it: `version#<versionId or etag>`, `checkpoint#<n>`… */
  key: string;
  kind: 'corpus-audit' | 'checkpoint-gate' | 'arena' | 'canary';
  verdict: Verdict;
  reasons: string[];
  configHash: string;
  config: unknown;
  summary: Record<string, unknown>;
  reportUri: string;
  createdAt: string;
}

export interface VerdictStore {
  /** Writes a verdict once; returns false (and writes nothing) when one already exists for (subject, key). */
  putOnce(record: VerdictRecord): Promise<boolean>;
  get(subject: string, key: string): Promise<VerdictRecord | undefined>;
  list(subject: string): Promise<VerdictRecord[]>;
}
