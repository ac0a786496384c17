/**
 * Confident learning (Northcutt, Jiang & Chuang, JAIR 2021) from out-of-sample predicted probabilities.
 *
 * - Each class's threshold is the mean self-confidence (predicted probability of the given label) of the rows
 *   given that label.
 * - The confident joint C[i][j] counts rows given label i whose probability for class j reaches j's threshold
 *   (the largest such class when several do). It is calibrated so row i sums to the count of label i and the whole
 *   to n; its off-diagonal mass over n is the estimated noise rate.
 * - Issues are found by pruning by noise rate: within each given class i, the C[i][j] rows with the largest margin
 *   p_j − p_i are flagged for every j ≠ i. Rows whose argmax is their given label are never flagged.
 *
 * The defaults, rounding and edge cases follow cleanlab's documented behaviour (count.py, filter.py), so results can be
 * checked against it. `probs` is a row-major n × k matrix; `labels[i]` is in 0..k-1.
 */

export type IssueFilter = 'prune_by_noise_rate' | 'confident_learning';
export type IssueRanking = 'self_confidence' | 'normalized_margin';

export interface ConfidentLearningOptions {
  /** How the issue set is chosen (default prune_by_noise_rate, as cleanlab's find_label_issues). */
  filterBy?: IssueFilter;
  /** How issues are ordered, most likely error first (default self_confidence). */
  rankBy?: IssueRanking;
  /** A class with this many rows or fewer is never pruned (default 1). */
  minExamplesPerClass?: number;
}

export interface ConfidentLearningResult {
  numClasses: number;
  labelCounts: number[];
  thresholds: number[];
  /** Uncalibrated confident joint, rows = given label, columns = likely true label; diagonal at least 1. */
  confidentJoint: number[][];
  /** Calibrated to the label counts and rounded preserving row totals. */
  calibratedJoint: number[][];
  /** Off-diagonal share of the calibrated joint. */
  noiseRate: number;
  /** Per given label: the share of its rows estimated to belong to another class. */
  perClassNoiseRate: number[];
  /** Row positions flagged as label issues, ranked most likely error first. */
  issues: Int32Array;
}

// cleanlab's comparison slack and threshold floor (internal/constants.py).
const FLOATING_POINT_COMPARISON = 1e-6;
const THRESHOLD_LOWER_BOUND = 2 * FLOATING_POINT_COMPARISON;
// Threshold of a class no row is given: no probability can reach it, so nothing is counted into that column.
const ABSENT_CLASS_THRESHOLD = 2;

function checkShape(labels: ArrayLike<number>, probs: ArrayLike<number>, k: number): number {
  const n = labels.length;
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`need at least 2 classes, got ${k}`);
  if (probs.length !== n * k) throw new RangeError(`probs has ${probs.length} values, expected ${n} × ${k}`);
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    if (!Number.isInteger(y) || y < 0 || y >= k) throw new RangeError(`label ${y} at ${i} is outside 0..${k - 1}`);
  }
  return n;
}

export function labelCounts(labels: ArrayLike<number>, k: number): number[] {
  const counts = new Array<number>(k).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]!]!++;
  return counts;
}

/** Per class: the mean predicted probability of that class over the rows given it. */
export function confidentThresholds(labels: ArrayLike<number>, probs: ArrayLike<number>, k: number): number[] {
  const n = checkShape(labels, probs, k);
  const sums = new Array<number>(k).fill(0);
  const counts = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    sums[y]! += probs[i * k + y]!;
    counts[y]!++;
  }
  return sums.map((s, c) => (counts[c]! > 0 ? Math.max(s / counts[c]!, THRESHOLD_LOWER_BOUND) : ABSENT_CLASS_THRESHOLD));
}

/** The row's likely true class under the thresholds, or -1 when no class is confident. */
function confidentClass(probs: ArrayLike<number>, row: number, k: number, thresholds: readonly number[]): number {
  const base = row * k;
  let confident = 0;
  let firstConfident = -1;
  let argmax = 0;
  for (let j = 0; j < k; j++) {
    const p = probs[base + j]!;
    if (p >= thresholds[j]! - FLOATING_POINT_COMPARISON) {
      if (confident++ === 0) firstConfident = j;
    }
    if (p > probs[base + argmax]!) argmax = j;
  }
  if (confident === 0) return -1;
  return confident === 1 ? firstConfident : argmax;
}

/**
 * The uncalibrated confident joint (k × k), with every diagonal entry at least 1 so each class keeps a correctly
 * labelled example, and the positions of rows counted off the diagonal.
 */
export function computeConfidentJoint(
  labels: ArrayLike<number>,
  probs: ArrayLike<number>,
  k: number,
  thresholds: readonly number[] = confidentThresholds(labels, probs, k),
): { joint: number[][]; offDiagonal: Int32Array } {
  const n = checkShape(labels, probs, k);
  const joint = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const off: number[] = [];
  for (let i = 0; i < n; i++) {
    const guess = confidentClass(probs, i, k, thresholds);
    if (guess < 0) continue;
    const y = labels[i]!;
    joint[y]![guess]!++;
    if (guess !== y) off.push(i);
  }
  for (let c = 0; c < k; c++) joint[c]![c] = Math.max(joint[c]![c]!, 1);
  return { joint, offDiagonal: Int32Array.from(off) };
}

/** numpy's round: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Rounds values to integers whose sum is the rounded original sum, moving the largest residuals first. */
export function roundPreservingSum(values: readonly number[]): number[] {
  const ints = values.map(roundHalfEven);
  const target = roundHalfEven(values.reduce((a, b) => a + b, 0));
  let sum = ints.reduce((a, b) => a + b, 0);
  while (Math.abs(sum - target) > FLOATING_POINT_COMPARISON) {
    const diff = roundHalfEven(target - sum);
    const step = diff < 0 ? -1 : 1;
    const changes = Math.min(Math.abs(diff), values.length);
    // Ascending by residual (stable), reversed when adding: numpy's argsort(...)[::-step], ties included.
    const order = values.map((_, i) => i).sort((a, b) => values[a]! - ints[a]! - (values[b]! - ints[b]!) || a - b);
    if (step > 0) order.reverse();
    for (let t = 0; t < changes; t++) ints[order[t]!]! += step;
    sum = ints.reduce((a, b) => a + b, 0);
  }
  return ints;
}

/** Scales each row of the joint to its label count, then the whole to n, then rounds preserving row totals. */
export function calibrateConfidentJoint(joint: readonly (readonly number[])[], counts: readonly number[]): number[][] {
  const k = joint.length;
  const total = counts.reduce((a, b) => a + b, 0);
  const scaled = joint.map((row, i) => {
    const rowSum = Math.max(row.reduce((a, b) => a + b, 0), Number.MIN_VALUE);
    return row.map((v) => (v / rowSum) * counts[i]!);
  });
  const scaledSum = Math.max(scaled.reduce((a, row) => a + row.reduce((x, y) => x + y, 0), 0), Number.MIN_VALUE);
  if (scaled.length !== k) throw new RangeError('joint must be square');
  return scaled.map((row) => roundPreservingSum(row.map((v) => (v / scaledSum) * total)));
}

/**
 * The number of rows to prune per (true j, given i) cell, transposed as cleanlab keeps it: raises the diagonal to at
 * least `n` per class, taking the difference evenly from that class's non-zero noise cells.
 */
function pruneCountMatrix(calibrated: readonly (readonly number[])[], n: number): number[][] {
  const k = calibrated.length;
  const m = Array.from({ length: k }, (_, r) => Array.from({ length: k }, (_, c) => calibrated[c]![r]!));
  const diagonal = m.map((row, c) => row[c]!);
  const next = m.map((row) => row.slice());
  for (let c = 0; c < k; c++) {
    const raised = Math.max(diagonal[c]!, n);
    const diff = raised - diagonal[c]!;
    let nonZero = 0;
    for (let r = 0; r < k; r++) if (m[r]![c] !== 0) nonZero++;
    const per = diff / Math.max(nonZero - 1, 1);
    for (let r = 0; r < k; r++) next[r]![c] = r === c ? raised : Math.max(m[r]![c]! - per, 0);
  }
  // Counts of rows: cleanlab truncates to integers here.
  return next.map((row) => row.map(Math.trunc));
}

function argmaxOf(probs: ArrayLike<number>, row: number, k: number): number {
  const base = row * k;
  let best = 0;
  for (let j = 1; j < k; j++) if (probs[base + j]! > probs[base + best]!) best = j;
  return best;
}

/** Per row: self-confidence p(given), or the normalised margin (p(given) − max other + 1) / 2. Lower is worse. */
export function labelQualityScores(labels: ArrayLike<number>, probs: ArrayLike<number>, k: number, method: IssueRanking = 'self_confidence'): Float64Array {
  const n = checkShape(labels, probs, k);
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    const self = probs[i * k + y]!;
    if (method === 'self_confidence') {
      scores[i] = self;
      continue;
    }
    let other = 0;
    for (let j = 0; j < k; j++) if (j !== y && probs[i * k + j]! > other) other = probs[i * k + j]!;
    scores[i] = (self - other + 1) / 2;
  }
  return scores;
}

/** Runs confident learning end to end: thresholds, joint, calibration, noise rate and the ranked issue set. */
export function confidentLearning(
  labels: ArrayLike<number>,
  probs: ArrayLike<number>,
  k: number,
  options: ConfidentLearningOptions = {},
): ConfidentLearningResult {
  const n = checkShape(labels, probs, k);
  const filterBy = options.filterBy ?? 'prune_by_noise_rate';
  const rankBy = options.rankBy ?? 'self_confidence';
  const minExamples = options.minExamplesPerClass ?? 1;
  const counts = labelCounts(labels, k);
  const thresholds = confidentThresholds(labels, probs, k);
  const { joint, offDiagonal } = computeConfidentJoint(labels, probs, k, thresholds);
  const calibrated = calibrateConfidentJoint(joint, counts);

  let total = 0;
  let trace = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) total += calibrated[i]![j]!;
    trace += calibrated[i]![i]!;
  }
  const noiseRate = total > 0 ? 1 - trace / total : 0;
  const perClassNoiseRate = calibrated.map((row, i) => {
    const rowSum = row.reduce((a, b) => a + b, 0);
    return rowSum > 0 ? 1 - row[i]! / rowSum : 0;
  });

  const flagged = new Uint8Array(n);
  if (filterBy === 'confident_learning') {
    for (const i of offDiagonal) flagged[i] = 1;
  } else {
    const prune = pruneCountMatrix(calibrated, minExamples);
    const byClass: number[][] = Array.from({ length: k }, () => []);
    for (let i = 0; i < n; i++) byClass[labels[i]!]!.push(i);
    for (let given = 0; given < k; given++) {
      const rows = byClass[given]!;
      if (rows.length <= minExamples) continue;
      for (let j = 0; j < k; j++) {
        const take = j === given ? 0 : prune[j]![given]!;
        if (take <= 0) continue;
        // The rows most confidently of class j rather than their given class go first.
        const order = rows.slice().sort((a, b) => probs[b * k + j]! - probs[b * k + given]! - (probs[a * k + j]! - probs[a * k + given]!) || a - b);
        for (let t = 0; t < Math.min(take, order.length); t++) flagged[order[t]!] = 1;
      }
    }
  }
  for (let i = 0; i < n; i++) if (flagged[i] && argmaxOf(probs, i, k) === labels[i]) flagged[i] = 0;

  const scores = labelQualityScores(labels, probs, k, rankBy);
  const issues: number[] = [];
  for (let i = 0; i < n; i++) if (flagged[i]) issues.push(i);
  issues.sort((a, b) => scores[a]! - scores[b]! || a - b);

  return {
    numClasses: k,
    labelCounts: counts,
    thresholds,
    confidentJoint: joint,
    calibratedJoint: calibrated,
    noiseRate,
    perClassNoiseRate,
    issues: Int32Array.from(issues),
  };
}
