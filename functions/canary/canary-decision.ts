/**
 * The decision for one rollout step of the canary, a pure function of what was observed and the pinned policy:
 *
 *   any alarm raised (shadow win rate confidently below its floor, a rubric drop, errors, latency)
 *                                                           → rollback, FAIL, at once, whenever it happens
 *   the hold window has not elapsed                         → hold
 *   the hold window has elapsed, but data is missing: too few decided shadow pairs, a pinned rubric not reported,
 *   in INSUFFICIENT_DATA, with too few samples in a cohort or no data in its last window, or any other alarm in
 *   INSUFFICIENT_DATA                                        → rollback, INCONCLUSIVE
 *   otherwise                                              → promote, PASS
 *
 * It fails closed: silence is never a PASS. A step whose hold window ends without enough data is rolled back, not
 * left serving traffic it was never judged on. The sample minimums are what give "no alarm" its meaning: the
 * win-rate test had the pairs to find a drop of the size it is tuned to.
 */
import type { AlarmState } from './alarm-state';
import type { WinRateSequence } from './confidence-sequence';
import type { RubricDropAlarm } from './rubric-drop';

export type CanaryAction = 'hold' | 'promote' | 'rollback';

export type CanaryVerdict = 'PASS' | 'FAIL' | 'INCONCLUSIVE';

export interface CanaryPolicy {
  /** Windows the step is watched before it may promote. */
  holdWindows: number;
  /** Decided shadow pairs (wins + losses) the step needs before it may promote. */
  minDecidedPairs: number;
  /** Scored samples each cohort needs, per pinned rubric, before the step may promote. */
  minRubricSamples: number;
  /** The run's pinned rubrics: each must report. */
  rubrics: readonly string[];
}

export type WinRateSummary = Pick<WinRateSequence, 'alarm' | 'decided' | 'pValue' | 'lower' | 'upper'> & {
  estimate?: number | undefined;
  config: Pick<WinRateSequence['config'], 'floor' | 'alpha'>;
};

export type RubricAlarmSummary = Pick<RubricDropAlarm, 'rubric' | 'state' | 'samples'> & { latest?: RubricDropAlarm['latest'] };

export interface CanaryObservation {
  /** Windows elapsed in this step. */
  elapsedWindows: number;
  /** The shadow win-rate sequence; absent when no shadow pair has been judged. */
  winRate?: WinRateSummary;
  rubrics: readonly RubricAlarmSummary[];
  /** Other alarms on the candidate (errors, latency), by name. */
  alarms?: readonly { name: string; state: AlarmState }[];
}

export interface CanaryDecision {
  action: CanaryAction;
  /** Absent while holding. */
  verdict?: CanaryVerdict;
  reasons: string[];
  policy: CanaryPolicy;
}

export function decideCanary(observation: CanaryObservation, policy: CanaryPolicy): CanaryDecision {
  checkPolicy(policy);
  if (!Number.isInteger(observation.elapsedWindows) || observation.elapsedWindows < 0) {
    throw new RangeError(`elapsed windows must be a non-negative integer, got ${observation.elapsedWindows}`);
  }
  const { winRate } = observation;
  const alarms = observation.alarms ?? [];

  const raised: string[] = [];
  if (winRate?.alarm) {
    raised.push(`shadow win rate ${describeWinRate(winRate)} over ${winRate.decided} decided pairs is confidently below the floor ${winRate.config.floor} (always-valid p = ${winRate.pValue.toPrecision(3)} ≤ ${winRate.config.alpha})`);
  }
  for (const r of observation.rubrics) {
    if (r.state === 'ALARM') raised.push(`rubric ${r.rubric} dropped${describeDrop(r)}: its alarm is in ALARM`);
  }
  for (const a of alarms) if (a.state === 'ALARM') raised.push(`alarm ${a.name} is in ALARM`);
  if (raised.length > 0) return { action: 'rollback', verdict: 'FAIL', reasons: raised, policy };

  const watched = `${observation.elapsedWindows} of ${policy.holdWindows} hold windows`;
  if (observation.elapsedWindows < policy.holdWindows) {
    return { action: 'hold', reasons: [`${watched} watched, no alarm raised`], policy };
  }

  const missing: string[] = [];
  const decided = winRate?.decided ?? 0;
  if (decided < policy.minDecidedPairs) missing.push(`${decided} decided shadow pairs, fewer than the ${policy.minDecidedPairs} required`);
  for (const name of policy.rubrics) {
    const reports = observation.rubrics.filter((r) => r.rubric === name);
    if (reports.length === 0) {
      missing.push(`rubric ${name} has no report`);
      continue;
    }
    for (const r of reports) {
      if (r.state === 'INSUFFICIENT_DATA') missing.push(`rubric ${name} alarm is in INSUFFICIENT_DATA`);
      const { candidate, current } = r.samples;
      if (Math.min(candidate, current) < policy.minRubricSamples) {
        missing.push(`rubric ${name} has ${candidate} candidate and ${current} current samples, fewer than the ${policy.minRubricSamples} required per cohort`);
      }
      if (r.latest?.breach === undefined) missing.push(`rubric ${name} has no datapoint in its latest window`);
    }
  }
  for (const a of alarms) if (a.state === 'INSUFFICIENT_DATA') missing.push(`alarm ${a.name} is in INSUFFICIENT_DATA`);
  if (missing.length > 0) {
    return { action: 'rollback', verdict: 'INCONCLUSIVE', reasons: [`${watched} elapsed without the data to promote: ${missing.join('; ')}`], policy };
  }

  const rubrics = policy.rubrics.length === 0 ? '' : `; rubrics ${policy.rubrics.join(', ')} within their drop threshold`;
  return {
    action: 'promote',
    verdict: 'PASS',
    reasons: [`${watched} elapsed with no alarm: shadow win rate ${describeWinRate(winRate!)} over ${decided} decided pairs is not below the floor ${winRate!.config.floor}${rubrics}`],
    policy,
  };
}

function describeWinRate(w: WinRateSummary): string {
  const estimate = w.estimate === undefined ? 'n/a' : w.estimate.toFixed(3);
  return `${estimate} [${w.lower.toFixed(3)}, ${w.upper.toFixed(3)}]`;
}

function describeDrop(r: RubricAlarmSummary): string {
  const p = r.latest;
  if (p?.drop === undefined) return '';
  return ` ${p.drop.toFixed(2)} points (candidate ${p.candidate!.toFixed(2)}, current ${p.current!.toFixed(2)} in the latest window)`;
}

function checkPolicy(p: CanaryPolicy): void {
  if (!Number.isInteger(p.holdWindows) || p.holdWindows < 1) throw new RangeError(`hold windows must be a positive integer, got ${p.holdWindows}`);
  if (!Number.isInteger(p.minDecidedPairs) || p.minDecidedPairs < 1) throw new RangeError(`min decided pairs must be a positive integer, got ${p.minDecidedPairs}`);
  if (!Number.isInteger(p.minRubricSamples) || p.minRubricSamples < 1) throw new RangeError(`min rubric samples must be a positive integer, got ${p.minRubricSamples}`);
  if (new Set(p.rubrics).size !== p.rubrics.length) throw new RangeError(`pinned rubrics must be distinct, got ${p.rubrics.join(', ')}`);
}
