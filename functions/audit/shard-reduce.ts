import type { AuditConfig } from './audit-config';
import { concludeAudit, type AuditResult, type Pass1Stats } from './audit-conclusion';
import { AuditLedger } from './audit-ledger';
import type { ArtifactSink, CorpusSource } from './audit-ports';
import type { Embedder } from './embedder';
import type { Relabeler } from './judge-relabel';
import { RowScanner } from './row-scanner';
import { ENTRY_EVAL, ENTRY_PROBLEM, type ShardSummary } from './shard-scan';

/**
 * The reduce of the sharded audit: replays the shards' compact rows in corpus line order through the same
 * decisions the single audit takes (audit-ledger.ts: exact and normalised duplicates, leakage, MinHash-LSH
 * near-duplicates verified by exact Jaccard, label-noise and skew collection), then concludes exactly as the single
 * audit does (audit-conclusion.ts: label noise, verdict, report, and pass 2).
 *
 * Pass 2 (clean, quarantine, findings) is written here, not by a second map: each artifact is one ordered gzip
 * object, pass 2 costs only a re-read and level-1 gzip (no parsing except of quarantined rows, to mask them), and a
 * second map would need its parts stitched back into one object (multipart copy with 5 MiB minimum parts, plus one
 * more state). One sequential stream at ~100 MB/s of gzip keeps a 10 GB corpus within the reduce's 15 minutes.
 *
 * Memory: the ledger holds what the single audit holds, except shingles. A row's shingle set is only needed when one
 * of its band keys is shared with another row (held-out rows included): any other row can be no LSH candidate and
 * have none, so its shingles are never loaded. The reduce first reads every shard's band keys to find the shared
 * ones, then replays, fetching a shard's shingle blob only when one of its rows needs it.
 */

/** Where the shards' summaries are: files in tests and the CLI, S3 objects in the cloud. */
export interface ShardStore {
  readonly shards: number;
  summary(index: number): Promise<ShardSummary>;
  shingles(index: number): Promise<Uint32Array>;
  labelTexts(index: number): Promise<Map<number, string>>;
}

export interface ReduceShardsInput {
  auditId: string;
  /** The whole corpus: pass 2 (and the paraphrase pass) read it again. */
  source: CorpusSource;
  heldout?: CorpusSource;
  sink: ArtifactSink;
  config: AuditConfig;
  store: ShardStore;
  /** When the audit began (the plan), so the report's duration covers the whole audit. */
  startedAt: Date;
  now?: () => Date;
  relabeler?: Relabeler;
  embedder?: Embedder;
  signal?: AbortSignal;
  onProgress?: (progress: { pass: 1 | 2; lines: number; bytes: number }) => void;
}

export interface ReduceStats {
  shards: number;
  rows: number;
  /** Rows whose shingle sets were loaded (a band key shared with another row). */
  rowsWithSharedKeys: number;
  /** Shards whose shingle blob was read. */
  shingleBlobsRead: number;
}

export interface ReduceResult extends AuditResult {
  reduce: ReduceStats;
}

const EMPTY = new Uint32Array(0);

export async function reduceShards(input: ReduceShardsInput): Promise<ReduceResult> {
  const { config, store } = input;
  const now = input.now ?? (() => new Date());
  if (store.shards < 1) throw new Error('reduceShards: no shards');
  if (config.labelNoise.judgeModel && !input.relabeler) throw new Error(`labelNoise.judgeModel ${config.labelNoise.judgeModel} is configured but no relabeler was given`);
  const ledger = new AuditLedger(config, { relabel: input.relabeler !== undefined });
  const bands = config.dedup.bands;

  // Held-out file first, as in the single audit; its band keys count as shared with any row that has them.
  const keyParts: Float64Array[] = [];
  if (config.leakage.enabled && input.heldout) await ledger.readHeldout(input.heldout, (shingles) => shingles.length > 0 && keyParts.push(ledger.keysOf(shingles).slice()));

  // Phase A: every row's band keys, to find the keys more than one row has.
  for (let i = 0; i < store.shards; i++) {
    const s = await store.summary(i);
    if (s.bands !== bands) throw new Error(`shard ${i} was scanned with ${s.bands} bands, the configuration has ${bands}`);
    const keys = new Float64Array(s.rows * bands);
    let n = 0;
    for (let e = 0; e < s.rows; e++) {
      if (s.kind[e] === ENTRY_PROBLEM || s.shingleOffset[e + 1]! === s.shingleOffset[e]!) continue;
      keys.set(s.bandKeys.subarray(e * bands, (e + 1) * bands), n);
      n += bands;
    }
    keyParts.push(keys.subarray(0, n));
  }
  const shared = sharedKeys(keyParts);
  keyParts.length = 0;

  // Phase B: the rows in line order, through the single audit's decisions.
  const stats: Pass1Stats = { lines: 0, blankLines: 0, rows: 0, bytes: 0, compressed: false };
  const reduce: ReduceStats = { shards: store.shards, rows: 0, rowsWithSharedKeys: 0, shingleBlobsRead: 0 };
  // The next shard's summary and label texts load while this one is replayed.
  const load = (i: number) =>
    store.summary(i).then(async (s) => ({ s, labelTexts: s.labelTextCount > 0 ? await store.labelTexts(i) : new Map<number, string>() }));
  let next = load(0);
  next.catch(() => undefined);
  for (let i = 0; i < store.shards; i++) {
    const { s, labelTexts } = await next;
    if (i + 1 < store.shards) {
      next = load(i + 1);
      next.catch(() => undefined);
    }
    if (s.index !== i) throw new Error(`shard summary ${i} holds shard ${s.index}`);
    if (s.firstLine !== stats.lines + 1) throw new Error(`shard ${i} starts at line ${s.firstLine}, expected ${stats.lines + 1}: the shards do not tile the corpus`);
    if (s.truncated && i < store.shards - 1) throw new Error(`shard ${i} could not be read to its end (${s.truncated})`);
    let blob: Uint32Array | undefined;
    for (let e = 0; e < s.rows; e++) {
      const line = s.line[e]!;
      if (s.kind[e] === ENTRY_PROBLEM) {
        ledger.addFindings(line, undefined, s.findings.get(e) ?? []);
        continue;
      }
      const keys = s.bandKeys.subarray(e * bands, (e + 1) * bands);
      const from = s.shingleOffset[e]!;
      const to = s.shingleOffset[e + 1]!;
      let shingles: Uint32Array = EMPTY;
      if (to > from && anyShared(shared, keys)) {
        if (!blob) {
          blob = await store.shingles(i);
          reduce.shingleBlobsRead++;
        }
        shingles = blob.subarray(from, to);
        reduce.rowsWithSharedKeys++;
      }
      const labelId = s.label[e]!;
      const sourceId = s.source[e]!;
      const promptKey = s.promptKey[e]!;
      ledger.addRow({
        line,
        id: s.ids[e] ?? undefined,
        group: s.kind[e] === ENTRY_EVAL ? 'eval' : 'train',
        rawHash: s.rawHash[e]!,
        key: s.key[e]!,
        promptKey: Number.isNaN(promptKey) ? undefined : promptKey,
        shingles,
        keys,
        tokens: s.tokens[e]!,
        chars: s.chars[e]!,
        label: labelId >= 0 ? s.labelNames[labelId] : undefined,
        source: sourceId >= 0 ? s.sourceNames[sourceId] : undefined,
        findings: [...(s.findings.get(e) ?? [])],
        labelText: () => labelTexts.get(e) ?? '',
      });
    }
    stats.lines += s.lines;
    stats.blankLines += s.blankLines;
    stats.rows += s.rows;
    stats.bytes += s.bytes;
    if (i === 0) stats.compressed = s.compressed;
    if (s.truncated) stats.truncated = s.truncated;
    reduce.rows += s.rows;
    input.onProgress?.({ pass: 1, lines: stats.lines, bytes: stats.bytes });
  }

  const started = input.startedAt.getTime();
  const result = await concludeAudit({
    auditId: input.auditId,
    source: input.source,
    heldout: input.heldout,
    sink: input.sink,
    config,
    ledger,
    scanner: new RowScanner(config),
    pass1: stats,
    startedAt: input.startedAt,
    now,
    elapsedMs: () => Math.max(1, now().getTime() - started),
    relabeler: input.relabeler,
    embedder: input.embedder,
    signal: input.signal,
    onProgress: input.onProgress,
  });
  return { ...result, reduce };
}

/** The keys present more than once over all parts, sorted. */
export function sharedKeys(parts: readonly Float64Array[]): Float64Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const all = new Float64Array(total);
  let n = 0;
  for (const p of parts) {
    all.set(p, n);
    n += p.length;
  }
  all.sort();
  const out: number[] = [];
  for (let r = 1; r < all.length; r++) {
    if (all[r] === all[r - 1] && out[out.length - 1] !== all[r]) out.push(all[r]!);
  }
  return Float64Array.from(out);
}

function anyShared(shared: Float64Array, keys: Float64Array): boolean {
  for (let b = 0; b < keys.length; b++) {
    const k = keys[b]!;
    let lo = 0;
    let hi = shared.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = shared[mid]!;
      if (v === k) return true;
      if (v < k) lo = mid + 1;
      else hi = mid - 1;
    }
  }
  return false;
}
