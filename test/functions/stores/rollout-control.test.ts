import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetAwsClients } from '../../../functions/stores/aws-clients';
import { SfnRolloutStopper } from '../../../functions/stores/rollout-control';
import { startScriptedServer, type ScriptedReply, type ScriptedServer } from '../../support/scripted-http-server';

/* The stopper through the real SFN client against a local server speaking Step Functions' AWS JSON 1.0 protocol. */

const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:finegate-canary-rollout:3c1d2f0e';
let server: ScriptedServer;
let replies: ScriptedReply[] = [];
const saved = { ...process.env };
const json = (body: object, status = 200): ScriptedReply => ({ status, headers: { 'content-type': 'application/x-amz-json-1.0' }, body });

beforeAll(async () => {
  server = await startScriptedServer(() => replies.shift() ?? json({ __type: 'InternalFailure', message: 'unscripted' }, 500));
  Object.assign(process.env, { AWS_ENDPOINT_URL_SFN: server.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
  delete process.env.AWS_PROFILE;
  resetAwsClients();
});

beforeEach(() => {
  replies = [];
  server.requests.length = 0;
});

afterAll(async () => {
  process.env = saved;
  resetAwsClients();
  await server.close();
});

describe('SfnRolloutStopper', () => {
  it('stops the execution with an error and the rollback reasons as cause', async () => {
    replies = [json({ stopDate: 1794489712.5 })];
    expect(await new SfnRolloutStopper().stop(EXECUTION, 'alarm finegate-canary-errors is in ALARM')).toBe('stopped');
    expect(server.requests[0]!.headers['x-amz-target']).toBe('AWSStepFunctions.StopExecution');
    expect(server.requests[0]!.json).toEqual({ executionArn: EXECUTION, error: 'finegate.CanaryRolledBack', cause: 'alarm finegate-canary-errors is in ALARM' });
  });

  it('stops only executions of the rollout state machine when it is named', async () => {
    replies = [json({ stopDate: 1794489712.5 })];
    expect(await new SfnRolloutStopper('arn:aws:states:us-east-1:123456789012:stateMachine:finegate-canary-rollout').stop(EXECUTION, 'x')).toBe('stopped');
    await expect(new SfnRolloutStopper('arn:aws:states:us-east-1:123456789012:stateMachine:finegate-canary').stop(EXECUTION, 'x')).rejects.toThrow(/not of the rollout state machine/);
    expect(server.requests).toHaveLength(1);
  });

  it('an execution that does not exist needs no stopping', async () => {
    replies = [json({ __type: 'ExecutionDoesNotExist', message: 'Execution Does Not Exist' }, 400)];
    expect(await new SfnRolloutStopper().stop(EXECUTION, 'x')).toBe('not-running');
  });

  it('a refused stop of an execution that already ended is a success, read from its status', async () => {
    replies = [json({ __type: 'ValidationException', message: 'Execution is not running' }, 400), json({ executionArn: EXECUTION, status: 'ABORTED', startDate: 1794489000 })];
    expect(await new SfnRolloutStopper().stop(EXECUTION, 'x')).toBe('not-running');
    expect(server.requests[1]!.headers['x-amz-target']).toBe('AWSStepFunctions.DescribeExecution');
  });

  it('a refused stop of a running execution is an error', async () => {
    replies = [json({ __type: 'AccessDeniedException', message: 'not authorized to perform states:StopExecution' }, 400), json({ executionArn: EXECUTION, status: 'RUNNING', startDate: 1794489000 })];
    await expect(new SfnRolloutStopper().stop(EXECUTION, 'x')).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});
