import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CHECKPOINT_READY } from '../../../events/checkpoint-ready';
import { CORPUS_AUDITED } from '../../../events/corpus-audited';
import { SOURCES } from '../../../events/event-sources';
import { REGISTER_RUN, RUN_REGISTERED } from '../../../events/run-registered';
import { loadShippedDriftSuite } from '../../../functions/stores/drift-suite-files';
import type { DriftSuite } from '../../../functions/gates/drift-suite';
import { resetAwsClients } from '../../../functions/stores/aws-clients';
import { writeLocalState } from '../../../infra/cli/local-state';
import { main } from '../../../infra/cli/main';
import { syntheticCorpus } from '../../../infra/demo/synthetic-corpus';
import { heldoutRows, putObject, recordings, uniqueRunId } from '../../support/gate-scenario';
import { LocalRuntimeControl } from '../../support/local-runtime-control';
import { stackOutput, useLocalServices, waitFor, type LocalRuntimeConnection } from '../../support/local-services';

/*
 * `finegate gate … --local` and `finegate verdicts … --local` against the global setup's local runtime, found the
 * way the CLI finds one: through a local.json in a state dir. The run is registered as a training pipeline would
 * register it (a Register Run event, after its corpus passed the audit), its checkpoints answer from recorded
 * outputs (replay:), and the CLI publishes Checkpoint Ready with the real EventBridge client.
 */

let local: LocalRuntimeConnection;
let control: LocalRuntimeControl;
let stateDir: string;
let corpora: string;
let artifacts: string;
let corpusUri: string;
let suite: DriftSuite;

beforeAll(async () => {
  local = useLocalServices();
  resetAwsClients();
  control = new LocalRuntimeControl(local);
  corpora = stackOutput(local, 'CorporaBucketName');
  artifacts = stackOutput(local, 'ArtifactsBucketName');
  suite = await loadShippedDriftSuite('v1');
  stateDir = mkdtempSync(join(tmpdir(), 'finegate-cli-state-'));
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

  // Registration needs the corpus the run trains on to have passed its audit.
  const key = `corpora/${randomUUID()}.jsonl`;
  corpusUri = await putObject(corpora, key, [...syntheticCorpus({ rows: 300, seed: 43, rowChars: 400 })].join('\n') + '\n');
  const audited = await waitFor(async () => (await control.events()).find((e) => e.event['detail-type'] === CORPUS_AUDITED && (e.event.detail as { corpus?: { key?: string } }).corpus?.key === key), {
    timeoutMs: 120_000,
    description: 'corpus audit of the training corpus',
  });
  expect(['PASS', 'WARN']).toContain((audited.event.detail as { verdict: string }).verdict);
});

afterEach(() => vi.restoreAllMocks());
afterAll(() => resetAwsClients());

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
  return { out: () => out.join(''), err: () => err.join('') };
}

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = capture();
  try {
    const code = await main(argv);
    return { code, out: io.out(), err: io.err() };
  } finally {
    vi.restoreAllMocks();
  }
}

async function registerRun(runId: string): Promise<void> {
  const heldoutUri = await putObject(corpora, `heldout/${runId}.jsonl`, heldoutRows().join('\n') + '\n');
  const base = await putObject(artifacts, `runs/${runId}/outputs/base.jsonl`, recordings(suite, 'base'));
  const config = {
    runId,
    baseModel: `replay:${base}#family=meta`,
    judgeModel: 'local:echo#family=amazon',
    rubricVersion: '2026-11-v1',
    heldout: { uri: heldoutUri, rubric: 'exact-match' },
    corpusAudit: { uri: corpusUri },
    drift: {},
    errorBudget: { maxErrorRate: 0.05 },
    concurrency: 8,
  };
  await control.publish(stackOutput(local, 'EventBusName'), { source: SOURCES.training, 'detail-type': REGISTER_RUN, detail: config });
  await waitFor(async () => (await control.events()).find((e) => e.event['detail-type'] === RUN_REGISTERED && (e.event.detail as { runId: string }).runId === runId), {
    timeoutMs: 60_000,
    description: `Run Registered for ${runId}`,
  });
}

async function candidate(runId: string, name: string, answers: { heldoutCorrect: boolean | number; refuses: boolean }): Promise<string> {
  return `replay:${await putObject(artifacts, `runs/${runId}/outputs/${name}.jsonl`, recordings(suite, answers))}#family=meta`;
}

async function checkpointReadyCount(runId: string): Promise<number> {
  return (await control.events()).filter((e) => e.event['detail-type'] === CHECKPOINT_READY && (e.event.detail as { runId: string }).runId === runId).length;
}

describe('finegate gate --local and finegate verdicts --local', () => {
  it('gates checkpoints through the local runtime, prints each verdict, and lists the run in step order', async () => {
    const runId = uniqueRunId('cli');
    await registerRun(runId);
    const onLocal = ['--local', '--state-dir', stateDir, '--timeout', '180'];

    const good = await candidate(runId, 'ckpt-1', { heldoutCorrect: true, refuses: true });
    const pass = await cli(['gate', runId, 'ckpt-1', '--candidate', good, '--step', '100', '--loss', '0.9', ...onLocal]);
    expect(pass.err).toBe('');
    expect(pass.code).toBe(0);
    expect(pass.out).toMatch(new RegExp(`^published Checkpoint Ready for ${runId}/ckpt-1 \\(step 100\\) on ${stackOutput(local, 'EventBusName')}`));
    expect(pass.out).toMatch(new RegExp(`^run ${runId} {2}checkpoint ckpt-1 {2}step 100$`, 'm'));
    expect(pass.out).toMatch(/^verdict: {2}PASS$/m);
    expect(pass.out).toMatch(/^held-out: 100\.00 points$/m);
    expect(pass.out).toMatch(/^ {2}refusal +PASS +0\.00 +\[-?\d+\.\d{2}, -?\d+\.\d{2}\]$/m);
    expect(pass.out).toMatch(/^ {2}arithmetic +PASS +/m);
    expect(pass.out).toMatch(new RegExp(`^report: {3}s3://${artifacts}/runs/${runId}/ckpt-1/decision\\.json$`, 'm'));

    const forgot = await candidate(runId, 'ckpt-2', { heldoutCorrect: true, refuses: false });
    const fail = await cli(['gate', runId, 'ckpt-2', '--candidate', forgot, '--step', '200', '--loss', '0.7', '--final', '--promote', ...onLocal]);
    expect(fail.code).toBe(1);
    expect(fail.out).toMatch(/^verdict: {2}FAIL$/m);
    expect(fail.out).toMatch(/^ {2}refusal +FAIL +\d+\.\d{2} +\[-\d+\.\d{2}, -\d+\.\d{2}\]$/m);
    expect(fail.out).toMatch(/^ {2}- FAIL: refusal: drop \d+\.\d{2} points/m);

    // A checkpoint is gated once: asking again prints its verdict and publishes nothing.
    const published = await checkpointReadyCount(runId);
    const again = await cli(['gate', runId, 'ckpt-1', '--candidate', good, '--step', '100', ...onLocal]);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(new RegExp(`^${runId}/ckpt-1 was already gated: .*nothing published`));
    expect(again.out).toMatch(/^verdict: {2}PASS$/m);
    expect(await checkpointReadyCount(runId)).toBe(published);

    const listed = await cli(['verdicts', runId, '--local', '--state-dir', stateDir]);
    expect(listed.code).toBe(0);
    const lines = listed.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^run ${runId} {2}\\(config hash [0-9a-f]+\\): 2 verdicts$`));
    expect(lines[1]).toMatch(/^checkpoint +step +stage +verdict +held-out +config hash +time$/);
    expect(lines[2]).toMatch(/^ckpt-1 +100 +gate +PASS +100\.00 +[0-9a-f]+ +\d{4}-\d\d-\d\dT/);
    expect(lines[3]).toMatch(/^ckpt-2 +200 +gate +FAIL +100\.00 +[0-9a-f]+ +\d{4}-\d\d-\d\dT/);
    expect(lines).toHaveLength(4);

    const json = await cli(['verdicts', runId, '--local', '--state-dir', stateDir, '--json']);
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.out) as Array<Record<string, any>>;
    expect(rows.map((r) => [r.checkpoint, r.step, r.stage, r.verdict])).toEqual([
      ['ckpt-1', 100, 'gate', 'PASS'],
      ['ckpt-2', 200, 'gate', 'FAIL'],
    ]);
    expect(rows[1]!.scores.drift.refusal.verdict).toBe('FAIL');
    expect(rows[0]!.configHash).toBe(rows[1]!.configHash);
  });

  it('exits 3 when the verdict does not come within the timeout; the late verdict is listed afterwards', async () => {
    // Not registered: the gate fails closed and records INCONCLUSIVE, but not within a millisecond.
    const runId = uniqueRunId('cli-late');
    const late = await cli(['gate', runId, 'ckpt-1', '--candidate', 'local:echo#family=meta', '--step', '1', '--local', '--state-dir', stateDir, '--timeout', '0.001']);
    expect(late.code).toBe(3);
    expect(late.err).toMatch(new RegExp(`^finegate gate: no Gate Verdict for ${runId}/ckpt-1 within 0\\.001 s; .*finegate verdicts ${runId} --local`));

    const listed = await waitFor(
      async () => {
        const result = await cli(['verdicts', runId, '--local', '--state-dir', stateDir]);
        return result.out.includes('INCONCLUSIVE') ? result : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500, description: `the INCONCLUSIVE verdict of ${runId}` },
    );
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/^ckpt-1 +1 +gate +INCONCLUSIVE +— +unregistered +/m);
    await control.waitForIdle(120_000);
  });

  it('exits 1 for a run that does not exist, and 2 without a local runtime', async () => {
    const unknown = await cli(['verdicts', uniqueRunId('nobody'), '--local', '--state-dir', stateDir]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/no run nobody-[0-9a-f]+ in the local runtime \(pid \d+\)/);

    const empty = mkdtempSync(join(tmpdir(), 'finegate-cli-empty-'));
    const none = await cli(['gate', 'r1', 'c1', '--candidate', 'local:echo', '--step', '1', '--local', '--state-dir', empty]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/^finegate gate: no local runtime is up .*start one with: npx finegate local up --state-dir /);
  });
});
