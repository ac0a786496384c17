import { parseAuditConfig, type AuditConfig } from './audit/audit-config';
import { scanShard } from './audit/shard-scan';
import { shardBatchSchema, shardedAuditInputSchema, workKeys, type ShardedAuditInput, type ShardResult } from './audit/sharded-audit-job';
import { getText } from './stores/s3-objects';
import { S3CorpusSource } from './stores/s3-corpus-source';
import { S3RangeSource } from './stores/s3-range-source';
import { putShard } from './stores/s3-shard-store';

// The job is the same for every batch of an execution: read once per container.
const jobs = new Map<string, Promise<{ job: ShardedAuditInput; config: AuditConfig }>>();

function loadJob(uri: string) {
  let job = jobs.get(uri);
  if (!job) {
    job = getText(uri).then((text) => {
      const parsed = shardedAuditInputSchema.parse(JSON.parse(text));
      return { job: parsed, config: parseAuditConfig(parsed.config) };
    });
    job.catch(() => jobs.delete(uri));
    jobs.set(uri, job);
  }
  return job;
}

/**
 * Shard (sharded audit, one Distributed Map batch): pass 1's parallel part for each shard of the batch, its summary
 * and shingle blob written beside the plan. A plain corpus is read by byte range; a gzip one from its start.
 */
export const handler = async (event: unknown): Promise<{ shards: ShardResult[] }> => {
  const batch = shardBatchSchema.parse(event);
  const { job, config } = await loadJob(batch.BatchInput.job);
  const { bucket, key, versionId, etag } = job.corpus;
  const shards: ShardResult[] = [];
  for (const item of batch.Items) {
    const source = item.mode === 'bytes' ? new S3RangeSource(bucket, key, { versionId, etag }, { start: item.start, end: item.end }) : new S3CorpusSource(bucket, key, { versionId, etag });
    const scan = await scanShard({ item, chunks: await source.open(), config });
    const prefix = job.work.prefix;
    const uris = await putShard(job.work.bucket, { summary: workKeys.summary(prefix, item.index), shingles: workKeys.shingles(prefix, item.index), labelTexts: workKeys.labelTexts(prefix, item.index) }, scan);
    shards.push({ index: item.index, ...uris, rows: scan.summary.rows });
  }
  return { shards };
};
