import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { priceOf } from './arena/price-estimate';
import { COHORTS, type Cohort } from './canary/alias-control';
import { CANARY_METRICS, CANARY_NAMESPACE, NO_RUN } from './canary/canary-metrics';
import type { ShadowMessage, ShadowQueue } from './canary/shadow-message';
import { ModelCallError, type ChatModel, type ChatRequest, type ChatResult } from './models/chat-model';
import { createChatModel } from './models/create-chat-model';
import { emitCanaryDatapoints } from './stores/canary-emf';
import { SqsShadowQueue } from './stores/shadow-queue';

/*
 * The canary router, behind the `live` alias's Function URL. Each published version pins one model (MODEL_REF) and its
 * cohort (COHORT); the alias's weights decide which version, hence which model, answers a request.
 *
 * - A failure of the candidate's model is answered by the current model (OTHER_MODEL_REF), flagged by
 *   `x-finegate-fallback: true`, and counted as a ModelError of the candidate cohort: the user is served, the
 *   candidate is still charged with the failure.
 * - A sampled request (SHADOW_FRACTION) is also queued as a shadow message for the scorer. The response waits for
 *   the queue at most SHADOW_ENQUEUE_WAIT_MS (default 50 ms); a send still in flight then finishes on its own and a
 *   failed one is logged, never surfaced: a shadow pair is a sample, the user's answer is not.
 *
 * Headers on every response: x-finegate-model (the reference that answered, `none` when none did), x-finegate-cohort
 * (the cohort this version serves), x-finegate-latency-ms (model time, the fallback's included), x-finegate-cost-usd
 * (an estimate from list prices, `unknown` for an unpriced model), x-finegate-fallback.
 */

const logger = new Logger({ serviceName: 'finegate' });
const metrics = new Metrics({ namespace: CANARY_NAMESPACE, serviceName: 'finegate' });
// Exactly the canary's dimensions: no Powertools `service` dimension.
metrics.clearDefaultDimensions();

const envSchema = z.object({
  MODEL_REF: z.string().min(1),
  COHORT: z.enum(COHORTS),
  OTHER_MODEL_REF: z.string().min(1).optional(),
  RUN_ID: z.string().min(1).optional(),
  SHADOW_QUEUE_URL: z.string().min(1).optional(),
  SHADOW_FRACTION: z.coerce.number().min(0).max(1).default(0.1),
  SHADOW_ENQUEUE_WAIT_MS: z.coerce.number().int().nonnegative().default(50),
  /** Attempts per model call: a live request cannot wait through a batch job's retries. */
  MODEL_MAX_ATTEMPTS: z.coerce.number().int().positive().default(2),
  MODEL_ATTEMPT_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
});
export type RouterEnvironment = z.infer<typeof envSchema>;

/** The OpenAI-style chat body: extra members (model, user, …) are tolerated and ignored. */
const chatBodySchema = z
  .object({
    messages: z.array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })).min(1),
    max_tokens: z.number().int().positive().optional(),
    temperature: z.number().min(0).max(2).optional(),
    stream: z.literal(false, { message: 'streaming is not supported' }).optional(),
  })
  .loose();

const urlEventSchema = z.object({
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
  requestContext: z.object({ requestId: z.string().min(1), http: z.object({ method: z.string() }).loose().optional() }).loose(),
});

export const HEADERS = {
  model: 'x-finegate-model',
  cohort: 'x-finegate-cohort',
  latency: 'x-finegate-latency-ms',
  cost: 'x-finegate-cost-usd',
  fallback: 'x-finegate-fallback',
} as const;

export interface RouterResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** What one request did, for the metrics. */
export interface RouteRecord {
  cohort: Cohort;
  runId: string;
  /** This version's model failed (whether or not the fallback answered). */
  modelError: boolean;
  fallback: boolean;
  latencyMs?: number;
  /** How the shadow went: not sampled, queued in time, still sending when the response left, or failed. */
  shadow: 'none' | 'sent' | 'pending' | 'failed';
}

export interface RouterDeps {
  env: RouterEnvironment;
  model: (ref: string) => ChatModel;
  queue?: ShadowQueue;
  /** Uniform in [0, 1): Math.random unless a test pins it. */
  random?: () => number;
  log?: Pick<Logger, 'warn' | 'error'>;
}

export async function routeRequest(event: unknown, deps: RouterDeps): Promise<{ response: RouterResponse; record: RouteRecord }> {
  const { env } = deps;
  const record: RouteRecord = { cohort: env.COHORT, runId: env.RUN_ID ?? NO_RUN, modelError: false, fallback: false, shadow: 'none' };
  const reply = (statusCode: number, body: object, answered?: { model: string; result: ChatResult; latencyMs: number }): { response: RouterResponse; record: RouteRecord } => ({
    response: {
      statusCode,
      headers: {
        'content-type': 'application/json',
        [HEADERS.model]: answered?.model ?? 'none',
        [HEADERS.cohort]: env.COHORT,
        [HEADERS.latency]: String(Math.round(answered?.latencyMs ?? 0)),
        [HEADERS.cost]: answered === undefined ? '0' : costHeader(answered.model, answered.result),
        [HEADERS.fallback]: String(record.fallback),
      },
      body: JSON.stringify(body),
    },
    record,
  });

  const parsed = parseRequest(event);
  if ('error' in parsed) return reply(parsed.status, { error: parsed.error });
  const { request, requestId } = parsed;

  const started = performance.now();
  let answered: { model: string; result: ChatResult };
  try {
    answered = { model: env.MODEL_REF, result: await deps.model(env.MODEL_REF).complete(request) };
  } catch (error) {
    if (!(error instanceof ModelCallError)) throw error;
    if (error.code === 'invalid_request') return reply(400, { error: error.message });
    record.modelError = true;
    const fallbackRef = env.COHORT === 'candidate' ? env.OTHER_MODEL_REF : undefined;
    if (fallbackRef === undefined) {
      deps.log?.error('model failed', { model: env.MODEL_REF, requestId, error: error.message });
      return reply(502, { error: `the model did not answer: ${error.message}` });
    }
    deps.log?.warn('candidate model failed; the current model answers', { model: env.MODEL_REF, fallback: fallbackRef, requestId, error: error.message });
    try {
      answered = { model: fallbackRef, result: await deps.model(fallbackRef).complete(request) };
      record.fallback = true;
    } catch (fallbackError) {
      if (!(fallbackError instanceof ModelCallError)) throw fallbackError;
      deps.log?.error('fallback model failed too', { model: fallbackRef, requestId, error: fallbackError.message });
      return reply(502, { error: `neither the candidate nor the fallback model answered: ${error.message}; ${fallbackError.message}` });
    }
  }
  const latencyMs = performance.now() - started;
  record.latencyMs = latencyMs;

  // A pair needs this version's own answer: a fallback answer is the other cohort's, there is nothing to compare it with.
  if (!record.fallback && shouldShadow(deps)) {
    const message: ShadowMessage = {
      runId: env.RUN_ID!,
      requestId,
      input: { ...(request.system === undefined ? {} : { system: request.system }), messages: request.messages },
      answered: { cohort: env.COHORT, model: env.MODEL_REF, text: answered.result.text, latencyMs },
      shadowOf: { cohort: env.COHORT === 'candidate' ? 'current' : 'candidate', model: env.OTHER_MODEL_REF! },
    };
    record.shadow = await enqueueWithin(deps.queue!, message, env.SHADOW_ENQUEUE_WAIT_MS, deps.log);
  }
  return reply(200, { text: answered.result.text }, { ...answered, latencyMs });
}

function shouldShadow(deps: RouterDeps): boolean {
  const { env } = deps;
  if (deps.queue === undefined || env.OTHER_MODEL_REF === undefined || env.RUN_ID === undefined) return false;
  return (deps.random ?? Math.random)() < env.SHADOW_FRACTION;
}

/**
 * Sends, waiting at most `waitMs`. The send is not cancelled at the bound: it may still land (Lambda thaws the
 * environment for the next request); its failure is logged whenever it comes.
 */
export async function enqueueWithin(queue: ShadowQueue, message: ShadowMessage, waitMs: number, log?: Pick<Logger, 'error'>): Promise<'sent' | 'pending' | 'failed'> {
  const sending = queue.send(message).then(
    () => 'sent' as const,
    (error: unknown) => {
      log?.error('shadow message not queued', { runId: message.runId, requestId: message.requestId, error: error instanceof Error ? error.message : String(error) });
      return 'failed' as const;
    },
  );
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'pending'>((resolve) => {
    timer = setTimeout(() => resolve('pending'), waitMs);
  });
  try {
    return await Promise.race([sending, bound]);
  } finally {
    clearTimeout(timer);
  }
}

type ParsedRequest = { request: ChatRequest; requestId: string } | { status: number; error: string };

function parseRequest(event: unknown): ParsedRequest {
  const url = urlEventSchema.safeParse(event);
  if (!url.success) return { status: 400, error: `not a Function URL request: ${issueText(url.error.issues[0])}` };
  const method = url.data.requestContext.http?.method;
  if (method !== undefined && method !== 'POST') return { status: 405, error: `method ${method}: send the chat request with POST` };
  const raw = url.data.body === undefined ? '' : url.data.isBase64Encoded ? Buffer.from(url.data.body, 'base64').toString('utf8') : url.data.body;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { status: 400, error: 'body: not a JSON chat request ({"messages": [...]})' };
  }
  const body = chatBodySchema.safeParse(json);
  if (!body.success) return { status: 400, error: issueText(body.error.issues[0]) };
  const system = body.data.messages.filter((m) => m.role === 'system').map((m) => m.content);
  const messages = body.data.messages.filter((m): m is { role: 'user' | 'assistant'; content: string } => m.role !== 'system');
  if (messages.length === 0) return { status: 400, error: 'messages: at least one user or assistant message is required' };
  return {
    requestId: url.data.requestContext.requestId,
    request: {
      ...(system.length > 0 ? { system: system.join('\n\n') } : {}),
      messages,
      ...(body.data.max_tokens === undefined ? {} : { maxTokens: body.data.max_tokens }),
      ...(body.data.temperature === undefined ? {} : { temperature: body.data.temperature }),
    },
  };
}

function issueText(issue: z.core.$ZodIssue | undefined): string {
  if (issue === undefined) return 'invalid request';
  return `${issue.path.length > 0 ? issue.path.join('.') : 'body'}: ${issue.message}`;
}

/** USD for the answering call from list prices; `unknown` for a model the price table does not know. */
function costHeader(model: string, result: ChatResult): string {
  const { price } = priceOf(model);
  if (price === undefined) return 'unknown';
  const usd = (result.usage.inputTokens * price.inputPerMillion + result.usage.outputTokens * price.outputPerMillion) / 1e6;
  return usd.toFixed(8);
}

/**
 * Per-request metrics by {RunId, Cohort} and {Cohort}. ModelError counts failures the fallback hid from the user:
 * Lambda's own Errors metric never sees them (the function answered 200).
 */
export function emitRouteMetrics(target: Metrics, record: RouteRecord): void {
  emitCanaryDatapoints(target, {
    runId: record.runId,
    cohort: record.cohort,
    values: [
      { name: CANARY_METRICS.requests, unit: MetricUnit.Count, value: 1 },
      { name: CANARY_METRICS.modelError, unit: MetricUnit.Count, value: record.modelError ? 1 : 0 },
      { name: CANARY_METRICS.fallback, unit: MetricUnit.Count, value: record.fallback ? 1 : 0 },
      ...(record.latencyMs === undefined ? [] : [{ name: CANARY_METRICS.modelLatency, unit: MetricUnit.Milliseconds, value: record.latencyMs }]),
    ],
  });
}

// One client per model reference per warm container.
const models = new Map<string, ChatModel>();
let queue: { url: string; queue: ShadowQueue } | undefined;

export const handler = middy(async (event: unknown): Promise<RouterResponse> => {
  const env = envSchema.parse(process.env);
  const model = (ref: string): ChatModel => {
    let m = models.get(ref);
    if (m === undefined) {
      m = createChatModel(ref, { retry: { maxAttempts: env.MODEL_MAX_ATTEMPTS, attemptTimeoutMs: env.MODEL_ATTEMPT_TIMEOUT_MS } });
      models.set(ref, m);
    }
    return m;
  };
  if (env.SHADOW_QUEUE_URL !== undefined && queue?.url !== env.SHADOW_QUEUE_URL) queue = { url: env.SHADOW_QUEUE_URL, queue: new SqsShadowQueue(env.SHADOW_QUEUE_URL) };
  const { response, record } = await routeRequest(event, { env, model, ...(env.SHADOW_QUEUE_URL === undefined ? {} : { queue: queue!.queue }), log: logger });
  emitRouteMetrics(metrics, record);
  return response;
}).use(injectLambdaContext(logger));
