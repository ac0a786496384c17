import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FinegateFunction } from '../../../infra/finegate-function';
import { LambdaInvoker } from '../../../infra/local/lambda-invoker';
import { LocalStepFunctions, type ExecutionRecord } from '../../../infra/local/stepfunctions-executions';
import { startStepFunctionsServer, type LocalStepFunctionsServer } from '../../../infra/local/stepfunctions-server';
import { readTemplate } from '../../../infra/local/template-model';
import { unbundledApp } from '../../../infra/synthesize-template';
import { buildCheckpointGateDefinition, CHECKPOINT_GATE_STATES as S } from '../../../state-machines/checkpoint-gate';

/*
 * The checkpoint-gate definition as CDK synthesizes it, started with the real SFN client and run by the local
 * interpreter, its tasks calling fixture handlers in this process: the data each step receives, and the
 * failure path that still records a verdict.
 */

const projectRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const GATE = 'test/infra/fixtures/checkpoint-gate';
const env = { stackName: 'gate', account: '000000000000', region: 'us-east-1', partition: 'aws' };

function synthesizeGate(): Record<string, unknown> {
  const stack = new Stack(unbundledApp(), 'Gate');
  const fn = (id: string, entry: string, handler = 'handler') => new FinegateFunction(stack, id, { entry, handler });
  const definition = buildCheckpointGateDefinition(stack, {
    loadRun: fn('LoadRunFunction', `${GATE}/gate-load-run.ts`),
    scoreBatch: fn('ScoreBatchFunction', `${GATE}/gate-score-batch.ts`),
    decide: fn('DecideFunction', `${GATE}/gate-decide.ts`),
    // The record step without storage: it answers with the verdict it would record.
    record: fn('RecordFunction', 'test/infra/local/fixtures/stepfunctions-handlers.ts', 'recordVerdict'),
  });
  new sfn.StateMachine(stack, 'CheckpointGate', {
    stateMachineName: 'checkpoint-gate',
    queryLanguage: sfn.QueryLanguage.JSON_PATH,
    definitionBody: sfn.DefinitionBody.fromChainable(definition),
  });
  return Template.fromStack(stack).toJSON();
}

let service: LocalStepFunctions;
let server: LocalStepFunctionsServer;
let client: SFNClient;
let stateMachineArn: string;

beforeAll(async () => {
  const model = readTemplate(synthesizeGate(), env);
  expect(model.stateMachines).toHaveLength(1);
  stateMachineArn = model.stateMachines[0]!.arn;
  const invoker = new LambdaInvoker({ projectRoot, region: env.region, baseEnvironment: {} });
  service = new LocalStepFunctions({ model, invoke: (f, payload) => invoker.invoke(f, payload) });
  server = await startStepFunctionsServer({ service });
  client = new SFNClient({ endpoint: server.endpoint, region: env.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});

afterAll(async () => {
  client?.destroy();
  await service?.stop();
  await server?.stop();
});

async function gate(name: string, detail: Record<string, unknown>): Promise<ExecutionRecord> {
  const input = { ...detail, executionName: name };
  const started = await client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
  return service.waitForExecution(started.executionArn!, { timeoutMs: 30_000 });
}

const calls = (record: ExecutionRecord, state: string) => record.invocations.filter((i) => i.stateName === state);

describe('checkpoint gate in the local interpreter', () => {
  it('loads the run, scores every batch, decides and records the decision', async () => {
    const detail = { runId: 'run-1', checkpoint: 'ckpt-100', step: 100, candidateModel: 'local:candidate', trainingLoss: 0.42, final: false, promote: true };
    const record = await gate('run-1-ckpt-100', detail);
    expect(record.status).toBe('SUCCEEDED');
    expect(record.invocations.map((i) => i.outcome).every((o) => o === 'success')).toBe(true);

    // LoadRun receives the execution input as it is.
    expect(calls(record, S.loadRun).map((i) => i.payload)).toEqual([{ ...detail, executionName: 'run-1-ckpt-100' }]);

    // Each Map item: the run, the checkpoint and the candidate from the input, and one batch.
    const heldout = calls(record, S.scoreHeldoutBatch);
    expect(heldout.map((i) => i.payload)).toEqual(
      [0, 10, 20].map((start) => ({
        runId: 'run-1',
        checkpoint: 'ckpt-100',
        candidateModel: 'local:candidate',
        batch: { kind: 'heldout', uri: 's3://fixture/heldout/run-1.jsonl', start, count: 10 },
      })),
    );
    expect(calls(record, S.scoreDriftBatch).map((i) => (i.payload as { batch: { axis: string } }).batch.axis)).toEqual(['reasoning', 'coding']);

    const [decide] = calls(record, S.decide);
    const decideInput = decide!.payload as Record<string, any>;
    expect(Object.keys(decideInput).sort()).toEqual(['checkpoint', 'drift', 'heldout', 'run']);
    expect(decideInput.run).toEqual({ runId: 'run-1', configHash: 'sha256:fixture' });
    expect(decideInput.heldout).toHaveLength(3);
    expect(decideInput.drift.map((b: { axis: string }) => b.axis)).toEqual(['reasoning', 'coding']);

    const [recorded] = calls(record, S.record);
    expect(recorded!.payload).toEqual({
      outcome: 'decided',
      run: { runId: 'run-1', configHash: 'sha256:fixture' },
      checkpoint: { checkpoint: 'ckpt-100', step: 100, candidateModel: 'local:candidate', trainingLoss: 0.42, final: false, promote: true },
      decision: decide!.result,
      execution: { name: 'run-1-ckpt-100', arn: record.executionArn },
    });
    expect(calls(record, S.recordFailure)).toEqual([]);

    const output = JSON.parse(record.output!) as Record<string, any>;
    expect(output.decision).toMatchObject({ verdict: 'PASS', promote: true });
    expect(output.recorded).toEqual({ verdict: 'PASS' });
  });

  it('runs without the optional fields of a Checkpoint Ready event', async () => {
    const record = await gate('run-2-ckpt-1', { runId: 'run-2', checkpoint: 'ckpt-1', step: 1, candidateModel: 'local:candidate', final: true });
    expect(record.status).toBe('SUCCEEDED');
    expect(JSON.parse(record.output!).decision.promote).toBe(false);
  });

  it('records an INCONCLUSIVE verdict when a step fails, then fails the execution with the original error', async () => {
    const detail = { runId: 'run-3', checkpoint: 'ckpt-7', step: 7, candidateModel: 'local:unreachable', final: false };
    const record = await gate('run-3-ckpt-7', detail);

    expect(record.status).toBe('FAILED');
    expect(record.error).toBe('ModelUnavailableError');
    expect(JSON.parse(record.cause!)).toMatchObject({ errorType: 'ModelUnavailableError', errorMessage: 'local:unreachable did not answer' });

    expect(calls(record, S.decide)).toEqual([]);
    expect(calls(record, S.record)).toEqual([]);
    const [failure] = calls(record, S.recordFailure);
    expect(failure!.payload).toEqual({
      outcome: 'failed',
      checkpointReady: { ...detail, executionName: 'run-3-ckpt-7' },
      error: { Error: 'ModelUnavailableError', Cause: record.cause },
      execution: { name: 'run-3-ckpt-7', arn: record.executionArn },
    });
    expect(failure!.result).toEqual({ verdict: 'INCONCLUSIVE' });

    const path = record.history.filter((e) => e.type === 'StateCaught' || (e.type === 'StateEntered' && e.parentState === undefined && e.index === undefined));
    expect(path.map((e) => `${e.type}:${e.stateName}`)).toEqual(
      expect.arrayContaining([`StateCaught:${S.scoreCheckpoint}`, `StateEntered:${S.recordFailure}`, `StateEntered:${S.gateFailed}`]),
    );
  });

  it('records the failure of a malformed event too (LoadRun cannot read it)', async () => {
    const record = await gate('malformed', { checkpoint: 'ckpt-1' });
    expect(record.status).toBe('FAILED');
    expect(record.error).toBe('InvalidCheckpointError');
    const [failure] = calls(record, S.recordFailure);
    expect(failure!.payload).toMatchObject({
      outcome: 'failed',
      checkpointReady: { checkpoint: 'ckpt-1', executionName: 'malformed' },
      error: { Error: 'InvalidCheckpointError' },
    });
    expect(JSON.parse(record.cause!).errorMessage).toBe('runId is required');
  });

  it('describes the run over the API like any other execution', async () => {
    const described = await client.send(
      new DescribeExecutionCommand({ executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:run-1-ckpt-100` }),
    );
    expect(described.status).toBe('SUCCEEDED');
    expect(described.stateMachineArn).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:checkpoint-gate');
  });
});
