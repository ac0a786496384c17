import type { Writable } from 'node:stream';

/** Where a corpus is read from. `open()` may be called more than once: the audit reads its input twice. */
export interface CorpusSource {
  /** s3://bucket/key, or a local path. */
  readonly uri: string;
  open(): Promise<AsyncIterable<Uint8Array>>;
}

export interface ArtifactWriter {
  readonly uri: string;
  readonly stream: Writable;
  /** Resolves when the artifact is durably written (file closed, S3 upload completed). */
  done(): Promise<void>;
}

/** Where the audit writes its outputs: a folder, or a prefix in the artifacts bucket. */
export interface ArtifactSink {
  open(name: string, contentType: string): ArtifactWriter;
}
