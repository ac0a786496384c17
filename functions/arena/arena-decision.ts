/**
 * The arena's verdict, a pure function of the statistics and thresholds pinned before training started:
 *
 *   errors / pairs above the error budget                         → INCONCLUSIVE (the gate fails closed)
 *   Wilson lower bound > 0.5 and win rate ≥ the effect floor       → PASS
 *   Wilson upper bound < the effect floor                          → FAIL (the floor is ruled out)
 *   anything else                                                  → INCONCLUSIVE
 *
 * An INCONCLUSIVE interval may be extended when the run pre-registered a maximum n: the next n doubles the current
 * one, capped at that maximum and at the inputs available. The schedule is fixed in advance and does not look at the
 * win rate, so the number of looks is bounded (log₂(max / n)) and known before the first one.
 */
import type { ArenaStatistics } from './arena-statistics';

export type ArenaVerdict = 'PASS' | 'FAIL' | 'INCONCLUSIVE';

export interface ArenaThresholds {
  /** The smallest win rate over the base worth promoting, in (0.5, 1]. */
  effectFloor: number;
  /** Share of pairs that may fail (generation or judge) and still allow a verdict, in [0, 1]. */
  maxErrorRate: number;
  /** Pre-registered maximum number of pairs an unresolved comparison may grow to. */
  maxSampleSize?: number;
}

export interface ArenaDecision {
  verdict: ArenaVerdict;
  reasons: string[];
  /** True when the verdict is INCONCLUSIVE and a larger sample is allowed: run again with `nextSampleSize` pairs. */
  extend: boolean;
  nextSampleSize?: number;
  thresholds: ArenaThresholds;
}

export type ArenaDecisionInput = Pick<ArenaStatistics, 'pairs' | 'errors' | 'errorRate' | 'decided' | 'winRate'>;

export interface ArenaDecisionContext {
  /** Inputs the samples file holds: no extension beyond them. */
  available?: number;
}

export function decideArena(stats: ArenaDecisionInput, thresholds: ArenaThresholds, context: ArenaDecisionContext = {}): ArenaDecision {
  checkThresholds(thresholds);
  const { effectFloor, maxErrorRate } = thresholds;
  const w = stats.winRate;
  const interval = `win rate ${fmt(w.estimate)} [${fmt(w.lower)}, ${fmt(w.upper)}] (Wilson 95%, ${stats.decided} decided of ${stats.pairs} pairs)`;
  const inconclusive = (reasons: string[], mayExtend: boolean): ArenaDecision => {
    const next = mayExtend ? nextSampleSize(stats.pairs, thresholds.maxSampleSize, context.available) : undefined;
    return {
      verdict: 'INCONCLUSIVE',
      reasons: next === undefined ? reasons : [...reasons, `extend to ${next} pairs (pre-registered maximum ${thresholds.maxSampleSize})`],
      extend: next !== undefined,
      ...(next !== undefined ? { nextSampleSize: next } : {}),
      thresholds,
    };
  };

  if (stats.pairs === 0) return inconclusive(['no pairs were compared'], false);
  if (stats.errorRate > maxErrorRate) {
    return inconclusive([`${stats.errors} of ${stats.pairs} pairs failed (${pct(stats.errorRate)}), above the error budget of ${pct(maxErrorRate)}`], false);
  }
  if (w.lower > 0.5 && w.estimate >= effectFloor) {
    return { verdict: 'PASS', reasons: [`${interval}: the lower bound is above 0.5 and the win rate reaches the effect floor ${effectFloor}`], extend: false, thresholds };
  }
  if (w.upper < effectFloor) {
    return { verdict: 'FAIL', reasons: [`${interval}: the upper bound is below the effect floor ${effectFloor}`], extend: false, thresholds };
  }
  if (stats.decided === 0) return inconclusive([`no pair was decided: every judged pair was a tie (${stats.pairs} pairs)`], true);
  const missing = w.lower > 0.5 ? `the win rate is below the effect floor ${effectFloor}` : 'the lower bound is not above 0.5';
  return inconclusive([`${interval}: ${missing}, and the interval still reaches the effect floor ${effectFloor}`], true);
}

/** Double the sample, capped at the pre-registered maximum and at the inputs available; undefined when it cannot grow. */
export function nextSampleSize(pairs: number, maxSampleSize: number | undefined, available?: number): number | undefined {
  if (maxSampleSize === undefined) return undefined;
  const cap = Math.min(maxSampleSize, available ?? Infinity);
  const next = Math.min(cap, Math.max(1, pairs * 2));
  return next > pairs ? next : undefined;
}

function checkThresholds(t: ArenaThresholds): void {
  if (!(t.effectFloor > 0.5 && t.effectFloor <= 1)) throw new RangeError(`effect floor must be a win rate in (0.5, 1], got ${t.effectFloor}`);
  if (!(t.maxErrorRate >= 0 && t.maxErrorRate <= 1)) throw new RangeError(`max error rate must be within [0, 1], got ${t.maxErrorRate}`);
  if (t.maxSampleSize !== undefined && !(Number.isInteger(t.maxSampleSize) && t.maxSampleSize >= 1)) {
    throw new RangeError(`max sample size must be a positive integer, got ${t.maxSampleSize}`);
  }
}

function fmt(x: number): string {
  return x.toFixed(3);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
