import { describe, expect, it } from 'vitest';
import { rollingMeans, rubricBreaches, rubricDropAlarm, rubricDropSeries, type ScoreSeries } from '../../../functions/canary/rubric-drop';

/** Periods whose every sample scored `mean` points, `count` samples each; null is a period without data. */
function flat(means: readonly (number | null)[], count = 10): ScoreSeries {
  return means.map((m) => (m === null ? undefined : { sum: m * count, count }));
}

describe('rollingMeans', () => {
  it('is ΣSum / ΣSampleCount over the last `window` periods, so a thin period weighs little', () => {
    const series: ScoreSeries = [{ sum: 160, count: 2 }, { sum: 90, count: 1 }, { sum: 700, count: 10 }];
    const means = rollingMeans(series, 2);
    expect(means[0]).toBe(80);
    expect(means[1]).toBeCloseTo(250 / 3, 12);
    expect(means[2]).toBeCloseTo(790 / 11, 12);
    expect(rollingMeans(series, 1)).toEqual([80, 90, 70]);
    expect(rollingMeans(series, 10)[2]).toBeCloseTo(950 / 13, 12);
  });

  it('is missing where the window holds no samples, not 0', () => {
    const series: ScoreSeries = [{ sum: 80, count: 1 }, undefined, undefined, { sum: 0, count: 0 }, { sum: 60, count: 1 }];
    expect(rollingMeans(series, 2)).toEqual([80, 80, undefined, undefined, 60]);
    expect(rollingMeans([], 3)).toEqual([]);
  });

  it('refuses a bad window and malformed periods', () => {
    expect(() => rollingMeans([], 0)).toThrow(RangeError);
    expect(() => rollingMeans([], 1.5)).toThrow(RangeError);
    expect(() => rollingMeans([{ sum: 10, count: -1 }], 1)).toThrow(RangeError);
    expect(() => rollingMeans([{ sum: NaN, count: 1 }], 1)).toThrow(RangeError);
    expect(() => rollingMeans([{ sum: 5, count: 0 }], 1)).toThrow(/over no samples/);
  });
});

describe('rubricDropSeries: the 2-point breach', () => {
  it('breaches at a drop of exactly 2 points and not at 1.99', () => {
    const [exact] = rubricDropSeries(flat([78]), flat([80]), { window: 1 });
    expect(exact).toEqual({ candidate: 78, current: 80, drop: 2, breach: true });
    expect(rubricBreaches(flat([78.01]), flat([80]), { window: 1 })).toEqual([false]);
    expect(rubricBreaches(flat([77.99]), flat([80]), { window: 1 })).toEqual([true]);
  });

  it('holds the boundary against float error in the sums', () => {
    // 65.82 − 63.82 is 1.999999999999993 in doubles: still a drop of exactly 2 points, so a breach.
    expect(65.82 - 63.82).toBeLessThan(2);
    const [p] = rubricDropSeries([{ sum: 63.82 * 4, count: 4 }], [{ sum: 65.82 * 4, count: 4 }], { window: 1 });
    expect(p!.drop).toBe(2);
    expect(p!.breach).toBe(true);
    const [below] = rubricDropSeries([{ sum: 63.82, count: 1 }], [{ sum: 65.8199999, count: 1 }], { window: 1 });
    expect(below!.breach).toBe(false);
  });

  it('never breaches when the candidate is better, and takes a configured threshold', () => {
    expect(rubricBreaches(flat([85]), flat([80]), { window: 1 })).toEqual([false]);
    expect(rubricBreaches(flat([75.01, 75]), flat([80, 80]), { window: 1, dropPoints: 5 })).toEqual([false, true]);
    // A zero threshold breaches at any drop, and at none.
    expect(rubricBreaches(flat([80, 80.5]), flat([80, 80]), { window: 1, dropPoints: 0 })).toEqual([true, false]);
    expect(() => rubricDropSeries(flat([1]), flat([1]), { window: 1, dropPoints: -1 })).toThrow(RangeError);
  });

  it('compares rolling means: a one-period dip is smoothed, a sustained drop is not', () => {
    const current = flat([80, 80, 80, 80, 80, 80]);
    // A 4.5-point dip in one period is 1.5 over a 3-period window; a 6-point one is exactly 2.
    expect(rubricBreaches(flat([80, 80, 75.5, 80, 80, 80]), current, { window: 3 })).toEqual([false, false, false, false, false, false]);
    expect(rubricBreaches(flat([80, 80, 74, 80, 80, 80]), current, { window: 3 })).toEqual([false, false, true, true, true, false]);
    expect(rubricBreaches(flat([80, 77, 77, 77, 77, 77]), current, { window: 3 })).toEqual([false, false, true, true, true, true]);
  });

  it('is a missing datapoint where either cohort has no samples in the window', () => {
    const points = rubricDropSeries(flat([70, null, null]), flat([80, 80, null]), { window: 1 });
    expect(points.map((p) => p.breach)).toEqual([true, undefined, undefined]);
    expect(points[1]).toEqual({ current: 80, breach: undefined });
    expect(points[2]).toEqual({ breach: undefined });
    expect(() => rubricDropSeries(flat([1, 2]), flat([1]), { window: 1 })).toThrow(/same periods/);
  });
});

describe('rubricDropAlarm', () => {
  const config = { window: 3, datapointsToAlarm: 3, evaluationPeriods: 5 };

  it('goes to ALARM on a sustained drop, M of N', () => {
    const current = flat(Array(10).fill(80));
    const alarm = rubricDropAlarm('helpfulness', flat([80, 80, 80, 80, 80, 76, 76, 76, 76, 76]), current, config);
    expect(alarm.state).toBe('ALARM');
    // The first window over the drop averages 78.67: 1.33 points, not yet a breach.
    expect(alarm.breaches.slice(-5)).toEqual([false, true, true, true, true]);
    expect(alarm.latest).toEqual({ candidate: 76, current: 80, drop: 4, breach: true });
    expect(alarm.samples).toEqual({ candidate: 100, current: 100 });
    expect(alarm).toMatchObject({ rubric: 'helpfulness', breaching: 4, present: 5 });
  });

  it('stays OK on fewer than M breaching datapoints', () => {
    // The dip reaches 2 points in only two rolling windows.
    const alarm = rubricDropAlarm('tone', flat([80, 80, 80, 80, 80, 80, 80, 80, 77, 77]), flat(Array(10).fill(80)), config);
    expect(alarm.breaches.slice(-5)).toEqual([false, false, false, false, true]);
    expect(alarm.state).toBe('OK');
  });

  it('treats missing periods as not breaching by default, and as configured otherwise', () => {
    const candidate = flat([70, 70, null, null, null, null, null, null]);
    const current = flat(Array(8).fill(80));
    const w1 = { ...config, window: 1 };
    expect(rubricDropAlarm('r', candidate, current, w1)).toMatchObject({ state: 'OK', present: 0 });
    expect(rubricDropAlarm('r', candidate, current, { ...w1, treatMissingData: 'breaching' }).state).toBe('ALARM');
    expect(rubricDropAlarm('r', candidate, current, { ...w1, treatMissingData: 'missing' }).state).toBe('INSUFFICIENT_DATA');
    expect(rubricDropAlarm('r', candidate, current, { ...w1, treatMissingData: 'ignore', previous: 'ALARM' }).state).toBe('ALARM');
  });

  it('has no latest point and no samples before the first period', () => {
    const alarm = rubricDropAlarm('r', [], [], config);
    expect(alarm).toEqual({ rubric: 'r', state: 'OK', breaching: 0, present: 0, samples: { candidate: 0, current: 0 }, breaches: [] });
  });
});
