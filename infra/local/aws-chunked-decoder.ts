import { Transform, type TransformCallback } from 'node:stream';

/*
 * Decodes the `aws-chunked` content encoding that SDK v3 uses for streaming uploads with flexible checksums
 * (`<hex size>[;chunk-signature=…]\r\n<bytes>\r\n … 0\r\n<trailers>\r\n`). s3rver would otherwise store the
 * framing as part of the object. Trailing checksums are read past, not verified.
 */

export function isAwsChunked(headers: Record<string, string | string[] | undefined>): boolean {
  const encoding = String(headers['content-encoding'] ?? '');
  const sha = String(headers['x-amz-content-sha256'] ?? '');
  return encoding.split(',').some((e) => e.trim() === 'aws-chunked') || sha.startsWith('STREAMING-');
}

export class AwsChunkedDecoder extends Transform {
  private pending: Buffer = Buffer.alloc(0);
  private remaining = 0;
  private state: 'size' | 'data' | 'data-end' | 'trailer' | 'done' = 'size';

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    try {
      this.drain();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    callback(this.state === 'done' ? null : new Error('aws-chunked body ended before its final chunk'));
  }

  private drain(): void {
    for (;;) {
      if (this.state === 'data') {
        if (this.pending.length === 0) return;
        const take = Math.min(this.remaining, this.pending.length);
        this.push(this.pending.subarray(0, take));
        this.pending = this.pending.subarray(take);
        this.remaining -= take;
        if (this.remaining > 0) return;
        this.state = 'data-end';
        continue;
      }
      if (this.state === 'done') {
        this.pending = Buffer.alloc(0);
        return;
      }
      const lineEnd = this.pending.indexOf('\r\n');
      if (lineEnd < 0) return;
      const line = this.pending.subarray(0, lineEnd).toString('latin1');
      this.pending = this.pending.subarray(lineEnd + 2);
      if (this.state === 'data-end') {
        if (line !== '') throw new Error('malformed aws-chunked body: missing chunk terminator');
        this.state = 'size';
      } else if (this.state === 'size') {
        const size = Number.parseInt(line.split(';')[0]!, 16);
        if (!Number.isFinite(size) || size < 0) throw new Error(`malformed aws-chunked size line: ${line}`);
        if (size === 0) this.state = 'trailer';
        else {
          this.remaining = size;
          this.state = 'data';
        }
      } else if (line === '') {
        this.state = 'done';
      }
    }
  }
}
