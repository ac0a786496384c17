/**
 * The arena's numbers, from the per-pair outcomes:
 *
 * - wins, losses, ties and errors (an error is neither a win nor a loss; it is counted against the error budget);
 * - the win rate over decided pairs, wins / (wins + losses), with its Wilson 95% interval: ties say nothing about
 *   which model is better, and Wilson keeps a useful width at small n and at 0 or n wins;
 * - (wins + ties/2) / judged pairs, the share of the comparison the candidate took, with a seeded percentile
 *   bootstrap interval (reproducible from the outcomes and the seed);
 * - the tie rate, how often the judge picked the first position (0.5 for an unbiased judge), how often the two orders
 *   disagreed under `both`, and the mean length ratio of winning to losing answers (a judge that rewards length
 *   shows it here: published effects move a baseline's win rate from 50% to 64% on "more detailed" alone).
 */
import { wilsonInterval } from '../audit/wilson-interval';
import { bootstrapMeanInterval, DEFAULT_BOOTSTRAP_SEED, DEFAULT_RESAMPLES } from '../gates/paired-bootstrap';
import type { ArenaPairResult } from './arena-run';

export type ArenaPairSummary = Pick<ArenaPairResult, 'outcome' | 'lengths' | 'judgements'> & { inconsistent?: boolean };

export interface ArenaStatistics {
  pairs: number;
  wins: number;
  losses: number;
  ties: number;
  errors: number;
  /** wins + losses. */
  decided: number;
  /** pairs − errors. */
  judged: number;
  /** errors / pairs (0 when there are no pairs). */
  errorRate: number;
  /** wins / decided with its Wilson 95% interval; the whole [0, 1] when nothing was decided. */
  winRate: { wins: number; decided: number; estimate: number; lower: number; upper: number };
  /** (wins + ties/2) / judged with its seeded bootstrap 95% interval; absent when nothing was judged. */
  score?: { judged: number; estimate: number; lower: number; upper: number; resamples: number; seed: number };
  /** ties / judged; absent when nothing was judged. */
  tieRate?: number;
  /** Judge picks of a position (ties and errors excluded) and how many were the first one. */
  firstPosition: { picks: number; first: number; rate?: number };
  /** Pairs judged in both orders, and how many got a different verdict in each. */
  orderConsistency: { bothOrders: number; inconsistent: number; rate?: number };
  /** Mean of winner length / loser length over decided pairs whose loser is not empty. */
  lengthRatio: { pairs: number; mean?: number };
}

export interface ArenaStatisticsOptions {
  /** Seed of the bootstrap stream (default 1). */
  seed?: number;
  /** Bootstrap resamples (default 2000). */
  resamples?: number;
}

export function arenaStatistics(pairs: readonly ArenaPairSummary[], options: ArenaStatisticsOptions = {}): ArenaStatistics {
  let wins = 0;
  let losses = 0;
  let ties = 0;
  let errors = 0;
  let picks = 0;
  let first = 0;
  let bothOrders = 0;
  let inconsistent = 0;
  let ratioSum = 0;
  let ratioPairs = 0;
  const shares: number[] = [];
  for (const pair of pairs) {
    switch (pair.outcome) {
      case 'win':
        wins++;
        shares.push(1);
        break;
      case 'loss':
        losses++;
        shares.push(0);
        break;
      case 'tie':
        ties++;
        shares.push(0.5);
        break;
      case 'error':
        errors++;
        break;
    }
    for (const j of pair.judgements) {
      if (j.pick === 'A' || j.pick === 'B') picks++;
      if (j.pick === 'A') first++;
    }
    if (pair.outcome !== 'error' && pair.judgements.length === 2) {
      bothOrders++;
      if (pair.inconsistent === true) inconsistent++;
    }
    if (pair.outcome === 'win' || pair.outcome === 'loss') {
      const { candidate, base } = pair.lengths;
      if (candidate !== undefined && base !== undefined) {
        const [winner, loser] = pair.outcome === 'win' ? [candidate, base] : [base, candidate];
        if (loser > 0) {
          ratioSum += winner / loser;
          ratioPairs++;
        }
      }
    }
  }
  const decided = wins + losses;
  const judged = decided + ties;
  const wilson = wilsonInterval(wins, decided);
  const seed = options.seed ?? DEFAULT_BOOTSTRAP_SEED;
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const stats: ArenaStatistics = {
    pairs: pairs.length,
    wins,
    losses,
    ties,
    errors,
    decided,
    judged,
    errorRate: pairs.length === 0 ? 0 : errors / pairs.length,
    winRate: { wins, decided, estimate: wilson.estimate, lower: wilson.lower, upper: wilson.upper },
    firstPosition: { picks, first, ...(picks > 0 ? { rate: first / picks } : {}) },
    orderConsistency: { bothOrders, inconsistent, ...(bothOrders > 0 ? { rate: inconsistent / bothOrders } : {}) },
    lengthRatio: { pairs: ratioPairs, ...(ratioPairs > 0 ? { mean: ratioSum / ratioPairs } : {}) },
  };
  if (judged > 0) {
    const interval = bootstrapMeanInterval(shares, { seed, resamples });
    stats.score = { judged, estimate: interval.mean, lower: interval.lower, upper: interval.upper, resamples, seed };
    stats.tieRate = ties / judged;
  }
  return stats;
}
