import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  PurgeQueueCommand,
  QueueDoesNotExist,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  TooManyEntriesInBatchRequest,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { resetAwsClients } from '../../../functions/stores/aws-clients';
import { SqsShadowQueue } from '../../../functions/stores/shadow-queue';
import { LocalQueues, md5Hex } from '../../../infra/local/sqs-queues';
import { localQueueUrl, startSqsServer, type LocalSqsServer } from '../../../infra/local/sqs-server';

/*
 * The local SQS driven by the real @aws-sdk/client-sqs, which verifies MD5OfMessageBody on SendMessage,
 * SendMessageBatch and ReceiveMessage (a wrong digest fails the call), and by finegate's SqsShadowQueue adapter.
 */

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const definition = (name: string, settings = {}) => ({
  name,
  arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`,
  url: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}`,
  ...settings,
});

let queues: LocalQueues;
let server: LocalSqsServer;
let client: SQSClient;
let url: string;
const saved = { ...process.env };

beforeAll(() => {
  Object.assign(process.env, { AWS_REGION: REGION, AWS_ACCESS_KEY_ID: 'AKIDLOCAL', AWS_SECRET_ACCESS_KEY: 'local' });
  delete process.env.AWS_PROFILE;
});

beforeEach(async () => {
  queues = new LocalQueues({
    queues: [definition('shadow', { visibilityTimeoutSeconds: 30, deadLetterArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:shadow-dlq`, maxReceiveCount: 3 }), definition('shadow-dlq')],
    region: REGION,
    timeScale: 1000,
  });
  server = await startSqsServer({ queues });
  client = new SQSClient({ endpoint: server.endpoint, region: REGION, credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' }, maxAttempts: 1 });
  url = server.queueUrl('shadow');
});

afterEach(async () => {
  client.destroy();
  await queues.close();
  await server.stop();
});

afterAll(() => {
  process.env = saved;
  resetAwsClients();
});

describe('local SQS, driven by the real SQSClient', () => {
  it('sends and receives with the MD5 digests the SDK verifies, for multi-byte bodies and message attributes', async () => {
    const body = JSON.stringify({ text: 'naïve café — 日本語 🚀' });
    const sent = await client.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: body, MessageAttributes: { Foo: { DataType: 'String', StringValue: 'Bar' }, Count: { DataType: 'Number', StringValue: '1' } } }),
    );
    expect(sent.MD5OfMessageBody).toBe(md5Hex(Buffer.from(body, 'utf8')));
    expect(sent.MD5OfMessageAttributes).toBe('324758f82d026ac6ec5b31a3b192d1e3');
    const received = await client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }));
    expect(received.Messages).toHaveLength(1);
    expect(received.Messages![0]).toMatchObject({
      MessageId: sent.MessageId,
      Body: body,
      MD5OfBody: sent.MD5OfMessageBody,
      MD5OfMessageAttributes: '324758f82d026ac6ec5b31a3b192d1e3',
      MessageAttributes: { Foo: { DataType: 'String', StringValue: 'Bar' }, Count: { DataType: 'Number', StringValue: '1' } },
      Attributes: { ApproximateReceiveCount: '1' },
    });
    const only = await client.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 0 }));
    expect(only.Messages).toBeUndefined();
    await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: received.Messages![0]!.ReceiptHandle }));
    expect(queues.counts('shadow')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('sends a batch, failing only the bad entry, and deletes a batch', async () => {
    const out = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', MessageBody: 'first' },
          { Id: 'b', MessageBody: 'second', DelaySeconds: 1_000 },
          { Id: 'c', MessageBody: 'third' },
        ],
      }),
    );
    expect(out.Successful?.map((s) => [s.Id, s.MD5OfMessageBody])).toEqual([
      ['a', md5Hex(Buffer.from('first'))],
      ['c', md5Hex(Buffer.from('third'))],
    ]);
    expect(out.Failed).toMatchObject([{ Id: 'b', SenderFault: true, Code: 'InvalidParameterValue' }]);
    const received = await client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    expect(received.Messages?.map((m) => m.Body).sort()).toEqual(['first', 'third']);
    const deleted = await client.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: received.Messages!.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })) }));
    expect(deleted.Successful).toHaveLength(2);
    await expect(client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: Array.from({ length: 11 }, (_, i) => ({ Id: `m${i}`, MessageBody: 'x' })) }))).rejects.toBeInstanceOf(
      TooManyEntriesInBatchRequest,
    );
  });

  it('long-polls until a message arrives', async () => {
    const started = Date.now();
    const polling = client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 10 }));
    setTimeout(() => queues.send('shadow', { body: 'late' }), 50);
    const out = await polling;
    expect(out.Messages?.[0]?.Body).toBe('late');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('reports queue attributes, changes visibility, purges, and resolves queue URLs to this server', async () => {
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'one' }));
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'two' }));
    const [message] = (await client.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages!;
    const attributes = (await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes!;
    expect(attributes).toMatchObject({
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '1',
      QueueArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:shadow`,
      VisibilityTimeout: '30',
    });
    expect(JSON.parse(attributes.RedrivePolicy!)).toEqual({ deadLetterTargetArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:shadow-dlq`, maxReceiveCount: 3 });
    await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: message!.ReceiptHandle, VisibilityTimeout: 0 }));
    expect(queues.counts('shadow').visible).toBe(2);
    await client.send(new PurgeQueueCommand({ QueueUrl: url }));
    expect(queues.counts('shadow').visible).toBe(0);

    expect((await client.send(new GetQueueUrlCommand({ QueueName: 'shadow-dlq' }))).QueueUrl).toBe(`${server.endpoint}/${ACCOUNT}/shadow-dlq`);
    expect(localQueueUrl(server.endpoint, `arn:aws:sqs:${REGION}:${ACCOUNT}:shadow`, 'shadow')).toBe(url);
  });

  it('answers errors the SDK turns into its own exception classes', async () => {
    const missing = await client.send(new GetQueueUrlCommand({ QueueName: 'nope' })).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(QueueDoesNotExist);
    expect(missing).toMatchObject({ message: 'The specified queue does not exist.', $metadata: { httpStatusCode: 400 } });
    await expect(client.send(new SendMessageCommand({ QueueUrl: `${server.endpoint}/${ACCOUNT}/nope`, MessageBody: 'x' }))).rejects.toBeInstanceOf(QueueDoesNotExist);
    await expect(client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'made-up' }))).rejects.toBeInstanceOf(ReceiptHandleIsInvalid);
  });
});

describe('the shadow queue path: SqsShadowQueue → local SQS → event source mapping', () => {
  it('delivers what the router queues to the attached function, retrying a failed item and dead-lettering a poison one', async () => {
    // Functions get the local URL: with only AWS_ENDPOINT_URL_SQS set, the SDK sends a call to the QueueUrl's own host.
    process.env.AWS_ENDPOINT_URL_SQS = server.endpoint;
    resetAwsClients();
    const shadow = new SqsShadowQueue(url);
    const seen: string[] = [];
    let flaky = 0;
    queues.attach({
      queueName: 'shadow',
      batchSize: 10,
      reportBatchItemFailures: true,
      invoke: async (event: SQSEvent) => {
        const failures: string[] = [];
        for (const record of event.Records) {
          const { requestId } = JSON.parse(record.body) as { requestId: string };
          seen.push(`${requestId}#${record.attributes.ApproximateReceiveCount}`);
          if (requestId === 'poison' || (requestId === 'flaky' && flaky++ === 0)) failures.push(record.messageId);
        }
        return { outcome: 'success', requestId: 'r', durationMs: 1, result: { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) } };
      },
    });
    const message = (requestId: string) => ({
      runId: 'support-bot-7',
      requestId,
      input: { messages: [{ role: 'user' as const, content: 'hi' }] },
      answered: { cohort: 'candidate' as const, model: 'local:candidate', text: 'hello', latencyMs: 12 },
      shadowOf: { cohort: 'current' as const, model: 'local:echo' },
    });
    for (const id of ['ok', 'flaky', 'poison']) await shadow.send(message(id));
    await queues.waitForIdle(5_000);
    expect(seen.filter((s) => s.startsWith('ok'))).toEqual(['ok#1']);
    expect(seen.filter((s) => s.startsWith('flaky'))).toEqual(['flaky#1', 'flaky#2']);
    expect(seen.filter((s) => s.startsWith('poison'))).toEqual(['poison#1', 'poison#2', 'poison#3']);
    expect(queues.peek('shadow-dlq').map((m) => (JSON.parse(m.body) as { requestId: string }).requestId)).toEqual(['poison']);
  });
});
