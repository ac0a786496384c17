import { describe, expect, it } from 'vitest';
import { wilsonInterval } from '../../../functions/audit/wilson-interval';
import { decideArena, nextSampleSize, type ArenaDecisionInput } from '../../../functions/arena/arena-decision';

const FLOOR = { effectFloor: 0.55, maxErrorRate: 0.02 };

/** Statistics with a given interval (pinned boundaries) over `pairs` pairs. */
function stats(estimate: number, lower: number, upper: number, pairs = 1000, errors = 0): ArenaDecisionInput {
  return { pairs, errors, errorRate: errors / pairs, decided: pairs - errors, winRate: { wins: Math.round(estimate * (pairs - errors)), decided: pairs - errors, estimate, lower, upper } };
}

/** Statistics from counts, through the Wilson interval. */
function counted(wins: number, losses: number, ties = 0, errors = 0): ArenaDecisionInput {
  const w = wilsonInterval(wins, wins + losses);
  const pairs = wins + losses + ties + errors;
  return { pairs, errors, errorRate: errors / pairs, decided: wins + losses, winRate: { wins, decided: wins + losses, ...w } };
}

describe('decideArena', () => {
  it('PASSes when the lower bound is above 0.5 and the win rate reaches the floor', () => {
    expect(decideArena(stats(0.6, 0.51, 0.69), FLOOR)).toMatchObject({ verdict: 'PASS', extend: false });
    // The floor itself is reached.
    expect(decideArena(stats(0.55, 0.5000001, 0.6), FLOOR).verdict).toBe('PASS');
  });

  it('does not PASS on a lower bound of exactly 0.5', () => {
    const d = decideArena(stats(0.6, 0.5, 0.7), FLOOR);
    expect(d.verdict).toBe('INCONCLUSIVE');
    expect(d.reasons[0]).toMatch(/lower bound is not above 0\.5/);
  });

  it('does not PASS a candidate surely better than the base but below the floor', () => {
    const d = decideArena(stats(0.5499, 0.52, 0.58), FLOOR);
    expect(d.verdict).toBe('INCONCLUSIVE');
    expect(d.reasons[0]).toMatch(/below the effect floor 0\.55/);
  });

  it('FAILs when the whole interval lies below the floor, and not when the upper bound touches it', () => {
    expect(decideArena(stats(0.5, 0.45, 0.5499999), FLOOR)).toMatchObject({ verdict: 'FAIL', extend: false });
    // Better than the base, by less than the floor: still FAIL.
    expect(decideArena(stats(0.53, 0.51, 0.549), FLOOR).verdict).toBe('FAIL');
    expect(decideArena(stats(0.5, 0.45, 0.55), FLOOR).verdict).toBe('INCONCLUSIVE');
  });

  it('is INCONCLUSIVE past the error budget whatever the win rate, and at the budget decides', () => {
    const over = decideArena(stats(0.9, 0.85, 0.95, 1000, 21), FLOOR);
    expect(over).toMatchObject({ verdict: 'INCONCLUSIVE', extend: false });
    expect(over.reasons[0]).toMatch(/21 of 1000 pairs failed \(2\.1%\), above the error budget of 2\.0%/);
    expect(decideArena(stats(0.1, 0.05, 0.15, 1000, 21), FLOOR).verdict).toBe('INCONCLUSIVE');
    expect(decideArena(stats(0.9, 0.85, 0.95, 1000, 20), FLOOR).verdict).toBe('PASS');
  });

  it('decides from counts: 7 of 50 FAILs, 0 of 20 FAILs, 58 of 100 is INCONCLUSIVE, 60 of 100 and 550 of 1000 PASS', () => {
    expect(decideArena(counted(7, 43), FLOOR).verdict).toBe('FAIL');
    expect(decideArena(counted(0, 20), FLOOR).verdict).toBe('FAIL');
    expect(decideArena(counted(58, 42), FLOOR).verdict).toBe('INCONCLUSIVE');
    // Wilson lower bounds 0.502 and 0.519.
    expect(decideArena(counted(60, 40), FLOOR).verdict).toBe('PASS');
    expect(decideArena(counted(550, 450), FLOOR).verdict).toBe('PASS');
  });

  it('extends an unresolved comparison by doubling, up to the pre-registered maximum', () => {
    const d = decideArena(counted(58, 42), { ...FLOOR, maxSampleSize: 1000 });
    expect(d).toMatchObject({ verdict: 'INCONCLUSIVE', extend: true, nextSampleSize: 200 });
    expect(d.reasons.at(-1)).toMatch(/extend to 200 pairs \(pre-registered maximum 1000\)/);
    expect(decideArena(counted(360, 240), { ...FLOOR, maxSampleSize: 1000 }).verdict).toBe('PASS');
    expect(decideArena(counted(320, 280), { ...FLOOR, maxSampleSize: 1000 })).toMatchObject({ verdict: 'INCONCLUSIVE', extend: true, nextSampleSize: 1000 });
    expect(decideArena(counted(530, 470), { ...FLOOR, maxSampleSize: 1000 })).toMatchObject({ verdict: 'INCONCLUSIVE', extend: false });
    expect(decideArena(counted(58, 42), FLOOR)).toMatchObject({ extend: false });
    expect(decideArena(counted(58, 42), { ...FLOOR, maxSampleSize: 1000 }, { available: 150 })).toMatchObject({ extend: true, nextSampleSize: 150 });
    expect(decideArena(counted(58, 42), { ...FLOOR, maxSampleSize: 1000 }, { available: 100 })).toMatchObject({ extend: false });
  });

  it('never extends past an error budget, and says when nothing was decided', () => {
    expect(decideArena(counted(58, 42, 0, 5), { ...FLOOR, maxSampleSize: 1000 })).toMatchObject({ verdict: 'INCONCLUSIVE', extend: false });
    const allTies = decideArena(counted(0, 0, 300), FLOOR);
    expect(allTies.verdict).toBe('INCONCLUSIVE');
    expect(allTies.reasons[0]).toMatch(/no pair was decided/);
    expect(decideArena({ pairs: 0, errors: 0, errorRate: 0, decided: 0, winRate: { wins: 0, decided: 0, estimate: 0, lower: 0, upper: 1 } }, FLOOR).verdict).toBe('INCONCLUSIVE');
  });

  it('refuses thresholds outside their ranges', () => {
    expect(() => decideArena(counted(1, 1), { effectFloor: 0.5, maxErrorRate: 0 })).toThrow(/effect floor/);
    expect(() => decideArena(counted(1, 1), { effectFloor: 0.6, maxErrorRate: 1.5 })).toThrow(/error rate/);
    expect(() => decideArena(counted(1, 1), { effectFloor: 0.6, maxErrorRate: 0, maxSampleSize: 0 })).toThrow(/sample size/);
  });
});

describe('nextSampleSize', () => {
  it('doubles, caps, and stops', () => {
    expect(nextSampleSize(300, 1000)).toBe(600);
    expect(nextSampleSize(600, 1000)).toBe(1000);
    expect(nextSampleSize(1000, 1000)).toBeUndefined();
    expect(nextSampleSize(300, undefined)).toBeUndefined();
    expect(nextSampleSize(300, 1000, 450)).toBe(450);
  });
});
