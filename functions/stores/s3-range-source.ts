import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { CorpusSource } from '../audit/audit-ports';
import { s3Client } from './aws-clients';
import { s3Uri } from './s3-uri';

/**
 * A byte range of a corpus object, pinned to one version (or ETag) like S3CorpusSource: a shard of the sharded audit
 * reads only its range. `end` is exclusive; without it the range runs to the end of the object.
 */
export class S3RangeSource implements CorpusSource {
  readonly uri: string;
  constructor(
    readonly bucket: string,
    readonly key: string,
    private readonly pin: { versionId?: string; etag?: string },
    readonly range: { start: number; end?: number },
  ) {
    if (!Number.isInteger(range.start) || range.start < 0 || (range.end !== undefined && range.end <= range.start)) {
      throw new Error(`S3RangeSource: invalid range ${range.start}..${range.end ?? ''} of ${s3Uri(bucket, key)}`);
    }
    this.uri = s3Uri(bucket, key);
  }

  async open(): Promise<AsyncIterable<Uint8Array>> {
    const { start, end } = this.range;
    // A range from 0 to the end is the whole object: no Range header (an empty object has no satisfiable range).
    const header = start === 0 && end === undefined ? undefined : `bytes=${start}-${end === undefined ? '' : end - 1}`;
    const out = await s3Client().send(
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: this.key,
        VersionId: this.pin.versionId,
        IfMatch: this.pin.versionId ? undefined : this.pin.etag,
        Range: header,
      }),
    );
    if (!out.Body) throw new Error(`empty response body for ${this.uri} (${header ?? 'whole object'})`);
    return out.Body as AsyncIterable<Uint8Array>;
  }
}
