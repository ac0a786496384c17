import { afterEach, describe, expect, it, vi } from 'vitest';
import { ModelCallError } from '../../../functions/models/chat-model';
import { parseModelRef } from '../../../functions/models/model-ref';
import { isReasoningModel, OpenAIChatModel } from '../../../functions/models/openai-chat-model';
import { startScriptedServer, type ScriptedReply, type ScriptedServer } from '../../support/scripted-http-server';

/** A chat completion as OpenAI's API returns it. */
function completion(text: string, usage = { prompt_tokens: 31, completion_tokens: 7 }, model = 'gpt-4o-2024-08-06'): ScriptedReply {
  return {
    status: 200,
    headers: { 'x-request-id': 'req_test' },
    body: {
      id: 'chatcmpl-test',
      object: 'chat.completion',
      created: 1_700_000_000,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
    },
  };
}

/** An error as OpenAI's API returns it. */
function apiError(status: number, code: string, message: string, headers: Record<string, string> = {}): ScriptedReply {
  return { status, headers, body: { error: { message, type: 'invalid_request_error', param: null, code } } };
}

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  vi.unstubAllEnvs();
});

function modelAt(url: string, ref = 'openai:gpt-4o', retry: ConstructorParameters<typeof OpenAIChatModel>[1] = {}): { model: OpenAIChatModel; delays: number[] } {
  const delays: number[] = [];
  const model = new OpenAIChatModel(parseModelRef(ref), {
    clientOptions: { baseURL: `${url}/v1`, apiKey: 'test-key' },
    ...retry,
    retry: { maxAttempts: 3, baseDelayMs: 10, random: () => 0.5, sleep: async (ms) => void delays.push(ms), ...(retry.retry as object) },
  });
  return { model, delays };
}

describe('OpenAIChatModel against a server speaking the OpenAI wire format', () => {
  it('sends the chat request and returns the answer with the usage the server reported', async () => {
    server = await startScriptedServer(() => completion('{"label": "billing"}'));
    const { model } = modelAt(server.url);
    const result = await model.complete({
      system: 'You label tickets.',
      messages: [{ role: 'user', content: 'My invoice is wrong.' }],
      maxTokens: 64,
      temperature: 0,
      responseFormat: 'json',
    });
    expect(result).toMatchObject({
      text: '{"label": "billing"}',
      usage: { inputTokens: 31, outputTokens: 7 },
      attempts: 1,
      model: 'gpt-4o-2024-08-06',
      stopReason: 'stop',
    });
    expect(result.latencyMs).toBeGreaterThan(0);
    expect(server.requests.length).toBe(1);
    const request = server.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe('Bearer test-key');
    expect(request.json).toEqual({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'You label tickets.' },
        { role: 'user', content: 'My invoice is wrong.' },
      ],
      max_tokens: 64,
      temperature: 0,
      response_format: { type: 'json_object' },
    });
  });

  it('serves any model name an OpenAI-compatible server knows, and reports zero usage when it reports none', async () => {
    server = await startScriptedServer(() => {
      const reply = completion('hello', undefined, 'qwen2.5:7b');
      delete (reply.body as { usage?: unknown }).usage;
      return reply;
    });
    const { model } = modelAt(server.url, 'openai:qwen2.5:7b');
    const result = await model.complete({ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }, { role: 'user', content: 'again' }] });
    expect(result).toMatchObject({ text: 'hello', usage: { inputTokens: 0, outputTokens: 0 }, model: 'qwen2.5:7b' });
    expect(server.requests[0]!.json).toEqual({
      model: 'qwen2.5:7b',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
        { role: 'user', content: 'again' },
      ],
    });
  });

  it('asks a reasoning model for max_completion_tokens and leaves its temperature alone', async () => {
    server = await startScriptedServer(() => completion('ok', undefined, 'o3-mini-2025-01-31'));
    const { model } = modelAt(server.url, 'openai:o3-mini');
    await model.complete({ messages: [{ role: 'user', content: 'x' }], maxTokens: 100, temperature: 0 });
    expect(server.requests[0]!.json).toEqual({ model: 'o3-mini', messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 100 });
  });

  it('retries a 429 and succeeds, waiting at least the Retry-After', async () => {
    server = await startScriptedServer((_, i) =>
      i === 0 ? apiError(429, 'rate_limit_exceeded', 'Rate limit reached for gpt-4o', { 'retry-after-ms': '40' }) : completion('second time'),
    );
    const { model, delays } = modelAt(server.url);
    const result = await model.complete({ messages: [{ role: 'user', content: 'x' }] });
    expect(result).toMatchObject({ text: 'second time', attempts: 2 });
    expect(server.requests.length).toBe(2);
    // Full jitter would give 5 ms (0.5 × 10); the server asked for 40.
    expect(delays).toEqual([40]);
  });

  it('gives up on a permanent 500 after maxAttempts, with no hidden client retries', async () => {
    server = await startScriptedServer(() => apiError(500, 'server_error', 'The server had an error'));
    const { model, delays } = modelAt(server.url);
    const failure = await model.complete({ messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ModelCallError);
    expect(failure).toMatchObject({ retryable: true, status: 500, code: 'server_error', attempts: 3 });
    expect((failure as Error).message).toMatch(/^openai:gpt-4o: 500 The server had an error \(gave up after 3 attempts\)$/);
    expect(server.requests.length).toBe(3);
    expect(delays).toEqual([5, 10]);
  });

  it('does not retry a 400', async () => {
    server = await startScriptedServer(() => apiError(400, 'context_length_exceeded', "This model's maximum context length is 128000 tokens."));
    const { model } = modelAt(server.url);
    const failure = await model.complete({ messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ retryable: false, status: 400, code: 'context_length_exceeded', attempts: 1 });
    expect(server.requests.length).toBe(1);
  });

  it('aborts an attempt that outlives its timeout and retries it', async () => {
    server = await startScriptedServer((_, i) => (i === 0 ? { ...completion('too late'), delayMs: 5_000 } : completion('in time')));
    const { model } = modelAt(server.url, 'openai:gpt-4o', { retry: { attemptTimeoutMs: 300 } });
    const started = Date.now();
    const result = await model.complete({ messages: [{ role: 'user', content: 'x' }] });
    expect(result).toMatchObject({ text: 'in time', attempts: 2 });
    expect(result.latencyMs).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(server.requests.length).toBe(2);
  });

  it('retries a refused connection as a network error', async () => {
    server = await startScriptedServer(() => completion('unused'));
    const url = server.url;
    await server.close();
    server = undefined;
    const { model } = modelAt(url);
    const failure = await model.complete({ messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ retryable: true, code: 'network', attempts: 3 });
    expect((failure as Error).message).toMatch(/connection failed/);
  });

  it('reports a response without choices as a failed call, not an empty answer', async () => {
    server = await startScriptedServer(() => ({ status: 200, body: { id: 'x', object: 'chat.completion', created: 1, model: 'gpt-4o', choices: [] } }));
    const { model } = modelAt(server.url);
    await expect(model.complete({ messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ name: 'ModelCallError', code: 'malformed_response' });
  });

  it('refuses an invalid request before calling the server', async () => {
    server = await startScriptedServer(() => completion('unused'));
    const { model } = modelAt(server.url);
    await expect(model.complete({ messages: [] })).rejects.toMatchObject({ name: 'ModelCallError', code: 'invalid_request', attempts: 0 });
    await expect(model.complete({ messages: [{ role: 'user', content: 'x' }], maxTokens: 0 })).rejects.toThrow(/maxTokens/);
    expect(server.requests.length).toBe(0);
  });

  it('bounds the calls in flight on one model', async () => {
    server = await startScriptedServer(() => ({ ...completion('ok'), delayMs: 40 }));
    const { model } = modelAt(server.url, 'openai:gpt-4o', { maxConcurrency: 2 });
    const results = await Promise.all(Array.from({ length: 6 }, () => model.complete({ messages: [{ role: 'user', content: 'x' }] })));
    expect(results.every((r) => r.text === 'ok')).toBe(true);
    expect(server.requests.length).toBe(6);
    expect(server.peakInFlight).toBe(2);
  });

  it('reads OPENAI_BASE_URL and needs no key for a keyless compatible server', async () => {
    server = await startScriptedServer(() => completion('from env'));
    vi.stubEnv('OPENAI_BASE_URL', `${server.url}/v1`);
    vi.stubEnv('OPENAI_API_KEY', '');
    const model = new OpenAIChatModel(parseModelRef('openai:llama3.1:8b'), { retry: { maxAttempts: 1 } });
    expect((await model.complete({ messages: [{ role: 'user', content: 'x' }] })).text).toBe('from env');
    expect(server.requests[0]!.url).toBe('/v1/chat/completions');
  });

  it('refuses a reference of another provider', () => {
    expect(() => new OpenAIChatModel(parseModelRef('local:echo'))).toThrow(/openai: references/);
  });
});

describe('isReasoningModel', () => {
  it('knows the o-series and gpt-5 by name, fine-tunes included', () => {
    expect(['o1', 'o1-preview', 'o3-mini', 'o4-mini', 'gpt-5', 'gpt-5-mini', 'ft:o4-mini:acme::x'].every(isReasoningModel)).toBe(true);
    expect(['gpt-4o', 'gpt-4.1-mini', 'qwen2.5:7b', 'ollama-o1-clone', 'ft:gpt-4o-mini:org::id'].some(isReasoningModel)).toBe(false);
  });
});
