import type { ShardStore } from '../audit/shard-reduce';
import type { ShardScan, ShardSummary } from '../audit/shard-scan';
import { decodeLabelTexts, decodeShardSummary, decodeShingles, encodeLabelTexts, encodeShardSummary, encodeShingles } from '../audit/shard-summary-codec';
import type { ShardResult } from '../audit/sharded-audit-job';
import { getBytes, getText, putObject } from './s3-objects';

/** Shard summaries and shingle blobs in S3, where the shards wrote them and the reduce reads them. */
export class S3ShardStore implements ShardStore {
  constructor(private readonly results: readonly ShardResult[]) {}

  get shards(): number {
    return this.results.length;
  }

  async summary(index: number): Promise<ShardSummary> {
    return decodeShardSummary(await getText(this.result(index).summary));
  }

  async shingles(index: number): Promise<Uint32Array> {
    return decodeShingles(await getBytes(this.result(index).shingles));
  }

  async labelTexts(index: number): Promise<Map<number, string>> {
    return decodeLabelTexts(await getText(this.result(index).labelTexts));
  }

  private result(index: number): ShardResult {
    const result = this.results[index];
    if (!result || result.index !== index) throw new Error(`no stored summary for shard ${index}`);
    return result;
  }
}

/** Writes one shard's summary, shingle blob and label texts; returns their URIs. */
export async function putShard(bucket: string, keys: { summary: string; shingles: string; labelTexts: string }, scan: ShardScan): Promise<{ summary: string; shingles: string; labelTexts: string }> {
  const [summary, shingles, labelTexts] = await Promise.all([
    putObject(bucket, keys.summary, encodeShardSummary(scan.summary), { contentType: 'application/json' }),
    putObject(bucket, keys.shingles, encodeShingles(scan.shingles), { contentType: 'application/octet-stream' }),
    putObject(bucket, keys.labelTexts, encodeLabelTexts(scan.labelTexts), { contentType: 'application/json' }),
  ]);
  return { summary, shingles, labelTexts };
}
