import { describe, expect, it } from 'vitest';
import { alarmStateChangeSchema, canaryAlarmPattern } from '../../../events/cloudwatch-alarm-state-change';
import {
  AlarmEvaluator,
  alarmStateChangeEvent,
  fromPutMetricAlarmInput,
  fromTemplateProperties,
  InvalidAlarmError,
  type AlarmStateChange,
  type AlarmStateValue,
  type TreatMissingData,
} from '../../../infra/local/alarm-evaluator';
import { matchesEventPattern } from '../../../infra/local/event-pattern';
import { MetricStore } from '../../../infra/local/metric-store';
import { putMetricAlarmParameters } from '../../../state-machines/canary-rollout';

const T0 = Date.parse('2026-11-26T22:00:00Z');
const MINUTE = 60_000;
const at = (minutes: number) => T0 + minutes * MINUTE;

const LATENCY = { namespace: 'finegate/test', metricName: 'Latency', dimensions: { Stage: 'canary' } };

function latencyAlarm(overrides: Record<string, unknown> = {}) {
  return fromTemplateProperties({
    AlarmName: 'finegate-canary-latency',
    AlarmDescription: 'Latency too high',
    Namespace: LATENCY.namespace,
    MetricName: LATENCY.metricName,
    Dimensions: [{ Name: 'Stage', Value: 'canary' }],
    Statistic: 'Maximum',
    Period: 60,
    EvaluationPeriods: 3,
    DatapointsToAlarm: 2,
    Threshold: 2,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
    ...overrides,
  });
}

function setup(options: { timeScale?: number } = {}) {
  const store = new MetricStore();
  const evaluator = new AlarmEvaluator(store, { account: '111122223333', region: 'eu-west-1', ...options });
  const changes: AlarmStateChange[] = [];
  evaluator.onStateChange((c) => changes.push(c));
  const put = (minutes: number, value: number, metric: { namespace: string; metricName: string; dimensions: Record<string, string> } = LATENCY) =>
    store.put({ ...metric, timestamp: at(minutes), values: [value] });
  return { store, evaluator, changes, put };
}

describe('AlarmEvaluator: M of N', () => {
  it('goes to ALARM on 2 of the last 3 complete periods breaching, and back to OK when they recover', () => {
    const { evaluator, changes, put } = setup();
    evaluator.define(latencyAlarm(), at(0));
    put(0.1, 1);
    put(1.5, 2.5);
    // 1 of 3 breaching (the period before 22:00 has no data, which is not breaching): OK.
    expect(evaluator.evaluate(at(2) + 100).map((c) => c.state.value)).toEqual(['OK']);
    // The period still filling is not looked at: a breach at 22:02:30 counts only once its period ends.
    put(2.5, 3.1);
    expect(evaluator.evaluate(at(2) + 40_000)).toEqual([]);
    const [alarm] = evaluator.evaluate(at(3));
    expect(alarm).toMatchObject({
      alarmName: 'finegate-canary-latency',
      alarmArn: 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:finegate-canary-latency',
      previousState: { value: 'OK' },
      state: {
        value: 'ALARM',
        reason:
          'Threshold Crossed: 2 out of the last 3 datapoints [3.1 (26/11/26 22:02:00), 2.5 (26/11/26 22:01:00)] were greater than or equal to the threshold (2.0) (minimum 2 datapoints for OK -> ALARM transition).',
        timestamp: '2026-11-26T22:03:00.000+0000',
      },
      cause: 'evaluation',
      // The first breaching datapoint's period (22:01–22:02) ended at 22:02.
      firstBreachAt: at(2),
    });
    expect(JSON.parse(alarm!.state.reasonData!)).toMatchObject({
      version: '1.0',
      statistic: 'Maximum',
      period: 60,
      threshold: 2,
      recentDatapoints: [1, 2.5, 3.1],
      evaluatedDatapoints: [
        { timestamp: '2026-11-26T22:02:00.000+0000', value: 3.1 },
        { timestamp: '2026-11-26T22:01:00.000+0000', value: 2.5 },
      ],
    });

    // Still 2 of 3 (22:01 and 22:02 breaching): no change, no event.
    put(3.5, 0.5);
    expect(evaluator.evaluate(at(4))).toEqual([]);
    put(4.5, 0.4);
    const [recovered] = evaluator.evaluate(at(5));
    expect(recovered!.state).toMatchObject({
      value: 'OK',
      reason:
        'Threshold Crossed: 2 out of the last 3 datapoints [0.4 (26/11/26 22:04:00), 0.5 (26/11/26 22:03:00)] were not greater than or equal to the threshold (2.0) (minimum 2 datapoints for ALARM -> OK transition).',
    });
    expect(recovered!.firstBreachAt).toBeUndefined();
    expect(changes.map((c) => `${c.previousState.value}->${c.state.value}`)).toEqual(['INSUFFICIENT_DATA->OK', 'OK->ALARM', 'ALARM->OK']);
    expect(evaluator.history('finegate-canary-latency')).toEqual([
      expect.objectContaining({ at: at(2) + 100, previous: 'INSUFFICIENT_DATA', value: 'OK' }),
      expect.objectContaining({ at: at(3), previous: 'OK', value: 'ALARM', firstBreachAt: at(2) }),
      expect.objectContaining({ at: at(5), previous: 'ALARM', value: 'OK' }),
    ]);
  });

  it('compares with each operator, at the threshold included or not', () => {
    const cases: [string, number, AlarmStateValue][] = [
      ['GreaterThanOrEqualToThreshold', 2, 'ALARM'],
      ['GreaterThanThreshold', 2, 'OK'],
      ['LessThanOrEqualToThreshold', 2, 'ALARM'],
      ['LessThanThreshold', 2, 'OK'],
      ['LessThanThreshold', 2.5, 'ALARM'],
    ];
    for (const [operator, threshold, expected] of cases) {
      const { evaluator, put } = setup();
      evaluator.define(latencyAlarm({ ComparisonOperator: operator, Threshold: threshold, EvaluationPeriods: 1, DatapointsToAlarm: 1 }), at(0));
      put(0.5, 2);
      expect(evaluator.evaluate(at(1))[0]!.state.value, `${operator} ${threshold}`).toBe(expected);
    }
  });

  it('words a one-period alarm as CloudWatch does', () => {
    const { evaluator, put } = setup();
    evaluator.define(latencyAlarm({ EvaluationPeriods: 1, DatapointsToAlarm: 1 }), at(0));
    put(0.5, 7);
    expect(evaluator.evaluate(at(1))[0]!.state.reason).toBe('Threshold Crossed: 1 datapoint [7.0 (26/11/26 22:00:00)] was greater than or equal to the threshold (2.0).');
  });
});

describe('AlarmEvaluator: TreatMissingData', () => {
  /** Each case starts from OK (set by SetAlarmState), evaluates 3 periods (M = 2) at 22:03 and reports the state. */
  function run(treat: TreatMissingData, data: [number, number][]) {
    const { evaluator, put } = setup();
    evaluator.define(latencyAlarm({ TreatMissingData: treat }), at(0));
    evaluator.setState('finegate-canary-latency', 'OK', 'start from OK', undefined, at(0));
    for (const [minute, value] of data) put(minute, value);
    const [change] = evaluator.evaluate(at(3));
    return { state: evaluator.describe()[0]!.StateValue, change };
  }
  const NONE: [number, number][] = [];
  const GOOD_BAD_GAP: [number, number][] = [
    [0.5, 1],
    [1.5, 3],
  ];
  const GAP_GAP_BAD: [number, number][] = [[2.5, 5]];

  it('missing: no data is INSUFFICIENT_DATA; otherwise the present datapoints decide', () => {
    const none = run('missing', NONE);
    expect(none.state).toBe('INSUFFICIENT_DATA');
    expect(none.change!.state.reason).toBe('Insufficient Data: 3 datapoints were unknown.');
    expect(run('missing', GOOD_BAD_GAP).state).toBe('OK');
    // One datapoint present, and breaching: all the present ones breach.
    expect(run('missing', GAP_GAP_BAD).state).toBe('ALARM');
  });

  it('notBreaching: a missing datapoint is good', () => {
    const none = run('notBreaching', NONE);
    expect(none.state).toBe('OK');
    expect(none.change).toBeUndefined();
    expect(run('notBreaching', GOOD_BAD_GAP).state).toBe('OK');
    const sparse = run('notBreaching', GAP_GAP_BAD);
    expect(sparse.state).toBe('OK');
    expect(sparse.change).toBeUndefined();
    // From ALARM, the reason names the missing datapoints treated as good.
    const { evaluator, put } = setup();
    evaluator.define(latencyAlarm(), at(0));
    evaluator.setState('finegate-canary-latency', 'ALARM', 'test', undefined, at(0));
    put(2.5, 1);
    expect(evaluator.evaluate(at(3))[0]!.state.reason).toBe(
      'Threshold Crossed: 1 out of the last 3 datapoints [1.0 (26/11/26 22:02:00)] was not greater than or equal to the threshold (2.0) and 2 missing datapoints were treated as [NonBreaching] (minimum 2 datapoints for ALARM -> OK transition).',
    );
  });

  it('breaching: a missing datapoint is bad, and the first breach may be a missing one', () => {
    const none = run('breaching', NONE);
    expect(none.state).toBe('ALARM');
    expect(none.change!.state.reason).toBe('Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching].');
    expect(none.change!.firstBreachAt).toBe(at(1));
    const gap = run('breaching', GOOD_BAD_GAP);
    expect(gap.state).toBe('ALARM');
    expect(gap.change!.firstBreachAt).toBe(at(2));
    expect(run('breaching', GAP_GAP_BAD).state).toBe('ALARM');
  });

  it('ignore: no data keeps the state; otherwise the present datapoints decide', () => {
    const none = run('ignore', NONE);
    expect(none.state).toBe('OK');
    expect(none.change).toBeUndefined();
    expect(run('ignore', GOOD_BAD_GAP).state).toBe('OK');
    expect(run('ignore', GAP_GAP_BAD).state).toBe('ALARM');
  });
});

describe('AlarmEvaluator: the canary alarms', () => {
  const cohort = (value: string) => ({
    MetricStat: { Metric: { Dimensions: [{ Name: 'Cohort', Value: value }], MetricName: 'Rubric_helpfulness', Namespace: 'finegate/canary' }, Period: 300, Stat: 'Average' },
    ReturnData: false,
  });
  const sum = (MetricName: string) => ({ MetricStat: { Metric: { MetricName, Namespace: 'finegate/canary' }, Period: 300, Stat: 'Sum' }, ReturnData: false });
  const mOfN = { EvaluationPeriods: 5, DatapointsToAlarm: 3, TreatMissingData: 'notBreaching' };

  it('raises the rubric drop (template Metrics, current - candidate) on 3 of 5 windows, gaps not breaching', () => {
    const { evaluator, put } = setup();
    evaluator.define(
      fromTemplateProperties({
        AlarmName: 'finegate-canary-rubric-helpfulness-drop',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 2,
        ...mOfN,
        Metrics: [{ Expression: 'current - candidate', Id: 'expr_1', Label: 'helpfulness: current minus candidate, points', ReturnData: true }, { Id: 'current', ...cohort('current') }, { Id: 'candidate', ...cohort('candidate') }],
      }),
      at(0),
    );
    const rubric = (value: string) => ({ namespace: 'finegate/canary', metricName: 'Rubric_helpfulness', dimensions: { Cohort: value } });
    // Windows of 5 minutes: drops of 3, (no candidate score), 1, 4, 2.5 points (window means).
    const windows: [number, number | undefined][] = [
      [80, 77],
      [80, undefined],
      [80, 79],
      [82, 78],
      [81, 78.5],
    ];
    windows.forEach(([current, candidate], w) => {
      put(w * 5 + 1, current, rubric('current'));
      put(w * 5 + 2, current, rubric('current'));
      if (candidate !== undefined) {
        put(w * 5 + 1, candidate - 1, rubric('candidate'));
        put(w * 5 + 3, candidate + 1, rubric('candidate'));
      }
    });
    expect(evaluator.evaluate(at(20)).map((c) => c.state.value)).toEqual(['OK']);
    const [alarm] = evaluator.evaluate(at(25));
    expect(alarm!.state.value).toBe('ALARM');
    expect(alarm!.state.reason).toMatch(/^Threshold Crossed: 3 out of the last 5 datapoints \[2\.5 \(26\/11\/26 22:20:00\), 4\.0 \(26\/11\/26 22:15:00\), 3\.0 \(26\/11\/26 22:00:00\)\]/);
    expect(alarm!.firstBreachAt).toBe(at(5));
    expect(alarm!.configuration.metrics).toEqual([
      { id: 'expr_1', expression: 'current - candidate', label: 'helpfulness: current minus candidate, points', returnData: true },
      { id: 'current', metricStat: { metric: { namespace: 'finegate/canary', name: 'Rubric_helpfulness', dimensions: { Cohort: 'current' } }, period: 300, stat: 'Average' }, returnData: false },
      { id: 'candidate', metricStat: { metric: { namespace: 'finegate/canary', name: 'Rubric_helpfulness', dimensions: { Cohort: 'candidate' } }, period: 300, stat: 'Average' }, returnData: false },
    ]);
  });

  it('raises the shadow win rate below the floor; windows without pairs and with ties only do not breach', () => {
    const { evaluator, put } = setup();
    evaluator.define(
      fromTemplateProperties({
        AlarmName: 'finegate-canary-shadow-win-rate',
        ComparisonOperator: 'LessThanThreshold',
        Threshold: 0.5,
        ...mOfN,
        Metrics: [
          { Expression: 'IF(FILL(wins, 0) + FILL(losses, 0) > 0, FILL(wins, 0) / (FILL(wins, 0) + FILL(losses, 0)), 1)', Id: 'expr_1', ReturnData: true },
          { Id: 'wins', ...sum('ShadowWin') },
          { Id: 'losses', ...sum('ShadowLoss') },
        ],
      }),
      at(0),
    );
    const shadow = (name: string) => ({ namespace: 'finegate/canary', metricName: name, dimensions: {} });
    const pair = (minute: number, win: boolean) => {
      put(minute, win ? 1 : 0, shadow('ShadowWin'));
      put(minute, win ? 0 : 1, shadow('ShadowLoss'));
    };
    // Window 0: 1 win, 2 losses (0.33); window 1: none; window 2: ties only (0 and 0); window 3: 0 of 1; window 4: 1 of 3.
    pair(1, true);
    pair(2, false);
    pair(3, false);
    put(11, 0, shadow('ShadowWin'));
    put(11, 0, shadow('ShadowLoss'));
    pair(16, false);
    pair(21, true);
    pair(22, false);
    pair(23, false);
    const [alarm] = evaluator.evaluate(at(25));
    expect(alarm!.state.value).toBe('ALARM');
    expect(alarm!.state.reason).toContain('3 out of the last 5 datapoints [0.3333333333333333 (26/11/26 22:20:00), 0.0 (26/11/26 22:15:00), 0.3333333333333333 (26/11/26 22:00:00)] were less than the threshold (0.5)');
  });

  it('evaluates the version alarms the rollout writes with PutMetricAlarm (error rate, p99 latency in ms)', () => {
    const { store, evaluator, put } = setup();
    const versionAlarm = { description: 'candidate version', threshold: 0.05, periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 2 };
    const resolved = (parameters: Record<string, unknown>) =>
      // The state machine resolves the ExecutedVersion from its input; here the candidate is version 7.
      JSON.parse(JSON.stringify(parameters).replaceAll('"Value.$":"$.published.candidateVersion"', '"Value":"7"')) as Record<string, unknown>;
    evaluator.define(fromPutMetricAlarmInput(resolved(putMetricAlarmParameters({ ...versionAlarm, alarmName: 'finegate-canary-error-rate', kind: 'errorRate' }, 'router', 'live'))), at(0));
    evaluator.define(fromPutMetricAlarmInput(resolved(putMetricAlarmParameters({ ...versionAlarm, threshold: 1000, alarmName: 'finegate-canary-p99', kind: 'p99Latency' }, 'router', 'live'))), at(0));
    const lambda = (metricName: string) => ({ namespace: 'AWS/Lambda', metricName, dimensions: { FunctionName: 'router', Resource: 'router:live', ExecutedVersion: '7' } });
    for (const minute of [0, 1, 2]) {
      put(minute + 0.1, 20, lambda('Invocations'));
      // 1 error in 20 at 22:00 (breaching at 0.05), none at 22:01 (no Errors datapoint: FILL), 2 in 20 at 22:02.
      if (minute !== 1) put(minute + 0.2, minute === 0 ? 1 : 2, lambda('Errors'));
    }
    // Durations: p99 of 100 values per minute; only minute 2 has a slow tail.
    for (const minute of [0, 1, 2]) {
      const values = Array.from({ length: 100 }, (_, i) => (minute === 2 && i >= 95 ? 5000 : 100 + i));
      store.put({ ...lambda('Duration'), timestamp: at(minute + 0.3), values, unit: 'Milliseconds' });
    }
    const changes = evaluator.evaluate(at(3));
    expect(Object.fromEntries(changes.map((c) => [c.alarmName, c.state.value]))).toEqual({ 'finegate-canary-error-rate': 'ALARM', 'finegate-canary-p99': 'OK' });
    const described = evaluator.describe('finegate-canary-p99');
    expect(described[0]).toMatchObject({ ExtendedStatistic: 'p99', Unit: 'Milliseconds', Period: 60, Dimensions: [{ Name: 'FunctionName', Value: 'router' }, { Name: 'Resource', Value: 'router:live' }, { Name: 'ExecutedVersion', Value: '7' }] });
  });
});

describe('AlarmEvaluator: time scale', () => {
  it('runs a 60 s alarm period in one wall second at timeScale 60', () => {
    const { evaluator, changes, put } = setup({ timeScale: 60 });
    evaluator.define(latencyAlarm({ EvaluationPeriods: 2, DatapointsToAlarm: 2 }), T0);
    const second = 1000 / MINUTE;
    put(0.2 * second, 5);
    put(1.4 * second, 6);
    // At 1.5 s one period ([0 s, 1 s)) is complete, and the one before has no data: 1 of 2.
    expect(evaluator.evaluate(T0 + 1500).map((c) => c.state.value)).toEqual(['OK']);
    const [alarm] = evaluator.evaluate(T0 + 2000);
    expect(alarm!.state.value).toBe('ALARM');
    // Timestamps are wall time: the two datapoints are one wall second apart.
    expect(alarm!.state.reason).toContain('[6.0 (26/11/26 22:00:01), 5.0 (26/11/26 22:00:00)]');
    expect(alarm!.firstBreachAt).toBe(T0 + 1000);
    // The reason data speaks of the alarm's own period.
    expect(JSON.parse(alarm!.state.reasonData!).period).toBe(60);
    expect(changes).toHaveLength(2);
  });

  it('evaluates on a timer at each scaled period boundary until stopped', async () => {
    const { evaluator } = setup({ timeScale: 600 });
    // breaching: with no data at all, the first evaluation raises it.
    evaluator.define(latencyAlarm({ TreatMissingData: 'breaching', EvaluationPeriods: 1, DatapointsToAlarm: 1 }));
    const raised = new Promise<AlarmStateChange>((resolve) => evaluator.onStateChange(resolve));
    const started = Date.now();
    evaluator.start();
    try {
      const change = await raised;
      expect(change.state.value).toBe('ALARM');
      // One scaled period is 100 ms.
      expect(Date.now() - started).toBeLessThan(200);
    } finally {
      evaluator.stop();
    }
  });
});

describe('AlarmEvaluator: definitions, SetAlarmState, DescribeAlarms', () => {
  it('keeps the state of an alarm redefined by PutMetricAlarm, as CloudWatch does, with the new configuration', () => {
    const { evaluator, put } = setup();
    evaluator.define(latencyAlarm({ EvaluationPeriods: 1, DatapointsToAlarm: 1 }), at(0));
    put(0.5, 3);
    evaluator.evaluate(at(1));
    evaluator.define(latencyAlarm({ EvaluationPeriods: 1, DatapointsToAlarm: 1, Threshold: 10 }), at(1) + 10);
    const [alarm] = evaluator.describe();
    expect(alarm).toMatchObject({ StateValue: 'ALARM', Threshold: 10, AlarmConfigurationUpdatedTimestamp: new Date(at(1) + 10), StateTransitionedTimestamp: new Date(at(1)) });
    // The next evaluation judges by the new threshold.
    expect(evaluator.evaluate(at(1) + 20).map((c) => c.state.value)).toEqual(['OK']);
  });

  it('sets a state that the next evaluation recomputes', () => {
    const { evaluator, changes, put } = setup();
    evaluator.define(latencyAlarm(), at(0));
    for (const m of [0, 1, 2]) put(m + 0.5, 1);
    evaluator.evaluate(at(3));
    const set = evaluator.setState('finegate-canary-latency', 'ALARM', 'testing the rollback', '{"by":"test"}', at(3) + 1);
    expect(set).toMatchObject({ cause: 'SetAlarmState', previousState: { value: 'OK' }, state: { value: 'ALARM', reason: 'testing the rollback', reasonData: '{"by":"test"}' } });
    expect(set!.firstBreachAt).toBeUndefined();
    expect(evaluator.evaluate(at(3) + 2).map((c) => c.state.value)).toEqual(['OK']);
    expect(changes.map((c) => c.cause)).toEqual(['evaluation', 'SetAlarmState', 'evaluation']);
    expect(() => evaluator.setState('nope', 'OK', 'x')).toThrow(/nope not found/);
    expect(() => evaluator.setState('finegate-canary-latency', 'ALARM', 'x', '{bad')).toThrow(InvalidAlarmError);
  });

  it('describes by prefix or names, in name order, and deletes', () => {
    const { evaluator } = setup();
    for (const name of ['finegate-canary-b', 'other-alarm', 'finegate-canary-a']) evaluator.define(latencyAlarm({ AlarmName: name }));
    expect(evaluator.describe('finegate-canary-').map((a) => a.AlarmName)).toEqual(['finegate-canary-a', 'finegate-canary-b']);
    expect(evaluator.describe(undefined, ['other-alarm']).map((a) => a.AlarmName)).toEqual(['other-alarm']);
    expect(() => evaluator.delete(['other-alarm', 'missing'])).toThrow(/missing not found/);
    expect(evaluator.describe()).toHaveLength(3);
    evaluator.delete(['other-alarm']);
    expect(evaluator.describe().map((a) => a.AlarmName)).toEqual(['finegate-canary-a', 'finegate-canary-b']);
  });

  it('reads CloudFormation strings as numbers and booleans in template properties, not in PutMetricAlarm input', () => {
    const def = latencyAlarm({ Threshold: '2.5', EvaluationPeriods: '3', ActionsEnabled: 'false' });
    expect(def).toMatchObject({ threshold: 2.5, evaluationPeriods: 3, datapointsToAlarm: 2, actionsEnabled: false });
    expect(() => fromPutMetricAlarmInput({ ...rawLatency(), Threshold: '2.5' })).toThrow(/Threshold must be a number/);
  });

  it('refuses definitions CloudWatch refuses, with its error codes', () => {
    const bad: [Record<string, unknown>, string, RegExp][] = [
      [{ AlarmName: undefined }, 'MissingParameter', /AlarmName is required/],
      [{ Statistic: undefined }, 'MissingParameter', /exactly one of Statistic and ExtendedStatistic/],
      [{ ExtendedStatistic: 'p99' }, 'InvalidParameterCombination', /exactly one/],
      [{ Statistic: 'p99' }, 'InvalidParameterValue', /percentiles go in ExtendedStatistic/],
      [{ DatapointsToAlarm: 4 }, 'InvalidParameterValue', /must not exceed EvaluationPeriods/],
      [{ ComparisonOperator: 'GreaterThanUpperThreshold' }, 'InvalidParameterValue', /ComparisonOperator must be one of/],
      [{ TreatMissingData: 'zero' }, 'InvalidParameterValue', /TreatMissingData must be one of/],
      [{ Period: 45 }, 'InvalidParameterValue', /10, 20, 30 or a multiple of 60/],
      [{ Period: 3600, EvaluationPeriods: 200, DatapointsToAlarm: 1 }, 'InvalidParameterValue', /at most 604800 seconds/],
      [{ Metrics: [{ Id: 'e', Expression: 'm * 2', ReturnData: true }] }, 'InvalidParameterCombination', /not both/],
      [{ ThresholdMetricId: 'ad1' }, 'InvalidParameterValue', /anomaly detection/],
    ];
    for (const [overrides, code, message] of bad) {
      let caught: unknown;
      try {
        fromPutMetricAlarmInput({ ...rawLatency(), ...overrides });
      } catch (error) {
        caught = error;
      }
      expect(caught, message.source).toBeInstanceOf(InvalidAlarmError);
      expect((caught as InvalidAlarmError).code, message.source).toBe(code);
      expect((caught as Error).message, message.source).toMatch(message);
    }
    const metrics = (list: unknown[]) => ({ AlarmName: 'x', EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanThreshold', Metrics: list });
    const stat = { MetricStat: { Metric: { Namespace: 'n', MetricName: 'm' }, Period: 60, Stat: 'Sum' } };
    expect(() => fromPutMetricAlarmInput(metrics([{ Id: 'a', ...stat }, { Id: 'b', ...stat }]))).toThrow(/exactly one of Metrics must have ReturnData true, got 2/);
    expect(() => fromPutMetricAlarmInput(metrics([{ Id: 'e', Expression: 'a +', ReturnData: true }, { Id: 'a', ...stat, ReturnData: false }]))).toThrow(/unexpected end of expression at position 3/);
    expect(() => fromPutMetricAlarmInput(metrics([{ Id: 'e', Expression: 'nope * 2', ReturnData: true }]))).toThrow(/reads "nope"/);
  });
});

describe('alarmStateChangeEvent', () => {
  it('is the event CloudWatch sends: it parses with the rollback’s schema and matches the rollback rule', () => {
    const { evaluator, put } = setup();
    evaluator.define(latencyAlarm({ EvaluationPeriods: 1, DatapointsToAlarm: 1 }), at(0));
    put(0.5, 9);
    const [change] = evaluator.evaluate(at(1) + 250);
    const event = alarmStateChangeEvent(change!, { account: '111122223333', region: 'eu-west-1' });
    expect(event).toMatchObject({
      version: '0',
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      account: '111122223333',
      region: 'eu-west-1',
      time: '2026-11-26T22:01:00Z',
      resources: ['arn:aws:cloudwatch:eu-west-1:111122223333:alarm:finegate-canary-latency'],
      detail: {
        alarmName: 'finegate-canary-latency',
        state: { value: 'ALARM', timestamp: '2026-11-26T22:01:00.250+0000' },
        previousState: { value: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation' },
        configuration: {
          description: 'Latency too high',
          metrics: [{ id: expect.stringMatching(/^[0-9a-f-]{36}$/), metricStat: { metric: { namespace: 'finegate/test', name: 'Latency', dimensions: { Stage: 'canary' } }, period: 60, stat: 'Maximum' }, returnData: true }],
        },
      },
    });
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    const parsed = alarmStateChangeSchema.parse(JSON.parse(JSON.stringify(event)));
    expect(parsed.detail.state.value).toBe('ALARM');
    expect(matchesEventPattern(canaryAlarmPattern(), event)).toBe(true);
    expect(matchesEventPattern(canaryAlarmPattern(), { ...event, detail: { ...event.detail, state: { value: 'OK' } } })).toBe(false);
  });
});

function rawLatency(): Record<string, unknown> {
  return {
    AlarmName: 'finegate-canary-latency',
    Namespace: LATENCY.namespace,
    MetricName: LATENCY.metricName,
    Statistic: 'Maximum',
    Period: 60,
    EvaluationPeriods: 3,
    DatapointsToAlarm: 2,
    Threshold: 2,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  };
}
