import * as z from 'zod';
import { shardBatchResultSchema, type ShardResult } from './sharded-audit-job';

/**
 * What a Distributed Map's ResultWriter leaves in S3, read back: manifest.json lists the result files by status, and
 * each SUCCEEDED_n.json holds the child executions, each with its output as a JSON string. The reduce needs every
 * shard's result exactly once, and no failed or pending child.
 */

export const resultManifestSchema = z
  .object({
    DestinationBucket: z.string().min(1),
    MapRunArn: z.string().optional(),
    ResultFiles: z
      .object({
        FAILED: z.array(z.object({ Key: z.string(), Size: z.number().optional() }).loose()).default([]),
        PENDING: z.array(z.object({ Key: z.string(), Size: z.number().optional() }).loose()).default([]),
        SUCCEEDED: z.array(z.object({ Key: z.string(), Size: z.number().optional() }).loose()).default([]),
      })
      .loose(),
  })
  .loose();
export type ResultManifest = z.infer<typeof resultManifestSchema>;

const childExecutionSchema = z.object({ Status: z.string().optional(), Output: z.string().nullish() }).loose();

/** The keys of the result files holding the successful children; refuses a map with failed or pending children. */
export function succeededResultKeys(manifest: unknown): { bucket: string; keys: string[] } {
  const m = resultManifestSchema.parse(manifest);
  const failed = m.ResultFiles.FAILED.length + m.ResultFiles.PENDING.length;
  if (failed > 0) throw new Error(`the shard map left ${m.ResultFiles.FAILED.length} failed and ${m.ResultFiles.PENDING.length} pending result files: the audit cannot be reduced`);
  return { bucket: m.DestinationBucket, keys: m.ResultFiles.SUCCEEDED.map((f) => f.Key) };
}

/** Every shard's result from the result files' children, by shard index; every index 0..shards-1 exactly once. */
export function shardResultsOf(resultFiles: readonly unknown[], shards: number): ShardResult[] {
  const byIndex = new Map<number, ShardResult>();
  for (const file of resultFiles) {
    for (const child of z.array(childExecutionSchema).parse(file)) {
      if (child.Status !== undefined && child.Status !== 'SUCCEEDED') throw new Error(`a shard execution ended ${child.Status}`);
      if (!child.Output) throw new Error('a shard execution succeeded without an output');
      for (const result of shardBatchResultSchema.parse(JSON.parse(child.Output)).shards) {
        if (byIndex.has(result.index)) throw new Error(`shard ${result.index} reported twice`);
        byIndex.set(result.index, result);
      }
    }
  }
  const missing: number[] = [];
  for (let i = 0; i < shards; i++) if (!byIndex.has(i)) missing.push(i);
  if (missing.length > 0) throw new Error(`no result for shard${missing.length > 1 ? 's' : ''} ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? '…' : ''} of ${shards}`);
  if (byIndex.size !== shards) throw new Error(`results for ${byIndex.size} shards, ${shards} planned`);
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}
