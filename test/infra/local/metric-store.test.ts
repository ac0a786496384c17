import { describe, expect, it } from 'vitest';
import { MetricStore, parseStatistic, type MetricDatapoint } from '../../../infra/local/metric-store';

const T0 = Date.parse('2026-11-26T22:00:00Z');
const MINUTE = 60_000;
const metric = { namespace: 'finegate/canary', metricName: 'Rubric_helpfulness', dimensions: { Cohort: 'candidate' } };
const point = (minutes: number, values: number[], extra: Partial<MetricDatapoint> = {}): MetricDatapoint => ({ ...metric, timestamp: T0 + minutes * MINUTE, values, ...extra });

function storeWith(...points: MetricDatapoint[]): MetricStore {
  const store = new MetricStore();
  for (const p of points) store.put(p);
  return store;
}

describe('MetricStore', () => {
  it('buckets by period from the query start and leaves a bucket without datapoints out (not 0)', () => {
    const store = storeWith(point(0.5, [80]), point(1.2, [70, 90]), point(3.9, [60]));
    const stats = (stat: string) => Object.fromEntries([...store.statistics(metric, stat, T0, T0 + 4 * MINUTE, MINUTE)].map(([t, v]) => [(t - T0) / MINUTE, v]));
    expect(stats('Sum')).toEqual({ 0: 80, 1: 160, 3: 60 });
    expect(stats('Average')).toEqual({ 0: 80, 1: 80, 3: 60 });
    expect(stats('Minimum')).toEqual({ 0: 80, 1: 70, 3: 60 });
    expect(stats('Maximum')).toEqual({ 0: 80, 1: 90, 3: 60 });
    expect(stats('SampleCount')).toEqual({ 0: 1, 1: 2, 3: 1 });
  });

  it('aligns buckets to the start it is given, not to the clock', () => {
    const store = storeWith(point(0.5, [1]), point(1.2, [2]));
    // Start 30 s into the hour: bucket 0 is [0:30, 1:30), holding both datapoints.
    const start = T0 + 30_000;
    expect([...store.statistics(metric, 'Sum', start, start + 2 * MINUTE, MINUTE)]).toEqual([[start, 3]]);
  });

  it('keeps the start inclusive and the end exclusive', () => {
    const store = storeWith(point(0, [1]), point(2, [5]));
    expect([...store.statistics(metric, 'Sum', T0, T0 + 2 * MINUTE, MINUTE)]).toEqual([[T0, 1]]);
  });

  it('sees a metric only under its exact dimension set', () => {
    const store = storeWith(point(0, [1], { dimensions: { Cohort: 'candidate', RunId: 'run-1' } }), point(0, [10]));
    expect(store.statistics(metric, 'Sum', T0, T0 + MINUTE, MINUTE).get(T0)).toBe(10);
    expect(store.statistics({ ...metric, dimensions: { RunId: 'run-1', Cohort: 'candidate' } }, 'Sum', T0, T0 + MINUTE, MINUTE).get(T0)).toBe(1);
    expect(store.statistics({ ...metric, dimensions: {} }, 'Sum', T0, T0 + MINUTE, MINUTE).size).toBe(0);
    expect(store.list().length).toBe(2);
  });

  it('weighs each value by its count (PutMetricData Values and Counts)', () => {
    const store = storeWith(point(0, [1, 3], { counts: [3, 1] }));
    const at = (stat: string) => store.statistics(metric, stat, T0, T0 + MINUTE, MINUTE).get(T0);
    expect([at('Sum'), at('SampleCount'), at('Average'), at('p50'), at('p80')]).toEqual([6, 4, 1.5, 1, 3]);
  });

  it('computes nearest-rank percentiles, decimals included', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    const store = storeWith(point(0, values.slice(0, 50)), point(0.5, values.slice(50)));
    const at = (stat: string) => store.statistics(metric, stat, T0, T0 + MINUTE, MINUTE).get(T0);
    expect([at('p50'), at('p90'), at('p99'), at('p99.5'), at('p100'), at('p0')]).toEqual([50, 90, 99, 100, 100, 1]);
    const small = storeWith(point(0, [10, 20, 30, 40]));
    expect(small.statistics(metric, 'p50', T0, T0 + MINUTE, MINUTE).get(T0)).toBe(20);
    expect(small.statistics(metric, 'p51', T0, T0 + MINUTE, MINUTE).get(T0)).toBe(30);
  });

  it('keeps datapoints that arrive out of order in time order', () => {
    const store = storeWith(point(2.5, [3]), point(0.5, [1]), point(1.5, [2]), point(0.5, [4]));
    const sums = store.statistics(metric, 'Sum', T0, T0 + 3 * MINUTE, MINUTE);
    expect([...sums.values()]).toEqual([5, 2, 3]);
  });

  it('filters by unit when the query names one (a datapoint without a unit is None)', () => {
    const store = storeWith(point(0, [100], { unit: 'Milliseconds' }), point(0, [7]));
    expect(store.statistics(metric, 'Sum', T0, T0 + MINUTE, MINUTE, 'Milliseconds').get(T0)).toBe(100);
    expect(store.statistics(metric, 'Sum', T0, T0 + MINUTE, MINUTE, 'None').get(T0)).toBe(7);
    expect(store.statistics(metric, 'Sum', T0, T0 + MINUTE, MINUTE, 'Seconds').size).toBe(0);
    expect(store.statistics(metric, 'Sum', T0, T0 + MINUTE, MINUTE).get(T0)).toBe(107);
  });

  it('refuses what CloudWatch refuses', () => {
    const store = new MetricStore();
    expect(() => store.put(point(0, []))).toThrow(/no value/);
    expect(() => store.put(point(0, [Number.NaN]))).toThrow(/finite/);
    expect(() => store.put(point(0, [1, 2], { counts: [1] }))).toThrow(/1 counts for 2 values/);
    expect(() => store.put(point(0, [1], { unit: 'Furlongs' }))).toThrow(/unknown unit/);
    expect(() => store.put(point(0, [1], { dimensions: { Cohort: '' } }))).toThrow(/non-empty/);
    expect(store.list()).toEqual([]);
  });

  it('parses statistics as CloudWatch names them', () => {
    expect(parseStatistic('p99.9')).toEqual({ kind: 'percentile', name: 'p99.9', percent: 99.9 });
    expect(parseStatistic('SampleCount')).toEqual({ kind: 'basic', name: 'SampleCount' });
    for (const bad of ['sum', 'p101', 'p99.999', 'tm99', 'P99']) expect(() => parseStatistic(bad), bad).toThrow(RangeError);
  });
});
