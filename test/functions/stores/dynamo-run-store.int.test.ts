import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig, runConfigHash, type RunConfigInput } from '../../../functions/runs/run-config';
import { RunConflictError } from '../../../functions/runs/run-record';
import { resetAwsClients } from '../../../functions/stores/aws-clients';
import { DynamoRunStore } from '../../../functions/stores/dynamo-run-store';
import { stackOutput, useLocalServices } from '../../support/local-services';

/* The runs table of the running template, in DynamoDB Local, through the real document client. */

let store: DynamoRunStore;

beforeAll(() => {
  const local = useLocalServices();
  resetAwsClients();
  store = new DynamoRunStore(stackOutput(local, 'RunsTableName'));
});

function config(patch: Partial<RunConfigInput> = {}) {
  return parseRunConfig({
    runId: `run-${randomUUID()}`,
    baseModel: 'bedrock:meta.llama3-1-8b-instruct-v1:0',
    judgeModel: 'bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0',
    rubricVersion: '2026-11-v1',
    heldout: { uri: 's3://corpora/heldout.jsonl', rubric: 'exact-match' },
    corpusAudit: { uri: 's3://corpora/corpus.jsonl', versionId: 'v1' },
    ...patch,
  });
}

describe('DynamoRunStore.register', () => {
  it('pins a configuration once: identical again is a no-op, a lowered threshold is refused', async () => {
    const original = config();
    const first = await store.register(original);
    expect(first).toMatchObject({ created: true, record: { runId: original.runId, configHash: runConfigHash(original) } });
    expect(await store.get(original.runId)).toEqual(first.record);

    const again = await store.register(parseRunConfig(JSON.parse(JSON.stringify(original))));
    expect(again).toEqual({ created: false, record: first.record });

    const lowered = { ...original, drift: { ...original.drift, failPoints: 8 }, arena: { ...original.arena, effectFloor: 0.6 } };
    const error = await store.register(lowered).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunConflictError);
    expect((error as RunConflictError).fields).toEqual(['arena.effectFloor', 'drift.failPoints']);
    expect(await store.get(original.runId)).toEqual(first.record);
  });

  it('lets only one of two racing different registrations win', async () => {
    const a = config();
    const b = { ...a, errorBudget: { maxErrorRate: 0.5 } };
    const results = await Promise.allSettled([store.register(a), store.register(b)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason)).toEqual([expect.any(RunConflictError)]);
  });

  it('indexes the runs of a study', async () => {
    const study = `study-${randomUUID()}`;
    const runs = [config({ study }), config({ study }), config({ study })];
    for (const run of runs) await store.register(run);
    await store.register(config());
    const listed = await store.listStudy(study);
    expect(listed.map((r) => r.runId)).toEqual(runs.map((r) => r.runId).sort());
    expect(listed.every((r) => r.config.study === study)).toBe(true);
    expect(await store.listStudy(`study-${randomUUID()}`)).toEqual([]);
  });

  it('finds a run by the training job it names, and refuses a second run claiming the same job', async () => {
    const job = `job-${randomUUID()}`.slice(0, 40);
    const run = config({ trainingJob: { sagemakerJobName: job }, candidateModelTemplate: 'openai:{jobName}#family=meta' });
    await store.register(run);
    expect((await store.findByTrainingJob('sagemaker', job))?.runId).toBe(run.runId);
    expect(await store.findByTrainingJob('bedrock', job)).toBeUndefined();

    const thief = config({ trainingJob: { sagemakerJobName: job } });
    const error = await store.register(thief).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'RunConflictError', fields: ['trainingJob.sagemakerJobName'], message: expect.stringContaining(`already registered to run ${run.runId}`) });
    // Refused as a whole: the second run was not registered either.
    expect(await store.get(thief.runId)).toBeUndefined();
  });
});

describe('DynamoRunStore checkpoint history', () => {
  it('keeps checkpoints once each, in step order', async () => {
    const run = config();
    await store.register(run);
    expect(await store.lastStep(run.runId)).toBeUndefined();
    expect(await store.appendCheckpoint(run.runId, { checkpoint: 'ckpt-1000', step: 1000, trainingLoss: 0.4, heldoutScore: 70.5, verdict: 'PASS' })).toBe(true);
    expect(await store.appendCheckpoint(run.runId, { checkpoint: 'ckpt-200', step: 200, trainingLoss: 0.9, heldoutScore: 61, verdict: 'WARN' })).toBe(true);
    expect(await store.appendCheckpoint(run.runId, { checkpoint: 'ckpt-30', step: 30, verdict: 'INCONCLUSIVE' })).toBe(true);
    expect(await store.appendCheckpoint(run.runId, { checkpoint: 'ckpt-200', step: 200, trainingLoss: 0.1, heldoutScore: 99, verdict: 'PASS' })).toBe(false);

    const history = await store.history(run.runId);
    expect(history.map((h) => [h.step, h.checkpoint, h.verdict])).toEqual([
      [30, 'ckpt-30', 'INCONCLUSIVE'],
      [200, 'ckpt-200', 'WARN'],
      [1000, 'ckpt-1000', 'PASS'],
    ]);
    expect(history[0]).not.toHaveProperty('heldoutScore');
    expect(history[1]).toMatchObject({ trainingLoss: 0.9, heldoutScore: 61, recordedAt: expect.stringMatching(/^\d{4}-/) });
    expect(await store.lastStep(run.runId)).toBe(1000);
    // History items never pass for the run's record.
    expect((await store.get(run.runId))?.config).toEqual(run);
  });
});
