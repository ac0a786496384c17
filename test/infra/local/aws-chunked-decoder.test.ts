import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { AwsChunkedDecoder, isAwsChunked } from '../../../infra/local/aws-chunked-decoder';

async function decode(pieces: string[]): Promise<string> {
  let out = '';
  for await (const chunk of Readable.from(pieces.map((p) => Buffer.from(p, 'latin1'))).pipe(new AwsChunkedDecoder())) {
    out += (chunk as Buffer).toString('latin1');
  }
  return out;
}

const unsignedWithTrailer = '6\r\nhello \r\n6\r\nstream\r\n0\r\nx-amz-checksum-crc32:gtnkmQ==\r\n\r\n';
const signed =
  '5;chunk-signature=abc\r\nhello\r\n1;chunk-signature=def\r\n!\r\n0;chunk-signature=123\r\n\r\n';

describe('aws-chunked decoding', () => {
  it('strips unsigned chunk framing and trailers', async () => {
    expect(await decode([unsignedWithTrailer])).toBe('hello stream');
  });

  it('strips signed chunk framing', async () => {
    expect(await decode([signed])).toBe('hello!');
  });

  it('is independent of how the input is split', async () => {
    for (let size = 1; size < unsignedWithTrailer.length; size += 3) {
      const pieces = unsignedWithTrailer.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g'))!;
      expect(await decode(pieces)).toBe('hello stream');
    }
  });

  it('keeps CRLF inside the payload', async () => {
    expect(await decode(['4\r\na\r\nb\r\n0\r\n\r\n'])).toBe('a\r\nb');
  });

  it('fails on a truncated body', async () => {
    await expect(decode(['6\r\nhello '])).rejects.toThrow(/ended before its final chunk/);
  });

  it('recognises the encoding from headers', () => {
    expect(isAwsChunked({ 'content-encoding': 'aws-chunked' })).toBe(true);
    expect(isAwsChunked({ 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' })).toBe(true);
    expect(isAwsChunked({ 'content-encoding': 'gzip', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' })).toBe(false);
  });
});
