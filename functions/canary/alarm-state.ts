/**
 * An "M of N" alarm evaluator with CloudWatch's semantics, so the canary's own decision and the CloudWatch alarms
 * that drive the rollback agree on the same datapoints: the alarm is in ALARM when at least M (DatapointsToAlarm) of
 * the last N (EvaluationPeriods) datapoints breach, and OK otherwise.
 *
 * A datapoint is `true` (breaching), `false` (not breaching) or `undefined` (missing). Periods before the first
 * datapoint are missing too. Missing datapoints are treated as TreatMissingData says:
 *
 *   notBreaching (the default here)  counted as not breaching;
 *   breaching                        counted as breaching;
 *   missing                          left out: the alarm judges the datapoints present in the last N and needs
 *                                    min(M, present) of them breaching (one lone breaching datapoint of a 3 of 3
 *                                    alarm is ALARM); none present → INSUFFICIENT_DATA;
 *   ignore                           left out, and the state changes only on real evidence: ALARM when M present
 *                                    datapoints breach, OK when one present datapoint does not, and otherwise
 *                                    (nothing present, or fewer than M present and all breaching) the previous
 *                                    state is kept.
 *
 * The evaluation range is exactly the last N periods. (CloudWatch itself retrieves a few periods more when some
 * are missing and then judges the most recent N real ones; a canary's datapoints are the ones it was given.)
 */

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export type TreatMissingData = 'notBreaching' | 'breaching' | 'missing' | 'ignore';

/** A period's outcome: breaching, not breaching, or no datapoint. */
export type Breach = boolean | undefined;

export interface AlarmStateOptions {
  /** Default 'notBreaching'. */
  treatMissingData?: TreatMissingData;
  /** The state before this evaluation, kept by `ignore` when nothing is present; default INSUFFICIENT_DATA. */
  previous?: AlarmState;
}

export interface AlarmEvaluation {
  state: AlarmState;
  /** Breaching datapoints counted in the last N (missing ones included when treated as breaching). */
  breaching: number;
  /** Datapoints present (not missing) in the last N. */
  present: number;
}

export function alarmState(breaches: readonly Breach[], m: number, n: number, options: AlarmStateOptions = {}): AlarmState {
  return evaluateAlarm(breaches, m, n, options).state;
}

export function evaluateAlarm(breaches: readonly Breach[], m: number, n: number, options: AlarmStateOptions = {}): AlarmEvaluation {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`evaluation periods must be a positive integer, got ${n}`);
  if (!Number.isInteger(m) || m < 1 || m > n) throw new RangeError(`datapoints to alarm must be an integer in 1..${n}, got ${m}`);
  const treat = options.treatMissingData ?? 'notBreaching';
  const range = breaches.slice(Math.max(0, breaches.length - n));
  const present = range.filter((b) => b !== undefined).length;
  const breachingPresent = range.filter((b) => b === true).length;
  const missing = n - present;

  switch (treat) {
    case 'notBreaching':
      return { state: breachingPresent >= m ? 'ALARM' : 'OK', breaching: breachingPresent, present };
    case 'breaching': {
      const breaching = breachingPresent + missing;
      return { state: breaching >= m ? 'ALARM' : 'OK', breaching, present };
    }
    case 'missing': {
      if (present === 0) return { state: 'INSUFFICIENT_DATA', breaching: 0, present };
      return { state: breachingPresent >= Math.min(m, present) ? 'ALARM' : 'OK', breaching: breachingPresent, present };
    }
    case 'ignore': {
      if (breachingPresent >= m) return { state: 'ALARM', breaching: breachingPresent, present };
      if (breachingPresent < present) return { state: 'OK', breaching: breachingPresent, present };
      return { state: options.previous ?? 'INSUFFICIENT_DATA', breaching: breachingPresent, present };
    }
  }
}
