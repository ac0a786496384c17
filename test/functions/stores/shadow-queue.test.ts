import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ShadowMessage } from '../../../functions/canary/shadow-message';
import { resetAwsClients } from '../../../functions/stores/aws-clients';
import { SqsShadowQueue } from '../../../functions/stores/shadow-queue';
import { startScriptedServer, type RecordedRequest, type ScriptedReply, type ScriptedServer } from '../../support/scripted-http-server';

/* SendMessage through the real SQS client against a local server speaking SQS's AWS JSON 1.0 protocol. */

let server: ScriptedServer;
let reply: (request: RecordedRequest) => ScriptedReply;
const saved = { ...process.env };

/** SQS answers with the MD5 of the body it stored; the client checks it. */
function sent(request: RecordedRequest): ScriptedReply {
  const body = (request.json as { MessageBody: string }).MessageBody;
  return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: { MessageId: 'b5e1c4a0-0000-4000-8000-000000000000', MD5OfMessageBody: createHash('md5').update(body).digest('hex') } };
}

beforeAll(async () => {
  server = await startScriptedServer((request) => reply(request));
  Object.assign(process.env, { AWS_ENDPOINT_URL_SQS: server.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
  delete process.env.AWS_PROFILE;
  resetAwsClients();
});

beforeEach(() => {
  reply = sent;
  server.requests.length = 0;
});

afterAll(async () => {
  process.env = saved;
  resetAwsClients();
  await server.close();
});

const message: ShadowMessage = {
  runId: 'support-bot-7',
  requestId: 'req-1',
  input: { system: 'Be brief.', messages: [{ role: 'user', content: 'Where is my parcel?' }] },
  answered: { cohort: 'current', model: 'local:echo', text: 'Where is my parcel?', latencyMs: 3 },
  shadowOf: { cohort: 'candidate', model: 'bedrock:meta.llama3-1-8b-instruct-v1:0' },
};

describe('SqsShadowQueue', () => {
  it('sends the message as JSON to the queue', async () => {
    const queueUrl = `${server.url}/123456789012/finegate-shadow`;
    await new SqsShadowQueue(queueUrl).send(message);
    const request = server.requests[0]!;
    expect(request.headers['x-amz-target']).toBe('AmazonSQS.SendMessage');
    expect((request.json as { QueueUrl: string }).QueueUrl).toBe(queueUrl);
    expect(JSON.parse((request.json as { MessageBody: string }).MessageBody)).toEqual(message);
  });

  it('passes a refusal on', async () => {
    reply = () => ({ status: 400, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The specified queue does not exist.' } });
    await expect(new SqsShadowQueue(`${server.url}/123456789012/missing`).send(message)).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
  });
});
