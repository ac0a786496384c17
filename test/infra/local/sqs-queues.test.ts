import { afterEach, describe, expect, it } from 'vitest';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { InvocationOutcome } from '../../../infra/local/lambda-invoker';
import { LocalQueues, md5Hex, md5OfMessageAttributes, SqsError, type LocalQueueDefinition } from '../../../infra/local/sqs-queues';

const REGION = 'us-east-1';
const arn = (name: string) => `arn:aws:sqs:${REGION}:123456789012:${name}`;
const queue = (name: string, settings: Partial<LocalQueueDefinition> = {}): LocalQueueDefinition => ({
  name,
  arn: arn(name),
  url: `https://sqs.${REGION}.amazonaws.com/123456789012/${name}`,
  ...settings,
});

// 30 s of SQS time is 30 ms here.
const TIME_SCALE = 1000;
let queues: LocalQueues | undefined;

function make(definitions: LocalQueueDefinition[], onDeadLetter?: (event: { from: string; to: string; messageId: string }) => void): LocalQueues {
  queues = new LocalQueues({ queues: definitions, region: REGION, timeScale: TIME_SCALE, ...(onDeadLetter === undefined ? {} : { onDeadLetter }) });
  return queues;
}

afterEach(async () => {
  await queues?.close();
  queues = undefined;
});

const success = (result: unknown): InvocationOutcome => ({ outcome: 'success', requestId: 'r', durationMs: 1, result });
const failure = (): InvocationOutcome => ({ outcome: 'error', requestId: 'r', durationMs: 1, error: { errorType: 'Error', errorMessage: 'boom' } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('LocalQueues: SQS delivery semantics', () => {
  it('hides a received message for the (scaled) visibility timeout, then delivers it again with a higher receive count', async () => {
    const q = make([queue('shadow', { visibilityTimeoutSeconds: 30 })]);
    const sent = q.send('shadow', { body: '{"runId":"r1"}' });
    expect(sent.md5OfMessageBody).toBe(md5Hex(Buffer.from('{"runId":"r1"}')));
    const [first] = q.receive('shadow');
    expect(first).toMatchObject({ messageId: sent.messageId, body: '{"runId":"r1"}', attributes: { ApproximateReceiveCount: '1', SenderId: expect.any(String) } });
    expect(q.receive('shadow')).toEqual([]);
    expect(q.counts('shadow')).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
    expect(await q.waitForVisible('shadow', Date.now() + 1_000)).toBe(true);
    const [second] = q.receive('shadow');
    expect(second!.attributes.ApproximateReceiveCount).toBe('2');
    expect(second!.attributes.ApproximateFirstReceiveTimestamp).toBe(first!.attributes.ApproximateFirstReceiveTimestamp);
    expect(second!.receiptHandle).not.toBe(first!.receiptHandle);

    // The first handle is stale: accepted, and the message stays.
    q.delete('shadow', first!.receiptHandle);
    expect(q.counts('shadow').inFlight).toBe(1);
    q.delete('shadow', second!.receiptHandle);
    expect(q.counts('shadow')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(() => q.delete('shadow', 'made-up')).toThrow(expect.objectContaining({ type: 'ReceiptHandleIsInvalid' }));
  });

  it('delays a message by DelaySeconds, changes visibility, purges, and knows no other queue', async () => {
    const q = make([queue('shadow')]);
    q.send('shadow', { body: 'later', delaySeconds: 20 });
    expect(q.counts('shadow')).toEqual({ visible: 0, inFlight: 0, delayed: 1 });
    expect(q.receive('shadow')).toEqual([]);
    expect(await q.waitForVisible('shadow', Date.now() + 1_000)).toBe(true);
    const [message] = q.receive('shadow');
    q.changeVisibility('shadow', message!.receiptHandle, 0);
    expect(q.receive('shadow', { maxNumberOfMessages: 10 })).toHaveLength(1);
    q.purge('shadow');
    expect(q.counts('shadow')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(() => q.send('missing', { body: 'x' })).toThrow(SqsError);
    expect(() => q.send('shadow', { body: '' })).toThrow(expect.objectContaining({ type: 'MissingParameter' }));
    expect(() => q.receive('shadow', { maxNumberOfMessages: 11 })).toThrow(expect.objectContaining({ type: 'InvalidParameterValue' }));
  });

  it('moves a message to the dead-letter queue once it was received maxReceiveCount times', async () => {
    const moved: string[] = [];
    const q = make([queue('shadow', { visibilityTimeoutSeconds: 10, deadLetterArn: arn('shadow-dlq'), maxReceiveCount: 2 }), queue('shadow-dlq')], (e) => moved.push(`${e.from}→${e.to}:${e.messageId}`));
    const { messageId } = q.send('shadow', { body: 'poison', messageAttributes: { kind: { DataType: 'String', StringValue: 'shadow' } } });
    for (let receive = 1; receive <= 2; receive++) {
      await q.waitForVisible('shadow', Date.now() + 1_000);
      expect(q.receive('shadow')[0]!.attributes.ApproximateReceiveCount).toBe(String(receive));
    }
    await q.waitForVisible('shadow', Date.now() + 1_000);
    expect(q.receive('shadow')).toEqual([]);
    expect(moved).toEqual([`shadow→shadow-dlq:${messageId}`]);
    const [dead] = q.receive('shadow-dlq');
    expect(dead).toMatchObject({ messageId, body: 'poison', messageAttributes: { kind: { DataType: 'String', StringValue: 'shadow' } } });
  });

  it('computes MD5OfMessageAttributes as SQS does', () => {
    // From a ReceiveMessage response recorded from SQS: body "This is a test", attributes Count (Number 1) and Foo (String Bar).
    expect(md5Hex(Buffer.from('This is a test'))).toBe('ce114e4501d2f4e2dcea3e17b546f339');
    expect(md5OfMessageAttributes({ Foo: { DataType: 'String', StringValue: 'Bar' }, Count: { DataType: 'Number', StringValue: '1' } })).toBe('324758f82d026ac6ec5b31a3b192d1e3');
    // Binary values are hashed as their bytes, with transport type 2: different from the same text as a string.
    expect(md5OfMessageAttributes({ b: { DataType: 'Binary', BinaryValue: Buffer.from('Bar').toString('base64') } })).not.toBe(
      md5OfMessageAttributes({ b: { DataType: 'Binary', StringValue: 'Bar' } }),
    );
  });

  it('refuses a dead-letter queue that is not in the template', () => {
    expect(() => make([queue('shadow', { deadLetterArn: arn('elsewhere'), maxReceiveCount: 3 })])).toThrow(/not a queue of this template/);
  });
});

describe('LocalQueues.attach: the SQS event source mapping', () => {
  it('delivers SQS events shaped as Lambda’s, and deletes the messages of a successful batch', async () => {
    const q = make([queue('shadow')]);
    const events: SQSEvent[] = [];
    q.attach({ queueName: 'shadow', batchSize: 10, reportBatchItemFailures: true, invoke: async (event) => (events.push(event), success(undefined)) });
    const sent = q.send('shadow', { body: 'hello', messageAttributes: { Foo: { DataType: 'String', StringValue: 'Bar' } } });
    await q.waitForIdle(2_000);
    const record = events[0]!.Records[0]!;
    expect(record).toEqual({
      messageId: sent.messageId,
      receiptHandle: expect.any(String),
      body: 'hello',
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: expect.stringMatching(/^\d{13}$/), SenderId: expect.any(String), ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d{13}$/) },
      messageAttributes: { Foo: { stringValue: 'Bar', stringListValues: [], binaryListValues: [], dataType: 'String' } },
      md5OfBody: md5Hex(Buffer.from('hello')),
      md5OfMessageAttributes: sent.md5OfMessageAttributes,
      eventSource: 'aws:sqs',
      eventSourceARN: arn('shadow'),
      awsRegion: REGION,
    });
    expect(q.counts('shadow')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('redelivers only the batchItemFailures, after the visibility timeout', async () => {
    const q = make([queue('shadow', { visibilityTimeoutSeconds: 20 })]);
    const deliveries: Array<{ bodies: string[]; at: number }> = [];
    const failedOnce = new Set<string>();
    q.attach({
      queueName: 'shadow',
      batchSize: 10,
      reportBatchItemFailures: true,
      invoke: async (event) => {
        deliveries.push({ bodies: event.Records.map((r) => r.body), at: Date.now() });
        const failures = event.Records.filter((r) => r.body.startsWith('bad') && !failedOnce.has(r.body));
        for (const r of failures) failedOnce.add(r.body);
        return success({ batchItemFailures: failures.map((r) => ({ itemIdentifier: r.messageId })) } satisfies SQSBatchResponse);
      },
    });
    for (const body of ['ok-1', 'bad-1', 'ok-2', 'bad-2']) q.send('shadow', { body });
    await q.waitForIdle(2_000);
    expect(deliveries.map((d) => d.bodies.sort())).toEqual([
      ['bad-1', 'bad-2', 'ok-1', 'ok-2'],
      ['bad-1', 'bad-2'],
    ]);
    // The retried messages waited out their 20 s visibility timeout, scaled to 20 ms.
    expect(deliveries[1]!.at - deliveries[0]!.at).toBeGreaterThanOrEqual(18);
  });

  it('retries the whole batch after an error, then dead-letters it after maxReceiveCount', async () => {
    const q = make([queue('shadow', { visibilityTimeoutSeconds: 5, deadLetterArn: arn('shadow-dlq'), maxReceiveCount: 3 }), queue('shadow-dlq')]);
    let calls = 0;
    q.attach({ queueName: 'shadow', reportBatchItemFailures: true, invoke: async () => (calls++, failure()) });
    q.send('shadow', { body: 'a' });
    q.send('shadow', { body: 'b' });
    await q.waitForIdle(2_000);
    expect(calls).toBe(3);
    expect(q.peek('shadow-dlq').map((m) => m.body).sort()).toEqual(['a', 'b']);
  });

  it('fails the whole batch on a response naming a message not in it; ignores batchItemFailures when not reporting them', async () => {
    const q = make([queue('strict', { visibilityTimeoutSeconds: 5, deadLetterArn: arn('dlq'), maxReceiveCount: 2 }), queue('lax'), queue('dlq')]);
    let strictCalls = 0;
    q.attach({ queueName: 'strict', reportBatchItemFailures: true, invoke: async () => (strictCalls++, success({ batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] })) });
    let laxCalls = 0;
    q.attach({ queueName: 'lax', reportBatchItemFailures: false, invoke: async (event) => (laxCalls++, success({ batchItemFailures: [{ itemIdentifier: event.Records[0]!.messageId }] })) });
    q.send('strict', { body: 's' });
    q.send('lax', { body: 'l' });
    await q.waitForIdle(2_000);
    expect(strictCalls).toBe(2);
    expect(q.peek('dlq').map((m) => m.body)).toEqual(['s']);
    expect(laxCalls).toBe(1);
  });

  it('gathers a fuller batch within the batching window, and never exceeds the batch size', async () => {
    const q = make([queue('shadow')]);
    const sizes: number[] = [];
    q.attach({ queueName: 'shadow', batchSize: 3, maximumBatchingWindowMs: 100, reportBatchItemFailures: false, invoke: async (event) => (sizes.push(event.Records.length), success(null)) });
    q.send('shadow', { body: '1' });
    await sleep(10);
    q.send('shadow', { body: '2' });
    q.send('shadow', { body: '3' });
    q.send('shadow', { body: '4' });
    await q.waitForIdle(2_000);
    expect(sizes).toEqual([3, 1]);
  });

  it('waitForIdle gives up, naming the queue, when a failing function has no dead-letter queue', async () => {
    const q = make([queue('shadow', { visibilityTimeoutSeconds: 1 })]);
    q.attach({ queueName: 'shadow', reportBatchItemFailures: true, invoke: async () => failure() });
    q.send('shadow', { body: 'forever' });
    await expect(q.waitForIdle(100)).rejects.toThrow(/shadow/);
    expect(Number(q.receiveCounts('shadow').values().next().value)).toBeGreaterThan(1);
  });
});
