import { describe, expect, it } from 'vitest';
import { heldoutScore } from '../../../functions/gates/heldout-score';
import type { RubricOutcome } from '../../../functions/gates/rubrics/rubric';

const scores = (...values: number[]): RubricOutcome[] => values.map((score) => ({ score }));

describe('heldoutScore', () => {
  it('is the mean score in points, with a bootstrap interval around it', () => {
    const outcomes = [...scores(...Array<number>(70).fill(1)), ...scores(...Array<number>(30).fill(0))];
    const r = heldoutScore(outcomes, { seed: 3 });
    expect(r).toMatchObject({ n: 100, scored: 100, errors: 0, errorRate: 0, points: 70, topErrors: [] });
    expect(r.interval!.lower).toBeLessThan(70);
    expect(r.interval!.upper).toBeGreaterThan(70);
    expect(r.interval!.upper - r.interval!.lower).toBeGreaterThan(12);
    expect(r.interval!.upper - r.interval!.lower).toBeLessThan(24);
  });

  it('counts errors apart and never as zeros', () => {
    const outcomes: RubricOutcome[] = [...scores(1, 1, 1), { error: 'judge call failed: timeout' }, { error: 'judge call failed: timeout' }, { error: 'malformed judge answer' }];
    const r = heldoutScore(outcomes);
    expect(r).toMatchObject({ n: 6, scored: 3, errors: 3, errorRate: 0.5, points: 100 });
    expect(r.topErrors).toEqual([
      { error: 'judge call failed: timeout', count: 2 },
      { error: 'malformed judge answer', count: 1 },
    ]);
  });

  it('treats a score outside [0, 1] as an error', () => {
    const r = heldoutScore([{ score: 1 }, { score: 2 }, { score: Number.NaN }]);
    expect(r).toMatchObject({ n: 3, scored: 1, errors: 2, points: 100 });
  });

  it('has no score when nothing was scored', () => {
    const none = heldoutScore([{ error: 'x' }]);
    expect(none).toMatchObject({ n: 1, scored: 0, errors: 1, errorRate: 1 });
    expect(none.points).toBeUndefined();
    expect(none.interval).toBeUndefined();
    expect(heldoutScore([])).toMatchObject({ n: 0, scored: 0, errors: 0, errorRate: 0 });
  });

  it('keeps the five most frequent errors', () => {
    const outcomes: RubricOutcome[] = ['a', 'b', 'b', 'c', 'd', 'e', 'f', 'f', 'f'].map((error) => ({ error }));
    expect(heldoutScore(outcomes).topErrors.map((e) => e.error)).toEqual(['f', 'b', 'a', 'c', 'd']);
  });

  it('reads points without float residue', () => {
    expect(heldoutScore(scores(0.07, 0.07)).points).toBe(7);
  });
});
