/**
 * The drift rule, per axis of the frozen suite. drop = base − candidate, in points, over the items both models
 * were scored on:
 *   drop ≤ noisePoints            PASS  (within run-to-run noise)
 *   noisePoints < drop ≤ failPoints WARN  (could be noise: rerun with another seed)
 *   drop > failPoints             FAIL  (whatever the task gains)
 * before which: more errors than the error budget, or fewer scored pairs than minScored, is INCONCLUSIVE. A pair
 * with an error on either side is left out of the comparison and counted as an error; it is never a zero.
 * Every drop is reported with the paired-bootstrap 95% interval of candidate − base.
 */
import type { Verdict } from '../../events/corpus-audited';
import { pairedBootstrap, type BootstrapOptions } from './paired-bootstrap';
import { formatPoints, roundPoints, toPoints } from './points';
import type { RubricOutcome } from './rubrics/rubric';

export interface DriftThresholds {
  /** A drop up to this many points passes (the run config's drift.noisePoints, 1 by default). */
  noisePoints: number;
  /** A drop above this many points fails (drift.failPoints, 5 by default). */
  failPoints: number;
}

export interface DriftDecisionOptions extends BootstrapOptions {
  /** The run's error budget: the largest share of items that may error (errorBudget.maxErrorRate). */
  maxErrorRate: number;
  /** The fewest pairs scored on both sides for a decision (default 20). */
  minScored?: number;
}

/** One suite item scored for both models. */
export interface DriftPair {
  base: RubricOutcome;
  candidate: RubricOutcome;
}

export interface DriftAxisResult {
  axis: string;
  verdict: Verdict;
  reasons: string[];
  /** What to do about a WARN. */
  advice?: string;
  /** Items in the axis. */
  n: number;
  /** Pairs scored on both sides. */
  scored: number;
  /** Pairs left out: an error on the base side, the candidate side, or both. */
  errors: number;
  baseErrors: number;
  candidateErrors: number;
  /** errors / n. */
  errorRate: number;
  basePoints?: number;
  candidatePoints?: number;
  /** candidate − base, in points. */
  differencePoints?: number;
  /** base − candidate, in points: positive when the candidate lost ground. */
  dropPoints?: number;
  /** Paired-bootstrap interval of candidate − base, in points. */
  interval?: { lower: number; upper: number; confidence: number };
}

export const DEFAULT_MIN_SCORED = 20;
export const RERUN_ADVICE = 'rerun the drift suite with another seed to tell drift from noise before promoting';

export function checkDriftThresholds(t: DriftThresholds): void {
  if (!Number.isFinite(t.noisePoints) || t.noisePoints < 0) throw new RangeError(`noisePoints must be a non-negative number, got ${t.noisePoints}`);
  if (!Number.isFinite(t.failPoints) || t.failPoints < t.noisePoints) throw new RangeError(`failPoints must be a number ≥ noisePoints (${t.noisePoints}), got ${t.failPoints}`);
}

/** The verdict of a drop in points, by the thresholds alone. */
export function driftVerdictForDrop(dropPoints: number, thresholds: DriftThresholds): 'PASS' | 'WARN' | 'FAIL' {
  checkDriftThresholds(thresholds);
  if (!Number.isFinite(dropPoints)) throw new RangeError(`drop must be a finite number of points, got ${dropPoints}`);
  const drop = roundPoints(dropPoints);
  if (drop <= thresholds.noisePoints) return 'PASS';
  if (drop <= thresholds.failPoints) return 'WARN';
  return 'FAIL';
}

export function decideDriftAxis(axis: string, pairs: readonly DriftPair[], thresholds: DriftThresholds, options: DriftDecisionOptions): DriftAxisResult {
  checkDriftThresholds(thresholds);
  const { maxErrorRate } = options;
  if (!(maxErrorRate >= 0 && maxErrorRate <= 1)) throw new RangeError(`maxErrorRate must be within [0, 1], got ${maxErrorRate}`);
  const minScored = options.minScored ?? DEFAULT_MIN_SCORED;
  if (!Number.isInteger(minScored) || minScored < 1) throw new RangeError(`minScored must be a positive integer, got ${minScored}`);

  const n = pairs.length;
  const base: number[] = [];
  const candidate: number[] = [];
  let baseErrors = 0;
  let candidateErrors = 0;
  let errors = 0;
  for (const pair of pairs) {
    const b = usable(pair.base);
    const c = usable(pair.candidate);
    if (b === undefined) baseErrors++;
    if (c === undefined) candidateErrors++;
    if (b === undefined || c === undefined) errors++;
    else {
      base.push(b);
      candidate.push(c);
    }
  }
  const scored = base.length;
  const errorRate = n === 0 ? 0 : errors / n;
  const result: DriftAxisResult = { axis, verdict: 'INCONCLUSIVE', reasons: [], n, scored, errors, baseErrors, candidateErrors, errorRate };

  if (n === 0) {
    result.reasons.push(`${axis}: no items were scored`);
    return result;
  }
  if (scored > 0) {
    const bootstrap = pairedBootstrap(base, candidate, options);
    const meanBase = mean(base);
    const meanCandidate = mean(candidate);
    result.basePoints = toPoints(meanBase);
    result.candidatePoints = toPoints(meanCandidate);
    result.differencePoints = roundPoints((sum(candidate) - sum(base)) * (100 / scored));
    result.dropPoints = roundPoints(-result.differencePoints);
    result.interval = { lower: roundPoints(bootstrap.lower * 100), upper: roundPoints(bootstrap.upper * 100), confidence: bootstrap.confidence };
  }

  const inconclusive: string[] = [];
  if (errorRate > maxErrorRate) {
    inconclusive.push(
      `${axis}: ${errors} of ${n} items errored (${pct(errorRate)}: ${baseErrors} base, ${candidateErrors} candidate), above the ${pct(maxErrorRate)} error budget`,
    );
  }
  if (scored < minScored) inconclusive.push(`${axis}: ${scored} item(s) scored on both sides, fewer than the ${minScored} needed`);
  if (inconclusive.length > 0) {
    result.reasons.push(...inconclusive);
    return result;
  }

  const drop = result.dropPoints!;
  const described = describe(axis, result);
  result.verdict = driftVerdictForDrop(drop, thresholds);
  if (result.verdict === 'PASS') result.reasons.push(`${described}, within the ${formatPoints(thresholds.noisePoints)}-point noise band`);
  else if (result.verdict === 'WARN') {
    result.reasons.push(`${described}, above the ${formatPoints(thresholds.noisePoints)}-point noise band, within the ${formatPoints(thresholds.failPoints)}-point limit`);
    result.advice = RERUN_ADVICE;
  } else result.reasons.push(`${described}, above the ${formatPoints(thresholds.failPoints)}-point limit`);
  return result;
}

/** A finite score in [0, 1], or undefined for an error or a faulty score. */
function usable(outcome: RubricOutcome): number | undefined {
  if ('error' in outcome) return undefined;
  return Number.isFinite(outcome.score) && outcome.score >= 0 && outcome.score <= 1 ? outcome.score : undefined;
}

function describe(axis: string, r: DriftAxisResult): string {
  const i = r.interval!;
  return `${axis}: drop ${formatPoints(r.dropPoints!)} points (base ${formatPoints(r.basePoints!)}, candidate ${formatPoints(r.candidatePoints!)}; candidate − base 95% CI [${formatPoints(i.lower)}, ${formatPoints(i.upper)}], ${r.scored} items)`;
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

function mean(values: readonly number[]): number {
  return sum(values) / values.length;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
