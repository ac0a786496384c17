import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resetAwsClients } from '../../../functions/stores/aws-clients';
import { executionArn, SfnExecutionStarter } from '../../../functions/stores/sfn-execution-starter';
import { startScriptedServer, type ScriptedReply, type ScriptedServer } from '../../support/scripted-http-server';

/*
 * The adapter through the real SFN client against a local server speaking Step Functions' wire protocol
 * (AWS JSON 1.0: POST /, X-Amz-Target AWSStepFunctions.<Operation>, errors named by __type). No local emulator
 * serves the StartExecution API this adapter calls.
 */

const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:finegate-checkpoint-gate';

let server: ScriptedServer;
let replies: ScriptedReply[] = [];
const saved = { ...process.env };

beforeAll(async () => {
  server = await startScriptedServer(() => replies.shift() ?? { status: 500, body: { __type: 'InternalFailure', message: 'unscripted' } });
  Object.assign(process.env, { AWS_ENDPOINT_URL_SFN: server.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
  delete process.env.AWS_PROFILE;
  resetAwsClients();
});

afterEach(() => {
  replies = [];
  server.requests.length = 0;
});

afterAll(async () => {
  process.env = saved;
  resetAwsClients();
  await server.close();
});

describe('SfnExecutionStarter', () => {
  it('starts an execution under the given name with the input as JSON', async () => {
    replies = [{ status: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: { executionArn: `${executionArn(MACHINE, 'run-ckpt-1a2b3c4d')}`, startDate: 1794457573.123 } }];
    const start = await new SfnExecutionStarter(MACHINE).start('run-ckpt-1a2b3c4d', { runId: 'run', checkpoint: 'ckpt', step: 3 });
    expect(start).toEqual({ started: true, executionArn: 'arn:aws:states:us-east-1:123456789012:execution:finegate-checkpoint-gate:run-ckpt-1a2b3c4d' });
    const [request] = server.requests;
    expect(request!.headers['x-amz-target']).toBe('AWSStepFunctions.StartExecution');
    expect(request!.json).toEqual({ stateMachineArn: MACHINE, name: 'run-ckpt-1a2b3c4d', input: '{"runId":"run","checkpoint":"ckpt","step":3}' });
  });

  it('reports ExecutionAlreadyExists as a duplicate, not an error', async () => {
    replies = [{ status: 400, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: { __type: 'com.amazonaws.swf.service.v2.model#ExecutionAlreadyExists', message: 'Execution Already Exists' } }];
    expect(await new SfnExecutionStarter(MACHINE).start('run-ckpt-1a2b3c4d', {})).toEqual({
      started: false,
      duplicate: true,
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:finegate-checkpoint-gate:run-ckpt-1a2b3c4d',
    });
    expect(server.requests).toHaveLength(1);
  });

  it('passes other failures on', async () => {
    replies = [{ status: 400, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: { __type: 'StateMachineDoesNotExist', message: 'State Machine Does Not Exist' } }];
    await expect(new SfnExecutionStarter(MACHINE).start('n', {})).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
  });
});
