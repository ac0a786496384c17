import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startLocalRuntime, type LocalRuntime } from '../../../infra/local/local-runtime';

/*
 * The runtime in this process, on a small template: an upload triggers a handler that publishes through the
 * real EventBridge client, whose event triggers a second handler on a custom bus; a failing handler is retried
 * per its EventInvokeConfig and dead-lettered.
 */

const HANDLERS = 'test/infra/local/fixtures/handlers.ts';
const fn = (exportName: string, extra: Record<string, unknown> = {}) => ({
  Type: 'AWS::Lambda::Function',
  Metadata: { 'finegate:entry': HANDLERS, 'finegate:handler': exportName },
  Properties: { Timeout: 5, ...extra },
});

const template = {
  Resources: {
    Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'test-bus' } },
    Uploads: { Type: 'AWS::S3::Bucket', Properties: { NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } } } },
    Items: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'status', AttributeType: 'S' },
        ],
        GlobalSecondaryIndexes: [{ IndexName: 'byStatus', KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }],
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      },
    },
    Dlq: { Type: 'AWS::SQS::Queue' },
    Relay: fn('relay', { Environment: { Variables: { EVENT_BUS_NAME: { Ref: 'Bus' } } } }),
    Echo: fn('echo', { Environment: { Variables: { GREETING: 'hi' } } }),
    Fail: fn('fail', { DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': ['Dlq', 'Arn'] } } }),
    FailConfig: {
      Type: 'AWS::Lambda::EventInvokeConfig',
      Properties: { FunctionName: { Ref: 'Fail' }, Qualifier: '$LATEST', MaximumRetryAttempts: 1 },
    },
    UploadRule: {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventPattern: { source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { bucket: { name: [{ Ref: 'Uploads' }] } } },
        Targets: [{ Id: 'relay', Arn: { 'Fn::GetAtt': ['Relay', 'Arn'] } }],
      },
    },
    RelayedRule: {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventBusName: { Ref: 'Bus' },
        EventPattern: { source: ['finegate.test'], 'detail-type': ['Relayed'] },
        Targets: [{ Id: 'echo', Arn: { 'Fn::GetAtt': ['Echo', 'Arn'] } }],
      },
    },
    FailRule: {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventBusName: { Ref: 'Bus' },
        EventPattern: { source: ['finegate.fail'] },
        Targets: [{ Id: 'fail', Arn: { 'Fn::GetAtt': ['Fail', 'Arn'] } }],
      },
    },
  },
  Outputs: { UploadsBucket: { Value: { Ref: 'Uploads' } }, ItemsTable: { Value: { Ref: 'Items' } } },
};

let runtime: LocalRuntime;
let endpointBefore: string | undefined;

beforeAll(async () => {
  endpointBefore = process.env.AWS_ENDPOINT_URL_S3;
  runtime = await startLocalRuntime({ template, stackName: 'inproc', retryBackoff: { baseMs: 5, maxMs: 20 }, log: () => {} });
});

afterAll(async () => {
  await runtime?.stop();
});

describe('local runtime in-process', () => {
  it('points this process at the local services and resolves outputs', () => {
    expect(process.env.AWS_ENDPOINT_URL_S3).toBe(runtime.endpoints.s3);
    expect(process.env.AWS_ENDPOINT_URL_EVENTBRIDGE).toBe(runtime.endpoints.eventbridge);
    expect(runtime.output('UploadsBucket')).toBe('inproc-uploads');
    expect(() => runtime.output('Nope')).toThrow(/no stack output Nope/);
  });

  it('creates tables with their secondary indexes', async () => {
    const dynamo = new DynamoDBClient({});
    try {
      const table = await dynamo.send(new DescribeTableCommand({ TableName: runtime.output('ItemsTable') }));
      expect(table.Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['byStatus']);
    } finally {
      dynamo.destroy();
    }
  });

  it('chains upload → handler → PutEvents → rule on a custom bus → handler', async () => {
    const key = `in/${randomUUID()}.txt`;
    const s3 = new S3Client({ forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    try {
      await s3.send(new PutObjectCommand({ Bucket: runtime.output('UploadsBucket'), Key: key, Body: 'x' }));
    } finally {
      s3.destroy();
    }
    const relayed = await runtime.waitForEvent(
      { source: ['finegate.test'], detail: { relayed: { object: { key: [key] } } } },
      { eventBusName: 'test-bus', timeoutMs: 20_000 },
    );
    expect(relayed.origin).toBe('put-events');
    expect(relayed.matchedRules).toEqual(['inproc-RelayedRule']);

    await runtime.waitForIdle();
    const echo = runtime.invocations().find((i) => i.functionLogicalId === 'Echo' && i.eventId === relayed.event.id);
    expect(echo).toMatchObject({ outcome: 'success', attempt: 1, ruleName: 'inproc-RelayedRule' });
    const relay = runtime.invocations().find((i) => i.functionLogicalId === 'Relay');
    expect(relay).toMatchObject({ outcome: 'success', functionName: 'inproc-Relay' });
  });

  it('retries a failing function per its EventInvokeConfig, then dead-letters the event', async () => {
    const record = runtime.publish('test-bus', { source: 'finegate.fail', 'detail-type': 'Boom', detail: { n: 1 } });
    expect(record.event).toMatchObject({ version: '0', account: runtime.account, region: runtime.region, resources: [] });
    await runtime.waitForIdle();
    const attempts = runtime.invocations().filter((i) => i.eventId === record.event.id);
    expect(attempts.map((a) => [a.attempt, a.outcome, a.error?.errorType])).toEqual([
      [1, 'error', 'TypeError'],
      [2, 'error', 'TypeError'],
    ]);
    expect(runtime.deadLetters().filter((d) => d.eventId === record.event.id)).toMatchObject([
      { source: 'lambda-async', queueName: 'inproc-Dlq', attempts: 2, functionName: 'inproc-Fail' },
    ]);
  });

  it('restores process.env when stopped', async () => {
    await runtime.stop();
    expect(process.env.AWS_ENDPOINT_URL_S3).toBe(endpointBefore);
  });
});
