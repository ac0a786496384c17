import { describe, expect, it } from 'vitest';
import { wilsonInterval } from '../../../functions/audit/wilson-interval';

describe('wilsonInterval', () => {
  it('gives [0.0695, 0.2619] for 7 of 50', () => {
    const r = wilsonInterval(7, 50);
    expect(r.estimate).toBeCloseTo(0.14, 12);
    expect(r.lower).toBeCloseTo(0.0695, 4);
    expect(r.upper).toBeCloseTo(0.2619, 4);
  });

  it('gives [0, 0.161] for 0 of 20 and mirrors it for 20 of 20', () => {
    const none = wilsonInterval(0, 20);
    expect(none.lower).toBe(0);
    expect(none.upper).toBeCloseTo(0.161, 3);
    const all = wilsonInterval(20, 20);
    expect(all.upper).toBe(1);
    expect(all.lower).toBeCloseTo(1 - 0.161, 3);
  });

  it('is about ±5 points at p = 0.5 with 385 trials', () => {
    const r = wilsonInterval(192, 385);
    expect(r.upper - r.estimate).toBeCloseTo(0.05, 2);
    expect(r.estimate - r.lower).toBeCloseTo(0.05, 2);
  });

  it('narrows with a smaller z', () => {
    const wide = wilsonInterval(30, 100);
    const narrow = wilsonInterval(30, 100, 1);
    expect(narrow.lower).toBeGreaterThan(wide.lower);
    expect(narrow.upper).toBeLessThan(wide.upper);
  });

  it('covers everything with no trials', () => {
    expect(wilsonInterval(0, 0)).toEqual({ estimate: 0, lower: 0, upper: 1 });
  });

  it('rejects impossible counts', () => {
    expect(() => wilsonInterval(5, 4)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 4)).toThrow(RangeError);
    expect(() => wilsonInterval(1.5, 4)).toThrow(RangeError);
    expect(() => wilsonInterval(1, 4, 0)).toThrow(RangeError);
  });
});
