/**
 * Retries for model calls: exponential back-off with full jitter (a delay drawn uniformly from
 * [0, min(maxDelay, base·2^(attempt−1))], which spreads a throttled fleet's retries instead of synchronising them),
 * a bounded number of attempts, and a timeout per attempt that aborts the request.
 *
 * Throttling, 5xx, network failures and timeouts are retried; a 4xx (validation, auth, not found) is not, because
 * the same request will fail the same way. The SDKs' own retries are switched off by the adapters so that this one
 * policy governs, and the attempt count it reports is the real one.
 */
import { ModelCallError } from './chat-model';

export interface RetryOptions {
  /** Attempts in all, the first included (default 4). */
  maxAttempts?: number;
  /** Back-off ceiling of the first retry (default 500 ms); it doubles per retry. */
  baseDelayMs?: number;
  /** Back-off ceiling for any retry (default 20 s); also caps a server's Retry-After. */
  maxDelayMs?: number;
  /** Each attempt is aborted after this long (default 60 s). */
  attemptTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1): Math.random unless a test pins it. */
  random?: () => number;
}

/** What went wrong in one attempt, and whether another could succeed. */
export interface AttemptFailure {
  retryable: boolean;
  message: string;
  status?: number;
  code?: string;
  /** The server's Retry-After, when it sent one: the next delay is at least this (capped by maxDelayMs). */
  retryAfterMs?: number;
}

export type FailureClassifier = (error: unknown) => AttemptFailure;

/** Thrown into an attempt's signal, and classified, when an attempt outlives its timeout. */
export class AttemptTimeoutError extends Error {
  override readonly name = 'AttemptTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`attempt timed out after ${timeoutMs} ms`);
  }
}

export class RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly attemptTimeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(options: RetryOptions = {}) {
    this.maxAttempts = options.maxAttempts ?? 4;
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 20_000;
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 60_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) throw new RangeError(`maxAttempts must be a positive integer, got ${this.maxAttempts}`);
    for (const [name, value] of [
      ['baseDelayMs', this.baseDelayMs],
      ['maxDelayMs', this.maxDelayMs],
    ] as const) {
      if (!(value >= 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a finite number ≥ 0, got ${value}`);
    }
    if (!(this.attemptTimeoutMs > 0) || !Number.isFinite(this.attemptTimeoutMs)) {
      throw new RangeError(`attemptTimeoutMs must be a finite number > 0, got ${this.attemptTimeoutMs}`);
    }
  }

  /** The back-off before attempt `attempt + 1`, after `attempt` failed (attempt ≥ 1). */
  delayMs(attempt: number, retryAfterMs?: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    const jittered = this.random() * ceiling;
    return retryAfterMs !== undefined && retryAfterMs > 0 ? Math.max(jittered, Math.min(retryAfterMs, this.maxDelayMs)) : jittered;
  }

  /**
   * Runs `operation` until it succeeds, fails with a non-retryable error, or runs out of attempts; then throws a
   * ModelCallError that carries the last failure, prefixed by `context` (the model reference).
   */
  async run<T>(
    operation: (signal: AbortSignal, attempt: number) => Promise<T>,
    classify: FailureClassifier,
    context: string,
  ): Promise<{ value: T; attempts: number }> {
    for (let attempt = 1; ; attempt++) {
      let failure: AttemptFailure;
      let cause: unknown;
      try {
        return { value: await this.attempt(operation, attempt), attempts: attempt };
      } catch (error) {
        cause = error;
        failure = error instanceof AttemptTimeoutError ? { retryable: true, message: error.message, code: 'timeout' } : classify(error);
      }
      if (!failure.retryable || attempt >= this.maxAttempts) {
        const tail = failure.retryable ? ` (gave up after ${attempt} attempt${attempt === 1 ? '' : 's'})` : attempt > 1 ? ` (attempt ${attempt}, not retryable)` : '';
        throw new ModelCallError(`${context}: ${failure.message}${tail}`, {
          retryable: failure.retryable,
          status: failure.status,
          code: failure.code,
          attempts: attempt,
          cause,
        });
      }
      await this.sleep(this.delayMs(attempt, failure.retryAfterMs));
    }
  }

  /** One attempt, raced against its timeout; the timeout also aborts the signal so the request itself stops. */
  private async attempt<T>(operation: (signal: AbortSignal, attempt: number) => Promise<T>, attempt: number): Promise<T> {
    const controller = new AbortController();
    const timedOut = new AttemptTimeoutError(this.attemptTimeoutMs);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(timedOut);
        controller.abort(timedOut);
      }, this.attemptTimeoutMs);
    });
    try {
      return await Promise.race([operation(controller.signal, attempt), timeout]);
    } catch (error) {
      // However the aborted request reports itself (AbortError, APIUserAbortError…), it was our timeout.
      throw controller.signal.reason === timedOut ? timedOut : error;
    } finally {
      clearTimeout(timer);
    }
  }
}

const RETRYABLE_NAMES = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'ServiceUnavailableException',
  'ServiceUnavailable',
  'InternalServerException',
  'InternalFailure',
  'ModelNotReadyException',
  'ModelTimeoutException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);
const PERMANENT_NAMES = new Set([
  'ValidationException',
  'AccessDeniedException',
  'ResourceNotFoundException',
  'ModelErrorException',
  'ServiceQuotaExceededException',
  'ConflictException',
  'UnrecognizedClientException',
  'ExpiredTokenException',
]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_STREAM_ERROR',
]);

/** Whether an HTTP status is worth retrying: 408, 425, 429 and 5xx other than 501 (not implemented stays so). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || (status >= 500 && status !== 501);
}

/**
 * Classifies any thrown value by what SDKs put on their errors: an AWS error name, an HTTP status
 * (`status`, `statusCode` or `$metadata.httpStatusCode`), a Node network error code anywhere in the cause chain.
 * Unrecognised errors are not retried: retrying what is not understood only multiplies it.
 */
export function classifyFailure(error: unknown): AttemptFailure {
  if (error instanceof ModelCallError) {
    return { retryable: error.retryable, message: error.message, status: error.status, code: error.code };
  }
  if (error instanceof AttemptTimeoutError) return { retryable: true, message: error.message, code: 'timeout' };
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    message?: unknown;
    status?: unknown;
    statusCode?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    $retryable?: unknown;
    code?: unknown;
  };
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(error);
  // A bare Error's name says nothing; a subclass's (ThrottlingException, TimeoutError) does.
  const name = typeof e.name === 'string' && e.name !== 'Error' ? e.name : undefined;
  const rawStatus = e.status ?? e.statusCode ?? e.$metadata?.httpStatusCode;
  const status = typeof rawStatus === 'number' ? rawStatus : undefined;
  const described = (code: string | undefined): string => (code !== undefined && !message.includes(code) ? `${code}: ${message}` : message);

  if (name !== undefined && RETRYABLE_NAMES.has(name)) return { retryable: true, message: described(name), status, code: name };
  if (name !== undefined && PERMANENT_NAMES.has(name)) return { retryable: false, message: described(name), status, code: name };
  if (status !== undefined) return { retryable: isRetryableStatus(status), message: described(name), status, ...(name !== undefined ? { code: name } : {}) };
  const network = networkCode(error);
  if (network !== undefined) return { retryable: true, message: described(network), code: network };
  const code = typeof e.code === 'string' ? e.code : name;
  // Smithy marks exceptions the service declares transient with $retryable.
  if (e.$retryable !== undefined && e.$retryable !== null) return { retryable: true, message: described(code), ...(code !== undefined ? { code } : {}) };
  return { retryable: false, message: described(code), ...(code !== undefined ? { code } : {}) };
}

/** A Node/undici network error code on the error or anywhere in its cause chain. */
export function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
