/**
 * What a rollout check observes, read back from CloudWatch: the shadow pairs' outcomes and each rubric's scores per
 * cohort, period by period since the canary started, and the states of the canary's alarms. From them the same
 * statistics the alarms compute are recomputed here (the win-rate sequence, each rubric's rolling-mean drop) so the
 * decision also knows how much data there is, which an alarm state alone does not say.
 *
 * Pure: the metric and alarm readers are ports, implemented over CloudWatch in functions/stores/.
 */
import type { AlarmState } from './alarm-state';
import { winRateConfig, type CanaryConfig } from './canary-config';
import type { CanaryObservation, RubricAlarmSummary, WinRateSummary } from './canary-decision';
import { CANARY_DIMENSIONS, CANARY_METRICS, CANARY_NAMESPACE, rubricMetricName } from './canary-metrics';
import { winRateSequence, type WinRateWindow } from './confidence-sequence';
import { rubricDropAlarm, type PeriodScores } from './rubric-drop';

export type MetricStatistic = 'Sum' | 'SampleCount' | 'Average' | 'Maximum';

export interface MetricQuery {
  /** Unique within one read; letters, digits and '_', starting with a lowercase letter (as GetMetricData wants). */
  id: string;
  namespace: string;
  metricName: string;
  dimensions: Readonly<Record<string, string>>;
  stat: MetricStatistic;
}

export interface MetricWindow {
  /** Start of the first period; aligned to the period. */
  start: Date;
  /** Periods from start; the last may still be filling. */
  periods: number;
  periodSeconds: number;
}

/** Reads metric statistics per period: one value (or undefined, no datapoint) per period, in time order, per query id. */
export interface MetricReader {
  read(queries: readonly MetricQuery[], window: MetricWindow): Promise<Map<string, (number | undefined)[]>>;
}

export interface AlarmStatus {
  name: string;
  state: AlarmState;
  reason?: string;
}

/** The alarms whose names start with a prefix. */
export interface AlarmReader {
  byPrefix(prefix: string): Promise<AlarmStatus[]>;
}

/** The periods from `startedAt` (aligned down to the period) up to and including the one holding `now`. */
export function metricWindow(startedAt: Date, now: Date, periodSeconds: number): MetricWindow {
  const period = periodSeconds * 1000;
  const start = Math.floor(startedAt.getTime() / period) * period;
  const periods = Math.max(1, Math.floor((now.getTime() - start) / period) + 1);
  return { start: new Date(start), periods, periodSeconds };
}

/** Whole windows elapsed in a step that started at `stepStartedAt`. */
export function elapsedWindows(stepStartedAt: Date, now: Date, periodSeconds: number): number {
  return Math.max(0, Math.floor((now.getTime() - stepStartedAt.getTime()) / (periodSeconds * 1000)));
}

const WIN_QUERIES = [
  ['wins', CANARY_METRICS.shadowWin],
  ['losses', CANARY_METRICS.shadowLoss],
  ['ties', CANARY_METRICS.shadowTie],
] as const;

/** The metrics a check reads for one run: shadow outcome sums, and each rubric's Sum and SampleCount per cohort. */
export function observationQueries(config: CanaryConfig, runId: string): MetricQuery[] {
  const queries: MetricQuery[] = WIN_QUERIES.map(([id, metricName]) => ({
    id,
    namespace: CANARY_NAMESPACE,
    metricName,
    dimensions: { [CANARY_DIMENSIONS.runId]: runId },
    stat: 'Sum',
  }));
  config.rubrics.forEach((rubric, i) => {
    for (const cohort of ['candidate', 'current'] as const) {
      for (const stat of ['Sum', 'SampleCount'] as const) {
        queries.push({
          id: `r${i}_${cohort}_${stat.toLowerCase()}`,
          namespace: CANARY_NAMESPACE,
          metricName: rubricMetricName(rubric.name),
          dimensions: { [CANARY_DIMENSIONS.runId]: runId, [CANARY_DIMENSIONS.cohort]: cohort },
          stat,
        });
      }
    }
  });
  return queries;
}

export interface ObservationInput {
  config: CanaryConfig;
  elapsedWindows: number;
  /** What observationQueries' ids read. */
  series: ReadonlyMap<string, readonly (number | undefined)[]>;
  periods: number;
  /** The canary's alarms; the decision rolls back on any in ALARM. */
  alarms: readonly AlarmStatus[];
}

export function canaryObservation(input: ObservationInput): CanaryObservation {
  const { config, series, periods } = input;
  const at = (id: string, i: number): number | undefined => series.get(id)?.[i];
  const windows: WinRateWindow[] = [];
  for (let i = 0; i < periods; i++) {
    // A period without a datapoint judged no pair.
    windows.push({ wins: count(at('wins', i)), losses: count(at('losses', i)), ties: count(at('ties', i)) });
  }
  const sequence = winRateSequence(winRateConfig(config), windows);
  const judged = sequence.decided + sequence.ties;

  const rubrics: RubricAlarmSummary[] = config.rubrics.map((rubric, i) => {
    const scores = (cohort: 'candidate' | 'current'): (PeriodScores | undefined)[] =>
      Array.from({ length: periods }, (_, p) => {
        const sum = at(`r${i}_${cohort}_sum`, p);
        const n = at(`r${i}_${cohort}_samplecount`, p);
        return sum === undefined || n === undefined || n === 0 ? undefined : { sum, count: count(n) };
      });
    const alarm = rubricDropAlarm(rubric.name, scores('candidate'), scores('current'), config.rubricDrop);
    return { rubric: alarm.rubric, state: alarm.state, samples: alarm.samples, ...(alarm.latest === undefined ? {} : { latest: alarm.latest }) };
  });

  const observation: CanaryObservation = {
    elapsedWindows: input.elapsedWindows,
    rubrics,
    alarms: input.alarms.map((a) => ({ name: a.name, state: a.state })),
  };
  if (judged > 0) {
    const winRate: WinRateSummary = {
      alarm: sequence.alarm,
      decided: sequence.decided,
      pValue: sequence.pValue,
      lower: sequence.lower,
      upper: sequence.upper,
      estimate: sequence.estimate,
      config: { floor: sequence.config.floor, alpha: sequence.config.alpha },
    };
    observation.winRate = winRate;
  }
  return observation;
}

/** A Sum of 0/1 datapoints as a count: CloudWatch returns it as a double. */
function count(value: number | undefined): number {
  return value === undefined ? 0 : Math.max(0, Math.round(value));
}
