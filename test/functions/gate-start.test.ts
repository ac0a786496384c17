import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RejectedEventError, runLookupFromStore, startCheckpointGate, type GateStartDeps } from '../../functions/gate-start';
import { executionName } from '../../functions/gates/execution-name';
import { parseRunConfig } from '../../functions/runs/run-config';
import type { RunRecord } from '../../functions/runs/run-record';
import type { ExecutionStart, ExecutionStarter } from '../../functions/stores/sfn-execution-starter';

const load = (name: string) => JSON.parse(readFileSync(new URL(`../../events/samples/${name}.json`, import.meta.url), 'utf8'));
const checkpointReady = load('checkpoint-ready');
const bedrockCompleted = load('bedrock-model-customization-job-state-change');
const sagemakerCompleted = load('sagemaker-training-job-state-change');

/** Step Functions' name semantics: a name once used is refused. */
class RecordingStarter implements ExecutionStarter {
  readonly executions = new Map<string, object>();
  async start(name: string, input: object): Promise<ExecutionStart> {
    const arn = `arn:aws:states:us-east-1:123456789012:execution:gate:${name}`;
    if (this.executions.has(name)) return { started: false, duplicate: true, executionArn: arn };
    this.executions.set(name, input);
    return { started: true, executionArn: arn };
  }
}

const run = parseRunConfig({
  runId: 'support-bot-7',
  baseModel: 'bedrock:meta.llama3-1-8b-instruct-v1:0',
  judgeModel: 'openai:gpt-4o',
  rubricVersion: 'v1',
  heldout: { uri: 'heldout.jsonl', rubric: 'exact-match' },
  corpusAudit: { uri: 's3://corpora/c.jsonl' },
  trainingJob: { bedrockJobName: 'support-bot-7' },
});
const record: RunRecord = { runId: run.runId, config: run, configHash: 'h', registeredAt: '2026-11-12T08:00:00Z' };

function deps(): GateStartDeps & { starter: RecordingStarter } {
  return {
    starter: new RecordingStarter(),
    runLookup: runLookupFromStore({
      findByTrainingJob: async (provider, jobName) => (provider === 'bedrock' && jobName === 'support-bot-7' ? record : undefined),
      get: async (runId) => (runId === record.runId ? record : undefined),
      lastStep: async () => 1800,
    }),
  };
}

describe('startCheckpointGate', () => {
  it('starts the gate for a Checkpoint Ready with the detail and the execution name as input', async () => {
    const d = deps();
    const outcome = await startCheckpointGate(checkpointReady, d);
    const name = executionName('support-bot-7', 'checkpoint-1200');
    expect(outcome).toEqual({ outcome: 'started', runId: 'support-bot-7', checkpoint: 'checkpoint-1200', executionName: name, executionArn: `arn:aws:states:us-east-1:123456789012:execution:gate:${name}` });
    expect(d.starter.executions.get(name)).toEqual({ ...checkpointReady.detail, executionName: name });
  });

  it('starts no second execution for a redelivered event', async () => {
    const d = deps();
    await startCheckpointGate(checkpointReady, d);
    expect(await startCheckpointGate({ ...checkpointReady, id: 'redelivered' }, d)).toMatchObject({ outcome: 'duplicate' });
    expect(d.starter.executions.size).toBe(1);
  });

  it.each([
    [{ step: -5 }, 'detail.step'],
    [{ candidateModel: 'not-a-ref' }, 'detail.candidateModel'],
    [{ checkpoint: 'a/b' }, 'detail.checkpoint'],
    [{ final: 'yes' }, 'detail.final'],
  ])('rejects %j naming %s, starting nothing', async (patch, field) => {
    const d = deps();
    const error = await startCheckpointGate({ ...checkpointReady, detail: { ...checkpointReady.detail, ...patch } }, d).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RejectedEventError);
    expect(error).toMatchObject({ field, message: expect.stringMatching(new RegExp(`^rejected event: ${field.replace('.', '\\.')}: `)) });
    expect(d.starter.executions.size).toBe(0);
  });

  it('rejects events it has no business with, naming the detail-type', async () => {
    await expect(startCheckpointGate({ source: 'finegate.gate', 'detail-type': 'Gate Verdict', detail: {} }, deps())).rejects.toMatchObject({ field: 'detail-type' });
    await expect(startCheckpointGate(undefined, deps())).rejects.toMatchObject({ field: 'detail-type' });
  });

  it('maps a completed Bedrock job of a registered run to its final checkpoint', async () => {
    const d = deps();
    const outcome = await startCheckpointGate(bedrockCompleted, d);
    expect(outcome).toMatchObject({ outcome: 'started', runId: 'support-bot-7', checkpoint: 'support-bot-7' });
    expect(d.starter.executions.get(executionName('support-bot-7', 'support-bot-7'))).toMatchObject({
      step: 1800,
      final: true,
      candidateModel: `bedrock:${bedrockCompleted.detail.outputModelArn}`,
    });
  });

  it('ignores a job of no registered run', async () => {
    const d = deps();
    expect(await startCheckpointGate(sagemakerCompleted, d)).toEqual({ outcome: 'ignored', reason: 'no run is registered for SageMaker job support-bot-8-sft' });
    expect(d.starter.executions.size).toBe(0);
  });

  it('rejects a registered job it cannot map, naming the run field', async () => {
    const tagged = { ...sagemakerCompleted, detail: { ...sagemakerCompleted.detail, Tags: { 'finegate-run-id': 'support-bot-7' } } };
    await expect(startCheckpointGate(tagged, deps())).rejects.toMatchObject({ name: 'RejectedEventError', field: 'candidateModelTemplate' });
  });
});
