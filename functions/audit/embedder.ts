/**
 * The embedding port of the paraphrase pass, the embedding model reference it is configured with, and the retry
 * contract every adapter follows. Pure TypeScript: the adapters (OpenAI, Bedrock) live in functions/stores.
 */

export interface EmbedOptions {
  /** Aborts the call and its retries (the audit's deadline). */
  signal?: AbortSignal;
}

export interface Embedder {
  /** The embedding model reference it embeds with, e.g. `bedrock:amazon.titan-embed-text-v2:0`; goes in the report. */
  readonly model: string;
  /** Vector length, when known before the first call. */
  readonly dimensions?: number;
  /**
   * One vector per text, in the order given. Transient failures (throttling, 5xx, timeouts) are retried here, by the
   * adapter; a rejection means the adapter gave up, and the caller counts those texts as errors.
   */
  embed(texts: string[], options?: EmbedOptions): Promise<Float32Array[]>;
}

export type EmbeddingProvider = 'bedrock' | 'openai';

export interface EmbeddingModelRef {
  provider: EmbeddingProvider;
  /** Bedrock model id (or inference profile id/ARN), or the OpenAI-compatible server's model name. */
  model: string;
}

const PROVIDERS: readonly EmbeddingProvider[] = ['bedrock', 'openai'];

/**
 * `bedrock:<modelId>` or `openai:<model>`. Only the first colon separates the provider: Bedrock model ids carry their
 * own (`amazon.titan-embed-text-v2:0`).
 */
export function parseEmbeddingModelRef(ref: string): EmbeddingModelRef {
  const colon = ref.indexOf(':');
  const provider = colon < 0 ? '' : ref.slice(0, colon).trim().toLowerCase();
  const model = colon < 0 ? '' : ref.slice(colon + 1).trim();
  if (!PROVIDERS.includes(provider as EmbeddingProvider)) {
    throw new RangeError(`embedding model ${JSON.stringify(ref)}: expected bedrock:<modelId> or openai:<model>`);
  }
  if (model === '' || /\s/.test(model)) {
    throw new RangeError(`embedding model ${JSON.stringify(ref)}: the model name after "${provider}:" is empty or contains whitespace`);
  }
  return { provider: provider as EmbeddingProvider, model };
}

export function formatEmbeddingModelRef(ref: EmbeddingModelRef): string {
  return `${ref.provider}:${ref.model}`;
}

/**
 * Converts one vector from a response body, refusing anything that is not a non-empty array of finite numbers: a
 * malformed vector must fail the call, not become a silent zero in the index.
 */
export function embeddingVector(value: unknown, where: string): Float32Array {
  if (!Array.isArray(value) && !(value instanceof Float32Array)) throw new TypeError(`${where}: expected an array of numbers, got ${describeValue(value)}`);
  if (value.length === 0) throw new TypeError(`${where}: empty vector`);
  const out = new Float32Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const x = value[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new TypeError(`${where}: element ${i} is ${describeValue(x)}, not a finite number`);
    out[i] = x;
  }
  return out;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return String(value);
  return typeof value;
}

/** Cuts to at most `max` UTF-16 units without splitting a surrogate pair. */
export function truncateChars(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return text.slice(0, end);
}

// ---- Retry contract -------------------------------------------------------------------------------------------------

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Backoff before retry n (1-based) is uniform in [0, min(maxDelayMs, baseDelayMs · 2^(n−1))] ("full jitter"). */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Five attempts, about 7.5 s of backoff at most before the last one (plus any server-requested wait). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 20_000 };

export type RetryDecision = { retry: false } | { retry: true; /** Server-requested wait (Retry-After), capped at maxDelayMs. */ afterMs?: number };

/** What an adapter throws when it gives up: the last error as cause, and how many attempts were made. */
export class EmbeddingCallError extends Error {
  override readonly name = 'EmbeddingCallError';
  constructor(
    message: string,
    readonly attempts: number,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface RetryOptions {
  policy: RetryPolicy;
  /** Which failures are transient. */
  classify: (error: unknown) => RetryDecision;
  /** Prefix of the final error message, e.g. the model reference. */
  what: string;
  signal?: AbortSignal;
  /** Injected in tests; defaults to Math.random. */
  random?: () => number;
}

export function resolveRetryPolicy(overrides: Partial<RetryPolicy> | undefined): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...overrides };
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1) throw new RangeError(`retry attempts must be a positive integer, got ${policy.attempts}`);
  if (!(policy.baseDelayMs >= 0) || !(policy.maxDelayMs >= policy.baseDelayMs)) {
    throw new RangeError(`retry delays must satisfy 0 ≤ baseDelayMs ≤ maxDelayMs, got ${policy.baseDelayMs} and ${policy.maxDelayMs}`);
  }
  return policy;
}

/** Backoff before retry n (1-based): full jitter, so retries of many concurrent callers spread out instead of colliding. */
export function backoffDelayMs(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return random() * cap;
}

/**
 * Runs `call` until it succeeds, fails with a non-transient error, or runs out of attempts; then throws an
 * EmbeddingCallError carrying the last error. An abort of `signal` stops at once, without a further attempt.
 */
export async function withRetries<T>(call: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy, classify, signal } = options;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await call(attempt);
    } catch (error) {
      if (signal?.aborted) throw error;
      const decision = classify(error);
      const message = errorMessage(error);
      if (!decision.retry || attempt >= policy.attempts) {
        const why = decision.retry ? `gave up after ${attempt} attempt${attempt === 1 ? '' : 's'}` : 'not retryable';
        throw new EmbeddingCallError(`${options.what}: ${message} (${why})`, attempt, decision.retry, { cause: error });
      }
      const wait = decision.afterMs !== undefined ? Math.min(Math.max(0, decision.afterMs), policy.maxDelayMs) : backoffDelayMs(attempt, policy, random);
      await sleep(wait, signal);
    }
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ms <= 0) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
