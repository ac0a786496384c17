import { PassThrough } from 'node:stream';
import { Upload } from '@aws-sdk/lib-storage';
import type { ArtifactSink, ArtifactWriter } from '../audit/audit-ports';
import { s3Client } from './aws-clients';
import { s3Uri } from './s3-uri';

/** Audit artifacts under a prefix of the artifacts bucket, streamed as multipart uploads (no temp files). */
export class S3ArtifactSink implements ArtifactSink {
  constructor(
    readonly bucket: string,
    readonly prefix: string,
  ) {}

  open(name: string, contentType: string): ArtifactWriter {
    const key = `${this.prefix}${name}`;
    const stream = new PassThrough();
    const upload = new Upload({
      client: s3Client(),
      params: { Bucket: this.bucket, Key: key, Body: stream, ContentType: contentType },
      queueSize: 2,
      partSize: 8 * 1024 * 1024,
    });
    const done = upload.done();
    // Keep the rejection observed until done() is awaited, so a failed upload is reported, not unhandled.
    done.catch(() => undefined);
    return {
      uri: s3Uri(this.bucket, key),
      stream,
      done: async () => {
        await done;
      },
    };
  }
}
