import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomUUID } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { stackOutput, useLocalServices, waitFor, type LocalRuntimeConnection } from '../../support/local-services';
import { LocalRuntimeControl } from '../../support/local-runtime-control';

/*
 * The local runtime started by the global setup, exercised over real connections with the real SDK clients:
 * an upload to the corpora bucket becomes S3's "Object Created" event on the default bus, the rule of the
 * synthesized template delivers it to the corpus-audit function, and PutEvents lands on the finegate bus.
 */

let local: LocalRuntimeConnection;
let control: LocalRuntimeControl;
let s3: S3Client;
let dynamo: DynamoDBClient;
let eventBridge: EventBridgeClient;

beforeAll(() => {
  local = useLocalServices();
  control = new LocalRuntimeControl(local);
  // Configured as functions/stores/aws-clients.ts configures them; endpoints come from the environment.
  s3 = new S3Client({
    forcePathStyle: process.env.FINEGATE_S3_FORCE_PATH_STYLE === 'true',
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  dynamo = new DynamoDBClient({});
  eventBridge = new EventBridgeClient({});
});

afterAll(() => {
  s3?.destroy();
  dynamo?.destroy();
  eventBridge?.destroy();
});

const corpusAuditFunction = () => {
  const fn = local.resources.functions.find((f) => f.entry === 'functions/corpus-audit.ts');
  if (!fn) throw new Error('the template has no corpus-audit function');
  return fn;
};

describe('local runtime over real connections', () => {
  it('creates the tables of the template in DynamoDB Local, with keys and TTL', async () => {
    const verdicts = await dynamo.send(new DescribeTableCommand({ TableName: stackOutput(local, 'VerdictsTableName') }));
    expect(verdicts.Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    const ttl = await dynamo.send(new DescribeTimeToLiveCommand({ TableName: stackOutput(local, 'JudgeCacheTableName') }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
  });

  it('turns an upload to the corpora bucket into an S3 Object Created event delivered to corpus-audit', async () => {
    const since = await control.mark();
    const bucket = stackOutput(local, 'CorporaBucketName');
    const key = `corpora/${randomUUID()}.jsonl`;
    const body = `${JSON.stringify({ prompt: 'What is 2+2?', completion: '4' })}\n`;
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    expect(put.VersionId).toBeDefined();

    const record = await waitFor(
      async () => (await control.events({ since, bus: 'default' })).find((e) => (e.event.detail as { object?: { key?: string } }).object?.key === key),
      { description: 'Object Created event for the upload' },
    );
    expect(record.origin).toBe('s3');
    expect(record.event).toMatchObject({
      version: '0',
      source: 'aws.s3',
      'detail-type': 'Object Created',
      account: local.account,
      region: local.region,
      resources: [`arn:aws:s3:::${bucket}`],
      detail: {
        version: '0',
        bucket: { name: bucket },
        object: {
          key,
          size: Buffer.byteLength(body),
          etag: createHash('md5').update(body).digest('hex'),
          'version-id': put.VersionId,
        },
        requester: local.account,
        reason: 'PutObject',
      },
    });
    const rule = local.resources.rules.find((r) => r.logicalId.startsWith('FineTuneGateCorpusAuditCorpusUploadedRule'));
    expect(record.matchedRules).toEqual([rule?.name]);

    const fn = corpusAuditFunction();
    const first = await waitFor(
      async () => (await control.invocations({ since })).find((i) => i.eventId === record.event.id),
      { description: 'corpus-audit invocation' },
    );
    expect(first).toMatchObject({ functionName: fn.name, functionLogicalId: fn.logicalId, ruleName: rule?.name, attempt: 1 });

    await control.waitForIdle();
    const attempts = (await control.invocations({ since })).filter((i) => i.eventId === record.event.id);
    const deadLetters = (await control.deadLetters({ since })).filter((d) => d.eventId === record.event.id);
    const last = attempts.at(-1)!;
    expect(attempts.map((a) => a.attempt)).toEqual(attempts.map((_, i) => i + 1));
    if (last.outcome === 'success') {
      // The audit ran: nothing is dead-lettered.
      expect(deadLetters).toEqual([]);
    } else {
      // The audit failed: Lambda retried it twice (the template's EventInvokeConfig), then parked the event in
      // the function's dead-letter queue with Lambda's message attributes.
      expect(attempts).toHaveLength(3);
      expect(attempts.every((a) => a.outcome !== 'success' && a.error?.errorMessage)).toBe(true);
      const dlq = local.resources.queues.find((q) => q.logicalId.startsWith('FineTuneGateCorpusAuditDeadLetterQueue'));
      expect(deadLetters).toHaveLength(1);
      expect(deadLetters[0]).toMatchObject({
        source: 'lambda-async',
        queueName: dlq?.name,
        dropped: false,
        functionName: fn.name,
        attempts: 3,
        attributes: { RequestID: last.requestId, ErrorMessage: last.error?.errorMessage },
      });
      expect((deadLetters[0]!.body as { id: string }).id).toBe(record.event.id);
    }
  });

  it('sends no events for buckets without EventBridge notifications', async () => {
    const since = await control.mark();
    const key = `audits/${randomUUID()}.json`;
    await s3.send(new PutObjectCommand({ Bucket: stackOutput(local, 'ArtifactsBucketName'), Key: key, Body: '{}' }));
    await control.waitForIdle();
    const events = await control.events({ since });
    expect(events.filter((e) => JSON.stringify(e.event).includes(key))).toEqual([]);
  });

  it('logs a PutEvents to the finegate bus, which matches no corpus rule', async () => {
    const since = await control.mark();
    const detail = { auditId: randomUUID(), verdict: 'PASS' };
    const out = await eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: stackOutput(local, 'EventBusName'),
            Source: 'finegate.corpus',
            DetailType: 'Corpus Audited',
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(0);
    const eventId = out.Entries?.[0]?.EventId;
    expect(eventId).toBeDefined();

    const record = await waitFor(
      async () => (await control.events({ since, bus: 'finegate' })).find((e) => e.event.id === eventId),
      { description: 'the published event in the runtime log' },
    );
    expect(record).toMatchObject({
      eventBusName: 'finegate',
      origin: 'put-events',
      busExists: true,
      matchedRules: [],
      event: { source: 'finegate.corpus', 'detail-type': 'Corpus Audited', detail, account: local.account },
    });
  });
});
