import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CANARY_ROLLED_BACK } from '../../../events/canary-rolled-back';
import { CANARY_STARTED } from '../../../events/canary-started';
import { SOURCES } from '../../../events/event-sources';
import { corpusSubject } from '../../../functions/audit/corpus-identity';
import { parseRunConfig } from '../../../functions/runs/run-config';
import { resetAwsClients } from '../../../functions/stores/aws-clients';
import { DynamoRunStore, runKey } from '../../../functions/stores/dynamo-run-store';
import { DynamoVerdictStore } from '../../../functions/stores/dynamo-verdict-store';
import type { VerdictRecord } from '../../../functions/stores/verdict-store';
import { writeLocalState } from '../../../infra/cli/local-state';
import { main } from '../../../infra/cli/main';
import { putObject, uniqueRunId } from '../../support/gate-scenario';
import { LocalRuntimeControl } from '../../support/local-runtime-control';
import { stackOutput, useLocalServices, type LocalRuntimeConnection } from '../../support/local-services';

/*
 * `finegate report <runId> --local` against the global setup's local runtime: a run's records seeded as the gates
 * write them (run record and history, verdicts in DynamoDB Local; report.json, report.html and decision.json in the
 * S3 server), its canary events carried by the runtime's bus, and the page written through the real CLI entry.
 */

let local: LocalRuntimeConnection;
let control: LocalRuntimeControl;
let stateDir: string;
let outDir: string;
let artifacts: string;
let corpora: string;
let runs: DynamoRunStore;
let verdicts: DynamoVerdictStore;

beforeAll(async () => {
  local = useLocalServices();
  resetAwsClients();
  control = new LocalRuntimeControl(local);
  artifacts = stackOutput(local, 'ArtifactsBucketName');
  corpora = stackOutput(local, 'CorporaBucketName');
  runs = new DynamoRunStore(stackOutput(local, 'RunsTableName'));
  verdicts = new DynamoVerdictStore(stackOutput(local, 'VerdictsTableName'));
  stateDir = mkdtempSync(join(tmpdir(), 'finegate-report-state-'));
  outDir = mkdtempSync(join(tmpdir(), 'finegate-report-out-'));
  await writeLocalState(stateDir, {
    pid: local.pid,
    runtimePid: local.pid,
    controlUrl: local.controlUrl,
    startedAt: new Date().toISOString(),
    logPath: join(stateDir, 'local.log'),
    region: local.region,
    endpoints: local.endpoints,
    environment: local.environment,
    outputs: local.outputs,
    resources: local.resources,
  });
});

afterEach(() => vi.restoreAllMocks());
afterAll(() => resetAwsClients());

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
  try {
    return { code: await main(argv), out: out.join(''), err: err.join('') };
  } finally {
    vi.restoreAllMocks();
  }
}

/** A run as the gates leave it: audited corpus, two checkpoints (the second promoted), arena PASS, canary rolled back. */
async function seedRun(runId: string): Promise<void> {
  const corpusKey = `corpora/${runId}.jsonl`;
  const auditPrefix = `audits/${corpusKey}/v1/`;
  const reportJson = await putObject(
    artifacts,
    `${auditPrefix}report.json`,
    JSON.stringify({ counts: { rows: 2000, clean: 1950, quarantined: 50, warned: 4 }, rules: [{ rule: 'secrets.aws-access-key', check: 'secrets', severity: 'critical', action: 'quarantine', count: 7, examples: [{ line: 12, evidence: 'AKIA************MPLE' }] }] }),
  );
  const reportHtml = await putObject(artifacts, `${auditPrefix}report.html`, '<!doctype html><title>corpus audit</title><h1>Corpus audit</h1>');
  await verdicts.putOnce({
    subject: corpusSubject(corpora, corpusKey),
    key: 'version#v1',
    kind: 'corpus-audit',
    verdict: 'PASS',
    reasons: [],
    configHash: 'audit-hash',
    config: {},
    summary: { counts: { input: 2000, clean: 1950, quarantined: 50, warned: 4 }, findingsByCheck: { secrets: 7 }, artifacts: { report: reportJson, reportHtml }, corpus: { uri: `s3://${corpora}/${corpusKey}` } },
    reportUri: reportJson,
    createdAt: new Date().toISOString(),
  });
  const { record } = await runs.register(
    parseRunConfig({
      runId,
      baseModel: 'bedrock:meta.llama3-1-8b-instruct-v1:0',
      judgeModel: 'bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0',
      rubricVersion: '2026-11-v1',
      heldout: { uri: `s3://${corpora}/heldout.jsonl`, rubric: 'exact-match' },
      corpusAudit: { uri: `s3://${corpora}/${corpusKey}`, versionId: 'v1' },
    }),
  );
  const candidate = `openai:${runId}-ckpt-2#family=meta`;
  const verdict = (v: Omit<VerdictRecord, 'subject' | 'configHash' | 'config' | 'createdAt'>) =>
    verdicts.putOnce({ subject: runKey(runId), configHash: record.configHash, config: record.config, createdAt: new Date().toISOString(), ...v });
  // ckpt-1 has its decision.json; ckpt-2's is missing, so its row falls back on the verdict's own scores.
  const decision1 = await putObject(
    artifacts,
    `runs/${runId}/ckpt-1/decision.json`,
    JSON.stringify({ reasons: ['held-out 64.00 points'], heldout: { points: 64, interval: { lower: 61, upper: 67 } }, drift: [{ axis: 'refusal', verdict: 'PASS', differencePoints: -0.5 }] }),
  );
  await runs.appendCheckpoint(runId, { checkpoint: 'ckpt-1', step: 100, verdict: 'PASS', heldoutScore: 64, trainingLoss: 0.9 });
  await verdict({ key: 'checkpoint#ckpt-1#gate', kind: 'checkpoint-gate', verdict: 'PASS', reasons: ['held-out 64.00 points'], summary: { step: 100, candidateModel: `openai:${runId}-ckpt-1#family=meta`, promote: false, scores: { heldout: 64 } }, reportUri: decision1 });
  await runs.appendCheckpoint(runId, { checkpoint: 'ckpt-2', step: 200, verdict: 'PASS', heldoutScore: 71, trainingLoss: 0.7 });
  await verdict({
    key: 'checkpoint#ckpt-2#gate',
    kind: 'checkpoint-gate',
    verdict: 'PASS',
    reasons: ['held-out 71.00 points'],
    summary: { step: 200, candidateModel: candidate, promote: true, scores: { heldout: 71, drift: { refusal: { verdict: 'PASS', dropPoints: 0.25, interval: [-1, 0.5] } } } },
    reportUri: `s3://${artifacts}/runs/${runId}/ckpt-2/decision.json`,
  });
  await verdict({
    key: 'checkpoint#ckpt-2#arena',
    kind: 'arena',
    verdict: 'PASS',
    reasons: ['the lower bound is above 0.5'],
    summary: { step: 200, candidateModel: candidate, promote: true, scores: { winRate: 0.63, winRateInterval: [0.58, 0.677], wins: 240, losses: 141, ties: 19, errors: 0 } },
    reportUri: `s3://${artifacts}/runs/${runId}/ckpt-2/arena.json`,
  });
  await verdict({
    key: 'canary#7',
    kind: 'canary',
    verdict: 'FAIL',
    reasons: ['alarm finegate-canary-errors is in ALARM'],
    summary: { action: 'rollback', candidateVersion: '7', currentVersion: '5', candidateModel: candidate, trigger: { kind: 'alarm', alarmName: 'finegate-canary-errors' } },
    reportUri: '',
  });
  const bus = stackOutput(local, 'EventBusName');
  const startedAt = new Date(Date.now() - 60_000).toISOString();
  const router = { functionName: 'finegate-canary-router', alias: 'live' };
  await control.publish(bus, {
    source: SOURCES.canary,
    'detail-type': CANARY_STARTED,
    detail: { runId, router, candidateModel: candidate, currentModel: 'bedrock:meta.llama3-1-8b-instruct-v1:0', candidateVersion: '7', currentVersion: '6', weight: 0.1, configHash: 'canary-hash', startedAt },
  });
  await control.publish(bus, {
    source: SOURCES.canary,
    'detail-type': CANARY_ROLLED_BACK,
    detail: { runId, router, candidateVersion: '7', candidateModel: candidate, currentVersion: '5', verdict: 'FAIL', reasons: ['alarm finegate-canary-errors is in ALARM'], trigger: { kind: 'alarm', alarmName: 'finegate-canary-errors' }, configHash: 'canary-hash', rolledBackAt: new Date().toISOString() },
  });
}

describe('finegate report --local', () => {
  it('writes one page for the four gates, with the audit report beside it and the canary timeline from the bus', async () => {
    const runId = uniqueRunId('report');
    await seedRun(runId);
    const out = join(outDir, `${runId}.html`);

    const result = await cli(['report', runId, '--local', '--state-dir', stateDir, '--out', out]);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toContain('stopped by the canary: version 7 was rolled back (FAIL) by alarm finegate-canary-errors');
    expect(result.out).toContain(`wrote ${out}`);

    const html = readFileSync(out, 'utf8');
    for (const heading of ['1. Corpus audit <span class="badge PASS">PASS</span>', '2. Held-out and drift', '3. Arena vs base', '4. Canary <span class="badge FAIL">FAIL</span>']) expect(html).toContain(`<h2>${heading}</h2>`);
    expect(html).toContain('<b>2,000</b>rows in');
    expect(html).toContain('line 12: <code>AKIA************MPLE</code>');
    expect(html).toContain('<td class="n">64.0 <span class="muted">[61.0, 67.0]</span></td>');
    // ckpt-2 from its verdict: the stored drop of 0.25 is a difference of −0.25, shown to one decimal.
    expect(html).toMatch(/<tr data-checkpoint="ckpt-2">.*<span class="d-PASS" title="PASS, 95% interval −1\.0 to \+0\.5">−0\.3<\/span>/);
    expect(html).toContain(`ckpt-2: s3://${artifacts}/runs/${runId}/ckpt-2/decision.json is missing; its row shows the verdict&#39;s own scores`);
    expect(html).toContain('win rate <b>63.0%</b>, 95% interval 58.0% to 67.7%, against the pinned effect floor 55.0%');
    // The start is known only from the bus; the rollback from both, shown once.
    expect([...html.matchAll(/<li class="(\w+)" data-kind/g)].map((m) => m[1])).toEqual(['started', 'rollback']);
    expect(html).toContain('Canary started: 10% of live traffic to version 7');

    const beside = join(outDir, `${runId}.corpus-audit.html`);
    expect(existsSync(beside)).toBe(true);
    expect(readFileSync(beside, 'utf8')).toContain('<h1>Corpus audit</h1>');
    expect(html).toContain(`<a id="corpus-report-link" href="${encodeURIComponent(`${runId}.corpus-audit.html`)}">report.html</a>`);
  });

  it('exits 1 for a run that is neither registered nor judged, writing nothing', async () => {
    const runId = uniqueRunId('report-none');
    const out = join(outDir, `${runId}.html`);
    const result = await cli(['report', runId, '--local', '--state-dir', stateDir, '--out', out]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(new RegExp(`^finegate report: no run ${runId} in the local runtime \\(pid \\d+\\) \\(not registered, no verdicts\\)`));
    expect(existsSync(out)).toBe(false);
  });
});
