import { describe, expect, it } from 'vitest';
import { formatPoints, roundPoints, toPoints } from '../../../functions/gates/points';

describe('points', () => {
  it('turn a mean score into points, without float residue', () => {
    expect(toPoints(0.7)).toBe(70);
    expect(toPoints(0.07)).toBe(7);
    expect(0.07 * 100).not.toBe(7);
    expect(roundPoints(70.1 - 70)).toBe(0.1);
    expect(Object.is(roundPoints(-0), 0)).toBe(true);
  });

  it('format with two decimals and no negative zero', () => {
    expect(formatPoints(1)).toBe('1.00');
    expect(formatPoints(-0)).toBe('0.00');
    expect(formatPoints(-2.345)).toBe('-2.35');
  });
});
