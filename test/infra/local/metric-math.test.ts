import { describe, expect, it } from 'vitest';
import { evaluateMetricMath, MetricMathError, parseMetricMath, planMetricQueries, runMetricQueries, type MetricQuerySpec } from '../../../infra/local/metric-math';
import { MetricStore } from '../../../infra/local/metric-store';

/** Buckets 0..5 (bucket k starts at k); a series is written as an array with `undefined` for a gap. */
const BUCKETS = [0, 1, 2, 3, 4, 5];
const series = (values: readonly (number | undefined)[]) => new Map(values.flatMap((v, i) => (v === undefined ? [] : [[i, v] as [number, number]])));
const asArray = (result: Map<number, number>) => BUCKETS.map((t) => result.get(t));

function evaluate(expression: string, inputs: Record<string, readonly (number | undefined)[]>): (number | undefined)[] {
  const context = { buckets: BUCKETS, series: (id: string) => (inputs[id] === undefined ? undefined : series(inputs[id])), periodSeconds: (id: string) => (inputs[id] === undefined ? undefined : 300) };
  return asArray(evaluateMetricMath(expression, context));
}

const _ = undefined;

describe('metric math over series with gaps', () => {
  it('current - candidate: values only where both series have one', () => {
    expect(evaluate('current - candidate', { current: [80, 82, _, 85, 90, _], candidate: [78, _, 70, 86, 80, _] })).toEqual([2, _, _, -1, 10, _]);
  });

  it('the shadow win rate: a window with losses only is 0, one with ties only (no decided pair) is 1, a gap is filled', () => {
    const expression = 'IF(FILL(wins, 0) + FILL(losses, 0) > 0, FILL(wins, 0) / (FILL(wins, 0) + FILL(losses, 0)), 1)';
    expect(evaluate(expression, { wins: [3, 0, _, 2, _, 0], losses: [1, 4, _, _, 2, 0] })).toEqual([0.75, 0, 1, 1, 0, 1]);
  });

  it('FILL(errors, 0) / invocations: no invocations is no datapoint, never a division by zero', () => {
    expect(evaluate('FILL(errors, 0) / invocations', { errors: [1, _, _, 2, _, 0], invocations: [10, 20, _, 4, 0, _] })).toEqual([0.1, 0, _, 0.5, _, _]);
  });

  it('broadcasts a number over a series and keeps arithmetic precedence', () => {
    expect(evaluate('2 * m + 1', { m: [1, _, 3, _, _, _] })).toEqual([3, _, 7, _, _, _]);
    expect(evaluate('(m + 1) * 2', { m: [1, _, 3, _, _, _] })).toEqual([4, _, 8, _, _, _]);
    expect(evaluate('-m ^ 2', { m: [3, _, _, _, _, _] })).toEqual([-9, _, _, _, _, _]);
    expect(evaluate('2 ^ -m', { m: [1, _, _, _, _, _] })).toEqual([0.5, _, _, _, _, _]);
    expect(evaluate('m / 0', { m: [1, 2, _, _, _, _] })).toEqual([_, _, _, _, _, _]);
  });

  it('compares to 1 or 0 and combines with AND, OR and NOT', () => {
    const m = [1, 2, 3, _, 5, 6];
    expect(evaluate('m >= 3', { m })).toEqual([0, 0, 1, _, 1, 1]);
    expect(evaluate('m > 1 AND m < 5', { m })).toEqual([0, 1, 1, _, 0, 0]);
    expect(evaluate('m == 1 || m != 6 && m > 4', { m })).toEqual([1, 0, 0, _, 1, 0]);
    expect(evaluate('NOT (m <= 2)', { m })).toEqual([0, 0, 1, _, 1, 1]);
  });

  it('IF per bucket of its condition; without a third argument a false bucket has no value', () => {
    const m = [1, 5, _, 7, 0, _];
    expect(evaluate('IF(m > 4, m, 0)', { m })).toEqual([0, 5, _, 7, 0, _]);
    expect(evaluate('IF(m > 4, m)', { m })).toEqual([_, 5, _, 7, _, _]);
    expect(evaluate('IF(1, m, 0)', { m })).toEqual([1, 5, _, 7, 0, _]);
  });

  it('FILL with a value or REPEAT, ABS, and MIN/MAX/SUM/AVG of a series as a number', () => {
    const m = [_, -2, _, 4, _, _];
    expect(evaluate('FILL(m, -1)', { m })).toEqual([-1, -2, -1, 4, -1, -1]);
    expect(evaluate('FILL(m, REPEAT)', { m })).toEqual([_, -2, -2, 4, 4, 4]);
    expect(evaluate('ABS(m)', { m })).toEqual([_, 2, _, 4, _, _]);
    expect(evaluate('m - MIN(m)', { m })).toEqual([_, 0, _, 6, _, _]);
    expect(evaluate('m / MAX(m) + SUM(m) * 0 + AVG(m) * 0', { m })).toEqual([_, -0.5, _, 1, _, _]);
    expect(evaluate('m / PERIOD(m)', { m })).toEqual([_, -2 / 300, _, 4 / 300, _, _]);
  });

  it('lists the ids it reads', () => {
    expect(parseMetricMath('IF(FILL(wins, 0) + FILL(losses, 0) > 0, FILL(wins, 0) / (FILL(wins, 0) + FILL(losses, 0)), 1)').references).toEqual(['wins', 'losses']);
  });

  it('says where an expression cannot be read', () => {
    const cases: [string, number, RegExp][] = [
      ['current - ', 10, /unexpected end of expression at position 10/],
      ['current - )', 10, /unexpected '\)' at position 10/],
      ['(a + b', 6, /expected '\)' but found end of expression at position 6/],
      ['a $ b', 2, /unexpected character '\$' at position 2/],
      ['SEARCH(a)', 0, /unsupported function SEARCH/],
      ['FILL(a)', 0, /FILL takes 2 arguments, got 1/],
      ['a b', 2, /unexpected 'b' at position 2/],
      ['a + REPEAT', 4, /REPEAT is only allowed as the second argument of FILL/],
      ['FILL(a, LINEAR)', 8, /LINEAR\) is not supported/],
      ['METRICS()', 0, /unsupported function METRICS/],
      ['[a, b]', 0, /arrays of series are not supported/],
    ];
    for (const [expression, position, message] of cases) {
      let caught: unknown;
      try {
        parseMetricMath(expression);
      } catch (error) {
        caught = error;
      }
      expect(caught, expression).toBeInstanceOf(MetricMathError);
      expect((caught as MetricMathError).position, expression).toBe(position);
      expect((caught as Error).message, expression).toMatch(message);
    }
  });

  it('refuses an unknown id, a number where a series is needed, and a result that is a single number', () => {
    expect(() => evaluate('a + nope', { a: [1] })).toThrow(/unknown metric id "nope" at position 4/);
    expect(() => evaluate('FILL(2, 0)', {})).toThrow(/first argument of FILL must be a time series/);
    expect(() => evaluate('1 + 2', {})).toThrow(/gives a single number/);
  });
});

describe('planMetricQueries and runMetricQueries', () => {
  const T0 = Date.parse('2026-11-26T22:00:00Z');
  const stat = (metricName: string, stat = 'Sum', periodSeconds = 60) => ({ namespace: 'AWS/Lambda', metricName, dimensions: { FunctionName: 'router' }, periodSeconds, stat });

  it('runs metric statistics and the expressions over them, in dependency order', () => {
    const store = new MetricStore();
    store.put({ ...stat('Errors'), timestamp: T0 + 10_000, values: [1] });
    store.put({ ...stat('Invocations'), timestamp: T0 + 10_000, values: [1, 1, 1, 1] });
    store.put({ ...stat('Invocations'), timestamp: T0 + 70_000, values: [1, 1] });
    const queries: MetricQuerySpec[] = [
      { id: 'errorRate', expression: 'FILL(errors, 0) / invocations', returnData: true },
      { id: 'errors', metricStat: stat('Errors'), returnData: false },
      { id: 'invocations', metricStat: stat('Invocations'), returnData: false },
    ];
    const plan = planMetricQueries(queries);
    expect(plan.queries.map((q) => q.id)).toEqual(['errors', 'invocations', 'errorRate']);
    expect(plan.periods.get('errorRate')).toBe(60);
    const results = runMetricQueries(plan, store, { start: T0, end: T0 + 180_000 });
    expect([...results.get('errorRate')!.values]).toEqual([
      [T0, 0.25],
      [T0 + 60_000, 0],
    ]);
    expect(results.get('errors')!.label).toBe('Errors');
  });

  it('scales periods to wall time', () => {
    const store = new MetricStore();
    store.put({ ...stat('Errors'), timestamp: T0 + 1500, values: [2] });
    // A 60 s period at timeScale 60 lasts one wall second.
    const results = runMetricQueries(planMetricQueries([{ id: 'e', metricStat: stat('Errors'), returnData: true }]), store, { start: T0, end: T0 + 3000, timeScale: 60 });
    expect([...results.get('e')!.values]).toEqual([[T0 + 1000, 2]]);
  });

  it('refuses what GetMetricData refuses', () => {
    const bad: [MetricQuerySpec[], RegExp][] = [
      [[{ id: 'Upper', metricStat: stat('Errors'), returnData: true }], /must start with a lowercase letter/],
      [[{ id: 'a', metricStat: stat('Errors'), returnData: true }, { id: 'a', metricStat: stat('Errors'), returnData: true }], /used twice/],
      [[{ id: 'a', returnData: true }], /exactly one of MetricStat and Expression/],
      [[{ id: 'a', expression: 'b * 2', returnData: true }], /reads "b", which is not a query/],
      [[{ id: 'a', expression: 'b', returnData: true }, { id: 'b', expression: 'a', returnData: true }], /depends on itself/],
      [[{ id: 'a', metricStat: stat('Errors', 'Median'), returnData: true }], /unsupported statistic "Median"/],
      [[{ id: 'a', metricStat: stat('Errors', 'Sum', 45), returnData: true }], /multiple of 60/],
      [[{ id: 'a', metricStat: stat('Errors', 'Sum', 60), returnData: false }, { id: 'b', metricStat: stat('Errors', 'Sum', 300), returnData: false }, { id: 'c', expression: 'a + b', returnData: true }], /combines metrics of periods 60, 300/],
    ];
    for (const [queries, message] of bad) expect(() => planMetricQueries(queries), message.source).toThrow(message);
  });
});
