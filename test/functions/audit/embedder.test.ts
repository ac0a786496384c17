import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  EmbeddingCallError,
  embeddingVector,
  formatEmbeddingModelRef,
  parseEmbeddingModelRef,
  resolveRetryPolicy,
  truncateChars,
  withRetries,
} from '../../../functions/audit/embedder';

describe('parseEmbeddingModelRef', () => {
  it('splits at the first colon only, so Bedrock ids keep their own', () => {
    expect(parseEmbeddingModelRef('bedrock:amazon.titan-embed-text-v2:0')).toEqual({ provider: 'bedrock', model: 'amazon.titan-embed-text-v2:0' });
    expect(parseEmbeddingModelRef('openai:text-embedding-3-small')).toEqual({ provider: 'openai', model: 'text-embedding-3-small' });
    expect(parseEmbeddingModelRef('bedrock:arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.cohere.embed-v4:0').model).toBe(
      'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.cohere.embed-v4:0',
    );
    expect(formatEmbeddingModelRef(parseEmbeddingModelRef(' OpenAI:nomic-embed-text '))).toBe('openai:nomic-embed-text');
  });

  it.each(['text-embedding-3-small', 'openai:', 'bedrock: ', 'local:hash', 'anthropic:claude', 'openai:two words', ''])('refuses %j', (ref) => {
    expect(() => parseEmbeddingModelRef(ref)).toThrow(RangeError);
  });
});

describe('embeddingVector', () => {
  it('accepts arrays of finite numbers and refuses anything else', () => {
    expect(embeddingVector([0.5, -1, 2], 'v')).toEqual(Float32Array.of(0.5, -1, 2));
    expect(() => embeddingVector([], 'v')).toThrow(/empty vector/);
    expect(() => embeddingVector([1, '2'], 'v')).toThrow(/element 1 is string/);
    expect(() => embeddingVector([1, null], 'v')).toThrow(/element 1 is null/);
    expect(() => embeddingVector({ 0: 1 }, 'resp')).toThrow(/^resp: expected an array of numbers, got object/);
  });
});

describe('truncateChars', () => {
  it('cuts without splitting a surrogate pair', () => {
    expect(truncateChars('abc', 5)).toBe('abc');
    expect(truncateChars('abcdef', 3)).toBe('abc');
    expect(truncateChars('ab😀cd', 3)).toBe('ab');
    expect(truncateChars('ab😀cd', 4)).toBe('ab😀');
  });
});

describe('withRetries', () => {
  const policy = { attempts: 4, baseDelayMs: 1, maxDelayMs: 8 };
  const transient = () => ({ retry: true as const });

  it('backs off with full jitter, doubling up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(n, { attempts: 9, baseDelayMs: 100, maxDelayMs: 1000 }, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelayMs(3, DEFAULT_RETRY_POLICY, () => 0)).toBe(0);
  });

  it('retries transient failures until one succeeds', async () => {
    const seen: number[] = [];
    const result = await withRetries(
      async (attempt) => {
        seen.push(attempt);
        if (attempt < 3) throw new Error('503');
        return 'ok';
      },
      { policy, classify: transient, what: 'model' },
    );
    expect(result).toBe('ok');
    expect(seen).toEqual([1, 2, 3]);
  });

  it('gives up after the last attempt with the last error as cause', async () => {
    let calls = 0;
    const error = await withRetries(
      async () => {
        calls++;
        throw new Error(`503 #${calls}`);
      },
      { policy, classify: transient, what: 'openai:m' },
    ).catch((e: unknown) => e);
    expect(calls).toBe(4);
    expect(error).toBeInstanceOf(EmbeddingCallError);
    expect(error).toMatchObject({ message: 'openai:m: 503 #4 (gave up after 4 attempts)', attempts: 4, retryable: true, cause: { message: '503 #4' } });
  });

  it('does not retry what the classifier calls permanent', async () => {
    let calls = 0;
    const error = await withRetries(
      async () => {
        calls++;
        throw new Error('401 bad key');
      },
      { policy, classify: () => ({ retry: false }), what: 'm' },
    ).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(error).toMatchObject({ message: 'm: 401 bad key (not retryable)', attempts: 1, retryable: false });
  });

  it('waits as asked by the server, but no longer than maxDelayMs', async () => {
    let calls = 0;
    const started = performance.now();
    await withRetries(
      async () => {
        if (calls++ === 0) throw new Error('429');
        return 1;
      },
      { policy: { attempts: 2, baseDelayMs: 0, maxDelayMs: 60 }, classify: () => ({ retry: true, afterMs: 60_000 }), what: 'm' },
    );
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(55);
    expect(waited).toBeLessThan(1000);
  });

  it('stops waiting when aborted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('deadline')), 20);
    const started = performance.now();
    await expect(
      withRetries(
        async () => {
          throw new Error('503');
        },
        { policy: { attempts: 5, baseDelayMs: 10_000, maxDelayMs: 10_000 }, classify: transient, what: 'm', signal: controller.signal, random: () => 1 },
      ),
    ).rejects.toThrow('deadline');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('validates the policy', () => {
    expect(resolveRetryPolicy(undefined)).toEqual(DEFAULT_RETRY_POLICY);
    expect(resolveRetryPolicy({ attempts: 2 })).toEqual({ ...DEFAULT_RETRY_POLICY, attempts: 2 });
    expect(() => resolveRetryPolicy({ attempts: 0 })).toThrow(RangeError);
    expect(() => resolveRetryPolicy({ baseDelayMs: 100, maxDelayMs: 10 })).toThrow(RangeError);
  });
});
