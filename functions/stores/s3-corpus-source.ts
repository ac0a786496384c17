import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import type { CorpusSource } from '../audit/audit-ports';
import { s3Client } from './aws-clients';
import { s3Uri } from './s3-uri';

/**
 * A corpus object in S3, pinned to one version (or ETag) so both audit passes read the same bytes even if the key
 * is overwritten mid-audit.
 */
export class S3CorpusSource implements CorpusSource {
  readonly uri: string;
  constructor(
    readonly bucket: string,
    readonly key: string,
    private pin: { versionId?: string; etag?: string } = {},
  ) {
    this.uri = s3Uri(bucket, key);
  }

  get versionId(): string | undefined {
    return this.pin.versionId;
  }

  get etag(): string | undefined {
    return this.pin.etag;
  }

  /** Resolves the version and ETag when the caller did not know them. */
  async resolve(): Promise<{ versionId?: string; etag?: string; size?: number; metadata: Record<string, string> }> {
    const head = await s3Client().send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key, VersionId: this.pin.versionId }));
    this.pin = { versionId: this.pin.versionId ?? head.VersionId ?? undefined, etag: this.pin.etag ?? head.ETag };
    return { ...this.pin, size: head.ContentLength, metadata: head.Metadata ?? {} };
  }

  async open(): Promise<AsyncIterable<Uint8Array>> {
    const out = await s3Client().send(
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: this.key,
        VersionId: this.pin.versionId,
        IfMatch: this.pin.versionId ? undefined : this.pin.etag,
      }),
    );
    if (!out.Body) throw new Error(`empty response body for ${this.uri}`);
    return out.Body as AsyncIterable<Uint8Array>;
  }
}
