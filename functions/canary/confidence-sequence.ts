/**
 * An anytime-valid test of the canary's shadow win rate against a floor. The canary looks at its numbers after every
 * window; a fixed-sample interval checked that often raises false alarms far above its nominal level. A test built on
 * a nonnegative supermartingale does not: by Ville's inequality the chance that it EVER crosses 1/alpha, however
 * often it is looked at and whenever the canary stops, is at most alpha.
 *
 * The data are the decided shadow pairs: wins and losses of the candidate. Ties are counted and reported but left
 * out of the test, as in the arena's win rate: a tie says nothing about which answer is better. At a floor of 0.5
 * this is the same question as (wins + ties/2) / judged < 0.5; at other floors the floor reads on decided pairs,
 * which is how the arena's effect floor is defined.
 *
 * Both statistics are beta-binomial mixtures of likelihood ratios (Robbins' conjugate mixture; the Bernoulli case of
 * the mixture SPRT of Johari et al., "Always Valid Inference", and of Howard et al. 2021, "Time-uniform, nonparametric,
 * nonasymptotic confidence sequences"), exact for Bernoulli data with no normal approximation. The prior is
 * Beta(κ·floor, κ·(1 − floor)): centred on the floor, its spread (about sqrt(floor(1 − floor)/κ)) is the size of
 * effect the test is tuned to find quickly.
 *
 * - The alarm's e-value mixes the alternatives below the floor only (the prior truncated to [0, floor]):
 *     E_t = ∫₀^floor Π (q/floor)^S ((1−q)/(1−floor))^F dπ(q) / π([0, floor])
 *   For every true win rate p ≥ floor each factor has expectation ≤ 1, so E_t is a supermartingale under the whole
 *   null "the candidate is at or above the floor", not just at the floor. The alarm is E_t ≥ 1/alpha; the
 *   always-valid p-value is min(1, 1 / max_s E_s). Both are sticky: once raised, they stay.
 * - The confidence sequence inverts the untruncated mixture at every θ: {θ : M_t(θ) < 1/alpha}, an interval because
 *   ln M_t is convex in θ, intersected over time (each is valid at every time, so their intersection is too).
 *   With the same prior, an upper bound below the floor implies the alarm (the one-sided test is the sharper of the
 *   two and usually raises the alarm first).
 *
 * The state is a plain JSON-serializable object, updated window by window; nothing is random, so the same windows
 * always give the same state.
 */
import { logBeta, logRegularizedIncompleteBeta } from './log-beta';

export interface WinRateSequenceConfig {
  /** The win rate the candidate must not be confidently below, in (0, 1): 0.5 (not worse than current) or a run's effect floor. */
  floor: number;
  /** Level of the test and of the confidence sequence, in (0, 1); default 0.05. */
  alpha?: number;
  /** κ, the prior's concentration; the default suits effects of about five points over a few hundred to a few thousand pairs. */
  priorConcentration?: number;
}

/** One window's shadow pairs: the candidate's wins, losses and (reported, not tested) ties. */
export interface WinRateWindow {
  wins: number;
  losses: number;
  ties?: number;
}

export interface WinRateSequence {
  config: Required<WinRateSequenceConfig>;
  /** Windows observed so far. */
  windows: number;
  wins: number;
  losses: number;
  ties: number;
  /** wins + losses. */
  decided: number;
  /** wins / decided; absent while nothing was decided. */
  estimate?: number;
  /** ln of the current e-value against "win rate ≥ floor". */
  logEValue: number;
  /** The current e-value (saturates at Number.MAX_VALUE rather than overflowing). */
  eValue: number;
  /** The largest ln e-value so far: the evidence the alarm and the p-value are read from. */
  maxLogEValue: number;
  /** Always-valid p-value for "win rate ≥ floor": min(1, 1 / max e-value so far). */
  pValue: number;
  /** The confidence sequence for the win rate on decided pairs, intersected over all windows so far. */
  lower: number;
  upper: number;
  /** True once the win rate is confidently below the floor at level alpha (sticky). */
  alarm: boolean;
  /** The first window (1-based) at which the alarm was raised. */
  alarmWindow?: number;
}

export const DEFAULT_ALPHA = 0.05;
export const DEFAULT_PRIOR_CONCENTRATION = 100;

export function startWinRateSequence(config: WinRateSequenceConfig): WinRateSequence {
  const full: Required<WinRateSequenceConfig> = {
    floor: config.floor,
    alpha: config.alpha ?? DEFAULT_ALPHA,
    priorConcentration: config.priorConcentration ?? DEFAULT_PRIOR_CONCENTRATION,
  };
  checkConfig(full);
  return { config: full, windows: 0, wins: 0, losses: 0, ties: 0, decided: 0, logEValue: 0, eValue: 1, maxLogEValue: 0, pValue: 1, lower: 0, upper: 1, alarm: false };
}

export function updateWinRateSequence(state: WinRateSequence, window: WinRateWindow): WinRateSequence {
  const ties = window.ties ?? 0;
  for (const [name, value] of [['wins', window.wins], ['losses', window.losses], ['ties', ties]] as const) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
  const { config } = state;
  const windows = state.windows + 1;
  const wins = state.wins + window.wins;
  const losses = state.losses + window.losses;
  const decided = wins + losses;
  const logEValue = logEValueBelowFloor(wins, losses, config);
  const maxLogEValue = Math.max(state.maxLogEValue, logEValue);
  const bounds = confidenceBounds(wins, losses, config);
  const alarm = state.alarm || maxLogEValue >= -Math.log(config.alpha);
  const next: WinRateSequence = {
    config,
    windows,
    wins,
    losses,
    ties: state.ties + ties,
    decided,
    logEValue,
    eValue: Math.min(Math.exp(logEValue), Number.MAX_VALUE),
    maxLogEValue,
    pValue: Math.min(1, Math.exp(-maxLogEValue)),
    lower: Math.max(state.lower, bounds.lower),
    upper: Math.min(state.upper, bounds.upper),
    alarm,
  };
  if (decided > 0) next.estimate = wins / decided;
  const alarmWindow = state.alarmWindow ?? (alarm ? windows : undefined);
  if (alarmWindow !== undefined) next.alarmWindow = alarmWindow;
  return next;
}

/** The state after a sequence of windows, from the start. */
export function winRateSequence(config: WinRateSequenceConfig, windows: readonly WinRateWindow[]): WinRateSequence {
  return windows.reduce(updateWinRateSequence, startWinRateSequence(config));
}

/** The prior's Beta(a, b) shape: mean at the floor, concentration κ. */
function priorShape(config: Required<WinRateSequenceConfig>): { a: number; b: number } {
  return { a: config.priorConcentration * config.floor, b: config.priorConcentration * (1 - config.floor) };
}

/**
 * ln E for wins S and losses F: the truncated mixture's marginal likelihood over the floor's likelihood,
 *   ln[B(a+S, b+F) I_f(a+S, b+F)] − ln[B(a, b) I_f(a, b)] − S ln f − F ln(1 − f).
 */
export function logEValueBelowFloor(wins: number, losses: number, config: Required<WinRateSequenceConfig>): number {
  if (wins === 0 && losses === 0) return 0;
  const { a, b } = priorShape(config);
  const f = config.floor;
  const mixture = logBeta(a + wins, b + losses) + logRegularizedIncompleteBeta(f, a + wins, b + losses);
  const prior = logBeta(a, b) + logRegularizedIncompleteBeta(f, a, b);
  return mixture - prior - wins * Math.log(f) - losses * Math.log1p(-f);
}

/**
 * One window's confidence interval {θ : ln M(θ) < −ln alpha}, where
 *   ln M(θ) = ln B(a+S, b+F) − ln B(a, b) − S ln θ − F ln(1 − θ).
 * The log-likelihood S ln θ + F ln(1 − θ) is concave with its peak at S/(S+F), where M ≤ 1, so the set is an interval
 * around the estimate; each end is found by bisection.
 */
export function confidenceBounds(wins: number, losses: number, config: Required<WinRateSequenceConfig>): { lower: number; upper: number } {
  const { a, b } = priorShape(config);
  const threshold = logBeta(a + wins, b + losses) - logBeta(a, b) + Math.log(config.alpha);
  const logLikelihood = (theta: number): number => (wins === 0 ? 0 : wins * Math.log(theta)) + (losses === 0 ? 0 : losses * Math.log1p(-theta));
  const inside = (theta: number): boolean => logLikelihood(theta) > threshold;
  const peak = wins + losses === 0 ? 0.5 : wins / (wins + losses);
  return {
    lower: wins === 0 ? 0 : bisect(inside, peak, 0),
    upper: losses === 0 ? 1 : bisect(inside, peak, 1),
  };
}

const BISECTION_STEPS = 60;

/** The boundary between `from` (inside) and `to` (outside), returned from the inside so the interval never shrinks by rounding. */
function bisect(inside: (theta: number) => boolean, from: number, to: number): number {
  let inner = from;
  let outer = to;
  for (let i = 0; i < BISECTION_STEPS; i++) {
    const mid = (inner + outer) / 2;
    if (inside(mid)) inner = mid;
    else outer = mid;
  }
  return outer;
}

function checkConfig(c: Required<WinRateSequenceConfig>): void {
  if (!(c.floor > 0 && c.floor < 1)) throw new RangeError(`floor must be a win rate in (0, 1), got ${c.floor}`);
  if (!(c.alpha > 0 && c.alpha < 1)) throw new RangeError(`alpha must be within (0, 1), got ${c.alpha}`);
  if (!(c.priorConcentration > 0) || !Number.isFinite(c.priorConcentration)) throw new RangeError(`prior concentration must be finite and positive, got ${c.priorConcentration}`);
}
