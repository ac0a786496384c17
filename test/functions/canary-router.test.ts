import { createHash } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { shadowMessageSchema, type ShadowMessage, type ShadowQueue } from '../../functions/canary/shadow-message';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { emitRouteMetrics, enqueueWithin, handler, HEADERS, routeRequest, type RouterDeps, type RouterEnvironment } from '../../functions/canary-router';
import { ModelCallError, type ChatModel, type ChatRequest, type ChatResult } from '../../functions/models/chat-model';
import { parseModelRef } from '../../functions/models/model-ref';
import { resetAwsClients } from '../../functions/stores/aws-clients';
import { SqsShadowQueue } from '../../functions/stores/shadow-queue';
import { startScriptedServer, type RecordedRequest, type ScriptedServer } from '../support/scripted-http-server';
import { waitFor } from '../support/wait-for';

const CANDIDATE = 'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0';
const CURRENT = 'openai:gpt-4o-mini';

/** A model that answers (or fails) as told, recording what it was asked. */
class ScriptedModel implements ChatModel {
  readonly ref;
  readonly requests: ChatRequest[] = [];
  constructor(
    ref: string,
    private readonly answer: (request: ChatRequest) => string | ModelCallError,
  ) {
    this.ref = parseModelRef(ref);
  }
  async complete(request: ChatRequest): Promise<ChatResult> {
    this.requests.push(request);
    const text = this.answer(request);
    if (text instanceof ModelCallError) throw text;
    return { text, usage: { inputTokens: 1000, outputTokens: 200 }, latencyMs: 5, attempts: 1, model: this.ref.model };
  }
}

class MemoryQueue implements ShadowQueue {
  readonly sent: ShadowMessage[] = [];
  async send(message: ShadowMessage): Promise<void> {
    this.sent.push(message);
  }
}

function urlEvent(body: unknown, options: { method?: string; requestId?: string; base64?: boolean } = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abcdefghij',
      domainName: 'abcdefghij.lambda-url.us-east-1.on.aws',
      domainPrefix: 'abcdefghij',
      http: { method: options.method ?? 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'curl/8' },
      requestId: options.requestId ?? 'b0c1d2e3-0000-4000-8000-000000000001',
      routeKey: '$default',
      stage: '$default',
      time: '12/Nov/2026:11:02:07 +0000',
      timeEpoch: 1794481327000,
    },
    body: options.base64 ? Buffer.from(text).toString('base64') : text,
    isBase64Encoded: options.base64 ?? false,
  };
}

const chat = { messages: [{ role: 'system', content: 'Answer briefly.' }, { role: 'user', content: 'Where is my parcel?' }], max_tokens: 128, temperature: 0.2 };

function env(overrides: Partial<RouterEnvironment> = {}): RouterEnvironment {
  return {
    MODEL_REF: CANDIDATE,
    COHORT: 'candidate',
    OTHER_MODEL_REF: CURRENT,
    RUN_ID: 'support-bot-7',
    SHADOW_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/shadow',
    SHADOW_FRACTION: 0,
    SHADOW_ENQUEUE_WAIT_MS: 50,
    MODEL_MAX_ATTEMPTS: 2,
    MODEL_ATTEMPT_TIMEOUT_MS: 30_000,
    ...overrides,
  };
}

function setup(options: { candidateFails?: boolean; currentFails?: boolean; env?: Partial<RouterEnvironment>; random?: number } = {}) {
  const failure = new ModelCallError(`${CANDIDATE}: ThrottlingException: Too many requests (gave up after 2 attempts)`, { retryable: true, code: 'ThrottlingException', attempts: 2 });
  const candidate = new ScriptedModel(CANDIDATE, () => (options.candidateFails ? failure : 'Your parcel left the depot this morning.'));
  const current = new ScriptedModel(CURRENT, () => (options.currentFails ? new ModelCallError(`${CURRENT}: 503`, { retryable: true, status: 503, attempts: 2 }) : 'It is on its way.'));
  const queue = new MemoryQueue();
  const deps: RouterDeps = {
    env: env(options.env),
    model: (ref) => (ref === parseModelRef(CANDIDATE).id || ref === CANDIDATE ? candidate : current),
    queue,
    random: () => options.random ?? 0.5,
  };
  return { deps, candidate, current, queue };
}

describe('routeRequest', () => {
  it('answers with the pinned model and the contract headers', async () => {
    const { deps, candidate } = setup();
    const { response, record } = await routeRequest(urlEvent(chat), deps);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ text: 'Your parcel left the depot this morning.' });
    expect(response.headers).toMatchObject({
      [HEADERS.model]: CANDIDATE,
      [HEADERS.cohort]: 'candidate',
      [HEADERS.fallback]: 'false',
      // Claude 3.5 Haiku list price: 1000 × $0.8/M + 200 × $4/M.
      [HEADERS.cost]: '0.00160000',
    });
    expect(Number(response.headers[HEADERS.latency])).toBeGreaterThanOrEqual(0);
    expect(candidate.requests).toEqual([{ system: 'Answer briefly.', messages: [{ role: 'user', content: 'Where is my parcel?' }], maxTokens: 128, temperature: 0.2 }]);
    expect(record).toMatchObject({ cohort: 'candidate', runId: 'support-bot-7', modelError: false, fallback: false, shadow: 'none' });
  });

  it('reads a base64 body as Function URLs may send it', async () => {
    const { deps } = setup();
    expect((await routeRequest(urlEvent(chat, { base64: true }), deps)).response.statusCode).toBe(200);
  });

  it('falls back to the current model when the candidate fails, flagged by x-finegate-fallback and counted as a candidate error', async () => {
    const { deps, current, queue } = setup({ candidateFails: true, random: 0 });
    deps.env.SHADOW_FRACTION = 1;
    const { response, record } = await routeRequest(urlEvent(chat), deps);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ text: 'It is on its way.' });
    expect(response.headers).toMatchObject({ [HEADERS.model]: CURRENT, [HEADERS.cohort]: 'candidate', [HEADERS.fallback]: 'true' });
    expect(current.requests).toHaveLength(1);
    expect(record).toMatchObject({ modelError: true, fallback: true });
    // The fallback answer is the other cohort's: no pair to judge.
    expect(queue.sent).toEqual([]);
  });

  it('never falls back from the current cohort: its failure is a 502', async () => {
    const { deps, candidate } = setup({ currentFails: true, env: { MODEL_REF: CURRENT, COHORT: 'current', OTHER_MODEL_REF: CANDIDATE } });
    const { response, record } = await routeRequest(urlEvent(chat), deps);
    expect(response.statusCode).toBe(502);
    expect(JSON.parse(response.body).error).toMatch(/the model did not answer/);
    expect(response.headers).toMatchObject({ [HEADERS.model]: 'none', [HEADERS.cohort]: 'current', [HEADERS.fallback]: 'false' });
    expect(candidate.requests).toEqual([]);
    expect(record.modelError).toBe(true);
  });

  it('is a 502 when the fallback fails too', async () => {
    const { deps } = setup({ candidateFails: true, currentFails: true });
    const { response } = await routeRequest(urlEvent(chat), deps);
    expect(response.statusCode).toBe(502);
    expect(JSON.parse(response.body).error).toMatch(/neither the candidate nor the fallback model answered/);
  });

  it.each([
    [{ ...chat, messages: [{ role: 'tool', content: 'x' }] }, 'messages.0.role'],
    [{ ...chat, messages: [{ role: 'user', content: 42 }] }, 'messages.0.content'],
    [{ ...chat, messages: [] }, 'messages'],
    [{ messages: [{ role: 'system', content: 'only a system prompt' }] }, 'messages'],
    [{ ...chat, max_tokens: 0 }, 'max_tokens'],
    [{ ...chat, temperature: 3 }, 'temperature'],
    [{ ...chat, stream: true }, 'stream'],
    [{ prompt: 'hello' }, 'messages'],
    ['{"messages": [', 'body'],
  ])('400 for %j, naming %s; no model is called', async (body, field) => {
    const { deps, candidate } = setup();
    const { response } = await routeRequest(urlEvent(body), deps);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error).toMatch(new RegExp(`^${field.replace(/\./g, '\\.')}: `));
    expect(response.headers).toMatchObject({ [HEADERS.model]: 'none', [HEADERS.cohort]: 'candidate', [HEADERS.fallback]: 'false', [HEADERS.cost]: '0' });
    expect(candidate.requests).toEqual([]);
  });

  it('405 for anything but POST', async () => {
    const { deps } = setup();
    expect((await routeRequest(urlEvent(chat, { method: 'GET' }), deps)).response.statusCode).toBe(405);
  });

  it('SHADOW_FRACTION 0 queues nothing, whatever the draw', async () => {
    const { deps, queue } = setup({ random: 0 });
    deps.env.SHADOW_FRACTION = 0;
    await routeRequest(urlEvent(chat), deps);
    expect(queue.sent).toEqual([]);
  });

  it('SHADOW_FRACTION 1 queues every request: the shadow message of the contract, asking the other cohort', async () => {
    const { deps, queue } = setup({ random: 0.999_999 });
    deps.env.SHADOW_FRACTION = 1;
    const { record } = await routeRequest(urlEvent(chat, { requestId: 'req-42' }), deps);
    expect(record.shadow).toBe('sent');
    expect(queue.sent).toHaveLength(1);
    const message = shadowMessageSchema.parse(queue.sent[0]);
    expect(message).toMatchObject({
      runId: 'support-bot-7',
      requestId: 'req-42',
      input: { system: 'Answer briefly.', messages: [{ role: 'user', content: 'Where is my parcel?' }] },
      answered: { cohort: 'candidate', model: CANDIDATE, text: 'Your parcel left the depot this morning.' },
      shadowOf: { cohort: 'current', model: CURRENT },
    });
  });

  it('samples by the draw: below the fraction is queued, at or above it is not', async () => {
    const low = setup({ random: 0.09 });
    low.deps.env.SHADOW_FRACTION = 0.1;
    await routeRequest(urlEvent(chat), low.deps);
    expect(low.queue.sent).toHaveLength(1);
    const high = setup({ random: 0.1 });
    high.deps.env.SHADOW_FRACTION = 0.1;
    await routeRequest(urlEvent(chat), high.deps);
    expect(high.queue.sent).toHaveLength(0);
  });

  it('queues nothing outside a canary (no RUN_ID or no other model)', async () => {
    const { deps, queue } = setup({ random: 0, env: { RUN_ID: undefined } });
    deps.env.SHADOW_FRACTION = 1;
    const { record } = await routeRequest(urlEvent(chat), deps);
    expect(queue.sent).toEqual([]);
    expect(record.runId).toBe('none');
  });

  it('does not wait for a slow queue beyond the bound, and reports a failed send only in the log', async () => {
    const { deps } = setup({ random: 0 });
    deps.env.SHADOW_FRACTION = 1;
    deps.env.SHADOW_ENQUEUE_WAIT_MS = 20;
    let release!: () => void;
    let rejectSend!: (error: Error) => void;
    deps.queue = { send: () => new Promise<void>((resolve, reject) => ((release = resolve), (rejectSend = reject))) };
    const errors: unknown[] = [];
    deps.log = { warn: () => {}, error: (...args: unknown[]) => void errors.push(args) };
    const started = performance.now();
    const { response, record } = await routeRequest(urlEvent(chat), deps);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(response.statusCode).toBe(200);
    expect(record.shadow).toBe('pending');
    rejectSend(new Error('QueueDoesNotExist'));
    await waitFor(() => errors.length === 1);
    expect(JSON.stringify(errors[0])).toMatch(/shadow message not queued.*QueueDoesNotExist/);
    release();
  });
});

describe('emitRouteMetrics', () => {
  it('writes one EMF line per request, by {RunId, Cohort} and by {Cohort}: a fallback is a model error of the cohort', () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
    try {
      const metrics = new Metrics({ namespace: 'finegate/canary', serviceName: 'finegate' });
      metrics.clearDefaultDimensions();
      emitRouteMetrics(metrics, { cohort: 'candidate', runId: 'support-bot-7', modelError: true, fallback: true, latencyMs: 812.5, shadow: 'none' });
    } finally {
      spy.mockRestore();
    }
    const [doc, ...rest] = lines.join('').split('\n').filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l));
    expect(rest).toEqual([]);
    expect(doc._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'finegate/canary',
        Dimensions: [['Cohort', 'RunId'], ['Cohort']],
        Metrics: [
          { Name: 'Requests', Unit: 'Count' },
          { Name: 'ModelError', Unit: 'Count' },
          { Name: 'Fallback', Unit: 'Count' },
          { Name: 'ModelLatency', Unit: 'Milliseconds' },
        ],
      },
    ]);
    expect(doc).toMatchObject({ RunId: 'support-bot-7', Cohort: 'candidate', Requests: 1, ModelError: 1, Fallback: 1, ModelLatency: 812.5 });
    expect(doc).not.toHaveProperty('service');
  });
});

describe('enqueueWithin', () => {
  const message = { runId: 'r', requestId: 'q' } as ShadowMessage;
  it('reports sent, failed (logged) or still pending at the bound', async () => {
    expect(await enqueueWithin({ send: async () => {} }, message, 50)).toBe('sent');
    const logged: unknown[] = [];
    expect(await enqueueWithin({ send: async () => Promise.reject(new Error('denied')) }, message, 50, { error: (...a: unknown[]) => void logged.push(a) })).toBe('failed');
    expect(logged).toHaveLength(1);
    expect(await enqueueWithin({ send: () => new Promise(() => {}) }, message, 10)).toBe('pending');
  });
});

/*
 * The deployed handler: environment, local models, and the real SQS client sending to a local server that speaks
 * SQS's JSON protocol and answers slowly, to show the response never waits for the queue.
 */
describe('handler', () => {
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'finegate-canary-router',
    functionVersion: '13',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:finegate-canary-router:live',
    memoryLimitInMB: '512',
    awsRequestId: 'b0c1d2e3-0000-4000-8000-000000000001',
    logGroupName: '/aws/lambda/finegate-canary-router',
    logStreamName: '2026/11/12/[13]abcdef',
    getRemainingTimeInMillis: () => 30_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  } as unknown as Context;
  const QUEUE_DELAY_MS = 1_500;
  let server: ScriptedServer;
  const saved = { ...process.env };
  const sends: Promise<void>[] = [];

  beforeAll(async () => {
    server = await startScriptedServer((request: RecordedRequest) => {
      const body = (request.json as { MessageBody: string }).MessageBody;
      return { status: 200, delayMs: QUEUE_DELAY_MS, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: { MessageId: 'm-1', MD5OfMessageBody: createHash('md5').update(body).digest('hex') } };
    });
    Object.assign(process.env, { AWS_ENDPOINT_URL_SQS: server.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
    delete process.env.AWS_PROFILE;
    resetAwsClients();
    // Calls through to the real send, keeping its promise so the test can let it finish before the server closes.
    const send = SqsShadowQueue.prototype.send;
    vi.spyOn(SqsShadowQueue.prototype, 'send').mockImplementation(function (this: SqsShadowQueue, message) {
      const p = send.call(this, message);
      sends.push(p.catch(() => {}));
      return p;
    });
  });

  afterEach(() => {
    server.requests.length = 0;
  });

  afterAll(async () => {
    await Promise.all(sends);
    vi.restoreAllMocks();
    process.env = saved;
    resetAwsClients();
    await server.close();
  });

  function setEnv(vars: Record<string, string>) {
    for (const k of ['MODEL_REF', 'COHORT', 'OTHER_MODEL_REF', 'RUN_ID', 'SHADOW_QUEUE_URL', 'SHADOW_FRACTION', 'SHADOW_ENQUEUE_WAIT_MS']) delete process.env[k];
    Object.assign(process.env, vars);
  }

  it('answers at once while the shadow message is still on its way to a slow queue', async () => {
    setEnv({ MODEL_REF: 'local:echo', COHORT: 'current', OTHER_MODEL_REF: 'local:echo#family=meta', RUN_ID: 'support-bot-7', SHADOW_QUEUE_URL: `${server.url}/123456789012/finegate-shadow`, SHADOW_FRACTION: '1' });
    const started = performance.now();
    const response = await handler(urlEvent(chat, { requestId: 'req-slow' }), context);
    const elapsed = performance.now() - started;
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ text: 'Where is my parcel?' });
    expect(response.headers).toMatchObject({ [HEADERS.model]: 'local:echo', [HEADERS.cohort]: 'current', [HEADERS.cost]: '0.00000000', [HEADERS.fallback]: 'false' });
    // The queue answers after 1.5 s; the response left long before.
    expect(elapsed).toBeLessThan(QUEUE_DELAY_MS / 2);
    const request = await waitFor(() => server.requests[0]);
    expect(request.headers['x-amz-target']).toBe('AmazonSQS.SendMessage');
    const message = shadowMessageSchema.parse(JSON.parse((request.json as { MessageBody: string }).MessageBody));
    expect(message).toMatchObject({ requestId: 'req-slow', answered: { cohort: 'current', model: 'local:echo' }, shadowOf: { cohort: 'candidate', model: 'local:echo#family=meta' } });
  });

  it('falls back from a candidate model that cannot answer to the current one', async () => {
    setEnv({ MODEL_REF: 'replay:/nonexistent/recordings.jsonl', COHORT: 'candidate', OTHER_MODEL_REF: 'local:echo', RUN_ID: 'support-bot-7', SHADOW_FRACTION: '0' });
    const response = await handler(urlEvent(chat), context);
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({ [HEADERS.model]: 'local:echo', [HEADERS.cohort]: 'candidate', [HEADERS.fallback]: 'true' });
    expect(server.requests).toEqual([]);
  });

  it('answers 400 naming the field', async () => {
    setEnv({ MODEL_REF: 'local:echo', COHORT: 'current' });
    const response = await handler(urlEvent({ messages: [{ role: 'user' }] }), context);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error).toMatch(/^messages\.0\.content: /);
  });
});
