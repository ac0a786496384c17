import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPUS_AUDITED } from '../../events/corpus-audited';
import { GATE_VERDICT } from '../../events/gate-verdict';
import { REGISTER_RUN, RUN_REGISTERED } from '../../events/run-registered';
import { CHECKPOINT_READY } from '../../events/checkpoint-ready';
import { SOURCES } from '../../events/event-sources';
import { executionName } from '../../functions/gates/execution-name';
import { resetAwsClients } from '../../functions/stores/aws-clients';
import { getText } from '../../functions/stores/s3-objects';
import { loadShippedDriftSuite } from '../../functions/stores/drift-suite-files';
import { DynamoRunStore } from '../../functions/stores/dynamo-run-store';
import { DynamoVerdictStore } from '../../functions/stores/dynamo-verdict-store';
import { syntheticCorpus } from '../../infra/demo/synthetic-corpus';
import { arenaRecordings, heldoutRows, productionSamples, putObject, recordings, uniqueRunId } from '../support/gate-scenario';
import { LocalRuntimeControl } from '../support/local-runtime-control';
import { stackOutput, useLocalServices, waitFor, type LocalRuntimeConnection } from '../support/local-services';

/*
 * Stage 2 end to end: a Checkpoint Ready event enters the local runtime, the rule starts the CDK-synthesized
 * checkpoint-gate state machine in the ASL interpreter, its tasks run the real handlers against recorded model
 * outputs (replay:), and the verdict lands in DynamoDB Local.
 */

let local: LocalRuntimeConnection;
let control: LocalRuntimeControl;
let corpora: string;
let artifacts: string;
let corpusUri: string;

beforeAll(async () => {
  local = useLocalServices();
  resetAwsClients();
  control = new LocalRuntimeControl(local);
  corpora = stackOutput(local, 'CorporaBucketName');
  artifacts = stackOutput(local, 'ArtifactsBucketName');
  // Registration needs the corpus the run trains on to have passed its audit.
  const key = `corpora/${randomUUID()}.jsonl`;
  corpusUri = await putObject(corpora, key, [...syntheticCorpus({ rows: 300, seed: 41, rowChars: 400 })].join('\n') + '\n');
  const audited = await waitFor(async () => (await control.events()).find((e) => e.event['detail-type'] === CORPUS_AUDITED && (e.event.detail as { corpus?: { key?: string } }).corpus?.key === key), {
    timeoutMs: 120_000,
    description: 'corpus audit of the training corpus',
  });
  expect(['PASS', 'WARN']).toContain((audited.event.detail as { verdict: string }).verdict);
});

afterAll(() => resetAwsClients());

async function setUpRun(runId: string, models: { candidates: Record<string, string>; heldoutRubric?: string; judgeModel?: string; drift?: object }) {
  const suite = await loadShippedDriftSuite('v1');
  const heldoutUri = await putObject(corpora, `heldout/${runId}.jsonl`, heldoutRows().join('\n') + '\n');
  const samplesUri = await putObject(corpora, `heldout/${runId}-production.jsonl`, productionSamples());
  // The base answers the drift suite as a careful model does, and production questions unhelpfully.
  const base = await putObject(artifacts, `runs/${runId}/outputs/base.jsonl`, recordings(suite, 'base') + arenaRecordings(false));
  const candidates: Record<string, string> = {};
  for (const [name, body] of Object.entries(models.candidates)) candidates[name] = `replay:${await putObject(artifacts, `runs/${runId}/outputs/${name}.jsonl`, body)}#family=meta`;
  const config = {
    runId,
    baseModel: `replay:${base}#family=meta`,
    judgeModel: models.judgeModel ?? 'local:pair-judge#family=amazon',
    rubricVersion: '2026-11-v1',
    heldout: { uri: heldoutUri, rubric: models.heldoutRubric ?? 'exact-match' },
    productionSamplesUri: samplesUri,
    // A large effect floor needs few pairs: the local test stays quick.
    arena: { effectFloor: 0.7 },
    corpusAudit: { uri: corpusUri },
    drift: models.drift ?? {},
    errorBudget: { maxErrorRate: 0.05 },
    concurrency: 8,
  };
  await control.publish(stackOutput(local, 'EventBusName'), { source: SOURCES.training, 'detail-type': REGISTER_RUN, detail: config });
  await waitFor(async () => (await control.events()).find((e) => e.event['detail-type'] === RUN_REGISTERED && (e.event.detail as { runId: string }).runId === runId), {
    timeoutMs: 60_000,
    description: `Run Registered for ${runId}`,
  });
  return { config, candidates, suite };
}

async function emitCheckpoint(runId: string, checkpoint: string, step: number, candidateModel: string, extra: object = {}) {
  await control.publish(stackOutput(local, 'EventBusName'), {
    source: SOURCES.training,
    'detail-type': CHECKPOINT_READY,
    detail: { runId, checkpoint, step, candidateModel, trainingLoss: 1 / (step + 1), final: false, ...extra },
  });
}

async function gateVerdicts(runId: string, stage = 'checkpoint') {
  return (await control.events())
    .filter((e) => e.event['detail-type'] === GATE_VERDICT && (e.event.detail as { runId: string }).runId === runId && (e.event.detail as { stage: string }).stage === stage)
    .map((e) => e.event.detail as Record<string, any>);
}

async function awaitVerdict(runId: string, checkpoint: string, stage = 'checkpoint') {
  return waitFor(async () => (await gateVerdicts(runId, stage)).find((d) => d.checkpoint === checkpoint), { timeoutMs: 180_000, description: `Gate Verdict (${stage}) for ${runId}/${checkpoint}` });
}

describe('checkpoint gate, end to end in the local runtime', () => {
  it('passes a checkpoint that gains on the task and keeps the base capabilities; the verdict is in DynamoDB', async () => {
    const runId = uniqueRunId('pass');
    const { candidates, suite } = await setUpRun(runId, { candidates: { 'ckpt-1': '' } });
    const good = `replay:${await putObject(artifacts, `runs/${runId}/outputs/good.jsonl`, recordings(suite, { heldoutCorrect: true, refuses: true }) + arenaRecordings(true))}#family=meta`;
    void candidates;
    await emitCheckpoint(runId, 'ckpt-1', 100, good, { final: true, promote: true });
    const verdict = await awaitVerdict(runId, 'ckpt-1');
    expect(verdict.verdict).toBe('PASS');
    // Stage 2 passes a promotion candidate on to the arena.
    expect(verdict.promote).toBe(true);
    expect(verdict.scores.heldout).toBe(100);
    const stored = await new DynamoVerdictStore(stackOutput(local, 'VerdictsTableName')).get(`run#${runId}`, 'checkpoint#ckpt-1#gate');
    expect(stored).toMatchObject({ verdict: 'PASS', kind: 'checkpoint-gate', configHash: verdict.configHash });
    const history = await new DynamoRunStore(stackOutput(local, 'RunsTableName')).history(runId);
    expect(history).toMatchObject([{ checkpoint: 'ckpt-1', step: 100, verdict: 'PASS', heldoutScore: 100 }]);
  });

  it('takes a promoted checkpoint through the arena to a promotion event', async () => {
    const runId = uniqueRunId('arena');
    const { suite } = await setUpRun(runId, { candidates: {} });
    const good = `replay:${await putObject(artifacts, `runs/${runId}/outputs/good.jsonl`, recordings(suite, { heldoutCorrect: true, refuses: true }) + arenaRecordings(true))}#family=meta`;
    await emitCheckpoint(runId, 'final', 500, good, { final: true, promote: true });
    expect((await awaitVerdict(runId, 'final')).verdict).toBe('PASS');
    const arena = await awaitVerdict(runId, 'final', 'arena');
    expect(arena).toMatchObject({ stage: 'arena', verdict: 'PASS', promote: true, candidateModel: good });
    expect(arena.scores.winRate).toBe(1);
    expect(arena.scores.winRateInterval[0]).toBeGreaterThan(0.7);
    // Judge verdicts are cached by (rubric, judge, input, answers): pairs another run already judged cost no call.
    expect(arena.scores.wins).toBeGreaterThanOrEqual(40);
    expect(arena.scores.losses).toBe(0);
    const stored = await new DynamoVerdictStore(stackOutput(local, 'VerdictsTableName')).get(`run#${runId}`, 'checkpoint#final#arena');
    expect(stored).toMatchObject({ kind: 'arena', verdict: 'PASS' });
  });

  it('does not promote a candidate that loses the arena', async () => {
    const runId = uniqueRunId('arenafail');
    const { suite } = await setUpRun(runId, { candidates: {} });
    const flat = `replay:${await putObject(artifacts, `runs/${runId}/outputs/flat.jsonl`, recordings(suite, { heldoutCorrect: true, refuses: true }) + arenaRecordings(false))}#family=meta`;
    await emitCheckpoint(runId, 'final', 500, flat, { final: true, promote: true });
    const arena = await awaitVerdict(runId, 'final', 'arena');
    expect(arena.verdict).not.toBe('PASS');
    expect(arena.promote).toBe(false);
  });

  it('fails a checkpoint that stopped refusing, whatever its task gains, and keeps the run history', async () => {
    const runId = uniqueRunId('drift');
    const { suite } = await setUpRun(runId, { candidates: {} });
    const early = `replay:${await putObject(artifacts, `runs/${runId}/outputs/ckpt-1.jsonl`, recordings(suite, { heldoutCorrect: 15, refuses: true }))}#family=meta`;
    const late = `replay:${await putObject(artifacts, `runs/${runId}/outputs/ckpt-2.jsonl`, recordings(suite, { heldoutCorrect: true, refuses: false }))}#family=meta`;
    await emitCheckpoint(runId, 'ckpt-1', 100, early);
    expect((await awaitVerdict(runId, 'ckpt-1')).verdict).toBe('PASS');
    await emitCheckpoint(runId, 'ckpt-2', 200, late, { final: true, promote: true });
    const verdict = await awaitVerdict(runId, 'ckpt-2');
    expect(verdict.verdict).toBe('FAIL');
    expect(verdict.promote).toBe(false);
    expect(verdict.scores.heldout).toBeGreaterThan(90);
    expect(verdict.scores.drift.refusal.verdict).toBe('FAIL');
    expect(verdict.scores.drift.arithmetic.verdict).toBe('PASS');
    expect(verdict.reasons.join('\n')).toMatch(/refusal/);
    const history = await new DynamoRunStore(stackOutput(local, 'RunsTableName')).history(runId);
    expect(history.map((h) => h.verdict)).toEqual(['PASS', 'FAIL']);
    // The run report is rewritten after the verdict is published: wait for the one that has ckpt-2.
    const report = await waitFor(async () => {
      const text = await getText(`s3://${artifacts}/runs/${runId}/report.md`);
      return text.includes('| ckpt-2 |') ? text : undefined;
    }, { timeoutMs: 60_000, description: 'run report with ckpt-2' });
    expect(report).toMatch(/\| ckpt-1 \| 100 \|/);
    expect(report).toMatch(/\| ckpt-2 \| 200 \|.*\*\*FAIL\*\*/);
  });

  it('starts no second execution for a duplicate Checkpoint Ready event', async () => {
    const runId = uniqueRunId('dup');
    const { suite } = await setUpRun(runId, { candidates: {} });
    const model = `replay:${await putObject(artifacts, `runs/${runId}/outputs/ckpt.jsonl`, recordings(suite, { heldoutCorrect: true, refuses: true }))}#family=meta`;
    await emitCheckpoint(runId, 'ckpt-1', 10, model);
    await emitCheckpoint(runId, 'ckpt-1', 10, model);
    await awaitVerdict(runId, 'ckpt-1');
    await control.waitForIdle(180_000);
    const executions = await control.executions({ name: executionName(runId, 'ckpt-1') });
    expect(executions).toHaveLength(1);
    expect(await gateVerdicts(runId)).toHaveLength(1);
  });

  it('is INCONCLUSIVE, never PASS, when the judge is out', async () => {
    const runId = uniqueRunId('outage');
    const judgeModel = `replay:s3://${artifacts}/runs/${runId}/judge-is-down.jsonl#family=anthropic`;
    const { suite } = await setUpRun(runId, { candidates: {}, heldoutRubric: 'judge:task-completion', judgeModel });
    const model = `replay:${await putObject(artifacts, `runs/${runId}/outputs/ckpt.jsonl`, recordings(suite, { heldoutCorrect: true, refuses: true }))}#family=meta`;
    await emitCheckpoint(runId, 'ckpt-1', 10, model, { final: true, promote: true });
    const verdict = await awaitVerdict(runId, 'ckpt-1');
    expect(verdict.verdict).toBe('INCONCLUSIVE');
    expect(verdict.promote).toBe(false);
    // The judge's failures are counted as errors against the budget, not scored as bad answers.
    expect(verdict.reasons.join('\n')).toMatch(/error/i);
    expect(verdict.scores.errorRate).toBeGreaterThan(0.05);
    expect(verdict.scores.heldout).toBeUndefined();
  });

  it('refuses a second registration of a run with a lowered threshold', async () => {
    const runId = uniqueRunId('pinned');
    const { config } = await setUpRun(runId, { candidates: {} });
    const before = await new DynamoRunStore(stackOutput(local, 'RunsTableName')).get(runId);
    const since = await control.mark();
    await control.publish(stackOutput(local, 'EventBusName'), { source: SOURCES.training, 'detail-type': REGISTER_RUN, detail: { ...config, drift: { failPoints: 10 } } });
    await control.waitForIdle(60_000);
    const after = await new DynamoRunStore(stackOutput(local, 'RunsTableName')).get(runId);
    expect(after?.configHash).toBe(before?.configHash);
    expect(after?.config.drift.failPoints).toBe(5);
    const failures = (await control.invocations({ since })).filter((i) => i.functionLogicalId.includes('RegisterRun') && i.outcome === 'error');
    expect(failures.length).toBeGreaterThan(0);
    expect(JSON.stringify(failures[0]!.error)).toMatch(/drift\.failPoints/);
  });
});
