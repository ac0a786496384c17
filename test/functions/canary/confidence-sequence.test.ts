import { describe, expect, it } from 'vitest';
import { wilsonInterval } from '../../../functions/audit/wilson-interval';
import {
  confidenceBounds,
  logEValueBelowFloor,
  startWinRateSequence,
  updateWinRateSequence,
  winRateSequence,
  type WinRateSequence,
  type WinRateWindow,
} from '../../../functions/canary/confidence-sequence';
import { logBeta } from '../../../functions/canary/log-beta';
import { seededRandom, type SeededRandom } from '../../../functions/gates/seeded-random';

const HALF = { floor: 0.5, alpha: 0.05, priorConcentration: 100 };

/** ∫₀^f g(q) dq by composite Simpson's rule. */
function simpson(g: (q: number) => number, from: number, to: number, intervals = 20_000): number {
  const h = (to - from) / intervals;
  let s = g(from) + g(to);
  for (let i = 1; i < intervals; i++) s += (i % 2 === 1 ? 4 : 2) * g(from + i * h);
  return (s * h) / 3;
}

/** The truncated-mixture e-value from its definition, by quadrature (small counts only: no logs needed). */
function eValueByQuadrature(wins: number, losses: number, floor: number, kappa: number): number {
  const a = kappa * floor;
  const b = kappa * (1 - floor);
  const prior = (q: number): number => Math.exp((a - 1) * Math.log(q) + (b - 1) * Math.log1p(-q) - logBeta(a, b));
  const ratio = (q: number): number => (q / floor) ** wins * ((1 - q) / (1 - floor)) ** losses;
  const lo = 1e-12;
  return simpson((q) => ratio(q) * prior(q), lo, floor) / simpson(prior, lo, floor);
}

describe('startWinRateSequence / updateWinRateSequence', () => {
  it('starts with no evidence: e-value 1, p-value 1, the whole [0, 1], no alarm', () => {
    const s = startWinRateSequence({ floor: 0.5 });
    expect(s).toMatchObject({ windows: 0, decided: 0, logEValue: 0, eValue: 1, pValue: 1, lower: 0, upper: 1, alarm: false });
    expect(s.config).toEqual(HALF);
    expect(s.estimate).toBeUndefined();
  });

  it('computes the e-value the quadrature of its defining integral gives', () => {
    for (const [wins, losses, floor, kappa] of [[8, 17, 0.5, 100], [30, 50, 0.5, 40], [40, 60, 0.55, 100], [3, 0, 0.5, 100], [0, 12, 0.6, 25]] as const) {
      const cfg = { floor, alpha: 0.05, priorConcentration: kappa };
      expect(Math.exp(logEValueBelowFloor(wins, losses, cfg))).toBeCloseTo(eValueByQuadrature(wins, losses, floor, kappa), 8);
    }
  });

  it('leaves ties out of the test but counts them', () => {
    const withTies = winRateSequence({ floor: 0.5 }, [{ wins: 10, losses: 14, ties: 6 }, { wins: 0, losses: 0, ties: 25 }]);
    const without = winRateSequence({ floor: 0.5 }, [{ wins: 10, losses: 14 }, { wins: 0, losses: 0 }]);
    expect(withTies.ties).toBe(31);
    expect(withTies.decided).toBe(24);
    expect(withTies.estimate).toBeCloseTo(10 / 24, 15);
    expect(withTies.logEValue).toBe(without.logEValue);
    expect([withTies.lower, withTies.upper]).toEqual([without.lower, without.upper]);
    expect(withTies.windows).toBe(2);
  });

  it('brackets the estimate with a confidence interval whose ends sit at M(θ) = 1/alpha', () => {
    const { lower, upper } = confidenceBounds(450, 550, HALF);
    expect(lower).toBeLessThan(0.45);
    expect(upper).toBeGreaterThan(0.45);
    const a = 50;
    const logM = (t: number): number => logBeta(a + 450, a + 550) - logBeta(a, a) - 450 * Math.log(t) - 550 * Math.log1p(-t);
    expect(logM(lower)).toBeCloseTo(-Math.log(0.05), 9);
    expect(logM(upper)).toBeCloseTo(-Math.log(0.05), 9);
    // Wider than the fixed-sample 95% Wilson interval at the same counts: the price of being valid at every look.
    const wilson = wilsonInterval(450, 1000);
    expect(lower).toBeLessThan(wilson.lower);
    expect(upper).toBeGreaterThan(wilson.upper);
    // No losses: the upper end is 1; no wins: the lower end is 0.
    expect(confidenceBounds(20, 0, HALF).upper).toBe(1);
    expect(confidenceBounds(0, 20, HALF).lower).toBe(0);
  });

  it('reads only the totals for the e-value, but keeps the running maximum, the intersection and the alarm', () => {
    const oneShot = winRateSequence({ floor: 0.5 }, [{ wins: 60, losses: 90 }]);
    const split = winRateSequence({ floor: 0.5 }, [{ wins: 10, losses: 40 }, { wins: 50, losses: 50 }]);
    expect(split.logEValue).toBeCloseTo(oneShot.logEValue, 12);
    expect(split.maxLogEValue).toBeGreaterThan(oneShot.maxLogEValue);
    expect(split.pValue).toBeLessThan(oneShot.pValue);
  });

  it('raises a sticky alarm on a losing candidate, and the intervals and p-value only tighten', () => {
    const windows: WinRateWindow[] = [
      ...Array.from({ length: 8 }, () => ({ wins: 7, losses: 18 })),
      ...Array.from({ length: 20 }, () => ({ wins: 20, losses: 5 })),
    ];
    let s = startWinRateSequence({ floor: 0.5 });
    let previous = s;
    for (const w of windows) {
      s = updateWinRateSequence(s, w);
      expect(s.pValue).toBeLessThanOrEqual(previous.pValue);
      expect(s.lower).toBeGreaterThanOrEqual(previous.lower);
      expect(s.upper).toBeLessThanOrEqual(previous.upper);
      if (previous.alarm) expect(s.alarm).toBe(true);
      previous = s;
    }
    expect(s.alarm).toBe(true);
    expect(s.alarmWindow).toBeGreaterThanOrEqual(2);
    expect(s.alarmWindow).toBeLessThanOrEqual(8);
    // The candidate now wins overall, and its current e-value says so; the alarm raised earlier stands.
    expect(s.estimate!).toBeGreaterThan(0.5);
    expect(s.logEValue).toBeLessThan(0);
    expect(s.pValue).toBeLessThanOrEqual(0.05);
  });

  it('never alarms on a candidate that wins, and an upper bound below the floor implies the alarm', () => {
    const r = seededRandom(77);
    for (let run = 0; run < 200; run++) {
      const p = run < 100 ? 0.6 : 0.42;
      let s = startWinRateSequence({ floor: 0.5 });
      for (let w = 0; w < 48; w++) {
        s = updateWinRateSequence(s, drawWindow(r, p, 25));
        if (s.upper < 0.5) expect(s.alarm).toBe(true);
      }
      if (p > 0.5) expect(s.alarm).toBe(false);
    }
  });

  it('is deterministic and JSON-serializable', () => {
    const windows = Array.from({ length: 48 }, (_, i) => ({ wins: 10 + (i % 5), losses: 12 - (i % 3), ties: i % 2 }));
    const a = winRateSequence({ floor: 0.5 }, windows);
    const b = winRateSequence({ floor: 0.5 }, windows);
    expect(a).toEqual(b);
    expect(JSON.parse(JSON.stringify(a)) as WinRateSequence).toEqual(a);
  });

  it('stays finite at millions of pairs and at overwhelming evidence', () => {
    const even = winRateSequence({ floor: 0.5 }, [{ wins: 1_000_000, losses: 1_000_000 }]);
    expect(Number.isFinite(even.logEValue)).toBe(true);
    expect(even.alarm).toBe(false);
    expect(even.upper - even.lower).toBeLessThan(0.01);
    expect(even.lower).toBeLessThan(0.5);
    expect(even.upper).toBeGreaterThan(0.5);
    const crushed = winRateSequence({ floor: 0.5 }, [{ wins: 1_000, losses: 100_000 }]);
    expect(crushed.logEValue).toBeGreaterThan(1000);
    expect(crushed.eValue).toBe(Number.MAX_VALUE);
    expect(crushed.pValue).toBe(0);
    expect(crushed.alarm).toBe(true);
    expect(JSON.parse(JSON.stringify(crushed))).toEqual(crushed);
  });

  it('refuses invalid configuration and counts', () => {
    expect(() => startWinRateSequence({ floor: 0 })).toThrow(RangeError);
    expect(() => startWinRateSequence({ floor: 1 })).toThrow(RangeError);
    expect(() => startWinRateSequence({ floor: 0.5, alpha: 0 })).toThrow(RangeError);
    expect(() => startWinRateSequence({ floor: 0.5, alpha: 1 })).toThrow(RangeError);
    expect(() => startWinRateSequence({ floor: 0.5, priorConcentration: 0 })).toThrow(RangeError);
    const s = startWinRateSequence({ floor: 0.5 });
    expect(() => updateWinRateSequence(s, { wins: -1, losses: 0 })).toThrow(RangeError);
    expect(() => updateWinRateSequence(s, { wins: 1.5, losses: 0 })).toThrow(RangeError);
    expect(() => updateWinRateSequence(s, { wins: 1, losses: 1, ties: -2 })).toThrow(RangeError);
  });
});

/** One window of `pairs` decided shadow pairs with win probability p. */
function drawWindow(r: SeededRandom, p: number, pairs: number): WinRateWindow {
  let wins = 0;
  for (let i = 0; i < pairs; i++) if (r.float() < p) wins++;
  return { wins, losses: pairs - wins };
}

const WINDOWS = 48;
const PAIRS = 25;
const CANARIES = 1000;
/** One-sided z for alpha = 0.05: the fixed-sample interval at the same nominal level as the sequential test. */
const Z_ONE_SIDED_95 = 1.6448536269514722;

interface SimulationSummary {
  /** Canaries whose sequential test alarmed in some window. */
  sequential: number;
  /** Canaries whose naive one-sided Wilson check (upper < floor) fired in some window. */
  naiveEveryWindow: number;
  /** The same naive check, two-sided 95% Wilson as the arena uses, at every window. */
  naive95EveryWindow: number;
  /** The naive one-sided check looked at once, at the last window (its fixed-sample use). */
  naiveFinalOnly: number;
  /** First alarm window of each sequential alarm. */
  detectionWindows: number[];
}

/** CANARIES canaries of WINDOWS windows of PAIRS decided pairs at win rate p, each checked after every window. */
function simulate(p: number, floor: number, seed: number): SimulationSummary {
  const r = seededRandom(seed);
  const out: SimulationSummary = { sequential: 0, naiveEveryWindow: 0, naive95EveryWindow: 0, naiveFinalOnly: 0, detectionWindows: [] };
  for (let c = 0; c < CANARIES; c++) {
    let s = startWinRateSequence({ floor });
    let naive = false;
    let naive95 = false;
    for (let w = 0; w < WINDOWS; w++) {
      s = updateWinRateSequence(s, drawWindow(r, p, PAIRS));
      if (!naive && wilsonInterval(s.wins, s.decided, Z_ONE_SIDED_95).upper < floor) naive = true;
      if (!naive95 && wilsonInterval(s.wins, s.decided).upper < floor) naive95 = true;
    }
    if (s.alarm) {
      out.sequential++;
      out.detectionWindows.push(s.alarmWindow!);
    }
    if (naive) out.naiveEveryWindow++;
    if (naive95) out.naive95EveryWindow++;
    if (wilsonInterval(s.wins, s.decided, Z_ONE_SIDED_95).upper < floor) out.naiveFinalOnly++;
  }
  return out;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

// Binomial Monte-Carlo error of a rate near 0.05 over 1,000 canaries is about 0.007: 0.02 is about three of them.
const ALPHA = 0.05;
const MONTE_CARLO_ALLOWANCE = 0.02;

describe('win-rate test monitored at every window (1,000 simulated canaries, 48 windows of 25 pairs)', () => {
  it('keeps the false-alarm rate at or below alpha with no real difference, where the naive Wilson check does not', () => {
    const sim = simulate(0.5, 0.5, 20240601);
    const rate = (n: number): number => n / CANARIES;
    // Measured with this seed: sequential 0.023; naive one-sided Wilson at every window 0.29, two-sided 95% 0.165;
    // the same naive check looked at once, at the end, 0.050 (it is the repeated looking that breaks it).
    expect(rate(sim.sequential)).toBeLessThanOrEqual(ALPHA + MONTE_CARLO_ALLOWANCE);
    expect(rate(sim.naiveEveryWindow)).toBeGreaterThan(ALPHA + MONTE_CARLO_ALLOWANCE);
    expect(rate(sim.naiveEveryWindow)).toBeGreaterThan(3 * rate(sim.sequential));
    expect(rate(sim.naive95EveryWindow)).toBeGreaterThan(ALPHA + MONTE_CARLO_ALLOWANCE);
    expect(rate(sim.naiveFinalOnly)).toBeLessThanOrEqual(ALPHA + MONTE_CARLO_ALLOWANCE);
  });

  it('keeps the false-alarm rate at or below alpha for a candidate exactly at an effect floor of 0.55', () => {
    const sim = simulate(0.55, 0.55, 99);
    expect(sim.sequential / CANARIES).toBeLessThanOrEqual(ALPHA + MONTE_CARLO_ALLOWANCE);
    expect(sim.naiveEveryWindow / CANARIES).toBeGreaterThan(ALPHA + MONTE_CARLO_ALLOWANCE);
  });

  it('catches a real 5-point drop (win rate 0.45 against a floor of 0.5) with high probability within the windows', () => {
    const sim = simulate(0.45, 0.5, 7);
    const power = sim.sequential / CANARIES;
    // Measured with this seed: power 0.819, median detection at window 22 of 48 (550 decided pairs), quartiles 14
    // and 33. The naive check looked at once at the end has 0.97: that is what anytime validity costs at this n.
    expect(power).toBeGreaterThanOrEqual(0.75);
    expect(median(sim.detectionWindows)).toBeLessThanOrEqual(28);
    // A 10-point drop is caught every time, and early.
    const big = simulate(0.4, 0.5, 8);
    expect(big.sequential).toBe(CANARIES);
    expect(median(big.detectionWindows)).toBeLessThanOrEqual(10);
  });
});
