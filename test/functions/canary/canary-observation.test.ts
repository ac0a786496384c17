import { describe, expect, it } from 'vitest';
import { parseCanaryConfig } from '../../../functions/canary/canary-config';
import { canaryObservation, elapsedWindows, metricWindow, observationQueries } from '../../../functions/canary/canary-observation';

const config = parseCanaryConfig({
  judgeModel: 'openai:gpt-4o',
  rubrics: [{ name: 'refusal', check: { rubric: 'refusal-detection' } }],
  rubricDrop: { window: 1, datapointsToAlarm: 1, evaluationPeriods: 2 },
});

describe('metric windows', () => {
  it('aligns the start down to the period and counts the period holding now', () => {
    expect(metricWindow(new Date('2026-11-12T11:03:20Z'), new Date('2026-11-12T11:03:40Z'), 300)).toEqual({ start: new Date('2026-11-12T11:00:00Z'), periods: 1, periodSeconds: 300 });
    expect(metricWindow(new Date('2026-11-12T11:03:20Z'), new Date('2026-11-12T11:15:00Z'), 300).periods).toBe(4);
  });

  it('counts whole windows elapsed in a step', () => {
    const start = new Date('2026-11-12T11:03:20Z');
    expect(elapsedWindows(start, new Date('2026-11-12T11:08:19Z'), 300)).toBe(0);
    expect(elapsedWindows(start, new Date('2026-11-12T11:08:20Z'), 300)).toBe(1);
    expect(elapsedWindows(start, new Date('2026-11-12T11:00:00Z'), 300)).toBe(0);
  });
});

describe('observationQueries', () => {
  it('reads shadow outcome sums by RunId, and each rubric’s Sum and SampleCount by RunId and Cohort', () => {
    const queries = observationQueries(config, 'run-1');
    expect(queries.map((q) => `${q.id} ${q.metricName} ${q.stat} ${JSON.stringify(q.dimensions)}`)).toEqual([
      'wins ShadowWin Sum {"RunId":"run-1"}',
      'losses ShadowLoss Sum {"RunId":"run-1"}',
      'ties ShadowTie Sum {"RunId":"run-1"}',
      'r0_candidate_sum Rubric_refusal Sum {"RunId":"run-1","Cohort":"candidate"}',
      'r0_candidate_samplecount Rubric_refusal SampleCount {"RunId":"run-1","Cohort":"candidate"}',
      'r0_current_sum Rubric_refusal Sum {"RunId":"run-1","Cohort":"current"}',
      'r0_current_samplecount Rubric_refusal SampleCount {"RunId":"run-1","Cohort":"current"}',
    ]);
    expect(new Set(queries.map((q) => q.namespace))).toEqual(new Set(['finegate/canary']));
  });
});

describe('canaryObservation', () => {
  it('has no win rate while no pair was judged, and a rubric without data is INSUFFICIENT_DATA with no samples', () => {
    const observation = canaryObservation({ config, elapsedWindows: 2, series: new Map(), periods: 3, alarms: [{ name: 'finegate-canary-errors', state: 'OK' }] });
    expect(observation.winRate).toBeUndefined();
    expect(observation.rubrics).toEqual([{ rubric: 'refusal', state: 'INSUFFICIENT_DATA', samples: { candidate: 0, current: 0 }, latest: { breach: undefined } }]);
    expect(observation.alarms).toEqual([{ name: 'finegate-canary-errors', state: 'OK' }]);
  });

  it('adds the periods’ pairs up into the win-rate sequence and reads rubric means as Sum / SampleCount', () => {
    const series = new Map<string, (number | undefined)[]>([
      ['wins', [10, undefined, 4]],
      ['losses', [30, 20, undefined]],
      ['ties', [1, 0, 2]],
      ['r0_candidate_sum', [800, undefined, 1560]],
      ['r0_candidate_samplecount', [10, undefined, 20]],
      ['r0_current_sum', [900, 900, 1800]],
      ['r0_current_samplecount', [10, 10, 20]],
    ]);
    const observation = canaryObservation({ config, elapsedWindows: 3, series, periods: 3, alarms: [] });
    expect(observation.winRate).toMatchObject({ decided: 64, estimate: 14 / 64, config: { floor: 0.5, alpha: 0.05 } });
    expect(observation.winRate!.alarm).toBe(true);
    const [refusal] = observation.rubrics;
    expect(refusal).toMatchObject({ rubric: 'refusal', samples: { candidate: 30, current: 40 }, latest: { candidate: 78, current: 90, drop: 12, breach: true }, state: 'ALARM' });
  });
});
