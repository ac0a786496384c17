/**
 * The gamma and beta functions in log space, for the beta-binomial mixtures of the win-rate confidence sequence.
 * Counts of a long canary reach the thousands, where Γ and B themselves overflow or underflow a double; their logs
 * stay well inside it, so every ratio of mixtures is a difference of logs.
 */

// Lanczos approximation, g = 7, nine terms: about 15 significant digits for x > 0.
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.9189385332046727;

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) throw new RangeError(`logGamma needs a finite positive argument, got ${x}`);
  // Reflection keeps the series accurate below 0.5: Γ(x)Γ(1−x) = π / sin(πx).
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let series = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) series += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(series);
}

/** ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b), for a, b > 0. */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/**
 * ln I_x(a, b), the log of the regularized incomplete beta function (the Beta(a, b) distribution function at x).
 * The continued fraction converges fast only below the mean, (a + 1) / (a + b + 2); above it the symmetry
 * I_x(a, b) = 1 − I_{1−x}(b, a) is used, where the result is not small and log1p keeps its precision.
 */
export function logRegularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0) || !Number.isFinite(a) || !Number.isFinite(b)) throw new RangeError(`shape parameters must be finite and positive, got a=${a}, b=${b}`);
  if (!(x >= 0 && x <= 1)) throw new RangeError(`x must be within [0, 1], got ${x}`);
  if (x === 0) return -Infinity;
  if (x === 1) return 0;
  if (x < (a + 1) / (a + b + 2)) return logFront(x, a, b) + Math.log(continuedFraction(x, a, b)) - Math.log(a);
  const complement = Math.exp(logFront(1 - x, b, a) + Math.log(continuedFraction(1 - x, b, a)) - Math.log(b));
  return Math.log1p(-complement);
}

/** ln of x^a (1 − x)^b / B(a, b). */
function logFront(x: number, a: number, b: number): number {
  return a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b);
}

const MAX_ITERATIONS = 10_000;
const EPSILON = 1e-15;
const TINY = 1e-300;

/** The incomplete beta continued fraction by the modified Lentz method. */
function continuedFraction(x: number, a: number, b: number): number {
  const guard = (v: number): number => (Math.abs(v) < TINY ? TINY : v);
  let c = 1;
  let d = 1 / guard(1 - ((a + b) * x) / (a + 1));
  let h = d;
  for (let m = 1; m <= MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    // Even step.
    let term = (m * (b - m) * x) / ((a - 1 + m2) * (a + m2));
    d = 1 / guard(1 + term * d);
    c = guard(1 + term / c);
    h *= d * c;
    // Odd step.
    term = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + 1 + m2));
    d = 1 / guard(1 + term * d);
    c = guard(1 + term / c);
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) return h;
  }
  throw new RangeError(`incomplete beta continued fraction did not converge for x=${x}, a=${a}, b=${b}`);
}
