import { createHash } from 'node:crypto';
import * as z from 'zod';
import { shardPlanItemSchema } from './shard-plan-schema';

/**
 * The contract between the corpus-audit Lambda (which hands a large corpus over), the sharded-audit state machine and
 * its three functions: the execution input, the job every shard and the reduce read, the batch a shard invocation
 * receives from the Distributed Map, and what a shard returns (collected by the Map's ResultWriter).
 */

const objectRef = z.object({ bucket: z.string().min(1), key: z.string().min(1) });
const prefixRef = z.object({ bucket: z.string().min(1), prefix: z.string() });

/** The execution input. */
export const shardedAuditInputSchema = z.object({
  auditId: z.string().min(1),
  /** When the audit began (the handoff), so the report's duration covers the whole audit. */
  startedAt: z.iso.datetime(),
  corpus: objectRef.extend({ versionId: z.string().optional(), etag: z.string().optional() }),
  /** Where report, clean, quarantine and findings go: the prefix the single audit would write under. */
  artifacts: prefixRef,
  /** Where the plan, the shard summaries and the Map's results go (under the artifacts prefix, deleted by lifecycle if wished). */
  work: prefixRef,
  /** The parsed audit configuration (held-out URI resolved). */
  config: z.record(z.string(), z.unknown()),
  sharding: z
    .object({
      /** Decompressed bytes per shard. @default 64 MiB */
      targetBytes: z.number().int().positive().default(64 * 1024 * 1024),
      /** Shards at most. @default 2000 */
      maxShards: z.number().int().positive().max(10_000).default(2000),
    })
    .prefault({}),
});
export type ShardedAuditInput = z.infer<typeof shardedAuditInputSchema>;
export type ShardedAuditInputValue = z.input<typeof shardedAuditInputSchema>;

/** What the plan step returns (the state the Map reads its items and batch input from). */
export const planOutputSchema = z.object({
  /** s3:// URI of the job (the execution input, pinned to the corpus version the plan read). */
  job: z.string().min(1),
  /** The JSON array of shard items the Map's ItemReader reads. */
  plan: objectRef,
  shards: z.number().int().positive(),
  mode: z.enum(['bytes', 'lines']),
  bytes: z.number().int().nonnegative(),
  lines: z.number().int().nonnegative(),
});
export type PlanOutput = z.infer<typeof planOutputSchema>;

/** One shard invocation's input: ItemBatcher's batch (BatchInput beside the items). */
export const shardBatchSchema = z.object({
  BatchInput: z.object({ job: z.string().min(1) }),
  Items: z.array(shardPlanItemSchema).min(1),
});
export type ShardBatch = z.infer<typeof shardBatchSchema>;

/** Where one shard's summary went. */
export const shardResultSchema = z.object({
  index: z.number().int().nonnegative(),
  summary: z.string().min(1),
  shingles: z.string().min(1),
  labelTexts: z.string().min(1),
  rows: z.number().int().nonnegative(),
});
export type ShardResult = z.infer<typeof shardResultSchema>;
export const shardBatchResultSchema = z.object({ shards: z.array(shardResultSchema) });

/** The reduce's input: the plan step's output and the Map's ResultWriter details. */
export const reduceInputSchema = z.object({
  planned: planOutputSchema,
  map: z.object({ ResultWriterDetails: z.object({ Bucket: z.string().min(1), Key: z.string().min(1) }) }).loose(),
});

/** Keys of the work objects, under the job's work prefix. */
export const workKeys = {
  job: (prefix: string) => `${prefix}job.json`,
  plan: (prefix: string) => `${prefix}plan.json`,
  summary: (prefix: string, index: number) => `${prefix}shards/${String(index).padStart(6, '0')}.summary.json`,
  shingles: (prefix: string, index: number) => `${prefix}shards/${String(index).padStart(6, '0')}.shingles.bin`,
  labelTexts: (prefix: string, index: number) => `${prefix}shards/${String(index).padStart(6, '0')}.labels.json`,
};

/**
 * The execution name for an audit of one corpus version: Standard workflows refuse a name used in the last 90 days,
 * so a redelivered upload event cannot start a second sharded audit of the same version.
 */
export function shardedAuditExecutionName(subject: string, verdictKey: string): string {
  return `audit-${createHash('sha256').update(`${subject}\n${verdictKey}`).digest('hex').slice(0, 40)}`;
}
