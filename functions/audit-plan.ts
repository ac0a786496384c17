import { parseAuditConfig } from './audit/audit-config';
import { planShards } from './audit/shard-plan';
import { shardedAuditInputSchema, workKeys, type PlanOutput } from './audit/sharded-audit-job';
import { putObject } from './stores/s3-objects';
import { S3CorpusSource } from './stores/s3-corpus-source';

/**
 * Plan (sharded audit): pins the corpus version, writes the job every shard and the reduce read, and the JSON array
 * of shards the Distributed Map's ItemReader reads. One streaming read of the corpus counts its lines.
 */
export const handler = async (event: unknown): Promise<PlanOutput> => {
  const input = shardedAuditInputSchema.parse(event);
  const config = parseAuditConfig(input.config);
  const { bucket, key } = input.corpus;
  const source = new S3CorpusSource(bucket, key, { versionId: input.corpus.versionId, etag: input.corpus.etag });
  const pin = await source.resolve();
  const job = { ...input, corpus: { bucket, key, versionId: pin.versionId, etag: pin.etag }, config };
  const jobUri = await putObject(input.work.bucket, workKeys.job(input.work.prefix), JSON.stringify(job), { contentType: 'application/json' });

  const plan = await planShards(await source.open(), { targetBytes: input.sharding.targetBytes, maxShards: input.sharding.maxShards });
  const planKey = workKeys.plan(input.work.prefix);
  await putObject(input.work.bucket, planKey, JSON.stringify(plan.shards), { contentType: 'application/json' });
  return { job: jobUri, plan: { bucket: input.work.bucket, key: planKey }, shards: plan.shards.length, mode: plan.mode, bytes: plan.bytes, lines: plan.lines };
};
