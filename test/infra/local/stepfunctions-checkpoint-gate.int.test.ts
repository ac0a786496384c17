import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { DescribeExecutionCommand, ExecutionAlreadyExists, ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointGate } from '../../../infra/checkpoint-gate';
import { startLocalRuntime, type LocalRuntime } from '../../../infra/local/local-runtime';
import { EXECUTION_STATUS_CHANGE } from '../../../infra/local/stepfunctions-status-event';
import { Storage } from '../../../infra/storage';
import { unbundledApp } from '../../../infra/synthesize-template';
import { CHECKPOINT_GATE_STATES as S } from '../../../state-machines/checkpoint-gate';
import { FIXTURE_ENTRIES } from '../fixtures/checkpoint-gate/entries';
import { executionName as executionNameFor } from '../../../functions/gates/execution-name';

/*
 * The CheckpointGate construct, synthesized by CDK, on the local runtime: a Checkpoint Ready event on the
 * finegate bus reaches the real start function (functions/gate-start.ts) through the template's rule; it calls
 * StartExecution with the real SFN client (AWS_ENDPOINT_URL_SFN); the state machine runs in the local
 * interpreter, its tasks calling fixture handlers in this process; the record step writes the verdict to
 * DynamoDB Local.
 */

let runtime: LocalRuntime;
let sfn: SFNClient;
let ddb: DynamoDBDocumentClient;
let busName: string;
let verdictsTable: string;
let stateMachineArn: string;

beforeAll(async () => {
  const stack = new Stack(unbundledApp(), 'GateLocal');
  const storage = new Storage(stack, 'Storage', { removalPolicy: RemovalPolicy.DESTROY });
  new CheckpointGate(stack, 'Gate', { storage, entries: FIXTURE_ENTRIES });
  runtime = await startLocalRuntime({
    template: Template.fromStack(stack).toJSON(),
    stackName: 'gate-local',
    retryBackoff: { baseMs: 5, maxMs: 20 },
    log: () => {},
  });
  busName = runtime.template.buses.find((b) => b.logicalId !== undefined)!.name;
  verdictsTable = runtime.template.tables.find((t) => t.logicalId.includes('Verdicts'))!.name;
  stateMachineArn = runtime.template.stateMachines[0]!.arn;
  // Clients built after the runtime pointed this process at its endpoints.
  sfn = new SFNClient({});
  ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
});

afterAll(async () => {
  sfn?.destroy();
  ddb?.destroy();
  await runtime?.stop();
});

const checkpointReady = (detail: Record<string, unknown>) => ({
  source: 'finegate.training',
  'detail-type': 'Checkpoint Ready',
  detail,
});

async function verdictOf(runId: string, checkpoint: string): Promise<Record<string, unknown> | undefined> {
  const out = await ddb.send(new GetCommand({ TableName: verdictsTable, Key: { pk: `run#${runId}`, sk: `checkpoint#${checkpoint}#gate` } }));
  return out.Item;
}

describe('checkpoint gate on the local runtime', () => {
  it('exposes the state machine and its Step Functions endpoint', () => {
    expect(runtime.resources.stateMachines).toEqual([expect.objectContaining({ arn: stateMachineArn, type: 'STANDARD' })]);
    expect(runtime.endpoints.stepfunctions).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(process.env.AWS_ENDPOINT_URL_SFN).toBe(runtime.endpoints.stepfunctions);
  });

  it('gates a checkpoint from its Checkpoint Ready event to a recorded verdict', async () => {
    // Not a promotion candidate: the gate ends after stage 2 (the arena has its own end-to-end test).
    const detail = { runId: 'run-a', checkpoint: 'ckpt-200', step: 200, candidateModel: 'local:candidate', final: false, promote: false };
    runtime.publish(busName, checkpointReady(detail));
    const name = executionNameFor('run-a', 'ckpt-200');

    const execution = await runtime.waitForExecution(name, { timeoutMs: 60_000 });
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.input)).toEqual({ ...detail, executionName: name });
    expect(execution.invocations.map((i) => i.stateName).sort()).toEqual(
      [S.loadRun, S.scoreHeldoutBatch, S.scoreHeldoutBatch, S.scoreHeldoutBatch, S.scoreDriftBatch, S.scoreDriftBatch, S.decide, S.record].sort(),
    );
    expect(await verdictOf('run-a', 'ckpt-200')).toMatchObject({ verdict: 'PASS', configHash: 'sha256:fixture', execution: name });

    // The same execution, through the API.
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }));
    expect(described).toMatchObject({ status: 'SUCCEEDED', name, stateMachineArn });
    expect(JSON.parse(described.output!).decision.verdict).toBe('PASS');

    // Step Functions' own status-change events reach the default bus.
    await runtime.waitForIdle({ timeoutMs: 30_000 });
    const statuses = runtime
      .events()
      .filter((e) => e.eventBusName === 'default' && e.event['detail-type'] === EXECUTION_STATUS_CHANGE)
      .map((e) => e.event.detail as { name: string; status: string })
      .filter((d) => d.name === name)
      .map((d) => d.status);
    expect(statuses).toEqual(['RUNNING', 'SUCCEEDED']);
  });

  it('does not gate the same checkpoint twice', async () => {
    const detail = { runId: 'run-b', checkpoint: 'ckpt-1', step: 1, candidateModel: 'local:candidate', final: false };
    const name = executionNameFor('run-b', 'ckpt-1');
    runtime.publish(busName, checkpointReady(detail));
    await runtime.waitForExecution(name, { timeoutMs: 60_000 });

    // Redelivered event: the start function finds the name taken and starts nothing.
    runtime.publish(busName, checkpointReady(detail));
    await runtime.waitForIdle({ timeoutMs: 30_000 });
    const starts = runtime.invocations().filter((i) => i.functionLogicalId.includes('StartFunction'));
    expect(starts.slice(-2).map((i) => i.outcome)).toEqual(['success', 'success']);
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn }));
    expect(listed.executions!.filter((e) => e.name === name)).toHaveLength(1);

    // A direct start under that name is refused, as Step Functions refuses it for a closed execution.
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify({ ...detail, executionName: name }) })),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  });

  it('records INCONCLUSIVE when scoring fails, and the execution fails with the scoring error', async () => {
    const detail = { runId: 'run-c', checkpoint: 'ckpt-9', step: 9, candidateModel: 'local:unreachable', final: true };
    runtime.publish(busName, checkpointReady(detail));
    const execution = await runtime.waitForExecution(executionNameFor('run-c', 'ckpt-9'), { timeoutMs: 60_000 });

    expect(execution).toMatchObject({ status: 'FAILED', error: 'ModelUnavailableError' });
    expect(execution.invocations.filter((i) => i.stateName === S.recordFailure).map((i) => i.outcome)).toEqual(['success']);
    expect(await verdictOf('run-c', 'ckpt-9')).toMatchObject({ verdict: 'INCONCLUSIVE', reasons: ['gate failed: ModelUnavailableError'] });
  });
});
