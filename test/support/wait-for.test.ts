import { describe, expect, it } from 'vitest';
import { waitFor } from './wait-for';

describe('waitFor', () => {
  it('resolves with the first value that is not undefined, null or false', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls < 3 ? undefined : { calls }), { intervalMs: 1 });
    expect(value).toEqual({ calls: 3 });
  });

  it('retries while the callback throws, as a failing expectation does', async () => {
    let calls = 0;
    await waitFor(
      () => {
        calls++;
        expect(calls).toBeGreaterThan(2);
        return true;
      },
      { intervalMs: 1 },
    );
    expect(calls).toBe(3);
  });

  it('accepts 0 and empty strings as values', async () => {
    expect(await waitFor(() => 0)).toBe(0);
    expect(await waitFor(() => '')).toBe('');
  });

  it('times out with the last error and the description', async () => {
    await expect(
      waitFor(
        () => {
          throw new Error('not there yet');
        },
        { timeoutMs: 30, intervalMs: 5, description: 'the object' },
      ),
    ).rejects.toThrow(/waitFor: the object not met within 30 ms: not there yet/);
    await expect(waitFor(() => false, { timeoutMs: 20, intervalMs: 5 })).rejects.toThrow(/still not met/);
  });
});
