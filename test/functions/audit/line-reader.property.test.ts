import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newLineReaderStats, readLines, type LineReaderStats, type RawLine } from '../../../functions/audit/line-reader';

const RUNS = { seed: 20_261_112, numRuns: 300 };

/** Bytes rich in what the reader cares about: newlines, carriage returns, blanks, and the gzip magic. */
const byte = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 255 }) }, { weight: 2, arbitrary: fc.constantFrom(0x0a, 0x0d, 0x20, 0x09, 0x1f, 0x8b, 0x7b) });
const bytes = fc.array(byte, { maxLength: 600 }).map((b) => Buffer.from(b));

/** Chunk sizes, cycled over the input: one-byte chunks, boundaries inside `\r\n` and inside the gzip magic. */
const cuts = fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 });
const limits = fc.record({ maxLineBytes: fc.integer({ min: 1, max: 80 }), hardCapBytes: fc.option(fc.integer({ min: 1, max: 200 }), { nil: undefined }) });

/** Yields `input` in chunks, alternately as Buffers and as plain Uint8Array views into a larger allocation. */
async function* chunked(input: Buffer, sizes: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (let i = 0; at < input.length; i++) {
    const size = sizes[i % sizes.length]!;
    const piece = input.subarray(at, at + size);
    if (i % 2 === 0) yield piece;
    else {
      const backing = new Uint8Array(piece.length + 8);
      backing.set(piece, 4);
      yield new Uint8Array(backing.buffer, 4, piece.length);
    }
    at += size;
  }
}

async function read(input: Buffer, sizes: number[], options: { maxLineBytes: number; hardCapBytes?: number }): Promise<{ lines: RawLine[]; stats: LineReaderStats }> {
  const stats = newLineReaderStats();
  const lines: RawLine[] = [];
  for await (const line of readLines(chunked(input, sizes), options, stats)) lines.push({ ...line, bytes: Buffer.from(line.bytes) });
  return { lines, stats };
}

const isBlank = (b: Buffer) => b.every((c) => c === 0x20 || c === 0x09 || c === 0x0d);

/**
 * The reference reading of `input` (already decompressed), written as plainly as possible: physical lines are the
 * pieces between `\n`s (a final `\n` ends the last line, it does not start an empty one). A line over the hard cap
 * keeps its first `hardCap` bytes and its full length; otherwise one trailing `\r` is dropped. Blank lines
 * (spaces, tabs, `\r` only) are counted, not yielded.
 */
function reference(input: Buffer, options: { maxLineBytes: number; hardCapBytes?: number }) {
  const hardCap = Math.max(options.hardCapBytes ?? 16 * options.maxLineBytes, options.maxLineBytes);
  const physical: Buffer[] = [];
  let start = 0;
  for (let nl = input.indexOf(10); nl !== -1; nl = input.indexOf(10, start)) {
    physical.push(input.subarray(start, nl));
    start = nl + 1;
  }
  if (start < input.length) physical.push(input.subarray(start));
  const lines: Omit<RawLine, 'partial'>[] = [];
  let blank = 0;
  physical.forEach((raw, i) => {
    if (raw.length > hardCap) {
      lines.push({ lineNumber: i + 1, bytes: raw.subarray(0, hardCap), byteLength: raw.length, tooLong: raw.length > options.maxLineBytes });
      return;
    }
    const line = raw.length > 0 && raw[raw.length - 1] === 0x0d ? raw.subarray(0, raw.length - 1) : raw;
    if (isBlank(line)) blank++;
    else lines.push({ lineNumber: i + 1, bytes: line, byteLength: line.length, tooLong: line.length > options.maxLineBytes });
  });
  return { physical, lines, blank };
}

const startsWithGzipMagic = (b: Buffer) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

describe('readLines on arbitrary bytes', () => {
  it('yields exactly the reference lines, whatever the chunking, plain or gzip', async () => {
    await fc.assert(
      fc.asyncProperty(bytes, cuts, limits, fc.boolean(), async (input, sizes, options, gzip) => {
        // Plain input that opens with the gzip magic is read as (corrupt) gzip: covered below.
        fc.pre(gzip || !startsWithGzipMagic(input));
        const { lines, stats } = await read(gzip ? gzipSync(input) : input, sizes, options);
        const ref = reference(input, options);
        expect(stats.truncated).toBeUndefined();
        expect(stats.compressed).toBe(gzip);
        expect(stats.bytes).toBe(input.length);
        // Nothing lost: every physical line is either yielded or counted blank.
        expect(stats.lines).toBe(ref.physical.length);
        expect(lines.length + stats.blankLines).toBe(stats.lines);
        expect(stats.blankLines).toBe(ref.blank);
        expect(lines.map((l) => ({ lineNumber: l.lineNumber, bytes: l.bytes, byteLength: l.byteLength, tooLong: l.tooLong }))).toEqual(ref.lines);
        expect(lines.every((l) => !l.partial)).toBe(true);
      }),
      RUNS,
    );
  });

  it('reproduces the input: yielded bytes joined by their terminators give back every line', async () => {
    // Lines with no `\r`, no blank line and none over the cap: the reading is then lossless, byte for byte.
    const line = fc.array(fc.integer({ min: 0, max: 255 }).filter((c) => c !== 0x0a && c !== 0x0d), { minLength: 1, maxLength: 60 }).filter((l) => !l.every((c) => c === 0x20 || c === 0x09));
    const text = fc.record({ lines: fc.array(line, { maxLength: 20 }), finalNewline: fc.boolean() }).map(({ lines, finalNewline }) => Buffer.concat(lines.map((l, i) => Buffer.from(i < lines.length - 1 || finalNewline ? [...l, 0x0a] : l))));
    await fc.assert(
      fc.asyncProperty(text, cuts, fc.boolean(), async (input, sizes, gzip) => {
        fc.pre(gzip || !startsWithGzipMagic(input));
        const { lines } = await read(gzip ? gzipSync(input) : input, sizes, { maxLineBytes: 64 });
        const rebuilt = Buffer.concat(lines.flatMap((l) => [l.bytes, Buffer.from('\n')]));
        const expected = input.length === 0 || input[input.length - 1] === 0x0a ? input : Buffer.concat([input, Buffer.from('\n')]);
        expect(rebuilt.equals(expected)).toBe(true);
        expect(lines.map((l) => l.lineNumber)).toEqual(lines.map((_, i) => i + 1));
      }),
      RUNS,
    );
  });
});

describe('readLines on damaged gzip', () => {
  it('a truncated gzip never throws out of the iterator, reports `truncated`, and yields a prefix of the lines', async () => {
    const damaged = fc.record({ input: bytes, cut: fc.double({ min: 0, max: 1, noNaN: true }), sizes: cuts, options: limits });
    await fc.assert(
      fc.asyncProperty(damaged, async ({ input, cut, sizes, options }) => {
        const full = gzipSync(input);
        // At least the two magic bytes (a single byte cannot say it is gzip), and short of the whole stream.
        const length = 2 + Math.floor(cut * (full.length - 2));
        fc.pre(length < full.length);
        const { lines, stats } = await read(full.subarray(0, length), sizes, options);
        expect(stats.compressed).toBe(true);
        expect(stats.truncated).toMatch(/^input ends early: ./);
        const ref = reference(input, options);
        // Only the last line may be partial; every complete line is the reference line of that number.
        lines.forEach((l, i) => {
          const want = ref.lines[i]!;
          expect(l.lineNumber).toBe(want.lineNumber);
          if (l.partial) {
            expect(i).toBe(lines.length - 1);
            expect(ref.physical[l.lineNumber - 1]!.subarray(0, l.bytes.length).equals(l.bytes)).toBe(true);
          } else expect(l.bytes.equals(want.bytes)).toBe(true);
        });
        expect(stats.lines).toBeLessThanOrEqual(ref.physical.length);
        expect(lines.length + stats.blankLines).toBe(stats.lines);
      }),
      RUNS,
    );
  });

  it('a corrupted gzip never throws: it reads the original lines or reports `truncated`', async () => {
    const corrupt = fc.record({ input: bytes, at: fc.double({ min: 0, max: 1, noNaN: true }), flip: fc.integer({ min: 1, max: 255 }), sizes: cuts, options: limits });
    await fc.assert(
      fc.asyncProperty(corrupt, async ({ input, at, flip, sizes, options }) => {
        const damaged = Buffer.from(gzipSync(input));
        // Past the magic: a flipped magic byte makes plain text, read as such.
        const index = 2 + Math.floor(at * (damaged.length - 2));
        damaged[index]! ^= flip;
        const { lines, stats } = await read(damaged, sizes, options);
        if (stats.truncated === undefined) {
          // Accepted only when the damage was in a header field gunzip ignores (time stamp, OS): same lines.
          expect(lines.map((l) => l.bytes)).toEqual(reference(input, options).lines.map((l) => l.bytes));
        } else expect(lines.length + stats.blankLines).toBe(stats.lines);
      }),
      RUNS,
    );
  });

  it('garbage after the gzip magic never throws and is reported', async () => {
    await fc.assert(
      fc.asyncProperty(bytes, cuts, limits, async (tail, sizes, options) => {
        const { stats } = await read(Buffer.concat([Buffer.from([0x1f, 0x8b]), tail]), sizes, options);
        expect(stats.compressed).toBe(true);
        expect(stats.truncated).toMatch(/^input ends early: ./);
      }),
      RUNS,
    );
  });
});
