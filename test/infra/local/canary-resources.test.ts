import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { InvocationOutcome } from '../../../infra/local/lambda-invoker';
import { LambdaInvoker } from '../../../infra/local/lambda-invoker';
import { EventRouter } from '../../../infra/local/event-router';
import { LocalStepFunctions } from '../../../infra/local/stepfunctions-executions';
import { readTemplate, type FunctionModel } from '../../../infra/local/template-model';

/*
 * What the local runtime reads from a template for the canary and runs without AWS: published versions, aliases (an
 * AwsCustomResource calling CreateAlias included), Function URLs, SQS event source mappings and redrive policies,
 * CloudWatch alarms; Step Functions' StartExecution and AWS SDK integrations; EventBridge targets that are state
 * machines; and a function's stdout, where embedded-metric-format lines become metrics.
 */

const env = { stackName: 'local', account: '000000000000', region: 'us-east-1', partition: 'aws' };
const projectRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

const template = {
  Resources: {
    Router: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'router', Environment: { Variables: { MODEL_REF: 'local:echo' } } } },
    Scorer: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'scorer' } },
    FirstVersion: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Router' }, Description: 'first' } },
    SecondVersion: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Router' } } },
    LiveAlias: {
      Type: 'Custom::FinegateCanaryAlias',
      Properties: {
        ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:provider',
        Create: {
          'Fn::Join': [
            '',
            ['{"service":"Lambda","action":"CreateAlias","parameters":{"FunctionName":"', { Ref: 'Router' }, '","Name":"live","FunctionVersion":"', { 'Fn::GetAtt': ['FirstVersion', 'Version'] }, '"}}'],
          ],
        },
      },
    },
    StagingAlias: {
      Type: 'AWS::Lambda::Alias',
      Properties: {
        FunctionName: { Ref: 'Router' },
        Name: 'staging',
        FunctionVersion: { 'Fn::GetAtt': ['SecondVersion', 'Version'] },
        RoutingConfig: { AdditionalVersionWeights: [{ FunctionVersion: '1', FunctionWeight: 0.25 }] },
      },
    },
    Url: { Type: 'AWS::Lambda::Url', Properties: { AuthType: 'AWS_IAM', Qualifier: 'live', TargetFunctionArn: { 'Fn::GetAtt': ['Router', 'Arn'] } } },
    Dead: { Type: 'AWS::SQS::Queue' },
    Shadow: {
      Type: 'AWS::SQS::Queue',
      Properties: { VisibilityTimeout: 1800, RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Dead', 'Arn'] }, maxReceiveCount: 5 } },
    },
    Mapping: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: { BatchSize: 4, EventSourceArn: { 'Fn::GetAtt': ['Shadow', 'Arn'] }, FunctionName: { Ref: 'Scorer' }, FunctionResponseTypes: ['ReportBatchItemFailures'] },
    },
    WinRate: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: { AlarmName: 'win-rate', MetricName: 'ShadowWin', Namespace: 'finegate/canary', Dimensions: [{ Name: 'Function', Value: { Ref: 'Router' } }], Period: 60, Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'LessThanThreshold', EvaluationPeriods: 1 },
    },
  },
  Outputs: { Url: { Value: { 'Fn::GetAtt': ['Url', 'FunctionUrl'] } }, Queue: { Value: { Ref: 'Shadow' } } },
};

describe('the canary’s resources in the template model', () => {
  const model = readTemplate(template, {
    ...env,
    functionUrl: (name, qualifier) => `http://127.0.0.1:1/function-urls/${name}/${qualifier}/`,
    queueUrl: (name) => `http://127.0.0.1:2/000000000000/${name}`,
  });

  it('numbers versions per function in template order and reads both kinds of alias', () => {
    expect(model.functionVersions).toEqual([
      { logicalId: 'FirstVersion', functionLogicalId: 'Router', version: '1', description: 'first' },
      { logicalId: 'SecondVersion', functionLogicalId: 'Router', version: '2' },
    ]);
    expect(model.aliases).toEqual(
      expect.arrayContaining([
        { logicalId: 'LiveAlias', functionLogicalId: 'Router', name: 'live', functionVersion: '1' },
        { logicalId: 'StagingAlias', functionLogicalId: 'Router', name: 'staging', functionVersion: '2', additionalVersionWeights: { '1': 0.25 } },
      ]),
    );
  });

  it('reads the Function URL, the event source mapping, the redrive policy and the alarm; URLs point at the local servers', () => {
    expect(model.functionUrls).toEqual([{ logicalId: 'Url', functionLogicalId: 'Router', qualifier: 'live', authType: 'AWS_IAM' }]);
    expect(model.outputs).toEqual({ Url: 'http://127.0.0.1:1/function-urls/router/live/', Queue: 'http://127.0.0.1:2/000000000000/local-Shadow' });
    expect(model.eventSourceMappings).toEqual([
      { logicalId: 'Mapping', functionLogicalId: 'Scorer', queueLogicalId: 'Shadow', batchSize: 4, maximumBatchingWindowSeconds: 0, reportBatchItemFailures: true, enabled: true },
    ]);
    expect(model.queues.find((q) => q.logicalId === 'Shadow')).toMatchObject({
      visibilityTimeoutSeconds: 1800,
      redrive: { deadLetterArn: 'arn:aws:sqs:us-east-1:000000000000:local-Dead', maxReceiveCount: 5 },
    });
    expect(model.queues.find((q) => q.logicalId === 'Dead')).toMatchObject({ visibilityTimeoutSeconds: 30 });
    expect(model.alarms).toEqual([{ logicalId: 'WinRate', name: 'win-rate', properties: expect.objectContaining({ Dimensions: [{ Name: 'Function', Value: 'router' }], Period: 60 }) }]);
  });

  it('without local servers, URLs keep their AWS form', () => {
    const plain = readTemplate(template, env);
    expect(plain.outputs.Url).toBe('https://url.lambda-url.us-east-1.on.aws/');
    expect(plain.outputs.Queue).toBe('https://sqs.us-east-1.amazonaws.com/000000000000/local-Shadow');
  });
});

const machines = {
  Resources: {
    Child: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: { StateMachineName: 'child', Definition: { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } } },
    },
    Starter: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: {
        StateMachineName: 'starter',
        StateMachineType: 'EXPRESS',
        Definition: {
          StartAt: 'Watch',
          States: {
            Watch: {
              Type: 'Task',
              Resource: 'arn:aws:states:::aws-sdk:cloudwatch:putMetricAlarm',
              Parameters: { AlarmName: 'watched', 'Threshold.$': '$.threshold' },
              ResultPath: null,
              Next: 'Start',
            },
            Start: {
              Type: 'Task',
              Resource: 'arn:aws:states:::states:startExecution',
              Parameters: { StateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:child', Name: 'only-once', Input: { 'from.$': '$.from' } },
              Catch: [{ ErrorEquals: ['StepFunctions.ExecutionAlreadyExistsException'], Next: 'Already' }],
              End: true,
            },
            Already: { Type: 'Pass', Result: 'already', End: true },
          },
        },
      },
    },
    Rule: {
      Type: 'AWS::Events::Rule',
      Properties: { EventPattern: { source: ['test'] }, Targets: [{ Id: 'child', Arn: { Ref: 'Child' } }] },
    },
  },
};

describe('Step Functions service integrations and state machine targets', () => {
  const model = readTemplate(machines, env);
  const starter = model.stateMachines.find((m) => m.name === 'starter')!.arn;
  const child = model.stateMachines.find((m) => m.name === 'child')!.arn;
  const noInvoke = async (): Promise<InvocationOutcome> => {
    throw new Error('no function here');
  };

  it('runs aws-sdk tasks through the runtime’s service and StartExecution against its own state machines', async () => {
    const calls: Array<[string, string, Record<string, unknown>]> = [];
    const sfn = new LocalStepFunctions({
      model,
      invoke: noInvoke,
      awsSdk: (service, action, parameters) => (service === 'cloudwatch' ? Promise.resolve(void calls.push([service, action, parameters])).then(() => ({})) : undefined),
    });
    try {
      const first = sfn.startExecution({ stateMachineArn: starter, input: JSON.stringify({ threshold: 2, from: 'first' }) });
      const done = await sfn.waitForExecution(first.executionArn);
      expect(done.status).toBe('SUCCEEDED');
      expect(JSON.parse(done.output!)).toMatchObject({ ExecutionArn: `${child.replace(':stateMachine:', ':execution:')}:only-once` });
      expect(calls).toEqual([['cloudwatch', 'putMetricAlarm', { AlarmName: 'watched', Threshold: 2 }]]);
      const childRun = await sfn.waitForExecution(`${child.replace(':stateMachine:', ':execution:')}:only-once`);
      expect(JSON.parse(childRun.input)).toEqual({ from: 'first' });

      // The same name with another input: Step Functions' ExecutionAlreadyExists, caught by name.
      const second = sfn.startExecution({ stateMachineArn: starter, input: JSON.stringify({ threshold: 2, from: 'second' }) });
      expect(JSON.parse((await sfn.waitForExecution(second.executionArn)).output!)).toBe('already');
    } finally {
      await sfn.stop();
    }
  });

  it('fails an aws-sdk task the runtime has no service for, naming it', async () => {
    const sfn = new LocalStepFunctions({ model, invoke: noInvoke });
    try {
      const run = sfn.startExecution({ stateMachineArn: starter, input: JSON.stringify({ threshold: 1, from: 'x' }) });
      const done = await sfn.waitForExecution(run.executionArn);
      expect(done.status).toBe('FAILED');
      expect(done.cause).toMatch(/cloudwatch:putMetricAlarm has no local implementation/);
    } finally {
      await sfn.stop();
    }
  });

  it('delivers an event to a state machine target as StartExecution with the event as input, retrying a refusal', async () => {
    const starts: Array<[string, unknown]> = [];
    let refuse = 1;
    const router = new EventRouter({
      model,
      invoke: noInvoke,
      backoff: { baseMs: 1, maxMs: 2 },
      startExecution: (arn, input) => {
        if (refuse-- > 0) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        starts.push([arn, JSON.parse(input)]);
      },
    });
    router.publish('default', { id: 'e1', source: 'test', 'detail-type': 'Anything', detail: { n: 1 }, time: '2026-11-26T00:00:00Z' }, 'runtime');
    await router.waitForIdle({ timeoutMs: 2_000 });
    expect(starts).toEqual([[child, expect.objectContaining({ id: 'e1', detail: { n: 1 } })]]);
    router.stop();
  });
});

describe('a function’s stdout', () => {
  it('goes line by line to onStdoutLine, which may keep a line (an EMF document) off the process’s stdout', async () => {
    const seen: string[] = [];
    const written: string[] = [];
    const invoker = new LambdaInvoker({
      projectRoot,
      region: 'us-east-1',
      onStdoutLine: (_fn, line) => {
        seen.push(line);
        return line.includes('"_aws"');
      },
    });
    const fn: FunctionModel = {
      logicalId: 'Printer',
      name: 'printer',
      arn: 'arn:aws:lambda:us-east-1:000000000000:function:printer',
      entry: 'test/infra/local/fixtures/stdout-handler.ts',
      handlerExport: 'handler',
      environment: {},
      timeoutSeconds: 5,
      memorySize: 128,
      logGroupName: '/aws/lambda/printer',
      asyncRetryAttempts: 2,
      asyncMaxEventAgeSeconds: 60,
      version: '7',
    };
    const original = process.stdout.write;
    process.stdout.write = ((chunk: string) => (written.push(String(chunk)), true)) as typeof process.stdout.write;
    let outcome: InvocationOutcome;
    try {
      outcome = await invoker.invoke(fn, {});
    } finally {
      process.stdout.write = original;
    }
    expect(outcome).toMatchObject({ outcome: 'success', result: { version: '7' } });
    expect(seen).toEqual(['plain log line', '{"_aws":{"Timestamp":1},"M":1}', 'split line']);
    expect(written.join('')).toBe('plain log line\nsplit line\n');
  });
});

describe('dead letters reach the local queues', () => {
  it('sends an event whose target failed every attempt to the rule’s dead-letter queue, with EventBridge’s attributes', async () => {
    const model = readTemplate(
      {
        Resources: {
          Dlq: { Type: 'AWS::SQS::Queue' },
          Target: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'target' } },
          Rule: {
            Type: 'AWS::Events::Rule',
            Properties: {
              EventPattern: { source: ['test'] },
              Targets: [{ Id: 'fn', Arn: { 'Fn::GetAtt': ['Target', 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 }, DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['Dlq', 'Arn'] } } }],
            },
          },
        },
      },
      env,
    );
    const sent: Array<[string, unknown, Record<string, string>]> = [];
    const router = new EventRouter({
      model,
      backoff: { baseMs: 1, maxMs: 2 },
      invoke: async () => {
        throw new Error('no such function here');
      },
      startExecution: () => {},
      sendMessage: (queue, body, attributes) => void sent.push([queue, JSON.parse(body), attributes]),
    });
    // An unknown function target fails delivery (RESOURCE_NOT_FOUND) rather than invoking.
    model.rules[0]!.targets[0]!.functionLogicalId = 'Missing';
    model.rules[0]!.targets[0]!.arn = 'arn:aws:lambda:us-east-1:000000000000:function:missing';
    router.publish('default', { id: 'e2', source: 'test', 'detail-type': 'Anything', detail: {}, time: '2026-11-26T00:00:00Z' }, 'runtime');
    await router.waitForIdle({ timeoutMs: 2_000 });
    router.stop();
    expect(sent).toEqual([['local-Dlq', expect.objectContaining({ id: 'e2' }), expect.objectContaining({ ERROR_CODE: 'RESOURCE_NOT_FOUND', RULE_ARN: model.rules[0]!.arn })]]);
  });
});
