import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { corpusAuditedPattern, corpusAuditedDetailSchema, type CorpusAuditedDetail } from '../../events/corpus-audited';
import { corpusSubject } from '../../functions/audit/corpus-identity';
import { resetAwsClients } from '../../functions/stores/aws-clients';
import { getBytes, putObject } from '../../functions/stores/s3-objects';
import { DynamoVerdictStore } from '../../functions/stores/dynamo-verdict-store';
import { plantedCorpus } from '../demo/synthetic-corpus';
import { startLocalRuntime, type LocalRuntime } from '../local/local-runtime';
import { UsageError } from './usage-error';

export const DEMO_HELP = `Usage: finegate demo [--out <dir>] [--rows <n>] [--verbose]

Runs stage 1 end to end on the embedded local services (DynamoDB Local, an S3-compatible server, EventBridge
rules read from the synthesized CDK template), with no AWS account and no network:
  1. uploads a support-ticket corpus with planted problems (leaked keys, PII, injection payloads, safety
     boilerplate, duplicates, near-duplicates, held-out leakage, mislabels, malformed lines) to the corpora bucket;
  2. the S3 notification rule starts the corpus-audit Lambda handler, which fails the corpus;
  3. the clean corpus it wrote is uploaded as a new corpus and audited again.
Prints each verdict and copies the reports to --out (default ./finegate-demo).
`;

export async function demoCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { out: { type: 'string', default: 'finegate-demo' }, rows: { type: 'string', default: '2000' }, verbose: { type: 'boolean', default: false } } }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const rows = Number(values.rows);
  if (!Number.isInteger(rows) || rows < 200) throw new UsageError('--rows must be a whole number of at least 200');
  const outDir = resolve(values.out);
  // The handlers run in this process; their structured logs would bury the summary unless asked for.
  if (!values.verbose) {
    process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
    process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  }
  const say = (line: string) => process.stdout.write(line + '\n');

  say('finegate demo: stage 1, the corpus audit, on the embedded local services');
  const started = Date.now();
  const runtime = await startLocalRuntime({ log: () => undefined });
  resetAwsClients();
  try {
    say(`  local services up in ${((Date.now() - started) / 1000).toFixed(1)} s (DynamoDB Local, S3 server, EventBridge rules from the synthesized template)`);
    const corporaBucket = runtime.output('CorporaBucketName');
    const corpus = plantedCorpus({ rows });
    const heldoutKey = 'heldout/support-tickets-heldout.jsonl';
    await putObject(corporaBucket, heldoutKey, corpus.heldout.join('\n') + '\n');
    const heldoutUri = `s3://${corporaBucket}/${heldoutKey}`;
    const kinds = [...new Set(corpus.planted.map((p) => p.kind))];
    say(`  planted ${corpus.planted.length} problems in ${rows} rows: ${kinds.join(', ')}`);

    const first = await uploadAndAwait(runtime, corporaBucket, 'corpora/support-tickets.jsonl.gz', gzipSync(corpus.train.join('\n') + '\n'), heldoutUri);
    printAudit(say, 'uploaded corpus', first);
    await saveReports(first, join(outDir, 'uploaded'));

    const clean = await getBytes(first.artifacts.clean);
    const second = await uploadAndAwait(runtime, corporaBucket, 'corpora/support-tickets.clean.jsonl.gz', clean, heldoutUri);
    printAudit(say, 'its clean corpus, uploaded again', second);
    await saveReports(second, join(outDir, 'clean'));

    const stored = await new DynamoVerdictStore(runtime.output('VerdictsTableName')).list(corpusSubject(corporaBucket, 'corpora/support-tickets.jsonl.gz'));
    say(`  verdict stored in DynamoDB Local: ${stored.map((v) => `${v.key} → ${v.verdict} (config ${v.configHash})`).join('; ')}`);
    say(`  reports: ${join(outDir, 'uploaded', 'report.html')} and ${join(outDir, 'clean', 'report.html')}`);
    say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return first.verdict === 'FAIL' && second.verdict !== 'FAIL' ? 0 : 1;
  } finally {
    await runtime.stop();
  }
}

async function uploadAndAwait(runtime: LocalRuntime, bucket: string, key: string, body: Buffer, heldoutUri: string): Promise<CorpusAuditedDetail> {
  await putObject(bucket, key, body, { metadata: { 'finegate-heldout': heldoutUri } });
  const pattern = { ...corpusAuditedPattern(), detail: { corpus: { key: [key] } } };
  const event = await runtime.waitForEvent(pattern, { timeoutMs: 120_000 });
  return corpusAuditedDetailSchema.parse((event.event as { detail: unknown }).detail);
}

function printAudit(say: (line: string) => void, what: string, detail: CorpusAuditedDetail): void {
  const c = detail.counts;
  say('');
  say(`  ${what}: ${detail.corpus.uri}`);
  say(`    verdict ${detail.verdict}: ${c.input} rows, ${c.clean} clean, ${c.quarantined} quarantined, ${c.warned} kept with warnings`);
  const byCheck = Object.entries(detail.findingsByCheck).map(([check, n]) => `${check} ${n}`);
  if (byCheck.length > 0) say(`    findings by check: ${byCheck.join(', ')}`);
  for (const reason of detail.reasons.slice(0, 6)) say(`    - ${reason}`);
  if (detail.reasons.length > 6) say(`    - … ${detail.reasons.length - 6} more in the report`);
}


async function saveReports(detail: CorpusAuditedDetail, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const a = detail.artifacts;
  for (const [name, uri] of [['report.json', a.report], ['report.md', a.reportMarkdown], ['report.html', a.reportHtml], ['findings.jsonl.gz', a.findings], ['quarantine.jsonl.gz', a.quarantine]] as const) {
    writeFileSync(join(dir, name), await getBytes(uri));
  }
}
