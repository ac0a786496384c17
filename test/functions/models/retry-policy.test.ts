import { describe, expect, it } from 'vitest';
import { ModelCallError } from '../../../functions/models/chat-model';
import { AttemptTimeoutError, classifyFailure, isRetryableStatus, networkCode, RetryPolicy } from '../../../functions/models/retry-policy';

/** An error shaped like an AWS SDK service exception. */
function awsError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} from the service`), { name, $metadata: { httpStatusCode: status } });
}

function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => void delays.push(ms) };
}

describe('RetryPolicy.delayMs', () => {
  it('draws a full-jitter delay under a doubling, capped ceiling', () => {
    const policy = new RetryPolicy({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5 });
    expect([1, 2, 3, 4, 5, 6].map((a) => policy.delayMs(a))).toEqual([50, 100, 200, 400, 500, 500]);
    const low = new RetryPolicy({ baseDelayMs: 100, random: () => 0 });
    expect(low.delayMs(3)).toBe(0);
    const high = new RetryPolicy({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999 });
    expect(high.delayMs(3)).toBeCloseTo(399.6, 6);
  });

  it('waits at least a server Retry-After, capped by the ceiling', () => {
    const policy = new RetryPolicy({ baseDelayMs: 100, maxDelayMs: 5000, random: () => 0.5 });
    expect(policy.delayMs(1, 2000)).toBe(2000);
    expect(policy.delayMs(1, 60_000)).toBe(5000);
    expect(policy.delayMs(1, 10)).toBe(50);
  });

  it('spreads delays uniformly (Math.random by default)', () => {
    const policy = new RetryPolicy({ baseDelayMs: 1000, maxDelayMs: 1000 });
    const draws = Array.from({ length: 2000 }, () => policy.delayMs(1));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1000);
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    expect(mean).toBeGreaterThan(440);
    expect(mean).toBeLessThan(560);
  });

  it('rejects invalid options', () => {
    expect(() => new RetryPolicy({ maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => new RetryPolicy({ maxAttempts: 1.5 })).toThrow(/maxAttempts/);
    expect(() => new RetryPolicy({ baseDelayMs: -1 })).toThrow(/baseDelayMs/);
    expect(() => new RetryPolicy({ attemptTimeoutMs: 0 })).toThrow(/attemptTimeoutMs/);
  });
});

describe('RetryPolicy.run', () => {
  it('retries throttling until it succeeds, sleeping the jittered back-off in between', async () => {
    const { sleep, delays } = recordingSleep();
    const policy = new RetryPolicy({ maxAttempts: 5, baseDelayMs: 100, random: () => 0.5, sleep });
    let calls = 0;
    const out = await policy.run(
      async () => {
        calls++;
        if (calls < 3) throw awsError('ThrottlingException', 429);
        return 'ok';
      },
      classifyFailure,
      'bedrock:x.y',
    );
    expect(out).toEqual({ value: 'ok', attempts: 3 });
    expect(delays).toEqual([50, 100]);
  });

  it('gives up after maxAttempts with a ModelCallError carrying the last failure', async () => {
    const { sleep, delays } = recordingSleep();
    const policy = new RetryPolicy({ maxAttempts: 3, sleep });
    let calls = 0;
    const failure = await policy
      .run(
        async () => {
          calls++;
          throw awsError('InternalServerException', 500);
        },
        classifyFailure,
        'bedrock:x.y',
      )
      .catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(delays.length).toBe(2);
    expect(failure).toBeInstanceOf(ModelCallError);
    expect(failure).toMatchObject({ retryable: true, status: 500, code: 'InternalServerException', attempts: 3 });
    expect((failure as Error).message).toBe('bedrock:x.y: InternalServerException from the service (gave up after 3 attempts)');
    expect((failure as Error).cause).toBeInstanceOf(Error);
  });

  it('does not retry a validation error', async () => {
    const { sleep, delays } = recordingSleep();
    const policy = new RetryPolicy({ maxAttempts: 5, sleep });
    let calls = 0;
    const failure = await policy
      .run(
        async () => {
          calls++;
          throw awsError('ValidationException', 400);
        },
        classifyFailure,
        'm',
      )
      .catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(delays).toEqual([]);
    expect(failure).toMatchObject({ retryable: false, status: 400, code: 'ValidationException', attempts: 1 });
  });

  it('aborts an attempt that outlives its timeout and retries it', async () => {
    const { sleep } = recordingSleep();
    const policy = new RetryPolicy({ maxAttempts: 3, attemptTimeoutMs: 30, sleep });
    const signals: AbortSignal[] = [];
    const out = await policy.run(
      (signal, attempt) => {
        signals.push(signal);
        // The first attempt hangs (it only ever settles through its signal); the second answers.
        if (attempt === 1) return new Promise<string>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
        return Promise.resolve('second');
      },
      classifyFailure,
      'm',
    );
    expect(out).toEqual({ value: 'second', attempts: 2 });
    expect(signals[0]!.aborted).toBe(true);
    expect(signals[0]!.reason).toBeInstanceOf(AttemptTimeoutError);
    expect(signals[1]!.aborted).toBe(false);
  });

  it('times out an attempt even when the operation ignores its signal', async () => {
    const policy = new RetryPolicy({ maxAttempts: 2, attemptTimeoutMs: 20, sleep: async () => {} });
    const started = Date.now();
    const failure = await policy.run(() => new Promise<never>(() => {}), classifyFailure, 'm').catch((e: unknown) => e);
    expect(failure).toMatchObject({ retryable: true, code: 'timeout', attempts: 2 });
    expect((failure as Error).message).toBe('m: attempt timed out after 20 ms (gave up after 2 attempts)');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('keeps the retryable flag of a ModelCallError thrown by the operation', async () => {
    const policy = new RetryPolicy({ maxAttempts: 4, sleep: async () => {} });
    let calls = 0;
    const failure = await policy
      .run(
        async () => {
          calls++;
          throw new ModelCallError('no choices', { retryable: false, code: 'malformed_response', attempts: 0 });
        },
        classifyFailure,
        'm',
      )
      .catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(failure).toMatchObject({ code: 'malformed_response', attempts: 1, retryable: false });
  });
});

describe('classifyFailure', () => {
  it('retries throttling, unavailability, 5xx, network errors and timeouts', () => {
    for (const error of [
      awsError('ThrottlingException', 429),
      awsError('ServiceUnavailableException', 503),
      awsError('InternalServerException', 500),
      awsError('ModelNotReadyException', 429),
      awsError('ModelTimeoutException', 408),
      Object.assign(new Error('Too Many Requests'), { status: 429 }),
      Object.assign(new Error('Bad Gateway'), { statusCode: 502 }),
      Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) }),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }),
      new AttemptTimeoutError(10),
    ]) {
      expect(classifyFailure(error).retryable, String(error)).toBe(true);
    }
  });

  it('does not retry 4xx validation, auth and not-found errors, nor what it does not recognise', () => {
    for (const error of [
      awsError('ValidationException', 400),
      awsError('AccessDeniedException', 403),
      awsError('ResourceNotFoundException', 404),
      awsError('ModelErrorException', 424),
      awsError('ServiceQuotaExceededException', 400),
      Object.assign(new Error('Bad Request'), { status: 400 }),
      Object.assign(new Error('Unauthorized'), { status: 401 }),
      Object.assign(new Error('Not Implemented'), { status: 501 }),
      new Error('something odd'),
      'a string',
    ]) {
      expect(classifyFailure(error).retryable, String(error)).toBe(false);
    }
  });

  it('reports the status and the code it saw', () => {
    expect(classifyFailure(awsError('ThrottlingException', 429))).toEqual({
      retryable: true,
      message: 'ThrottlingException from the service',
      status: 429,
      code: 'ThrottlingException',
    });
    expect(classifyFailure(Object.assign(new Error('read failed'), { code: 'EPIPE' }))).toEqual({ retryable: true, message: 'EPIPE: read failed', code: 'EPIPE' });
  });

  it('knows which statuses are transient', () => {
    expect([408, 425, 429, 500, 502, 503, 504, 529].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 409, 413, 422, 501].some(isRetryableStatus)).toBe(false);
  });

  it('finds a network code anywhere in a short cause chain', () => {
    const deep = new Error('a', { cause: new Error('b', { cause: Object.assign(new Error('c'), { code: 'UND_ERR_SOCKET' }) }) });
    expect(networkCode(deep)).toBe('UND_ERR_SOCKET');
    expect(networkCode(new Error('plain'))).toBeUndefined();
  });
});
