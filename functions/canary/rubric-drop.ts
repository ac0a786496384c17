/**
 * The per-rubric drop alarm, the same rule as the CloudWatch metric-math alarm it mirrors: for each period, the
 * rolling mean of the last `window` periods of each cohort's rubric score (in points), and a breach when
 *
 *   current − candidate ≥ dropPoints   (default 2; GreaterThanOrEqualToThreshold, so a drop of exactly 2 breaches)
 *
 * A period's datapoint per cohort is what CloudWatch keeps for an EMF metric: the Sum and SampleCount of the scores
 * emitted in it. The window's mean is ΣSum / ΣSampleCount, the Average statistic over the longer span, so a period
 * with few samples weighs little. A period in which a cohort has no window data is a missing datapoint, not a 0.
 * The breaches then go through the M of N evaluator (alarm-state), with its missing-data treatment.
 */
import { evaluateAlarm, type AlarmState, type Breach, type TreatMissingData } from './alarm-state';
import { roundPoints } from '../gates/points';

/** One period of one cohort's rubric scores, in points (0–100): the Sum and SampleCount statistics. */
export interface PeriodScores {
  sum: number;
  count: number;
}

/** Periods in time order; `undefined` is a period without a datapoint. */
export type ScoreSeries = readonly (PeriodScores | undefined)[];

export const DEFAULT_DROP_POINTS = 2;

export interface RubricDropConfig {
  /** Periods in each rolling mean. */
  window: number;
  /** Candidate points below current that breach; default 2. */
  dropPoints?: number;
}

export interface RubricDropPoint {
  /** Rolling means in points; absent when the cohort has no samples in the window. */
  candidate?: number;
  current?: number;
  /** current − candidate in points, rounded to 1e-9 (absent when either mean is). */
  drop?: number;
  /** Breaching, not breaching, or missing (either mean absent). */
  breach: Breach;
}

export interface RubricDropAlarmConfig extends RubricDropConfig {
  /** M: breaching datapoints that raise the alarm. */
  datapointsToAlarm: number;
  /** N: the datapoints looked at. */
  evaluationPeriods: number;
  /** Default notBreaching. */
  treatMissingData?: TreatMissingData;
  /** The alarm's state before this evaluation (used by `ignore`). */
  previous?: AlarmState;
}

export interface RubricDropAlarm {
  rubric: string;
  state: AlarmState;
  /** Breaching datapoints in the last N, and datapoints present there. */
  breaching: number;
  present: number;
  /** The latest period's rolling means and breach; absent when there are no periods. */
  latest?: RubricDropPoint;
  /** Scores seen over all the periods, per cohort. */
  samples: { candidate: number; current: number };
  /** Every period's breach (what the alarm evaluated), in time order. */
  breaches: Breach[];
}

/** The rolling mean ending at each period: ΣSum / ΣSampleCount over the last `window` periods; undefined without samples. */
export function rollingMeans(series: ScoreSeries, window: number): (number | undefined)[] {
  checkWindow(window);
  series.forEach(checkPeriod);
  // Summed afresh for each period (windows are short), so no float residue of a running sum carries forward.
  return series.map((_, i) => {
    let sum = 0;
    let count = 0;
    for (let j = Math.max(0, i - window + 1); j <= i; j++) {
      const p = series[j];
      if (p === undefined) continue;
      sum += p.sum;
      count += p.count;
    }
    return count > 0 ? sum / count : undefined;
  });
}

/** Each period's rolling means and breach, candidate against current. The two series must cover the same periods. */
export function rubricDropSeries(candidate: ScoreSeries, current: ScoreSeries, config: RubricDropConfig): RubricDropPoint[] {
  if (candidate.length !== current.length) throw new RangeError(`candidate and current must cover the same periods, got ${candidate.length} and ${current.length}`);
  const dropPoints = config.dropPoints ?? DEFAULT_DROP_POINTS;
  if (!(dropPoints >= 0) || !Number.isFinite(dropPoints)) throw new RangeError(`drop points must be a finite non-negative number, got ${dropPoints}`);
  const candidateMeans = rollingMeans(candidate, config.window);
  const currentMeans = rollingMeans(current, config.window);
  return candidateMeans.map((c, i) => {
    const k = currentMeans[i];
    if (c === undefined || k === undefined) {
      return { ...(c === undefined ? {} : { candidate: c }), ...(k === undefined ? {} : { current: k }), breach: undefined };
    }
    const drop = roundPoints(k - c);
    return { candidate: c, current: k, drop, breach: drop >= dropPoints };
  });
}

export function rubricBreaches(candidate: ScoreSeries, current: ScoreSeries, config: RubricDropConfig): Breach[] {
  return rubricDropSeries(candidate, current, config).map((p) => p.breach);
}

/** One rubric's drop alarm over its periods, as CloudWatch would hold it after the latest one. */
export function rubricDropAlarm(rubric: string, candidate: ScoreSeries, current: ScoreSeries, config: RubricDropAlarmConfig): RubricDropAlarm {
  const points = rubricDropSeries(candidate, current, config);
  const breaches = points.map((p) => p.breach);
  const evaluation = evaluateAlarm(breaches, config.datapointsToAlarm, config.evaluationPeriods, {
    ...(config.treatMissingData === undefined ? {} : { treatMissingData: config.treatMissingData }),
    ...(config.previous === undefined ? {} : { previous: config.previous }),
  });
  const alarm: RubricDropAlarm = {
    rubric,
    ...evaluation,
    samples: { candidate: totalCount(candidate), current: totalCount(current) },
    breaches,
  };
  const latest = points[points.length - 1];
  if (latest !== undefined) alarm.latest = latest;
  return alarm;
}

function totalCount(series: ScoreSeries): number {
  return series.reduce((n, p) => n + (p?.count ?? 0), 0);
}

function checkPeriod(p: PeriodScores | undefined, index: number): void {
  if (p === undefined) return;
  if (!Number.isInteger(p.count) || p.count < 0) throw new RangeError(`period ${index}: sample count must be a non-negative integer, got ${p.count}`);
  if (!Number.isFinite(p.sum)) throw new RangeError(`period ${index}: sum must be finite, got ${p.sum}`);
  if (p.count === 0 && p.sum !== 0) throw new RangeError(`period ${index}: a sum of ${p.sum} over no samples`);
}

function checkWindow(window: number): void {
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`window must be a positive integer, got ${window}`);
}
