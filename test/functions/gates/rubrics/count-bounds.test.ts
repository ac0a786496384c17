import { describe, expect, it } from 'vitest';
import { countBoundsParams, outsideBounds } from '../../../../functions/gates/rubrics/count-bounds';

describe('count bounds', () => {
  it('are inclusive at both ends', () => {
    expect(outsideBounds(3, { min: 3, max: 5 }, 'words')).toBeUndefined();
    expect(outsideBounds(5, { min: 3, max: 5 }, 'words')).toBeUndefined();
    expect(outsideBounds(2, { min: 3, max: 5 }, 'words')).toBe('2 words, fewer than 3');
    expect(outsideBounds(6, { min: 3, max: 5 }, 'words')).toBe('6 words, more than 5');
    expect(outsideBounds(1000, { min: 3 }, 'words')).toBeUndefined();
  });

  it('need at least one bound, whole non-negative numbers, and min ≤ max', () => {
    expect(countBoundsParams.safeParse({ min: 2, max: 2 }).success).toBe(true);
    expect(countBoundsParams.safeParse({}).success).toBe(false);
    expect(countBoundsParams.safeParse({ min: -1 }).success).toBe(false);
    expect(countBoundsParams.safeParse({ max: 2.5 }).success).toBe(false);
    expect(countBoundsParams.safeParse({ min: 3, max: 2 }).success).toBe(false);
    expect(countBoundsParams.safeParse({ min: 1, extra: 1 }).success).toBe(false);
  });
});
