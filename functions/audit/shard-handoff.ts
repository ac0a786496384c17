import type { AuditConfig } from './audit-config';
import { shardedAuditExecutionName, type ShardedAuditInputValue } from './sharded-audit-job';

/**
 * When the corpus-audit Lambda hands a corpus to the sharded audit, and what it hands over. A corpus above the
 * threshold would not be audited within one Lambda's 15 minutes (about 20,000 rows/s on one core, so a few million
 * rows), so it goes to the state machine; the verdict, report and "Corpus Audited" event then come from its reduce.
 */

/** The threshold's environment variable; unset means never shard. */
export const SHARD_THRESHOLD_ENV = 'AUDIT_SHARD_THRESHOLD_BYTES';
/** The sharded-audit state machine's ARN, in the corpus-audit function's environment. */
export const SHARDED_AUDIT_STATE_MACHINE_ENV = 'SHARDED_AUDIT_STATE_MACHINE_ARN';

/**
 * Whether a corpus of `sizeBytes` (the object's size: compressed bytes for a gzip corpus, which is why a gzip corpus
 * counts as `gzipExpansion` times larger) goes to the sharded audit.
 */
export function shouldShard(sizeBytes: number | undefined, env: Record<string, string | undefined>, options: { gzip?: boolean; gzipExpansion?: number } = {}): boolean {
  const raw = env[SHARD_THRESHOLD_ENV];
  if (raw === undefined || raw === '' || sizeBytes === undefined) return false;
  const threshold = Number(raw);
  if (!Number.isFinite(threshold) || threshold <= 0) throw new Error(`${SHARD_THRESHOLD_ENV} must be a positive number of bytes, got "${raw}"`);
  if (!env[SHARDED_AUDIT_STATE_MACHINE_ENV]) throw new Error(`${SHARD_THRESHOLD_ENV} is set but ${SHARDED_AUDIT_STATE_MACHINE_ENV} is not: no state machine to hand large corpora to`);
  const effective = options.gzip ? sizeBytes * (options.gzipExpansion ?? 4) : sizeBytes;
  return effective > threshold;
}

export interface HandoffInput {
  auditId: string;
  now: Date;
  subject: string;
  verdictKey: string;
  corpus: { bucket: string; key: string; versionId?: string; etag?: string };
  /** Where the single audit would have written its artifacts (bucket and per-version prefix). */
  artifacts: { bucket: string; prefix: string };
  /** The parsed configuration, held-out URI resolved. */
  config: AuditConfig;
  sharding?: { targetBytes?: number; maxShards?: number };
}

/** The execution name and input the corpus-audit Lambda starts the sharded audit with. */
export function shardedAuditHandoff(input: HandoffInput): { name: string; input: ShardedAuditInputValue } {
  return {
    name: shardedAuditExecutionName(input.subject, input.verdictKey),
    input: {
      auditId: input.auditId,
      startedAt: input.now.toISOString(),
      corpus: input.corpus,
      artifacts: input.artifacts,
      // The work objects sit beside the artifacts, under the same prefix the function may already write.
      work: { bucket: input.artifacts.bucket, prefix: `${input.artifacts.prefix}shards-work/` },
      config: input.config as unknown as Record<string, unknown>,
      ...(input.sharding ? { sharding: input.sharding } : {}),
    },
  };
}
