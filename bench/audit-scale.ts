/**
 * npm run bench:audit-scale [-- --rows 100000,1000000 --shards 8 --concurrency 40 --row-bytes 1000]
 * The sharded audit measured locally (synthetic ~1 KB-per-row chat corpus, as bench/audit.ts), then projected onto
 * Lambda: wall time and cost for 100k, 1M and 10M rows at a given Map concurrency.
 *
 * Measured, per corpus size: planning (newline counting), the scan of each shard (one core, as one shard Lambda has),
 * the stored summary sizes, and the reduce (replay of the shards, then pass 2 and the report) in a child process of
 * its own so that its peak memory is its own. A benchmark, not a test: it asserts nothing.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAuditConfig } from '../functions/audit/audit-config';
import { planShards, type ShardPlanItem } from '../functions/audit/shard-plan';
import { reduceShards, type ShardStore } from '../functions/audit/shard-reduce';
import { scanShard } from '../functions/audit/shard-scan';
import { decodeLabelTexts, decodeShardSummary, decodeShingles, encodeLabelTexts, encodeShardSummary, encodeShingles } from '../functions/audit/shard-summary-codec';
import { FileArtifactSink } from '../functions/stores/file-artifact-sink';
import { FileCorpusSource } from '../functions/stores/file-corpus-source';
import { writeSyntheticCorpusFile } from './synthetic-corpus-file';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000,1000000' },
    shards: { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '40' },
    'row-bytes': { type: 'string', default: '1000' },
    'shard-mb': { type: 'string', default: '64' },
    phase: { type: 'string' },
    dir: { type: 'string' },
  },
});

/*
 * Prices, us-east-1, from the AWS public price pages as published in 2025 (aws.amazon.com/lambda/pricing,
 * /step-functions/pricing, /s3/pricing). Check them before relying on the dollar figures.
 */
const PRICE = {
  lambdaArmGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  sfnStandardTransition: 0.025 / 1000,
  s3Get: 0.0004 / 1000,
  s3Put: 0.005 / 1000,
};
/** Function sizes as infra/sharded-audit.ts sets them. */
const MEMORY_GB = { plan: 1, shard: 2, reduce: 10 };
/** One S3 GET stream into one Lambda, as commonly measured (~90–100 MB/s); the plan and pass 2 are bound by it. */
const S3_STREAM_MB_S = 90;
/** Scheduling a wave of Map children and the plan/reduce invocations: a few seconds in all, here one per wave. */
const MAP_WAVE_OVERHEAD_S = 1;
/** State transitions: Plan, ScanShards, Reduce, start/end, plus a child execution of ~3 per shard. */
const transitions = (shards: number) => 6 + 3 * shards;

const config = parseAuditConfig({});

if (values.phase === 'reduce') {
  // Child process: the reduce alone, so max RSS is the reduce's.
  const dir = values.dir!;
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { shards: number };
  const store: ShardStore = {
    shards: meta.shards,
    summary: async (i) => decodeShardSummary(readFileSync(join(dir, `s${i}.json`), 'utf8')),
    shingles: async (i) => decodeShingles(readFileSync(join(dir, `s${i}.bin`))),
    labelTexts: async (i) => decodeLabelTexts(readFileSync(join(dir, `s${i}.labels.json`), 'utf8')),
  };
  const started = performance.now();
  let replayedAt = 0;
  let replayed = 0;
  let liveMb = 0;
  const { report, reduce } = await reduceShards({
    auditId: 'bench',
    source: new FileCorpusSource(join(dir, 'corpus.jsonl')),
    sink: new FileArtifactSink(join(dir, 'out')),
    config,
    store,
    startedAt: new Date(),
    onProgress: (p) => {
      if (p.pass !== 1 || ++replayed !== meta.shards) return;
      replayedAt = performance.now();
      (globalThis as { gc?: () => void }).gc?.();
      const m = process.memoryUsage();
      liveMb = Math.round((m.heapUsed + m.arrayBuffers) / 1e6);
    },
  });
  const ended = performance.now();
  console.log(JSON.stringify({ replaySeconds: (replayedAt - started) / 1000, concludeSeconds: (ended - replayedAt) / 1000, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), liveMb, reduce, verdict: report.verdict, quarantined: report.counts.quarantined }));
  process.exit(0);
}

interface Measured {
  rows: number;
  bytes: number;
  shards: number;
  planSeconds: number;
  scanSeconds: number[];
  scanRowsPerSecond: number;
  summaryBytes: number;
  shingleBytes: number;
  labelBytes: number;
  replaySeconds: number;
  concludeSeconds: number;
  reducePeakRssMb: number;
  /** Live memory (heap + array buffers) after the replay and a full GC: what the reduce holds, garbage aside. */
  reduceLiveMb: number;
  rowsWithSharedKeys: number;
}

async function measure(rows: number, shards: number): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'finegate-scale-'));
  const corpus = join(dir, 'corpus.jsonl');
  const bytes = await writeSyntheticCorpusFile(corpus, rows, Number(values['row-bytes']));

  let t = performance.now();
  const plan = await planShards(createReadStream(corpus, { highWaterMark: 1 << 20 }), { targetBytes: Math.ceil(bytes / shards) });
  const planSeconds = (performance.now() - t) / 1000;

  const scanSeconds: number[] = [];
  let summaryBytes = 0;
  let shingleBytes = 0;
  let labelBytes = 0;
  for (const item of plan.shards as ShardPlanItem[]) {
    t = performance.now();
    const chunks = createReadStream(corpus, { start: item.start, ...(item.end !== undefined ? { end: item.end - 1 } : {}), highWaterMark: 1 << 20 });
    const scan = await scanShard({ item, chunks, config });
    const json = encodeShardSummary(scan.summary);
    const blob = encodeShingles(scan.shingles);
    const labels = encodeLabelTexts(scan.labelTexts);
    scanSeconds.push((performance.now() - t) / 1000);
    writeFileSync(join(dir, `s${item.index}.json`), json);
    writeFileSync(join(dir, `s${item.index}.bin`), blob);
    writeFileSync(join(dir, `s${item.index}.labels.json`), labels);
    summaryBytes += Buffer.byteLength(json);
    shingleBytes += blob.length;
    labelBytes += Buffer.byteLength(labels);
  }
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ shards: plan.shards.length }));
  const child = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', process.argv[1]!, '--phase', 'reduce', '--dir', dir], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (child.status !== 0) throw new Error(`reduce failed: ${child.stderr}`);
  const reduced = JSON.parse(child.stdout.trim().split('\n').pop()!) as { replaySeconds: number; concludeSeconds: number; peakRssMb: number; liveMb: number; reduce: { rowsWithSharedKeys: number } };
  rmSync(dir, { recursive: true, force: true });
  const totalScan = scanSeconds.reduce((a, b) => a + b, 0);
  return {
    rows,
    bytes,
    shards: plan.shards.length,
    planSeconds,
    scanSeconds,
    scanRowsPerSecond: rows / totalScan,
    summaryBytes,
    shingleBytes,
    labelBytes,
    replaySeconds: reduced.replaySeconds,
    concludeSeconds: reduced.concludeSeconds,
    reducePeakRssMb: reduced.peakRssMb,
    reduceLiveMb: reduced.liveMb,
    rowsWithSharedKeys: reduced.reduce.rowsWithSharedKeys,
  };
}

const mb = (b: number) => (b / 1e6).toFixed(1);
const sizes = values.rows.split(',').map(Number);
const localShards = Number(values.shards);
const concurrency = Number(values.concurrency);
const shardBytes = Number(values['shard-mb']) * 1024 * 1024;

console.log(`machine: node ${process.version}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} (a shared machine: figures are a floor on speed)`);
const measured: Measured[] = [];
for (const rows of sizes) {
  const m = await measure(rows, localShards);
  measured.push(m);
  console.log(`\n${rows.toLocaleString('en-US')} rows, ${mb(m.bytes)} MB, ${m.shards} shards (measured locally, one shard at a time)`);
  console.log(`  plan (count lines):      ${m.planSeconds.toFixed(2)} s, ${mb(m.bytes / m.planSeconds)} MB/s`);
  console.log(`  scan per shard:          mean ${(m.scanSeconds.reduce((a, b) => a + b, 0) / m.shards).toFixed(2)} s, max ${Math.max(...m.scanSeconds).toFixed(2)} s; ${Math.round(m.scanRowsPerSecond).toLocaleString('en-US')} rows/s on one core`);
  console.log(`  stored per row:          summary ${(m.summaryBytes / rows).toFixed(0)} B, shingles ${(m.shingleBytes / rows).toFixed(0)} B, label texts ${(m.labelBytes / rows).toFixed(0)} B (corpus ${(m.bytes / rows).toFixed(0)} B)`);
  console.log(`  reduce replay:           ${m.replaySeconds.toFixed(2)} s (${Math.round(rows / m.replaySeconds).toLocaleString('en-US')} rows/s); rows whose shingles were loaded: ${m.rowsWithSharedKeys.toLocaleString('en-US')}`);
  console.log(`  reduce pass 2 + report:  ${m.concludeSeconds.toFixed(2)} s (${mb(m.bytes / m.concludeSeconds)} MB/s)`);
  console.log(`  reduce memory:           ${m.reduceLiveMb} MB live after the replay, ${m.reducePeakRssMb} MB peak RSS`);
}

// Projection: per-row and per-byte rates from the largest measured size; memory by a line through the measurements.
const ref = measured[measured.length - 1]!;
const scanRate = ref.scanRowsPerSecond;
const replayRate = ref.rows / ref.replaySeconds;
const concludeRate = ref.bytes / ref.concludeSeconds;
const planRate = Math.min(ref.bytes / ref.planSeconds, S3_STREAM_MB_S * 1e6);
const bytesPerRow = ref.bytes / ref.rows;
const summaryPerRow = ref.summaryBytes / ref.rows;
const replayReadPerRow = (ref.summaryBytes + ref.shingleBytes + ref.labelBytes) / ref.rows;
const first = measured[0]!;
// Live memory grows linearly in rows, except the shingle sets of rows whose band keys collide by chance in 32 bits:
// their share grows with rows (16 keys per row among 16·rows keys in 2^32), so their memory with rows²; each set is
// ~4 bytes per shingle, and ~1.5× that inside the index. The linear part is fitted to the measurements without them.
const shinglesPerRow = ref.shingleBytes / ref.rows;
const chanceMb = (rows: number) => (Math.min(1, (16 * 16 * rows) / 2 ** 32) * rows * shinglesPerRow * 1.5) / 1e6;
const baseOf = (m: Measured) => m.reduceLiveMb - chanceMb(m.rows);
const memSlope = measured.length > 1 ? (baseOf(ref) - baseOf(first)) / (ref.rows - first.rows) : baseOf(ref) / ref.rows;
const memAt = (rows: number) => Math.max(0, baseOf(ref) + memSlope * (rows - ref.rows)) + chanceMb(rows);

console.log(`\nProjection on Lambda (arm64, us-east-1; ${Number(values['shard-mb'])} MiB shards; Map concurrency ${concurrency}; S3 stream ${S3_STREAM_MB_S} MB/s):`);
console.log('  rows        shards  plan    scan    reduce  wall     reduce mem   Lambda $   Step Functions $   total $');
let overLimit = false;
for (const rows of [100_000, 1_000_000, 10_000_000]) {
  const bytes = rows * bytesPerRow;
  const shards = Math.max(1, Math.ceil(bytes / shardBytes));
  const rowsPerShard = rows / shards;
  const plan = bytes / planRate;
  const perShard = rowsPerShard / scanRate + (bytes / shards) / (S3_STREAM_MB_S * 1e6) * 0; // the range read overlaps the scan
  const waves = Math.ceil(shards / concurrency);
  const scan = waves * (perShard + MAP_WAVE_OVERHEAD_S);
  // Phase A reads the summaries; phase B reads them again with shingles and label texts, overlapped with the replay.
  const phaseA = (rows * summaryPerRow) / (S3_STREAM_MB_S * 1e6);
  const phaseB = Math.max(rows / replayRate, (rows * replayReadPerRow) / (S3_STREAM_MB_S * 1e6));
  const pass2 = Math.max(bytes / concludeRate, bytes / (S3_STREAM_MB_S * 1e6));
  const reduce = phaseA + phaseB + pass2;
  const wall = plan + scan + reduce;
  const gbSeconds = MEMORY_GB.plan * plan + MEMORY_GB.shard * shards * perShard + MEMORY_GB.reduce * reduce;
  const lambda = gbSeconds * PRICE.lambdaArmGbSecond + (shards + 2) * PRICE.lambdaRequest;
  const sfn = transitions(shards) * PRICE.sfnStandardTransition;
  const s3 = (3 * shards + 10) * PRICE.s3Put + (4 * shards + 10) * PRICE.s3Get;
  const mem = memAt(rows);
  overLimit ||= mem > 10240;
  console.log(
    `  ${rows.toLocaleString('en-US').padEnd(11)} ${String(shards).padEnd(7)} ${fmt(plan)} ${fmt(scan)} ${fmt(reduce)} ${fmt(wall, 8)} ${`${mem >= 1000 ? `${(mem / 1000).toFixed(1)} GB` : `${Math.round(mem)} MB`}${mem > 10240 ? ' (!)' : ''}`.padEnd(12)} ${lambda.toFixed(4).padEnd(10)} ${sfn.toFixed(4).padEnd(18)} ${(lambda + sfn + s3).toFixed(4)}`,
  );
}
if (overLimit) console.log('  (!) above the 10,240 MB a Lambda can have.');
console.log('  Scan and reduce rates are this machine\'s single-core rates; a 2 GB Lambda has ~1.2 vCPU. The reduce (replay +');
console.log('  pass 2) is sequential: it bounds the wall time of a large corpus.');

function fmt(seconds: number, width = 7): string {
  const text = seconds >= 120 ? `${(seconds / 60).toFixed(1)} min` : `${seconds.toFixed(1)} s`;
  return text.padEnd(width);
}
