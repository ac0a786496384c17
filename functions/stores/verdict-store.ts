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
  /**
   * When the verdict's event was published. A verdict written but never marked lost its event (a crash between the
   * write and the publish): whoever finds it so publishes it again, then marks it.
   */
  publishedAt?: string;
}

export interface VerdictStore {
  /** Writes a verdict once; returns false (and writes nothing) when one already exists for (subject, key). */
  putOnce(record: VerdictRecord): Promise<boolean>;
  get(subject: string, key: string): Promise<VerdictRecord | undefined>;
  list(subject: string): Promise<VerdictRecord[]>;
  /** Records that the verdict's event was published (the first time only); the verdict itself is never changed. */
  markPublished(subject: string, key: string, at?: string): Promise<void>;
}
