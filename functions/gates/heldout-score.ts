/**
 * The held-out score: the mean of per-item rubric scores in points, with a seeded bootstrap 95% interval. Items whose
 * scoring failed (a failed model or judge call, a malformed judge answer) are counted as errors and left out of the
 * mean; they are never zeros, which would turn an outage into a regression.
 */
import { bootstrapMeanInterval, type BootstrapOptions } from './paired-bootstrap';
import { roundPoints, toPoints } from './points';
import type { RubricOutcome } from './rubrics/rubric';

export interface ErrorCount {
  error: string;
  count: number;
}

export interface HeldoutScore {
  /** Items attempted. */
  n: number;
  scored: number;
  errors: number;
  /** errors / n (0 when n is 0). */
  errorRate: number;
  /** Mean score × 100 over scored items; undefined when none was scored. */
  points?: number;
  /** Bootstrap interval of the mean, in points; undefined when none was scored. */
  interval?: { lower: number; upper: number };
  /** The most frequent error messages, most frequent first (at most 5). */
  topErrors: ErrorCount[];
}

const TOP_ERRORS = 5;

export function heldoutScore(outcomes: Iterable<RubricOutcome>, options: BootstrapOptions = {}): HeldoutScore {
  const scores: number[] = [];
  const errorCounts = new Map<string, number>();
  let n = 0;
  for (const outcome of outcomes) {
    n++;
    if ('error' in outcome) errorCounts.set(outcome.error, (errorCounts.get(outcome.error) ?? 0) + 1);
    else if (Number.isFinite(outcome.score) && outcome.score >= 0 && outcome.score <= 1) scores.push(outcome.score);
    // A score outside [0, 1] is a scorer fault: an error, not a number to average.
    else errorCounts.set(`score outside [0, 1]: ${outcome.score}`, (errorCounts.get(`score outside [0, 1]: ${outcome.score}`) ?? 0) + 1);
  }
  const errors = n - scores.length;
  const topErrors = [...errorCounts.entries()]
    .map(([error, count]) => ({ error, count }))
    .sort((a, b) => b.count - a.count || (a.error < b.error ? -1 : 1))
    .slice(0, TOP_ERRORS);
  const result: HeldoutScore = { n, scored: scores.length, errors, errorRate: n === 0 ? 0 : errors / n, topErrors };
  if (scores.length === 0) return result;
  const interval = bootstrapMeanInterval(scores, options);
  result.points = toPoints(interval.mean);
  result.interval = { lower: roundPoints(interval.lower * 100), upper: roundPoints(interval.upper * 100) };
  return result;
}
