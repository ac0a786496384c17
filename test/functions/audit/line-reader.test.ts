import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeLine, newLineReaderStats, readLines } from '../../../functions/audit/line-reader';

async function* chunks(buf: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function collect(buf: Buffer, size = 7, maxLineBytes = 1024) {
  const stats = newLineReaderStats();
  const lines = [];
  for await (const line of readLines(chunks(buf, size), { maxLineBytes }, stats)) lines.push({ ...line, text: line.bytes.toString() });
  return { lines, stats };
}

describe('readLines', () => {
  it('splits lines across chunk boundaries, strips CRLF, counts blank lines, keeps the unterminated last line', async () => {
    const { lines, stats } = await collect(Buffer.from('{"a":1}\r\n\n  \n{"b":2}\n{"c":3}'), 3);
    expect(lines.map((l) => [l.lineNumber, l.text])).toEqual([
      [1, '{"a":1}'],
      [4, '{"b":2}'],
      [5, '{"c":3}'],
    ]);
    expect(stats).toMatchObject({ lines: 5, blankLines: 2, compressed: false });
  });

  it('recognises gzip by its magic bytes, even in one-byte chunks', async () => {
    const { lines, stats } = await collect(gzipSync('x\ny\n'), 1);
    expect(lines.map((l) => l.text)).toEqual(['x', 'y']);
    expect(stats.compressed).toBe(true);
  });

  it('reports a truncated gzip stream and yields the partial last line', async () => {
    const full = gzipSync(Buffer.from(Array.from({ length: 2000 }, (_, i) => `{"row":${i},"pad":"${'x'.repeat(40)}"}`).join('\n')));
    const { lines, stats } = await collect(full.subarray(0, Math.floor(full.length * 0.6)), 512);
    expect(stats.truncated).toMatch(/input ends early/);
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.at(-1)!.partial).toBe(true);
    expect(lines.slice(0, -1).every((l) => !l.partial && l.text.startsWith('{"row":'))).toBe(true);
  });

  it('marks lines over the limit without holding more than the cap', async () => {
    const { lines } = await collect(Buffer.from(`ok\n${'z'.repeat(5000)}\nok`), 100, 1024);
    expect(lines[1]).toMatchObject({ lineNumber: 2, tooLong: true, byteLength: 5000 });
    expect(lines[1]!.bytes.length).toBeLessThanOrEqual(16 * 1024);
    expect(lines[2]!.tooLong).toBe(false);
  });

  it('yields nothing for an empty input', async () => {
    const { lines, stats } = await collect(Buffer.alloc(0));
    expect(lines).toEqual([]);
    expect(stats.lines).toBe(0);
  });
});

describe('decodeLine', () => {
  it('flags invalid UTF-8 instead of silently replacing it', () => {
    expect(decodeLine(Buffer.from('héllo')).valid).toBe(true);
    expect(decodeLine(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])).valid).toBe(false);
  });
});
