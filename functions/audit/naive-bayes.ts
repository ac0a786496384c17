/**
 * Multinomial naive Bayes over hashed sparse features, with additive (Laplace) smoothing.
 *
 * Counts are additive, so `remove` undoes `add` exactly: K-fold cross-validation trains one model on every row,
 * then for each fold removes that fold's rows, predicts them out of sample, and adds them back.
 *
 * Two refinements, both on by default, keep its probabilities usable for confident learning:
 * - The pseudo-count is scaled to each class's size (alpha_c = alpha · N_c / mean N). With one alpha for all, a small
 *   class's likelihoods are diluted by the same V·alpha that barely touches a large class, so every shared word counts
 *   as evidence against the small class and its rows drift to the large ones. With balanced classes this is plain
 *   Laplace smoothing.
 * - Each feature's centred log-likelihoods are shrunk toward zero by (1 − (K−1)/χ²)+, where χ² tests the feature's
 *   presence against the class and K−1 is its expected value for a feature unrelated to the class (positive-part
 *   James–Stein). Naive Bayes adds up every feature as independent evidence, so a boilerplate phrase that by chance
 *   leans to one class in a small sample ("i need this sorted" in 32 account rows and 12 shipping rows) outvotes the
 *   one word that carries the label. Shrinkage silences such features and leaves clearly associated ones nearly whole.
 */

export interface NaiveBayesOptions {
  /** Bits of the feature ids given to add/predict (default 18). */
  featureBits?: number;
  /** Bits of the model's own table, ≤ featureBits; features fold down by dropping low bits (default featureBits). */
  bits?: number;
  /** Additive smoothing pseudo-count (default 1: Laplace). */
  alpha?: number;
  /** Scale the pseudo-count to each class's share of the training features (default true). */
  classScaledSmoothing?: boolean;
  /** Shrink each feature's log-likelihoods by its χ² association with the class (default true). */
  shrinkage?: boolean;
}

export class MultinomialNaiveBayes {
  readonly numClasses: number;
  readonly bits: number;
  readonly alpha: number;
  readonly classScaledSmoothing: boolean;
  readonly shrinkage: boolean;
  private readonly shift: number;
  // Bucket-major (bucket · K + class), so one feature's K cells share a cache line.
  private readonly counts: Uint32Array;
  private readonly bucketTotals: Uint32Array;
  private readonly classFeatures: Float64Array;
  private readonly classRows: Float64Array;
  private rows = 0;
  /** Distinct buckets seen in training: the vocabulary size V of the smoothing denominator. */
  private vocabulary = 0;
  // Per-cell log(1 + n / alpha_c), rebuilt after the counts change; cells never seen stay 0.
  private readonly weights: Float32Array;
  private readonly classBase: Float64Array;
  private dirty = true;

  constructor(numClasses: number, options: NaiveBayesOptions = {}) {
    const featureBits = options.featureBits ?? 18;
    const bits = options.bits ?? featureBits;
    const alpha = options.alpha ?? 1;
    if (!Number.isInteger(numClasses) || numClasses < 1) throw new RangeError(`numClasses must be a positive integer, got ${numClasses}`);
    if (!Number.isInteger(bits) || bits < 1 || bits > featureBits || featureBits > 30) {
      throw new RangeError(`need 1 ≤ bits ≤ featureBits ≤ 30, got ${bits}, ${featureBits}`);
    }
    if (!(alpha > 0)) throw new RangeError(`alpha must be positive, got ${alpha}`);
    this.numClasses = numClasses;
    this.bits = bits;
    this.alpha = alpha;
    this.classScaledSmoothing = options.classScaledSmoothing ?? true;
    this.shrinkage = options.shrinkage ?? true;
    this.shift = featureBits - bits;
    this.counts = new Uint32Array((1 << bits) * numClasses);
    this.weights = new Float32Array((1 << bits) * numClasses);
    this.bucketTotals = new Uint32Array(1 << bits);
    this.classFeatures = new Float64Array(numClasses);
    this.classRows = new Float64Array(numClasses);
    this.classBase = new Float64Array(numClasses);
  }

  /** Rows currently in the model. */
  get size(): number {
    return this.rows;
  }

  add(features: Uint32Array, cls: number): void {
    this.checkClass(cls);
    const { counts, bucketTotals, shift, numClasses } = this;
    for (let i = 0; i < features.length; i++) {
      const b = features[i]! >>> shift;
      counts[b * numClasses + cls]!++;
      if (bucketTotals[b]!++ === 0) this.vocabulary++;
    }
    this.classFeatures[cls]! += features.length;
    this.classRows[cls]!++;
    this.rows++;
    this.dirty = true;
  }

  /** Undoes an earlier `add` of the same features and class. */
  remove(features: Uint32Array, cls: number): void {
    this.checkClass(cls);
    if (this.classRows[cls]! < 1) throw new Error(`class ${cls} has no rows to remove`);
    const { counts, bucketTotals, shift, numClasses } = this;
    for (let i = 0; i < features.length; i++) {
      const at = (features[i]! >>> shift) * numClasses + cls;
      if (counts[at] === 0) {
        // Put back what this call already took, so a bad call leaves the model as it was.
        for (let j = 0; j < i; j++) {
          const b = features[j]! >>> shift;
          counts[b * numClasses + cls]!++;
          if (bucketTotals[b]!++ === 0) this.vocabulary++;
        }
        throw new Error('remove() of features that were never added');
      }
      counts[at]!--;
      if (--bucketTotals[features[i]! >>> shift]! === 0) this.vocabulary--;
    }
    this.classFeatures[cls]! -= features.length;
    this.classRows[cls]!--;
    this.rows--;
    this.dirty = true;
  }

  /** The pseudo-count each class's likelihoods are smoothed with. */
  smoothing(): Float64Array {
    const k = this.numClasses;
    const out = new Float64Array(k).fill(this.alpha);
    if (!this.classScaledSmoothing) return out;
    let total = 0;
    for (let c = 0; c < k; c++) total += this.classFeatures[c]!;
    if (total === 0) return out;
    // A class with no training features keeps a small positive pseudo-count: its likelihood is then uniform, 1/V.
    for (let c = 0; c < k; c++) out[c] = Math.max((this.alpha * this.classFeatures[c]! * k) / total, this.alpha * 1e-6);
    return out;
  }

  /**
   * Unnormalised log posteriors into `out` (length numClasses): log P(c) + Σ log P(feature | c), where
   * P(w | c) = (n_cw + alpha_c) / (N_c + alpha_c · V).
   */
  logJoint(features: Uint32Array, out: Float64Array): Float64Array {
    if (this.dirty) this.rebuild();
    const { weights, shift, numClasses: k, classBase } = this;
    const m = features.length;
    for (let c = 0; c < k; c++) out[c] = this.logPrior(c) + m * classBase[c]!;
    for (let i = 0; i < m; i++) {
      const base = (features[i]! >>> shift) * k;
      for (let c = 0; c < k; c++) out[c]! += weights[base + c]!;
    }
    return out;
  }

  /** Class probabilities P(c | features) into `out`. */
  predictProba(features: Uint32Array, out: Float64Array): Float64Array {
    return normalizeLogProbabilities(this.logJoint(features, out));
  }

  // Class prior smoothed by one row per class, so a class absent from a training fold is unlikely, not impossible.
  private logPrior(c: number): number {
    return Math.log((this.classRows[c]! + 1) / (this.rows + this.numClasses));
  }

  // log P(w|c) = log(alpha_c) − log(N_c + alpha_c·V) + log(1 + n_cw / alpha_c): the first two terms are per class
  // (classBase, added once per feature in logJoint), the last is zero for every cell the class never saw, so only seen
  // buckets need a logarithm. With shrinkage, a seen bucket's weights are set so that classBase + weight is the shrunk,
  // centred log-likelihood instead.
  private rebuild(): void {
    const { counts, bucketTotals, weights, numClasses: k, classBase, classRows, rows } = this;
    const alphas = this.smoothing();
    const vocab = Math.max(1, this.vocabulary);
    for (let c = 0; c < k; c++) classBase[c] = Math.log(alphas[c]!) - Math.log(this.classFeatures[c]! + alphas[c]! * vocab);
    for (let b = 0; b < bucketTotals.length; b++) {
      const base = b * k;
      if (bucketTotals[b] === 0) {
        for (let c = 0; c < k; c++) weights[base + c] = 0;
        continue;
      }
      for (let c = 0; c < k; c++) {
        const n = counts[base + c]!;
        weights[base + c] = n === 0 ? 0 : Math.log1p(n / alphas[c]!);
      }
      if (!this.shrinkage) continue;
      // χ² of the 2 × K table (feature present or absent × class) against independence.
      const t = bucketTotals[b]!;
      let chi = 0;
      for (let c = 0; c < k; c++) {
        const expected = (classRows[c]! * t) / rows;
        const absent = classRows[c]! - expected;
        const d = counts[base + c]! - expected;
        if (expected > 0 && absent > 0) chi += d * d * (1 / expected + 1 / absent);
      }
      const factor = chi > k - 1 ? 1 - (k - 1) / chi : 0;
      let mean = 0;
      for (let c = 0; c < k; c++) mean += classBase[c]! + weights[base + c]!;
      mean /= k;
      for (let c = 0; c < k; c++) weights[base + c] = factor * (classBase[c]! + weights[base + c]! - mean) - classBase[c]!;
    }
    this.dirty = false;
  }

  private checkClass(cls: number): void {
    if (!Number.isInteger(cls) || cls < 0 || cls >= this.numClasses) throw new RangeError(`class ${cls} out of range 0..${this.numClasses - 1}`);
  }
}

/**
 * Turns log scores into probabilities in place, by log-sum-exp: subtracting the maximum first keeps exp() from
 * underflowing to an all-zero row when the scores are hundreds of nats below zero, as naive Bayes scores are.
 * `temperature` > 1 softens the distribution (temperature scaling), < 1 sharpens it.
 */
export function normalizeLogProbabilities(values: Float64Array, temperature = 1, offset = 0, length = values.length - offset): Float64Array {
  let max = -Infinity;
  for (let i = offset; i < offset + length; i++) if (values[i]! > max) max = values[i]!;
  if (max === -Infinity) {
    for (let i = offset; i < offset + length; i++) values[i] = 1 / length;
    return values;
  }
  let sum = 0;
  for (let i = offset; i < offset + length; i++) {
    const e = Math.exp((values[i]! - max) / temperature);
    values[i] = e;
    sum += e;
  }
  for (let i = offset; i < offset + length; i++) values[i]! /= sum;
  return values;
}
