import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { emitCheckpointReady, InvalidCheckpointReady } from '../../sdk/checkpoint-ready';
import { startScriptedServer, type ScriptedReply, type ScriptedServer } from '../support/scripted-http-server';

/* The training-job helper against a local server that checks the EventBridge wire request the real client sends. */

let server: ScriptedServer;
let replies: ScriptedReply[] = [];
let client: EventBridgeClient;
const detail = { runId: 'support-bot-v1', checkpoint: 'ckpt-1200', step: 1200, candidateModel: 'bedrock:meta.llama3-1-8b-instruct-v1:0', trainingLoss: 0.82, final: true, promote: true };

beforeAll(async () => {
  server = await startScriptedServer(() => replies.shift() ?? { status: 500, body: { __type: 'InternalException', message: 'unscripted' } });
  client = new EventBridgeClient({ endpoint: server.url, region: 'eu-west-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' }, maxAttempts: 1 });
});

beforeEach(() => {
  replies = [];
  server.requests.length = 0;
});

afterAll(async () => {
  client.destroy();
  await server.close();
});

describe('emitCheckpointReady', () => {
  it('puts one Checkpoint Ready on the named bus and returns its event id', async () => {
    replies = [{ status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: { FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] } }];
    await expect(emitCheckpointReady(detail, { eventBusName: 'finegate-prod', client })).resolves.toEqual({ eventId: 'e-1' });
    const [request] = server.requests;
    expect(request!.headers['x-amz-target']).toBe('AWSEvents.PutEvents');
    const entry = (request!.json as { Entries: Array<Record<string, string>> }).Entries[0]!;
    expect(entry).toMatchObject({ EventBusName: 'finegate-prod', Source: 'finegate.training', DetailType: 'Checkpoint Ready' });
    expect(JSON.parse(entry.Detail!)).toEqual(detail);
  });

  it('names every wrong field and sends nothing', async () => {
    const bad = { ...detail, step: -1, candidateModel: 'not a model', final: undefined } as unknown as typeof detail;
    const error = await emitCheckpointReady(bad, { client }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidCheckpointReady);
    expect((error as Error).message).toMatch(/step: .*; candidateModel: .*; final: /);
    expect(server.requests).toHaveLength(0);
  });

  it('fails when EventBridge rejects the entry in a 200 answer, never reporting it sent', async () => {
    replies = [{ status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: { FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] } }];
    await expect(emitCheckpointReady(detail, { client })).rejects.toThrow(/PutEvents rejected Checkpoint Ready for support-bot-v1\/ckpt-1200: InternalFailure try again/);
  });
});
