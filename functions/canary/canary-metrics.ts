/**
 * The canary's CloudWatch metrics: the names the router and the scorer emit (EMF), the rollout's check reads back and
 * the alarms are built on. One list, so an emitter and an alarm cannot drift apart by a typo.
 *
 * Dimensions are low-cardinality on purpose: RunId (one per canary) and Cohort (current | candidate). Nothing else,
 * not even Powertools' `service` dimension. Each datapoint is emitted under two dimension sets: with RunId ({RunId}
 * or {RunId, Cohort}), which the rollout's check reads per run, and without ({} or {Cohort}), which the
 * run-independent alarms watch.
 */

export const CANARY_NAMESPACE = 'finegate/canary';

export const CANARY_DIMENSIONS = { runId: 'RunId', cohort: 'Cohort' } as const;

export const CANARY_METRICS = {
  /** One datapoint per judged shadow pair, dimension RunId: 1 for the outcome that happened, 0 for the other two. */
  shadowWin: 'ShadowWin',
  shadowLoss: 'ShadowLoss',
  shadowTie: 'ShadowTie',
  /** log10 of the anytime-valid e-value against "candidate win rate ≥ floor", dimension RunId; alarm at log10(1/alpha). */
  winRateEValue: 'WinRateBelowFloorEValue',
  /** A pair the judge could not judge (call failed, malformed answer), dimension RunId: an error, never a loss. */
  judgeError: 'JudgeError',
  /** The shadow model failed to answer, dimensions RunId and Cohort (of the shadow model). */
  shadowModelError: 'ShadowModelError',
  /** A rubric could not score an answer, dimensions RunId and Cohort. */
  rubricError: 'RubricError',
  /** Router, dimensions RunId and Cohort: every request, model failures (fallbacks included), fallbacks, and latency. */
  requests: 'Requests',
  modelError: 'ModelError',
  fallback: 'Fallback',
  modelLatency: 'ModelLatency',
} as const;

/** Rubric names become metric names: letters, digits, '_' and '-'. */
export const RUBRIC_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/** The rubric score metric, in points (0–100), dimensions RunId and Cohort. */
export function rubricMetricName(rubric: string): string {
  if (!RUBRIC_NAME.test(rubric)) throw new RangeError(`a canary rubric name is letters, digits, '_' and '-' (at most 63), got ${JSON.stringify(rubric)}`);
  return `Rubric_${rubric}`;
}

/** The RunId dimension's value when a version serves outside any canary. */
export const NO_RUN = 'none';
