import { ListExecutionsCommand, SFNClient, StateMachineDoesNotExist } from '@aws-sdk/client-sfn';
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntimeControl } from '../../support/local-runtime-control';
import { useLocalServices, type LocalRuntimeConnection } from '../../support/local-services';

/* The Step Functions endpoint and the executions control API of the runtime the global setup started. */

let connection: LocalRuntimeConnection;
let control: LocalRuntimeControl;

beforeAll(() => {
  connection = useLocalServices();
  control = new LocalRuntimeControl(connection);
});

describe('Step Functions on the runtime process', () => {
  it('announces the endpoint, and points SDK clients at it', () => {
    expect(connection.endpoints.stepfunctions).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(connection.environment.set.AWS_ENDPOINT_URL_SFN).toBe(connection.endpoints.stepfunctions);
    expect(process.env.AWS_ENDPOINT_URL_SFN).toBe(connection.endpoints.stepfunctions);
  });

  it('answers the real SFN client', async () => {
    const client = new SFNClient({});
    try {
      const arn = `arn:aws:states:${connection.region}:${connection.account}:stateMachine:no-such-machine`;
      await expect(client.send(new ListExecutionsCommand({ stateMachineArn: arn }))).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    } finally {
      client.destroy();
    }
  });

  it('lists executions and waits for one through the control API', async () => {
    const executions = await control.executions();
    expect(Array.isArray(executions)).toBe(true);
    for (const machine of connection.resources.stateMachines) {
      expect((await control.executions({ stateMachine: machine.arn })).every((e) => e.stateMachineArn === machine.arn)).toBe(true);
    }
    await expect(control.waitForExecution('never-started', 200)).rejects.toThrow(/no execution named never-started was started/);
  });
});
