import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { planShards, ShardPlanner, type ShardPlan } from '../../../functions/audit/shard-plan';

function planOf(bytes: Buffer, options: ConstructorParameters<typeof ShardPlanner>[0], chunkSizes: number[] = [bytes.length || 1]): ShardPlan {
  const planner = new ShardPlanner(options);
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const size = chunkSizes[k % chunkSizes.length]!;
    planner.push(bytes.subarray(at, at + size));
    at += size;
  }
  return planner.finish();
}

/** The lines each shard's byte range holds, by splitting the corpus as line-reader.ts does. */
function linesOf(bytes: Buffer, plan: ShardPlan): string[][] {
  return plan.shards.map((s) => {
    const text = bytes.subarray(s.start, s.end ?? bytes.length).toString('latin1');
    const parts = text.split('\n');
    if (parts[parts.length - 1] === '') parts.pop();
    return parts;
  });
}

const corpus = Buffer.from(Array.from({ length: 100 }, (_, i) => `{"n":${i}${' '.repeat(i % 13)}}`).join('\n') + '\n');

describe('ShardPlanner', () => {
  it('cuts a plain corpus into byte ranges at line starts that tile it, each knowing its first line', () => {
    const plan = planOf(corpus, { compressed: false, targetBytes: 200 });
    expect(plan).toMatchObject({ mode: 'bytes', compressed: false, bytes: corpus.length, lines: 100 });
    expect(plan.shards.length).toBeGreaterThan(5);
    let line = 1;
    let offset = 0;
    for (const [i, s] of plan.shards.entries()) {
      expect(s).toMatchObject({ index: i, mode: 'bytes', firstLine: line, start: offset });
      expect(s.start === 0 || corpus[s.start - 1] === 10).toBe(true);
      if (i < plan.shards.length - 1) {
        expect(s.end! - s.start).toBeGreaterThanOrEqual(200);
        line += s.lineCount!;
        offset = s.end!;
      } else {
        expect(s.end).toBeUndefined();
        expect(s.lineCount).toBeUndefined();
      }
    }
    const lines = linesOf(corpus, plan);
    expect(lines.flat()).toEqual(corpus.toString().trimEnd().split('\n'));
    // Each shard's first line is the line the plan says.
    for (const [i, s] of plan.shards.entries()) expect(lines[i]![0]).toBe(`{"n":${s.firstLine - 1}${' '.repeat((s.firstLine - 1) % 13)}}`);
  });

  it('makes the same plan however the bytes are chunked', () => {
    const whole = planOf(corpus, { compressed: false, targetBytes: 150 });
    for (const sizes of [[1], [7, 1, 64], [4096], [2, 3]]) expect(planOf(corpus, { compressed: false, targetBytes: 150 }, sizes)).toEqual(whole);
  });

  it('cuts by a number of lines, blank lines included, and counts a last line without a newline', () => {
    const bytes = Buffer.from('a\n\nb\nc\n\nd\ne');
    const plan = planOf(bytes, { compressed: true, linesPerShard: 2 }, [3]);
    expect(plan).toMatchObject({ mode: 'lines', compressed: true, lines: 7 });
    expect(plan.shards.map((s) => [s.firstLine, s.lineCount])).toEqual([
      [1, 2],
      [3, 2],
      [5, 2],
      [7, undefined],
    ]);
  });

  it('never starts a plain byte range on a line that begins like gzip (the line reader would gunzip it)', () => {
    const lines = Array.from({ length: 40 }, (_, i) => (i % 2 === 1 ? Buffer.from([0x1f, 0x8b, 0x41]) : Buffer.from(`{"n":${i}}`)));
    const bytes = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
    for (const sizes of [[1], [5], [bytes.length]]) {
      const plan = planOf(bytes, { compressed: false, linesPerShard: 1 }, sizes);
      expect(plan.shards.length).toBe(20);
      for (const s of plan.shards) expect(bytes.subarray(s.start, s.start + 2).equals(Buffer.from([0x1f, 0x8b]))).toBe(false);
      expect(linesOf(bytes, plan).flat().length).toBe(40);
    }
  });

  it('keeps at most maxShards shards by merging neighbours', () => {
    const plan = planOf(corpus, { compressed: false, linesPerShard: 3, maxShards: 10 });
    expect(plan.shards.length).toBeLessThanOrEqual(10);
    expect(linesOf(corpus, plan).flat().length).toBe(100);
  });

  it('plans one shard for an empty corpus and for a corpus smaller than the target', () => {
    expect(planOf(Buffer.alloc(0), { compressed: false, targetBytes: 10 }).shards).toEqual([{ index: 0, mode: 'bytes', firstLine: 1, start: 0 }]);
    expect(planOf(corpus, { compressed: false, targetBytes: 1e9 }).shards.length).toBe(1);
  });

  it('refuses a plan without exactly one shard size', () => {
    expect(() => new ShardPlanner({ compressed: false })).toThrow(/exactly one/);
    expect(() => new ShardPlanner({ compressed: false, targetBytes: 1, linesPerShard: 1 })).toThrow(/exactly one/);
    expect(() => new ShardPlanner({ compressed: false, targetBytes: 0 })).toThrow(/positive/);
    expect(() => new ShardPlanner({ compressed: false, targetBytes: 10, maxShards: 0 })).toThrow(/maxShards/);
  });
});

describe('planShards', () => {
  async function* chunks(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
    for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
  }

  it('plans a plain corpus by bytes and a gzip corpus by lines over the same decompressed bytes', async () => {
    const plain = await planShards(chunks(corpus, 1), { targetBytes: 300 });
    expect(plain).toEqual(planOf(corpus, { compressed: false, targetBytes: 300 }));
    const gz = await planShards(chunks(gzipSync(corpus), 100), { targetBytes: 300 });
    expect(gz.mode).toBe('lines');
    expect(gz.shards.map((s) => [s.firstLine, s.lineCount, s.start, s.end])).toEqual(plain.shards.map((s) => [s.firstLine, s.lineCount, s.start, s.end]));
  });

  it('plans a truncated gzip corpus up to where it breaks', async () => {
    const gz = gzipSync(corpus);
    const plan = await planShards(chunks(gz.subarray(0, Math.floor(gz.length * 0.6)), 50), { targetBytes: 200 });
    expect(plan.compressed).toBe(true);
    expect(plan.lines).toBeGreaterThan(10);
    expect(plan.lines).toBeLessThan(100);
    expect(plan.shards[plan.shards.length - 1]!.end).toBeUndefined();
  });

  it('plans an empty corpus as one shard', async () => {
    expect((await planShards(chunks(Buffer.alloc(0), 1), { targetBytes: 10 })).shards).toHaveLength(1);
  });
});
