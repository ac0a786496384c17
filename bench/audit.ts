/**
 * npm run bench:audit [-- --rows 200000 --row-bytes 1000 --repeat 3]
 * Generates a synthetic ~1 KB-per-row chat corpus and runs the full audit (every row check, exact and MinHash
 * near-duplicates, label noise, skew, both passes, gzip outputs) pinned to one core. Prints rows/s, MB/s and peak
 * memory. A benchmark, not a test: it asserts nothing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAuditConfig } from '../functions/audit/audit-config';
import { auditCorpus } from '../functions/audit/audit-corpus';
import { FileArtifactSink } from '../functions/stores/file-artifact-sink';
import { FileCorpusSource } from '../functions/stores/file-corpus-source';
import { writeSyntheticCorpusFile } from './synthetic-corpus-file';

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '200000' }, 'row-bytes': { type: 'string', default: '1000' }, repeat: { type: 'string', default: '3' }, pinned: { type: 'boolean', default: false } },
});

// One core, as the target is stated: re-run under taskset (zlib's thread pool would otherwise use the second core).
if (!values.pinned && process.platform === 'linux' && spawnSync('taskset', ['--version']).status === 0) {
  const result = spawnSync('taskset', ['-c', '0', process.execPath, ...process.execArgv, process.argv[1]!, ...process.argv.slice(2), '--pinned'], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}

const rows = Number(values.rows);
const dir = mkdtempSync(join(tmpdir(), 'finegate-bench-'));
const corpus = join(dir, 'corpus.jsonl');
const bytes = await writeSyntheticCorpusFile(corpus, rows, Number(values['row-bytes']));

const config = parseAuditConfig({});
// Best and median of several runs: a shared machine's noise only ever slows a run down.
const runs: { seconds: number; report: Awaited<ReturnType<typeof auditCorpus>>['report'] }[] = [];
for (let i = 0; i < Number(values.repeat); i++) {
  const { report } = await auditCorpus({ auditId: 'bench', source: new FileCorpusSource(corpus), sink: new FileArtifactSink(join(dir, `out-${i}`)), config });
  runs.push({ seconds: report.performance.durationMs / 1000, report });
}
const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
const best = sorted[0]!;
const median = sorted[Math.floor(sorted.length / 2)]!;
const report = best.report;
const cpu = (() => {
  try {
    return execFileSync('sh', ['-c', "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();
const rate = (seconds: number) => `${Math.round(rows / seconds).toLocaleString('en-US')} rows/s, ${(bytes / 1e6 / seconds).toFixed(1)} MB/s`;
console.log(`corpus: ${rows.toLocaleString('en-US')} rows, ${(bytes / 1e6).toFixed(1)} MB, ${Math.round(bytes / rows)} bytes/row (synthetic support chats, labelled)`);
console.log(`checks: secrets, pii, injection, url, invisible, code, topic; exact + MinHash-LSH ${config.dedup.bands}x${config.dedup.rowsPerBand} near-dups; label noise; skew; 2 passes; gzip outputs`);
console.log(`machine: ${cpu}, node ${process.version}, pinned to one core, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log(`runs: ${runs.map((r) => r.seconds.toFixed(2)).join(' s, ')} s`);
console.log(`throughput (best of ${runs.length}): ${rate(best.seconds)}`);
console.log(`throughput (median): ${rate(median.seconds)}`);
console.log(`1M rows at the best rate: ${(1e6 / (rows / best.seconds) / 60).toFixed(1)} min of one core`);
console.log(`peak memory (max RSS): ${report.performance.peakRssMb} MB`);
console.log(`verdict on the synthetic corpus: ${report.verdict} (${report.counts.quarantined} quarantined, ${report.counts.warned} warned)`);
rmSync(dir, { recursive: true, force: true });
