import { describe, expect, it } from 'vitest';
import type { ArenaJudgementRecord, PairOutcome } from '../../../functions/arena/arena-run';
import { arenaStatistics, type ArenaPairSummary } from '../../../functions/arena/arena-statistics';

function pair(outcome: PairOutcome, judgements: ArenaJudgementRecord[] = [], lengths: ArenaPairSummary['lengths'] = { candidate: 100, base: 100 }, inconsistent?: boolean): ArenaPairSummary {
  return { outcome, judgements, lengths, ...(inconsistent ? { inconsistent } : {}) };
}

function many(counts: Partial<Record<PairOutcome, number>>): ArenaPairSummary[] {
  return (Object.entries(counts) as [PairOutcome, number][]).flatMap(([outcome, n]) => Array.from({ length: n }, () => pair(outcome)));
}

describe('arenaStatistics', () => {
  it('gives the Wilson interval of the reference values, ties excluded: 7 wins in 50 decided → [0.0695, 0.2619]', () => {
    const stats = arenaStatistics(many({ win: 7, loss: 43, tie: 12, error: 3 }));
    expect(stats).toMatchObject({ pairs: 65, wins: 7, losses: 43, ties: 12, errors: 3, decided: 50, judged: 62 });
    expect(stats.winRate.estimate).toBeCloseTo(0.14, 10);
    expect(stats.winRate.lower).toBeCloseTo(0.0695, 4);
    expect(stats.winRate.upper).toBeCloseTo(0.2619, 4);
    expect(stats.errorRate).toBeCloseTo(3 / 65, 10);
    expect(stats.tieRate).toBeCloseTo(12 / 62, 10);
  });

  it('0 wins in 20 → [0, 0.161]', () => {
    const stats = arenaStatistics(many({ loss: 20 }));
    expect(stats.winRate.lower).toBe(0);
    expect(stats.winRate.upper).toBeCloseTo(0.161, 3);
  });

  it('reports the whole [0, 1] when no pair was decided', () => {
    const stats = arenaStatistics(many({ tie: 10 }));
    expect(stats.winRate).toEqual({ wins: 0, decided: 0, estimate: 0, lower: 0, upper: 1 });
    expect(stats.score).toMatchObject({ estimate: 0.5, lower: 0.5, upper: 0.5 });
    expect(stats.tieRate).toBe(1);
  });

  it('gives (wins + ties/2)/judged with a seeded bootstrap interval, errors left out', () => {
    const pairs = many({ win: 50, loss: 30, tie: 20, error: 5 });
    const stats = arenaStatistics(pairs, { seed: 7 });
    expect(stats.score!.judged).toBe(100);
    expect(stats.score!.estimate).toBeCloseTo(0.6, 10);
    // Normal reference: 0.6 ± 1.96·sd/√n with sd² = E[x²] − 0.6² = (50 + 20·0.25)/100 − 0.36 = 0.19.
    const half = 1.96 * Math.sqrt(0.19 / 100);
    expect(stats.score!.lower).toBeGreaterThan(0.6 - half - 0.02);
    expect(stats.score!.lower).toBeLessThan(0.6 - half + 0.02);
    expect(stats.score!.upper).toBeGreaterThan(0.6 + half - 0.02);
    expect(stats.score!.upper).toBeLessThan(0.6 + half + 0.02);
    expect(arenaStatistics(pairs, { seed: 7 }).score).toEqual(stats.score);
    expect(stats.score).toMatchObject({ seed: 7, resamples: 2000 });
  });

  it('has no score or tie rate when every pair failed', () => {
    const stats = arenaStatistics(many({ error: 4 }));
    expect(stats.score).toBeUndefined();
    expect(stats.tieRate).toBeUndefined();
    expect(stats.errorRate).toBe(1);
  });

  it('counts first-position picks over picks of a position, ties and errors excluded', () => {
    const j = (pick: ArenaJudgementRecord['pick']): ArenaJudgementRecord => ({ order: 'candidate-first', pick, outcome: pick === 'A' ? 'win' : pick === 'B' ? 'loss' : pick === 'tie' ? 'tie' : 'error', cached: false });
    const stats = arenaStatistics([pair('win', [j('A')]), pair('win', [j('A')]), pair('loss', [j('B')]), pair('tie', [j('tie')]), pair('error', [j('error')])]);
    expect(stats.firstPosition).toEqual({ picks: 3, first: 2, rate: 2 / 3 });
  });

  it('counts order disagreements among pairs judged in both orders', () => {
    const both: ArenaJudgementRecord[] = [
      { order: 'candidate-first', pick: 'A', outcome: 'win', cached: false },
      { order: 'base-first', pick: 'A', outcome: 'loss', cached: false },
    ];
    const agree: ArenaJudgementRecord[] = [
      { order: 'candidate-first', pick: 'A', outcome: 'win', cached: false },
      { order: 'base-first', pick: 'B', outcome: 'win', cached: false },
    ];
    const stats = arenaStatistics([pair('tie', both, undefined, true), pair('win', agree), pair('win', agree), pair('win', agree)]);
    expect(stats.orderConsistency).toEqual({ bothOrders: 4, inconsistent: 1, rate: 0.25 });
    expect(stats.firstPosition).toEqual({ picks: 8, first: 5, rate: 5 / 8 });
  });

  it('gives the mean length ratio of winner to loser over decided pairs', () => {
    const stats = arenaStatistics([
      pair('win', [], { candidate: 300, base: 100 }), // 3
      pair('loss', [], { candidate: 100, base: 100 }), // 1
      pair('loss', [], { candidate: 400, base: 200 }), // 0.5
      pair('tie', [], { candidate: 900, base: 100 }), // not decided
      pair('win', [], { candidate: 10, base: 0 }), // empty loser: no ratio
    ]);
    expect(stats.lengthRatio.pairs).toBe(3);
    expect(stats.lengthRatio.mean).toBeCloseTo(1.5, 10);
    expect(arenaStatistics(many({ tie: 2 })).lengthRatio).toEqual({ pairs: 0 });
  });
});
