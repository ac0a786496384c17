import { afterEach, describe, expect, it } from 'vitest';
import { BedrockChatModel, JSON_INSTRUCTION } from '../../../functions/models/bedrock-chat-model';
import { ModelCallError } from '../../../functions/models/chat-model';
import { parseModelRef } from '../../../functions/models/model-ref';
import { startScriptedServer as startServer, type RecordedRequest, type ScriptedReply, type ScriptedServer } from '../../support/scripted-http-server';

/** The Bedrock Runtime client speaks HTTP/2, so the server does too. */
const startScriptedServer = (reply: (request: RecordedRequest, index: number) => ScriptedReply): Promise<ScriptedServer> => startServer(reply, { http2: true });

/** A Converse response as Bedrock Runtime returns it. */
function converse(text: string, usage = { inputTokens: 42, outputTokens: 9 }, stopReason = 'end_turn'): ScriptedReply {
  return {
    status: 200,
    headers: { 'x-amzn-requestid': '6a2b7c1d-0000-4000-8000-000000000000' },
    body: {
      output: { message: { role: 'assistant', content: [{ text }] } },
      stopReason,
      usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens },
      metrics: { latencyMs: 120 },
    },
  };
}

/** A Bedrock error: restJson1 names it in the x-amzn-ErrorType header. */
function awsError(status: number, type: string, message: string): ScriptedReply {
  return { status, headers: { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` }, body: { message } };
}

let server: ScriptedServer | undefined;
const models: BedrockChatModel[] = [];
afterEach(async () => {
  for (const m of models.splice(0)) m.destroy();
  await server?.close();
  server = undefined;
});

function modelAt(url: string, ref = 'bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0', options: { attemptTimeoutMs?: number; maxConcurrency?: number } = {}) {
  const delays: number[] = [];
  const model = new BedrockChatModel(parseModelRef(ref), {
    clientConfig: { endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret-test' } },
    retry: {
      maxAttempts: 3,
      baseDelayMs: 10,
      random: () => 0.5,
      sleep: async (ms) => void delays.push(ms),
      ...(options.attemptTimeoutMs !== undefined ? { attemptTimeoutMs: options.attemptTimeoutMs } : {}),
    },
    ...(options.maxConcurrency !== undefined ? { maxConcurrency: options.maxConcurrency } : {}),
  });
  models.push(model);
  return { model, delays };
}

describe('BedrockChatModel against a server speaking the Converse wire format', () => {
  it('sends a signed Converse request and returns the answer with its usage', async () => {
    server = await startScriptedServer(() => converse('{"label": "shipping"}'));
    const { model } = modelAt(server.url);
    const result = await model.complete({
      system: 'You label tickets.',
      messages: [{ role: 'user', content: 'Where is my parcel?' }],
      maxTokens: 64,
      temperature: 0,
    });
    expect(result).toMatchObject({
      text: '{"label": "shipping"}',
      usage: { inputTokens: 42, outputTokens: 9 },
      attempts: 1,
      model: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
      stopReason: 'end_turn',
    });
    expect(server.requests.length).toBe(1);
    const request = server.requests[0]!;
    expect(request.method).toBe('POST');
    expect(decodeURIComponent(request.url)).toBe('/model/anthropic.claude-3-5-sonnet-20240620-v1:0/converse');
    expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/us-east-1\/bedrock\/aws4_request/);
    expect(request.json).toEqual({
      messages: [{ role: 'user', content: [{ text: 'Where is my parcel?' }] }],
      system: [{ text: 'You label tickets.' }],
      inferenceConfig: { maxTokens: 64, temperature: 0 },
    });
  });

  it('asks for JSON in the system prompt, and joins the answer text blocks', async () => {
    server = await startScriptedServer(() => {
      const reply = converse('');
      (reply.body as { output: { message: { content: unknown[] } } }).output.message.content = [{ text: '{"label": ' }, { text: '"billing"}' }];
      return reply;
    });
    const { model } = modelAt(server.url, 'bedrock:us.meta.llama3-1-70b-instruct-v1:0');
    const result = await model.complete({ messages: [{ role: 'user', content: 'x' }], responseFormat: 'json' });
    expect(result.text).toBe('{"label": "billing"}');
    expect(decodeURIComponent(server.requests[0]!.url)).toBe('/model/us.meta.llama3-1-70b-instruct-v1:0/converse');
    expect(server.requests[0]!.json).toEqual({ messages: [{ role: 'user', content: [{ text: 'x' }] }], system: [{ text: JSON_INSTRUCTION }] });
  });

  it('calls a custom model by its ARN', async () => {
    server = await startScriptedServer(() => converse('ok'));
    const arn = 'arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.titan-text-lite-v1:0:4k/2ahdp8b5eoa1';
    const { model } = modelAt(server.url, `bedrock:${arn}`);
    expect((await model.complete({ messages: [{ role: 'user', content: 'x' }] })).model).toBe(arn);
    expect(decodeURIComponent(server.requests[0]!.url)).toBe(`/model/${arn}/converse`);
  });

  it('folds the system prompt into the first user message for a model that refuses one', async () => {
    server = await startScriptedServer((request) =>
      (request.json as { system?: unknown }).system !== undefined
        ? awsError(400, 'ValidationException', "This model doesn't support system messages. Try again without system messages.")
        : converse('{"label": "a"}'),
    );
    const { model } = modelAt(server.url, 'bedrock:mistral.mistral-7b-instruct-v0:2');
    const request = { system: 'Label it.', messages: [{ role: 'user' as const, content: 'the text' }], responseFormat: 'json' as const };
    expect(await model.complete(request)).toMatchObject({ text: '{"label": "a"}', attempts: 1 });
    expect(server.requests.map((r) => r.json)).toEqual([
      { messages: [{ role: 'user', content: [{ text: 'the text' }] }], system: [{ text: 'Label it.' }, { text: JSON_INSTRUCTION }] },
      { messages: [{ role: 'user', content: [{ text: `Label it.\n\n${JSON_INSTRUCTION}\n\nthe text` }] }] },
    ]);
    // Learnt once: the next call goes folded straight away.
    await model.complete(request);
    expect(server.requests.length).toBe(3);
    expect((server.requests[2]!.json as { system?: unknown }).system).toBeUndefined();
  });

  it('does not fold for other validation errors', async () => {
    server = await startScriptedServer(() => awsError(400, 'ValidationException', 'Malformed input request: temperature must be <= 1'));
    const { model } = modelAt(server.url);
    await expect(model.complete({ system: 's', messages: [{ role: 'user', content: 'x' }], temperature: 1.5 })).rejects.toMatchObject({ code: 'ValidationException', attempts: 1 });
    expect(server.requests.length).toBe(1);
  });

  it('retries a ThrottlingException and succeeds', async () => {
    server = await startScriptedServer((_, i) => (i === 0 ? awsError(429, 'ThrottlingException', 'Too many requests, please wait before trying again.') : converse('second')));
    const { model, delays } = modelAt(server.url);
    const result = await model.complete({ messages: [{ role: 'user', content: 'x' }] });
    expect(result).toMatchObject({ text: 'second', attempts: 2 });
    expect(server.requests.length).toBe(2);
    expect(delays).toEqual([5]);
  });

  it('retries a ServiceUnavailableException', async () => {
    server = await startScriptedServer((_, i) => (i < 2 ? awsError(503, 'ServiceUnavailableException', 'Service unavailable') : converse('third')));
    const { model } = modelAt(server.url);
    expect(await model.complete({ messages: [{ role: 'user', content: 'x' }] })).toMatchObject({ text: 'third', attempts: 3 });
  });

  it('gives up on a permanent 500 after maxAttempts, with no hidden SDK retries', async () => {
    server = await startScriptedServer(() => awsError(500, 'InternalServerException', 'Internal server error'));
    const { model, delays } = modelAt(server.url);
    const failure = await model.complete({ messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ModelCallError);
    expect(failure).toMatchObject({ retryable: true, status: 500, code: 'InternalServerException', attempts: 3 });
    expect((failure as Error).message).toMatch(/^bedrock:anthropic\.claude-3-5-sonnet-20240620-v1:0: InternalServerException: Internal server error \(gave up after 3 attempts\)$/);
    expect(server.requests.length).toBe(3);
    expect(delays).toEqual([5, 10]);
  });

  it('does not retry a ValidationException', async () => {
    server = await startScriptedServer(() => awsError(400, 'ValidationException', 'The provided model identifier is invalid.'));
    const { model } = modelAt(server.url);
    const failure = await model.complete({ messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ retryable: false, status: 400, code: 'ValidationException', attempts: 1 });
    expect((failure as Error).message).toContain('The provided model identifier is invalid.');
    expect(server.requests.length).toBe(1);
  });

  it('does not retry an AccessDeniedException', async () => {
    server = await startScriptedServer(() => awsError(403, 'AccessDeniedException', 'You do not have access to the model with the specified model ID.'));
    const { model } = modelAt(server.url);
    await expect(model.complete({ messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ retryable: false, status: 403, attempts: 1 });
    expect(server.requests.length).toBe(1);
  });

  it('aborts an attempt that outlives its timeout and retries it', async () => {
    server = await startScriptedServer((_, i) => (i === 0 ? { ...converse('too late'), delayMs: 5_000 } : converse('in time')));
    const { model } = modelAt(server.url, undefined, { attemptTimeoutMs: 300 });
    const started = Date.now();
    const result = await model.complete({ messages: [{ role: 'user', content: 'x' }] });
    expect(result).toMatchObject({ text: 'in time', attempts: 2 });
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(server.requests.length).toBe(2);
  });

  it('times out every attempt of a server that never answers', async () => {
    server = await startScriptedServer(() => ({ ...converse('never'), delayMs: 10_000 }));
    const { model } = modelAt(server.url, undefined, { attemptTimeoutMs: 150 });
    const failure = await model.complete({ messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ name: 'ModelCallError', retryable: true, code: 'timeout', attempts: 3 });
  });

  it('reports a response without an output message as a failed call', async () => {
    server = await startScriptedServer(() => ({ status: 200, body: { stopReason: 'end_turn', usage: { inputTokens: 1, outputTokens: 0, totalTokens: 1 } } }));
    const { model } = modelAt(server.url);
    await expect(model.complete({ messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ name: 'ModelCallError', code: 'malformed_response' });
  });

  it('bounds the calls in flight on one model', async () => {
    server = await startScriptedServer(() => ({ ...converse('ok'), delayMs: 40 }));
    const { model } = modelAt(server.url, undefined, { maxConcurrency: 3 });
    await Promise.all(Array.from({ length: 9 }, () => model.complete({ messages: [{ role: 'user', content: 'x' }] })));
    expect(server.requests.length).toBe(9);
    expect(server.peakInFlight).toBe(3);
  });

  it('refuses a reference of another provider', () => {
    expect(() => new BedrockChatModel(parseModelRef('openai:gpt-4o'))).toThrow(/bedrock: references/);
  });
});
