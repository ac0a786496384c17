import type { AuditConfig } from './audit-config';
import { labelText, rawHash, rowChars, rowGroup } from './audit-ledger';
import type { Finding } from './finding';
import { readLines, newLineReaderStats, type RawLine } from './line-reader';
import { rowOfLine } from './line-row';
import { sortedSet } from './minhash';
import { NearDuplicateIndex } from './near-duplicate-index';
import { RowScanner } from './row-scanner';
import { Shingler } from './shingles';
import type { ShardPlanItem } from './shard-plan';

/**
 * Pass 1's parallel part for one shard: parse every line, run the row checks, and reduce each row to what the
 * cross-shard decisions need (normalised and prompt keys, a hash of the raw bytes, MinHash band keys, the shingle
 * set for verifying candidates, label and skew features). The decisions themselves (duplicates, leakage, label
 * noise) need the whole corpus in line order and are taken by the reduce (shard-reduce.ts).
 */

export const ENTRY_TRAIN = 0;
export const ENTRY_EVAL = 1;
/** A line that did not parse: its finding is all the reduce needs. */
export const ENTRY_PROBLEM = 2;

/** One shard's pass-1 result; every column has one value per non-blank line, in line order. */
export interface ShardSummary {
  /** 2: band keys are 52-bit (Float64Array). */
  version: 2;
  index: number;
  firstLine: number;
  /** Physical lines, blank ones included. */
  lines: number;
  blankLines: number;
  /** Non-blank lines (the columns' length). */
  rows: number;
  /** Decompressed bytes of the shard. */
  bytes: number;
  compressed: boolean;
  truncated?: string;
  /** Band keys per row (the configuration's bands). */
  bands: number;
  line: Float64Array;
  kind: Uint8Array;
  key: Float64Array;
  /** NaN when the prompt is shorter than `leakage.minPromptWords`. */
  promptKey: Float64Array;
  rawHash: Uint32Array;
  tokens: Uint32Array;
  chars: Uint32Array;
  /** Index into labelNames / sourceNames, -1 when the row has none. */
  label: Int32Array;
  source: Int32Array;
  labelNames: string[];
  sourceNames: string[];
  /** rows × bands. */
  bandKeys: Float64Array;
  /** rows + 1 offsets into the shard's shingle blob (sorted, deduplicated shingle set per row). */
  shingleOffset: Float64Array;
  ids: (string | null)[];
  /** Row-check and parse findings, by row index. */
  findings: Map<number, Finding[]>;
  /** Rows with a label text (stored apart: the reduce's first phase does not need them). */
  labelTextCount: number;
}

export interface ShardScan {
  summary: ShardSummary;
  /** Concatenated shingle sets (see shingleOffset). */
  shingles: Uint32Array;
  /** What the label is about, by row index: labelled training rows, when label noise is on. */
  labelTexts: Map<number, string>;
}

export interface ScanShardInput {
  item: ShardPlanItem;
  /**
   * The shard's bytes: its byte range of a plain corpus (mode `bytes`), or the whole corpus from its start
   * (mode `lines`: a gzip corpus, decompressed here and skipped to the shard's first line).
   */
  chunks: AsyncIterable<Uint8Array>;
  config: AuditConfig;
}

export async function scanShard(input: ScanShardInput): Promise<ShardScan> {
  const { item, config } = input;
  const scanner = new RowScanner(config);
  const shingler = new Shingler({ shingleSize: config.dedup.shingleSize });
  const hasher = new NearDuplicateIndex({ bands: config.dedup.bands, rowsPerBand: config.dedup.rowsPerBand, threshold: config.dedup.threshold });
  const bands = config.dedup.bands;
  const columns = new Columns(bands);
  const labelIds = new Names();
  const sourceIds = new Names();
  const findings = new Map<number, Finding[]>();
  const labelTexts = new Map<number, string>();
  const shingles = new Growable(Uint32Array);

  const lines = shardLines(item, input.chunks, config);
  for await (const raw of lines.iterate()) {
    const e = columns.rows;
    const read = rowOfLine(raw);
    if (!read.ok) {
      columns.push(raw.lineNumber, ENTRY_PROBLEM);
      findings.set(e, [read.finding]);
      columns.shingleOffset.push(shingles.length);
      continue;
    }
    const row = read.row;
    const rowFindings: Finding[] = [];
    scanner.scanRow(row, rowFindings);
    if (rowFindings.length > 0) findings.set(e, rowFindings);
    const group = rowGroup(row, config);
    const sh = shingler.row(row.segments);
    columns.push(raw.lineNumber, group === 'eval' ? ENTRY_EVAL : ENTRY_TRAIN);
    columns.key.push(sh.key);
    columns.promptKey.push(sh.promptTokens >= config.leakage.minPromptWords ? sh.promptKey : NaN);
    columns.rawHash.push(config.dedup.exact ? rawHash(raw.bytes) : 0);
    columns.tokens.push(sh.tokens);
    columns.chars.push(rowChars(row));
    columns.label.push(row.label === undefined ? -1 : labelIds.id(row.label));
    columns.source.push(row.source === undefined ? -1 : sourceIds.id(row.source));
    columns.ids.push(row.id ?? null);
    columns.bandKeys.set(e * bands, hasher.keysOf(sh.shingles));
    if (sh.shingles.length > 0) shingles.append(sortedSet(sh.shingles));
    columns.shingleOffset.push(shingles.length);
    if (config.labelNoise.enabled && row.label !== undefined && group === 'train') labelTexts.set(e, labelText(row));
  }
  const stats = lines.stats();
  const rows = columns.rows;
  return {
    summary: {
      version: 2,
      index: item.index,
      firstLine: item.firstLine,
      lines: stats.lines,
      blankLines: stats.lines - rows,
      rows,
      bytes: stats.bytes,
      compressed: stats.compressed,
      ...(stats.truncated ? { truncated: stats.truncated } : {}),
      bands,
      line: Float64Array.from(columns.line),
      kind: Uint8Array.from(columns.kind),
      key: Float64Array.from(columns.key),
      promptKey: Float64Array.from(columns.promptKey),
      rawHash: Uint32Array.from(columns.rawHash),
      tokens: Uint32Array.from(columns.tokens),
      chars: Uint32Array.from(columns.chars, (c) => Math.min(c, 0xffffffff)),
      label: Int32Array.from(columns.label),
      source: Int32Array.from(columns.source),
      labelNames: labelIds.names,
      sourceNames: sourceIds.names,
      bandKeys: columns.bandKeys.view(),
      shingleOffset: Float64Array.from(columns.shingleOffset),
      ids: columns.ids,
      findings,
      labelTextCount: labelTexts.size,
    },
    shingles: shingles.view(),
    labelTexts,
  };
}

interface ShardLineStats {
  lines: number;
  bytes: number;
  compressed: boolean;
  truncated?: string;
}

/**
 * The shard's lines under their corpus line numbers. A shard that does not end the corpus checks that it saw the
 * lines the plan counted: a corpus that changed since it was planned aborts the audit rather than misnumbering it.
 */
export function shardLines(item: ShardPlanItem, chunks: AsyncIterable<Uint8Array>, config: AuditConfig): { iterate: () => AsyncGenerator<RawLine>; stats: () => ShardLineStats } {
  const stats = newLineReaderStats();
  const options = { maxLineBytes: config.limits.maxLineBytes };
  const last = item.lineCount === undefined;
  const endLine = last ? Infinity : item.firstLine + item.lineCount!;
  let result: ShardLineStats | undefined;
  const changed = (detail: string) => new Error(`corpus changed since it was planned (shard ${item.index}: ${detail}): audit aborted`);

  async function* iterate(): AsyncGenerator<RawLine> {
    if (item.mode === 'bytes') {
      const offset = item.firstLine - 1;
      for await (const raw of readLines(chunks, options, stats)) {
        raw.lineNumber += offset;
        yield raw;
      }
      // A plain range has no legitimate early end: a read that broke off is an error, retried by the Map.
      if (stats.truncated) throw new Error(`shard ${item.index} could not be read to its end: ${stats.truncated}`);
      if (!last && stats.lines !== item.lineCount) throw changed(`${stats.lines} lines in its byte range, ${item.lineCount} planned`);
      if (!last && item.end !== undefined && stats.bytes !== item.end - item.start) throw changed(`${stats.bytes} bytes read, ${item.end - item.start} planned`);
      result = { lines: stats.lines, bytes: stats.bytes, compressed: false };
      return;
    }
    let reachedEnd = false;
    for await (const raw of readLines(chunks, options, stats)) {
      if (raw.lineNumber < item.firstLine) continue;
      if (raw.lineNumber >= endLine) {
        reachedEnd = true;
        break;
      }
      yield raw;
    }
    if (last) {
      result = { lines: stats.lines - (item.firstLine - 1), bytes: stats.bytes - item.start, compressed: stats.compressed, truncated: stats.truncated };
      return;
    }
    if (!reachedEnd && stats.lines < endLine - 1) throw changed(`the input ends at line ${stats.lines}, line ${endLine - 1} planned`);
    result = { lines: item.lineCount!, bytes: item.end! - item.start, compressed: stats.compressed };
  }
  return {
    iterate,
    stats: () => {
      if (!result) throw new Error('shardLines: stats() before the lines were read');
      return result;
    },
  };
}

class Columns {
  line: number[] = [];
  kind: number[] = [];
  key: number[] = [];
  promptKey: number[] = [];
  rawHash: number[] = [];
  tokens: number[] = [];
  chars: number[] = [];
  label: number[] = [];
  source: number[] = [];
  ids: (string | null)[] = [];
  shingleOffset: number[] = [0];
  readonly bandKeys: Growable<Float64Array>;
  rows = 0;

  constructor(private readonly bands: number) {
    this.bandKeys = new Growable(Float64Array);
  }

  /** Starts a row; a problem row gets neutral values in every column. */
  push(line: number, kind: number): void {
    this.line.push(line);
    this.kind.push(kind);
    this.bandKeys.reserve((this.rows + 1) * this.bands);
    this.rows++;
    if (kind === ENTRY_PROBLEM) {
      this.key.push(0);
      this.promptKey.push(NaN);
      this.rawHash.push(0);
      this.tokens.push(0);
      this.chars.push(0);
      this.label.push(-1);
      this.source.push(-1);
      this.ids.push(null);
    }
  }
}

class Names {
  readonly names: string[] = [];
  private readonly ids = new Map<string, number>();
  id(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.ids.set(name, id);
    }
    return id;
  }
}

/** A typed array that doubles as it fills. */
class Growable<T extends Uint32Array | Float64Array> {
  private data: T;
  length = 0;
  constructor(private readonly type: new (n: number) => T) {
    this.data = new type(1024);
  }
  reserve(n: number): void {
    if (n > this.length) this.length = n;
    this.ensure(n);
  }
  set(offset: number, values: ArrayLike<number>): void {
    this.ensure(offset + values.length);
    this.data.set(values, offset);
    this.length = Math.max(this.length, offset + values.length);
  }
  append(values: ArrayLike<number>): void {
    this.set(this.length, values);
  }
  view(): T {
    return this.data.slice(0, this.length) as T;
  }
  private ensure(n: number): void {
    if (n <= this.data.length) return;
    let size = this.data.length * 2;
    while (size < n) size *= 2;
    const next = new this.type(size);
    next.set(this.data);
    this.data = next;
  }
}
