/**
 * How many non-tied arena comparisons a run needs, fixed before training starts.
 *
 * The arena tests the candidate's win rate p against the base's 0.5. A run pins an effect floor p₁ (say 0.55):
 * the smallest edge worth promoting. The sample must be large enough that a candidate truly at p₁ is told apart
 * from a coin flip at the pinned confidence (two-sided, as a 95% interval excluding 0.5 is) with the pinned power:
 *
 *   n = ((z₁₋α/₂·√(p₀q₀) + z₁₋β·√(p₁q₁)) / (p₁ − p₀))²,  p₀ = 0.5
 *
 * For p₁ = 0.55 at 95% / 80% that is 783. Precision alone (an interval of ±5 points around 0.5, the ~385 of
 * DESIGN.md) is the n of a test with 50% power: half the candidates truly at the floor would be missed.
 * Ties carry no information about who is better, so the counts are of non-tied comparisons.
 */

export const DEFAULT_ARENA_CONFIDENCE = 0.95;
export const DEFAULT_ARENA_POWER = 0.8;

export interface ArenaSampleSizeOptions {
  /** Two-sided confidence level. @default 0.95 */
  confidence?: number;
  /** Probability of detecting a candidate whose true win rate is exactly the effect floor. @default 0.8 */
  power?: number;
}

/** Non-tied comparisons needed to resolve `effectFloor` (a win rate in (0.5, 1]) against 0.5. */
export function arenaSampleSize(effectFloor: number, options: ArenaSampleSizeOptions = {}): number {
  const confidence = options.confidence ?? DEFAULT_ARENA_CONFIDENCE;
  const power = options.power ?? DEFAULT_ARENA_POWER;
  if (!(effectFloor > 0.5 && effectFloor <= 1)) throw new RangeError(`effect floor must be a win rate in (0.5, 1], got ${effectFloor}`);
  assertProbability('confidence', confidence);
  assertProbability('power', power);
  const p0 = 0.5;
  const zAlpha = normalQuantile(1 - (1 - confidence) / 2);
  const zBeta = normalQuantile(power);
  const n = ((zAlpha * Math.sqrt(p0 * (1 - p0)) + zBeta * Math.sqrt(effectFloor * (1 - effectFloor))) / (effectFloor - p0)) ** 2;
  return ceilCount(n);
}

/** Non-tied comparisons for a win-rate interval of ±`halfWidthPoints` around 0.5 (5 points → 385). */
export function winRateResolutionSampleSize(halfWidthPoints: number, confidence = DEFAULT_ARENA_CONFIDENCE): number {
  if (!(halfWidthPoints > 0 && halfWidthPoints <= 50)) throw new RangeError(`half-width must be in (0, 50] points, got ${halfWidthPoints}`);
  assertProbability('confidence', confidence);
  const z = normalQuantile(1 - (1 - confidence) / 2);
  return ceilCount((z * z * 0.25) / (halfWidthPoints / 100) ** 2);
}

/**
 * Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9), so levels
 * other than the usual 1.96 / 0.84 are computed, not looked up.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normal quantile needs p in (0, 1), got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  const tail = (q: number) => (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < low) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - low) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

// A count computed in floating point can land a hair above a whole number (384.16 is fine; 783.0000000001 is not 784).
function ceilCount(n: number): number {
  return Math.ceil(n - 1e-9);
}

function assertProbability(name: string, value: number): void {
  if (!(value > 0 && value < 1)) throw new RangeError(`${name} must be in (0, 1), got ${value}`);
}
