import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants as zlibConstants, createGunzip } from 'node:zlib';

/**
 * The plan of a sharded audit: the corpus cut into shards at line starts, each knowing the corpus line number it
 * starts at, so every shard reports findings under the corpus's own line numbers.
 *
 * A plain JSONL corpus is cut by byte ranges: a shard reads only its range (a ranged GET). A gzip corpus cannot be
 * entered in the middle, so it is cut by lines: every shard decompresses from the start and skips to its first line
 * (decompression runs at hundreds of MB/s, far ahead of the audit itself). Either way the cuts are chosen by a
 * target of decompressed bytes per shard, or by a fixed number of lines per shard.
 *
 * Pure: the planner is fed the bytes and counts newlines; fetching them is the caller's business.
 */

export type ShardMode = 'bytes' | 'lines';

export interface ShardPlanItem {
  index: number;
  mode: ShardMode;
  /** 1-based corpus line number of the shard's first physical line. */
  firstLine: number;
  /** Physical lines in the shard (blank ones included); absent on the last shard, which reads to the end. */
  lineCount?: number;
  /** Offset of the first byte in the decompressed corpus (for a plain corpus, in the object). */
  start: number;
  /** Offset one past the last byte; absent on the last shard, which reads to the end. */
  end?: number;
}

export interface ShardPlan {
  version: 1;
  mode: ShardMode;
  compressed: boolean;
  /** Decompressed bytes and physical lines the planner saw. */
  bytes: number;
  lines: number;
  shards: ShardPlanItem[];
}

export interface ShardPlanOptions {
  compressed: boolean;
  /** Decompressed bytes per shard (the cut is the first line start at or after each multiple). */
  targetBytes?: number;
  /** Or: physical lines per shard. */
  linesPerShard?: number;
  /** Shards at most: the target grows to fit (the Distributed Map's items stay few and large). */
  maxShards?: number;
}

/**
 * Plans a corpus from its bytes as stored: gzip is recognised by its magic bytes (as line-reader.ts does) and planned
 * by lines over its decompressed bytes. A gzip stream that ends early or breaks ends the planning there: the last
 * shard reads to the end of the input anyway, and meets the damage as the single audit would.
 */
export async function planShards(chunks: AsyncIterable<Uint8Array>, options: Omit<ShardPlanOptions, 'compressed'>): Promise<ShardPlan> {
  const iterator = chunks[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  const buffered: Uint8Array[] = [];
  while (head.length < 2) {
    const next = await iterator.next();
    if (next.done) break;
    buffered.push(next.value);
    head = Buffer.concat([head, Buffer.from(next.value)]);
  }
  const compressed = head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1;
  const planner = new ShardPlanner({ ...options, compressed });
  const rest = (async function* () {
    yield* buffered;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  })();
  if (!compressed) {
    for await (const chunk of rest) planner.push(chunk);
    return planner.finish();
  }
  // Z_SYNC_FLUSH: a truncated stream yields all it can decode and ends without an error.
  const gunzip = createGunzip({ finishFlush: zlibConstants.Z_SYNC_FLUSH });
  const feeding = pipeline(Readable.from(rest), gunzip).catch(() => undefined);
  try {
    for await (const chunk of gunzip) planner.push(chunk as Buffer);
  } catch {
    // Corrupt deflate data: planned up to the damage.
  }
  await feeding;
  return planner.finish();
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

export class ShardPlanner {
  private readonly options: ShardPlanOptions;
  private offset = 0;
  private lines = 0;
  /** Whether the next byte starts a line. */
  private atLineStart = true;
  /** Cuts so far; `head` holds the first two bytes of the line the cut starts at. */
  private readonly cuts: { offset: number; line: number; head: number[] }[] = [{ offset: 0, line: 1, head: [0, 0] }];

  constructor(options: ShardPlanOptions) {
    if ((options.targetBytes === undefined) === (options.linesPerShard === undefined)) throw new Error('ShardPlanner: give exactly one of targetBytes and linesPerShard');
    const size = options.targetBytes ?? options.linesPerShard!;
    if (!Number.isInteger(size) || size < 1) throw new Error(`ShardPlanner: the shard size must be a positive integer, got ${size}`);
    if (options.maxShards !== undefined && (!Number.isInteger(options.maxShards) || options.maxShards < 1)) throw new Error(`ShardPlanner: maxShards must be a positive integer, got ${options.maxShards}`);
    this.options = options;
  }

  push(chunk: Uint8Array): void {
    const base = this.offset;
    this.fillHead(chunk, base);
    let i = 0;
    while (i < chunk.length) {
      if (this.atLineStart) {
        this.dropGzipLikeCut();
        if (this.wantsCut(base + i)) {
          this.cuts.push({ offset: base + i, line: this.lines + 1, head: [] });
          this.fillHead(chunk, base);
        }
      }
      const nl = chunk.indexOf(10, i);
      if (nl === -1) {
        this.atLineStart = false;
        break;
      }
      this.lines++;
      this.atLineStart = true;
      i = nl + 1;
    }
    this.offset += chunk.length;
  }

  finish(): ShardPlan {
    this.dropGzipLikeCut();
    // A last line without a newline is still a line.
    const lines = this.lines + (this.atLineStart ? 0 : 1);
    const mode: ShardMode = this.options.compressed ? 'lines' : 'bytes';
    let cuts = this.cuts;
    const maxShards = this.options.maxShards;
    if (maxShards !== undefined && cuts.length > maxShards) {
      // Keep every k-th cut: fewer, larger shards, still at line starts.
      const k = Math.ceil(cuts.length / maxShards);
      cuts = cuts.filter((_, i) => i % k === 0);
    }
    const shards = cuts.map((cut, i): ShardPlanItem => {
      const next = cuts[i + 1];
      return { index: i, mode, firstLine: cut.line, start: cut.offset, ...(next ? { end: next.offset, lineCount: next.line - cut.line } : {}) };
    });
    return { version: 1, mode, compressed: this.options.compressed, bytes: this.offset, lines, shards };
  }

  private wantsCut(position: number): boolean {
    const last = this.cuts[this.cuts.length - 1]!;
    if (this.options.linesPerShard !== undefined) return this.lines + 1 - last.line >= this.options.linesPerShard;
    return position - last.offset >= this.options.targetBytes!;
  }

  /** The first two bytes of the newest cut's line, as far as this chunk holds them. */
  private fillHead(chunk: Uint8Array, base: number): void {
    const cut = this.cuts[this.cuts.length - 1]!;
    for (let j = Math.max(0, cut.offset - base); cut.head.length < 2 && j < chunk.length; j++) cut.head.push(chunk[j]!);
  }

  /**
   * A byte range whose first bytes are gzip's magic would be read as gzip (line-reader.ts sniffs it), so a plain
   * corpus is never cut before such a line; the next line start is cut instead. Known by the next line start.
   */
  private dropGzipLikeCut(): void {
    if (this.options.compressed || this.cuts.length === 1) return;
    const cut = this.cuts[this.cuts.length - 1]!;
    if (cut.head[0] === GZIP_MAGIC_0 && cut.head[1] === GZIP_MAGIC_1) this.cuts.pop();
  }
}
