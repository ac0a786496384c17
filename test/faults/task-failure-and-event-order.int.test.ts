import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHECKPOINT_READY } from '../../events/checkpoint-ready';
import { CORPUS_AUDITED } from '../../events/corpus-audited';
import { SOURCES } from '../../events/event-sources';
import { GATE_VERDICT } from '../../events/gate-verdict';
import { REGISTER_RUN, RUN_REGISTERED } from '../../events/run-registered';
import { resetAwsClients } from '../../functions/stores/aws-clients';
import { loadShippedDriftSuite } from '../../functions/stores/drift-suite-files';
import { DynamoRunStore } from '../../functions/stores/dynamo-run-store';
import { DynamoVerdictStore } from '../../functions/stores/dynamo-verdict-store';
import { syntheticCorpus } from '../../infra/demo/synthetic-corpus';
import { heldoutRows, putObject, recordings, uniqueRunId } from '../support/gate-scenario';
import { LocalRuntimeControl } from '../support/local-runtime-control';
import { stackOutput, useLocalServices, waitFor, type LocalRuntimeConnection } from '../support/local-services';

/*
 * In the shared local runtime: a Step Functions task that fails permanently (the run's held-out set is unreadable
 * when the gate runs) is caught and recorded INCONCLUSIVE, one verdict and one Gate Verdict; checkpoints arriving out
 * of step order are each judged once and the run history is kept in step order. A duplicate Checkpoint Ready is
 * covered in test/state-machines/checkpoint-gate.e2e.int.test.ts ("starts no second execution…"); a rollback after
 * the promotion in test/functions/canary-rollback.test.ts ("an ALARM after the promotion verdict…").
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
  const key = `corpora/${randomUUID()}.jsonl`;
  corpusUri = await putObject(corpora, key, [...syntheticCorpus({ rows: 200, seed: 43, rowChars: 400 })].join('\n') + '\n');
  await waitFor(async () => (await control.events()).find((e) => e.event['detail-type'] === CORPUS_AUDITED && (e.event.detail as { corpus?: { key?: string } }).corpus?.key === key), {
    timeoutMs: 120_000,
    description: 'corpus audit of the training corpus',
  });
});

async function register(runId: string): Promise<{ heldoutKey: string; model: string }> {
  const suite = await loadShippedDriftSuite('v1');
  const heldoutKey = `heldout/${runId}.jsonl`;
  const heldoutUri = await putObject(corpora, heldoutKey, heldoutRows().join('\n') + '\n');
  const base = await putObject(artifacts, `runs/${runId}/outputs/base.jsonl`, recordings(suite, 'base'));
  const model = `replay:${await putObject(artifacts, `runs/${runId}/outputs/ckpt.jsonl`, recordings(suite, { heldoutCorrect: true, refuses: true }))}#family=meta`;
  const config = {
    runId,
    baseModel: `replay:${base}#family=meta`,
    judgeModel: 'local:pair-judge#family=amazon',
    rubricVersion: '2026-11-v1',
    heldout: { uri: heldoutUri, rubric: 'exact-match' },
    corpusAudit: { uri: corpusUri },
    errorBudget: { maxErrorRate: 0.05 },
    concurrency: 8,
  };
  await control.publish(stackOutput(local, 'EventBusName'), { source: SOURCES.training, 'detail-type': REGISTER_RUN, detail: config });
  await waitFor(async () => (await control.events()).find((e) => e.event['detail-type'] === RUN_REGISTERED && (e.event.detail as { runId: string }).runId === runId), {
    timeoutMs: 60_000,
    description: `Run Registered for ${runId}`,
  });
  return { heldoutKey, model };
}

async function emitCheckpoint(runId: string, checkpoint: string, step: number, candidateModel: string) {
  await control.publish(stackOutput(local, 'EventBusName'), {
    source: SOURCES.training,
    'detail-type': CHECKPOINT_READY,
    detail: { runId, checkpoint, step, candidateModel, trainingLoss: 1 / (step + 1), final: false },
  });
}

async function gateVerdicts(runId: string) {
  return (await control.events())
    .filter((e) => e.event['detail-type'] === GATE_VERDICT && (e.event.detail as { runId: string }).runId === runId)
    .map((e) => e.event.detail as { checkpoint: string; verdict: string; stage: string; reasons: string[] });
}

async function awaitVerdict(runId: string, checkpoint: string) {
  return waitFor(async () => (await gateVerdicts(runId)).find((d) => d.checkpoint === checkpoint), { timeoutMs: 120_000, description: `Gate Verdict for ${runId}/${checkpoint}` });
}

describe('a Step Functions task failure', () => {
  it('is caught and recorded INCONCLUSIVE: one verdict, one Gate Verdict', async () => {
    const runId = uniqueRunId('taskfail');
    const { heldoutKey, model } = await register(runId);
    // After registration the held-out set becomes unreadable: every task that reads it fails, permanently.
    await putObject(corpora, heldoutKey, '{ this is not a held-out set\n');
    await emitCheckpoint(runId, 'ckpt-1', 10, model);
    const verdict = await awaitVerdict(runId, 'ckpt-1');
    expect(verdict.verdict).toBe('INCONCLUSIVE');
    expect(verdict.reasons.join('\n')).toMatch(/could not complete/);
    await control.waitForIdle(120_000);
    expect(await gateVerdicts(runId)).toHaveLength(1);
    const stored = await new DynamoVerdictStore(stackOutput(local, 'VerdictsTableName')).list(`run#${runId}`);
    expect(stored.map((v) => v.verdict)).toEqual(['INCONCLUSIVE']);
  });
});

describe('checkpoints out of step order', () => {
  it('judges each once and keeps the run history in step order', async () => {
    const runId = uniqueRunId('order');
    const { model } = await register(runId);
    await emitCheckpoint(runId, 'step-1800', 1800, model);
    await awaitVerdict(runId, 'step-1800');
    await emitCheckpoint(runId, 'step-1200', 1200, model);
    await awaitVerdict(runId, 'step-1200');
    await control.waitForIdle(120_000);
    const verdicts = await gateVerdicts(runId);
    expect(verdicts.map((v) => v.checkpoint).sort()).toEqual(['step-1200', 'step-1800']);
    const history = await new DynamoRunStore(stackOutput(local, 'RunsTableName')).history(runId);
    expect(history.map((h) => [h.checkpoint, h.step])).toEqual([
      ['step-1200', 1200],
      ['step-1800', 1800],
    ]);
    const stored = await new DynamoVerdictStore(stackOutput(local, 'VerdictsTableName')).list(`run#${runId}`);
    expect(stored.map((v) => v.key).sort()).toEqual(['checkpoint#step-1200#gate', 'checkpoint#step-1800#gate']);
  });
});
