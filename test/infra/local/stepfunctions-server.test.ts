import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  InvalidArn,
  InvalidName,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LambdaInvoker } from '../../../infra/local/lambda-invoker';
import { LocalStepFunctions, type ExecutionRecord } from '../../../infra/local/stepfunctions-executions';
import { executionStatusChangeEvent } from '../../../infra/local/stepfunctions-status-event';
import { startStepFunctionsServer, type LocalStepFunctionsServer } from '../../../infra/local/stepfunctions-server';
import { readTemplate } from '../../../infra/local/template-model';
import { waitFor } from '../../support/wait-for';

/*
 * The real SFN client against the local Step Functions endpoint, on hand-written state machines whose tasks
 * run the fixture handlers in this process.
 */

const projectRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const HANDLERS = 'test/infra/local/fixtures/stepfunctions-handlers.ts';
const env = { stackName: 'sfn', account: '000000000000', region: 'us-east-1', partition: 'aws' };

const fn = (exportName: string, timeout = 5) => ({
  Type: 'AWS::Lambda::Function',
  Metadata: { 'finegate:entry': HANDLERS, 'finegate:handler': exportName },
  Properties: { Timeout: timeout },
});

/** A DefinitionString as CDK writes it: JSON text joined around the function ARNs (`@Logical` placeholders). */
function machine(definition: Record<string, unknown>, properties: Record<string, unknown> = {}) {
  const text = JSON.stringify(definition);
  const parts: unknown[] = [];
  let last = 0;
  for (const match of text.matchAll(/@(\w+)/g)) {
    parts.push(text.slice(last, match.index), { 'Fn::GetAtt': [match[1], 'Arn'] });
    last = match.index! + match[0].length;
  }
  parts.push(text.slice(last));
  return { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: { 'Fn::Join': ['', parts] }, ...properties } };
}

const task = (resource: string, extra: Record<string, unknown> = {}) => ({ Type: 'Task', Resource: resource, End: true, ...extra });

const template = {
  Resources: {
    Double: fn('double'),
    Fail: fn('fail'),
    Throttled: fn('throttledOnce'),
    Hold: fn('hold', 30),
    Oversized: fn('oversized'),
    Pipeline: machine({
      StartAt: 'Double',
      States: {
        Double: { Type: 'Task', Resource: '@Double', Next: 'Again' },
        Again: task('arn:aws:states:::lambda:invoke', {
          Parameters: { FunctionName: '@Double', 'Payload.$': '$' },
          ResultSelector: { 'n.$': '$.Payload.n', 'status.$': '$.StatusCode' },
        }),
      },
    }),
    Caught: machine({
      StartAt: 'Fail',
      States: {
        Fail: task('@Fail', { End: undefined, Next: 'Done', Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Done' }] }),
        Done: { Type: 'Pass', End: true },
      },
    }),
    Uncaught: machine({ StartAt: 'Fail', States: { Fail: task('@Fail') } }),
    Throttling: machine({
      StartAt: 'Call',
      States: { Call: task('@Throttled', { Retry: [{ ErrorEquals: ['Lambda.TooManyRequestsException'], IntervalSeconds: 30, MaxAttempts: 2 }] }) },
    }),
    Holding: machine({ StartAt: 'Hold', States: { Hold: task('@Hold') } }),
    Short: machine({ StartAt: 'Hold', TimeoutSeconds: 1, States: { Hold: task('@Hold') } }),
    Oversize: machine({
      StartAt: 'Big',
      States: { Big: task('@Oversized', { End: undefined, Next: 'Done', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Done' }] }), Done: { Type: 'Pass', End: true } },
    }),
    Missing: machine({
      StartAt: 'Call',
      States: {
        Call: task('arn:aws:lambda:us-east-1:000000000000:function:nowhere', { End: undefined, Next: 'Done', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Done' }] }),
        Done: { Type: 'Pass', End: true },
      },
    }),
    Unsupported: machine({ StartAt: 'Put', States: { Put: task('arn:aws:states:::dynamodb:putItem', { Parameters: { TableName: 't', Item: {} } }) } }),
    Jsonata: machine({ QueryLanguage: 'JSONata', StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } }),
    Unresolvable: machine({ StartAt: 'Call', States: { Call: task('@NoSuchFunction') } }),
    Quick: machine({ StartAt: 'Double', States: { Double: task('@Double') } }, { StateMachineType: 'EXPRESS' }),
  },
};

let service: LocalStepFunctions;
let server: LocalStepFunctionsServer;
let client: SFNClient;
let releaseDir: string;
const arnOf = (logicalId: string) => `arn:aws:states:us-east-1:000000000000:stateMachine:sfn-${logicalId}`;

beforeAll(async () => {
  const model = readTemplate(template, env);
  const invoker = new LambdaInvoker({ projectRoot, region: env.region, baseEnvironment: {} });
  service = new LocalStepFunctions({ model, invoke: (f, payload) => invoker.invoke(f, payload), delays: { scale: 0.001, maxMs: 50 } });
  server = await startStepFunctionsServer({ service });
  client = new SFNClient({ endpoint: server.endpoint, region: env.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  releaseDir = mkdtempSync(join(tmpdir(), 'sfn-release-'));
});

afterAll(async () => {
  client?.destroy();
  await service?.stop();
  await server?.stop();
  rmSync(releaseDir, { recursive: true, force: true });
});

async function startAndWait(logicalId: string, input: unknown, name?: string) {
  const started = await client.send(
    new StartExecutionCommand({ stateMachineArn: arnOf(logicalId), input: JSON.stringify(input), ...(name ? { name } : {}) }),
  );
  await service.waitForExecution(started.executionArn!, { timeoutMs: 20_000 });
  return client.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
}

describe('Step Functions API over the wire', () => {
  it('runs a state machine to completion and describes it as DescribeExecution does', async () => {
    const started = await client.send(new StartExecutionCommand({ stateMachineArn: arnOf('Pipeline'), name: 'pipeline-1', input: '{"n":3}' }));
    expect(started.executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:sfn-Pipeline:pipeline-1');
    expect(started.startDate).toBeInstanceOf(Date);

    // Polled through the API, as a client in another process would.
    const described = await waitFor(
      async () => {
        const d = await client.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
        return d.status !== 'RUNNING' && d;
      },
      { timeoutMs: 10_000, description: 'pipeline-1 closed' },
    );
    expect(described).toMatchObject({
      executionArn: started.executionArn,
      stateMachineArn: arnOf('Pipeline'),
      name: 'pipeline-1',
      status: 'SUCCEEDED',
      input: '{"n":3}',
      output: '{"n":12,"status":200}',
    });
    expect(described.stopDate!.getTime()).toBeGreaterThanOrEqual(described.startDate!.getTime());
  });

  it('records each execution with its history and the invocations its tasks made', async () => {
    await startAndWait('Pipeline', { n: 1 }, 'pipeline-history');
    const record = service.find('pipeline-history')!;
    expect(record.history.map((e) => [e.type, e.stateName ?? null])).toEqual([
      ['ExecutionStarted', null],
      ['StateEntered', 'Double'],
      ['StateExited', 'Double'],
      ['StateEntered', 'Again'],
      ['StateExited', 'Again'],
      ['ExecutionSucceeded', null],
    ]);
    expect(record.invocations.map((i) => [i.stateName, i.functionName, i.outcome, i.payload, i.result])).toEqual([
      ['Double', 'sfn-Double', 'success', { n: 1 }, { n: 2 }],
      ['Again', 'sfn-Double', 'success', { n: 2 }, { n: 4 }],
    ]);
  });

  it('lists executions newest first, by status, a page at a time', async () => {
    for (const n of [1, 2, 3]) await startAndWait('Pipeline', { n }, `listed-${n}`);
    const all = await client.send(new ListExecutionsCommand({ stateMachineArn: arnOf('Pipeline') }));
    const names = all.executions!.map((e) => e.name);
    expect(names.slice(0, 3)).toEqual(['listed-3', 'listed-2', 'listed-1']);
    expect(all.executions![0]).toMatchObject({ status: 'SUCCEEDED', stateMachineArn: arnOf('Pipeline') });

    const first = await client.send(new ListExecutionsCommand({ stateMachineArn: arnOf('Pipeline'), maxResults: 2 }));
    expect(first.executions!.map((e) => e.name)).toEqual(['listed-3', 'listed-2']);
    const second = await client.send(new ListExecutionsCommand({ stateMachineArn: arnOf('Pipeline'), maxResults: 2, nextToken: first.nextToken }));
    expect(second.executions![0]!.name).toBe('listed-1');

    const failed = await client.send(new ListExecutionsCommand({ stateMachineArn: arnOf('Pipeline'), statusFilter: 'FAILED' }));
    expect(failed.executions).toEqual([]);
  });

  it('treats a second start with the same name and input as the same execution while it runs, and refuses anything else', async () => {
    const releaseFile = join(releaseDir, 'idempotent');
    const input = JSON.stringify({ releaseFile });
    const request = { stateMachineArn: arnOf('Holding'), name: 'gate-run-1-ckpt-100', input };
    const first = await client.send(new StartExecutionCommand(request));
    const again = await client.send(new StartExecutionCommand(request));
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate).toEqual(first.startDate);

    await expect(client.send(new StartExecutionCommand({ ...request, input: JSON.stringify({ releaseFile, other: 1 }) }))).rejects.toBeInstanceOf(
      ExecutionAlreadyExists,
    );

    writeFileSync(releaseFile, '');
    const closed = await service.waitForExecution(first.executionArn!, { timeoutMs: 10_000 });
    expect(closed.status).toBe('SUCCEEDED');
    // Closed: the name stays taken, whatever the input.
    await expect(client.send(new StartExecutionCommand(request))).rejects.toThrow(/Execution Already Exists/);
    expect(service.executions().filter((e) => e.name === request.name)).toHaveLength(1);
  });

  it('starts EXPRESS executions anew each time, even under the same name', async () => {
    const a = await client.send(new StartExecutionCommand({ stateMachineArn: arnOf('Quick'), name: 'same', input: '{"n":1}' }));
    const b = await client.send(new StartExecutionCommand({ stateMachineArn: arnOf('Quick'), name: 'same', input: '{"n":1}' }));
    expect(a.executionArn).toMatch(/^arn:aws:states:us-east-1:000000000000:express:sfn-Quick:same:/);
    expect(b.executionArn).not.toBe(a.executionArn);
  });

  it('names the execution when the caller does not', async () => {
    const started = await client.send(new StartExecutionCommand({ stateMachineArn: arnOf('Pipeline'), input: '{"n":0}' }));
    expect(started.executionArn).toMatch(/:execution:sfn-Pipeline:[0-9a-f-]{36}$/);
    await service.waitForExecution(started.executionArn!);
  });

  it('answers invalid requests with the errors Step Functions uses', async () => {
    await expect(client.send(new StartExecutionCommand({ stateMachineArn: arnOf('Pipeline'), name: 'has space' }))).rejects.toBeInstanceOf(InvalidName);
    await expect(client.send(new StartExecutionCommand({ stateMachineArn: arnOf('Pipeline'), name: 'x'.repeat(81) }))).rejects.toBeInstanceOf(InvalidName);
    await expect(client.send(new StartExecutionCommand({ stateMachineArn: arnOf('Nope') }))).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    await expect(client.send(new StartExecutionCommand({ stateMachineArn: 'not-an-arn' }))).rejects.toBeInstanceOf(InvalidArn);
    await expect(client.send(new StartExecutionCommand({ stateMachineArn: arnOf('Pipeline'), input: '{not json' }))).rejects.toThrow(
      /Invalid State Machine Execution Input/,
    );
    await expect(
      client.send(new DescribeExecutionCommand({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:sfn-Pipeline:never' })),
    ).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    await expect(client.send(new DescribeExecutionCommand({ executionArn: 'arn:aws:lambda:us-east-1:0:function:x' }))).rejects.toBeInstanceOf(InvalidArn);
    await expect(client.send(new ListExecutionsCommand({ stateMachineArn: arnOf('Nope') }))).rejects.toBeInstanceOf(StateMachineDoesNotExist);
  });

  it('stops a running execution as ABORTED with the given error and cause', async () => {
    const started = await client.send(
      new StartExecutionCommand({ stateMachineArn: arnOf('Holding'), name: 'to-stop', input: JSON.stringify({ releaseFile: join(releaseDir, 'never') }) }),
    );
    const stopped = await client.send(new StopExecutionCommand({ executionArn: started.executionArn, error: 'Operator.Stop', cause: 'superseded' }));
    expect(stopped.stopDate).toBeInstanceOf(Date);
    const described = await client.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    expect(described).toMatchObject({ status: 'ABORTED', error: 'Operator.Stop', cause: 'superseded' });
    await service.waitForIdle({ timeoutMs: 5_000 });
  });
});

describe('Task failures', () => {
  it('a function error is caught by name, with the function error payload as the cause', async () => {
    const described = await startAndWait('Caught', { n: 1 });
    expect(described.status).toBe('SUCCEEDED');
    const output = JSON.parse(described.output!) as { n: number; error: { Error: string; Cause: string } };
    expect(output.n).toBe(1);
    expect(output.error.Error).toBe('RangeError');
    expect(JSON.parse(output.error.Cause)).toMatchObject({ errorType: 'RangeError', errorMessage: 'deliberate failure' });
  });

  it('an uncaught function error fails the execution with that error', async () => {
    const described = await startAndWait('Uncaught', {});
    expect(described).toMatchObject({ status: 'FAILED', error: 'RangeError' });
    expect(JSON.parse(described.cause!)).toMatchObject({ errorMessage: 'deliberate failure' });
  });

  it('retries throttling per the Retry field, with the interval scaled down', async () => {
    const started = Date.now();
    const described = await startAndWait('Throttling', { key: 'retry-test' });
    expect(described).toMatchObject({ status: 'SUCCEEDED', output: '{"attempts":2}' });
    // 30 s in Step Functions, a few milliseconds here.
    expect(Date.now() - started).toBeLessThan(5_000);
    const record = service.find(described.executionArn!)!;
    expect(record.history.filter((e) => e.type === 'StateRetried')).toHaveLength(1);
    expect(record.invocations.map((i) => i.errorType ?? i.outcome)).toEqual(['Lambda.TooManyRequestsException', 'success']);
  });

  it('a function missing from the template is Lambda.ResourceNotFoundException, which a Catch can handle', async () => {
    const described = await startAndWait('Missing', {});
    expect(described.status).toBe('SUCCEEDED');
    const record = service.find(described.executionArn!)!;
    expect(record.history.find((e) => e.type === 'StateFailed')).toMatchObject({ stateName: 'Call', error: 'Lambda.ResourceNotFoundException' });
  });

  it('a result over 256 KB fails the execution even past a Catch, as States.DataLimitExceeded', async () => {
    const described = await startAndWait('Oversize', {});
    expect(described).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
  });

  it('an execution past the state machine TimeoutSeconds is TIMED_OUT', async () => {
    const described = await startAndWait('Short', { releaseFile: join(releaseDir, 'too-late') });
    expect(described).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    writeFileSync(join(releaseDir, 'too-late'), '');
    await service.waitForIdle({ timeoutMs: 5_000 });
  });
});

describe('definitions that cannot run locally', () => {
  it.each([
    ['Unsupported', /not supported by the local runtime/],
    ['Jsonata', /JSONata is not supported/],
    ['Unresolvable', /no resource or parameter named NoSuchFunction/],
  ])('%s fails its executions, naming why', async (logicalId, reason) => {
    const described = await startAndWait(logicalId, {});
    expect(described).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(described.cause).toMatch(reason);
  });
});

describe('status changes', () => {
  it('reports STANDARD executions starting and closing, as Step Functions does on the default bus', async () => {
    const changes: ExecutionRecord[] = [];
    const invoker = new LambdaInvoker({ projectRoot, region: env.region, baseEnvironment: {} });
    const local = new LocalStepFunctions({
      model: readTemplate(template, env),
      invoke: (f, payload) => invoker.invoke(f, payload),
      onStatusChange: (record) => changes.push(record),
    });
    try {
      const { executionArn } = local.startExecution({ stateMachineArn: arnOf('Uncaught'), name: 'watched', input: '{"a":1}' });
      local.startExecution({ stateMachineArn: arnOf('Quick'), input: '{"n":1}' });
      await local.waitForExecution(executionArn);
      await local.waitForIdle();
      expect(changes.map((c) => [c.name, c.status])).toEqual([
        ['watched', 'RUNNING'],
        ['watched', 'FAILED'],
      ]);

      const event = executionStatusChangeEvent(changes[1]!, { account: env.account, region: env.region });
      expect(event).toMatchObject({
        source: 'aws.states',
        'detail-type': 'Step Functions Execution Status Change',
        resources: [executionArn],
        detail: {
          executionArn,
          stateMachineArn: arnOf('Uncaught'),
          name: 'watched',
          status: 'FAILED',
          input: '{"a":1}',
          output: null,
          outputDetails: null,
          error: 'RangeError',
          startDate: Date.parse(changes[1]!.startDate),
          stopDate: Date.parse(changes[1]!.stopDate!),
        },
      });
    } finally {
      await local.stop();
    }
  });
});
