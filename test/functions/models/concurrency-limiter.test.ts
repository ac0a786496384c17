import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from '../../../functions/models/concurrency-limiter';

/** A promise settled from outside. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ConcurrencyLimiter', () => {
  it('never runs more than its limit at once, and runs every task', async () => {
    const limiter = new ConcurrencyLimiter(3);
    let inFlight = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        limiter.run(async () => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          await new Promise((resolve) => setTimeout(resolve, 1 + (i % 4)));
          inFlight--;
          return i * 2;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(results).toEqual(Array.from({ length: 25 }, (_, i) => i * 2));
    expect(limiter.active).toBe(0);
    expect(limiter.pending).toBe(0);
  });

  it('starts waiting tasks in arrival order, and a newcomer does not overtake the queue', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const started: string[] = [];
    const first = deferred();
    const a = limiter.run(async () => {
      started.push('a');
      await first.promise;
    });
    const b = limiter.run(async () => void started.push('b'));
    const c = limiter.run(async () => void started.push('c'));
    await tick();
    expect(started).toEqual(['a']);
    expect([limiter.active, limiter.pending]).toEqual([1, 2]);
    first.resolve();
    const d = limiter.run(async () => void started.push('d'));
    await Promise.all([a, b, c, d]);
    expect(started).toEqual(['a', 'b', 'c', 'd']);
  });

  it('releases the slot when a task fails', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await expect(limiter.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(async () => 'after')).resolves.toBe('after');
    expect(limiter.active).toBe(0);
  });

  it('rejects a limit that is not a positive integer', () => {
    expect(() => new ConcurrencyLimiter(0)).toThrow(RangeError);
    expect(() => new ConcurrencyLimiter(2.5)).toThrow(RangeError);
  });
});
