/**
 * Label-noise estimate for classification corpora, from the rows as they stream past.
 *
 * Rows are sampled order-independently (the `maxRows` rows with the smallest seeded hash of their row index) and
 * kept as hashed word features. At the end, stratified K-fold cross-validated naive Bayes gives every sampled row
 * class probabilities from a model that never saw it; a fitted temperature tames naive Bayes's over-confidence; and
 * confident learning estimates the noise rate and names the suspect rows. The classifier is then refitted once
 * without those suspects and the estimate repeated, so the classifier does not "confirm" noise it learned.
 *
 * The classifier's raw agreement with the labels and its kappa are reported but are not the label accuracy: a
 * 75%-accurate classifier disagrees with a perfectly labelled corpus a quarter of the time. The estimate to decide on
 * is the confident-learning noise rate. Pass/fail is not decided here.
 *
 * Memory: about 0.7 KB per sampled row of 1 KB text (features and bookkeeping), plus the classifier's tables
 * (`modelBytes`) while finishing.
 */
import { cohensKappaFromMatrix } from './cohen-kappa';
import { confidentLearning, type IssueFilter, type IssueRanking } from './confident-learning';
import { MultinomialNaiveBayes, normalizeLogProbabilities } from './naive-bayes';
import { DEFAULT_FEATURE_BITS, hashedFeatures, seededHash, type TextFeatureOptions } from './text-features';

export interface LabelNoiseCollectorOptions {
  /** Seeds the row sample and the fold assignment (default 1). */
  seed?: number;
  /** Rows kept for the estimate (default 50,000); a larger corpus is sampled uniformly. */
  maxRows?: number;
  /** Distinct labels beyond which the corpus is not treated as classification (default 1,000). */
  maxClasses?: number;
  /** Feature extraction (default: unigrams, 2^18 buckets, 128 features per row). */
  features?: TextFeatureOptions;
}

export interface LabelNoiseOptions {
  /** Cross-validation folds (default 5). */
  folds?: number;
  /**
   * A class with fewer sampled rows is left out of the estimate (default 20): with 5 folds each held-out fold then
   * has about 4 of its rows and each training split about 16, and its confidence threshold is a mean of 20 values.
   */
  minRowsPerClass?: number;
  filterBy?: IssueFilter;
  rankBy?: IssueRanking;
  /** Suspects listed in the result, worst first (default: all). `suspectCount` always has the full number. */
  maxSuspects?: number;
  /** Naive Bayes smoothing pseudo-count (default 1). */
  alpha?: number;
  /** Refit once without the first pass's suspects and re-estimate (default true). */
  refit?: boolean;
  /** Count-table budget of the classifier in bytes (default 64 MiB); many classes fold the hash space down to fit. */
  modelBytes?: number;
}

export interface LabelNoiseSuspect {
  rowIndex: number;
  givenLabel: string;
  suggestedLabel: string;
  /** Out-of-sample probability of the given label. */
  selfConfidence: number;
  /** Out-of-sample probability of the suggested label. */
  suggestedConfidence: number;
}

export interface LabelNoiseClass {
  label: string;
  /** Rows with this label in the corpus. */
  rows: number;
  /** Of those, rows in the sample the estimate used. */
  used: number;
  /** Confident-learning threshold: mean out-of-sample probability of this label over its rows. */
  threshold: number;
  /** Share of this label's rows estimated to belong to another class. */
  estimatedNoiseRate: number;
}

export type LabelNoiseSkipReason = 'no_labels' | 'single_class' | 'too_few_rows_per_class' | 'too_many_classes';

export interface LabelNoiseSkipped {
  method: 'confident_learning';
  skipped: { reason: LabelNoiseSkipReason; detail: string };
  rowsSeen: number;
  labelledRows: number;
  classCounts: Record<string, number>;
}

export interface LabelNoiseEstimate {
  method: 'confident_learning';
  skipped: null;
  classifier: 'multinomial_naive_bayes';
  folds: number;
  rowsSeen: number;
  labelledRows: number;
  /** Rows the estimate is computed over: the sample, less rows of classes left out. */
  rowsUsed: number;
  classes: LabelNoiseClass[];
  /** Classes with too few sampled rows to estimate; their rows are not in `rowsUsed`. */
  excludedClasses: { label: string; rows: number; used: number }[];
  estimatedNoiseRate: number;
  estimatedLabelAccuracy: number;
  /** Share of used rows whose predicted class is their given label. Reported, not decided on. */
  classifierAgreement: number;
  /** Cohen's kappa between given labels and predictions; null when undefined. Reported, not decided on. */
  classifierKappa: number | null;
  /** Temperature applied to the classifier's log-probabilities before confident learning. */
  temperature: number;
  /** The estimate before refitting without the first pass's suspects (equal to estimatedNoiseRate without refit). */
  firstPassNoiseRate: number;
  /** Calibrated confident joint over `classes` (rows: given label, columns: estimated true label), in sampled rows. */
  confidentJoint: number[][];
  suspectCount: number;
  suspects: LabelNoiseSuspect[];
}

export type LabelNoiseResult = LabelNoiseSkipped | LabelNoiseEstimate;

const METHOD = 'confident_learning' as const;
const FOLD_SALT = 0x5f3759df;
const DEFAULT_MODEL_BYTES = 64 * 1024 * 1024;
const MIN_MODEL_BITS = 12;
const TEMPERATURE_SAMPLE = 20_000;

export class LabelNoiseCollector {
  private readonly seed: number;
  private readonly maxRows: number;
  private readonly maxClasses: number;
  private readonly featureOptions: TextFeatureOptions;
  private readonly labelIds = new Map<string, number>();
  private readonly labelNames: string[] = [];
  private readonly corpusCounts: number[] = [];
  private rowsSeen = 0;
  private labelledRows = 0;
  private overflowLabels = false;

  // The sample: slot arrays plus a max-heap of slots by priority, so the worst kept row is evicted in O(log n).
  private size = 0;
  // Grown by doubling up to maxRows, so a small corpus does not pay for a large sample.
  private priorities = new Uint32Array(0);
  private rowIndices = new Float64Array(0);
  private classIds = new Int32Array(0);
  private heap = new Int32Array(0);
  private readonly features: Uint32Array[] = [];

  constructor(options: LabelNoiseCollectorOptions = {}) {
    this.seed = options.seed ?? 1;
    this.maxRows = options.maxRows ?? 50_000;
    this.maxClasses = options.maxClasses ?? 1_000;
    // Unigrams only by default: bigrams repeat the evidence of the words they join, and naive Bayes, which counts
    // every feature as independent, then over-trusts stock phrases. On the synthetic benchmark with boilerplate
    // fragments, bigrams doubled the estimate's error at 2,000 rows.
    this.featureOptions = { bigrams: false, ...options.features };
    if (!Number.isInteger(this.maxRows) || this.maxRows < 1) throw new RangeError(`maxRows must be a positive integer, got ${this.maxRows}`);
  }

  /** One row. An empty or blank label counts the row as unlabelled. */
  add(rowIndex: number, label: string, text: string): void {
    this.rowsSeen++;
    const name = label.trim();
    if (name === '') return;
    this.labelledRows++;
    let id = this.labelIds.get(name);
    if (id === undefined) {
      if (this.labelIds.size >= this.maxClasses) {
        this.overflowLabels = true;
        return;
      }
      id = this.labelIds.size;
      this.labelIds.set(name, id);
      this.labelNames.push(name);
      this.corpusCounts.push(0);
    }
    this.corpusCounts[id]!++;

    const priority = seededHash(this.seed, rowIndex);
    if (this.size < this.maxRows) {
      this.ensureCapacity(this.size + 1);
      const slot = this.size++;
      this.store(slot, priority, rowIndex, id, text);
      this.siftUp(slot);
      return;
    }
    const top = this.heap[0]!;
    if (priority >= this.priorities[top]!) return;
    this.store(top, priority, rowIndex, id, text);
    this.siftDown(0);
  }

  finish(options: LabelNoiseOptions = {}): LabelNoiseResult {
    const folds = options.folds ?? 5;
    const minRowsPerClass = options.minRowsPerClass ?? 20;
    if (!Number.isInteger(folds) || folds < 2 || folds > 100) throw new RangeError(`folds must be an integer from 2 to 100, got ${folds}`);
    const classCounts = Object.fromEntries(
      this.labelNames.map((name, i) => [name, this.corpusCounts[i]!] as const).sort(([a], [b]) => compareText(a, b)),
    );
    const skip = (reason: LabelNoiseSkipReason, detail: string): LabelNoiseSkipped => ({
      method: METHOD,
      skipped: { reason, detail },
      rowsSeen: this.rowsSeen,
      labelledRows: this.labelledRows,
      classCounts,
    });
    if (this.labelledRows === 0) return skip('no_labels', `none of ${this.rowsSeen} rows has a label`);
    if (this.overflowLabels) return skip('too_many_classes', `more than ${this.maxClasses} distinct labels: not a classification corpus`);
    if (this.labelNames.length < 2) return skip('single_class', `every labelled row has the label "${this.labelNames[0]}"`);

    const sampled = new Array<number>(this.labelNames.length).fill(0);
    for (let s = 0; s < this.size; s++) sampled[this.classIds[s]!]!++;
    const modelClass = new Int32Array(this.labelNames.length).fill(-1);
    const included: number[] = [];
    const excludedClasses: LabelNoiseEstimate['excludedClasses'] = [];
    // Classes in label order, not arrival order, so ties break the same way however the rows were ordered.
    const byName = this.labelNames.map((_, id) => id).sort((a, b) => compareText(this.labelNames[a]!, this.labelNames[b]!));
    byName.forEach((id) => {
      const label = this.labelNames[id]!;
      if (sampled[id]! >= minRowsPerClass) {
        modelClass[id] = included.length;
        included.push(id);
      } else {
        excludedClasses.push({ label, rows: this.corpusCounts[id]!, used: sampled[id]! });
      }
    });
    if (included.length < 2) {
      return skip('too_few_rows_per_class', `${included.length} class(es) have at least ${minRowsPerClass} sampled rows; at least 2 are needed`);
    }
    const k = included.length;

    // Sorted by row index, so the result does not depend on the order the rows arrived in.
    const slots: number[] = [];
    for (let s = 0; s < this.size; s++) if (modelClass[this.classIds[s]!]! >= 0) slots.push(s);
    slots.sort((a, b) => this.rowIndices[a]! - this.rowIndices[b]!);
    const n = slots.length;
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) labels[i] = modelClass[this.classIds[slots[i]!]!]!;
    const foldOf = this.stratifiedFolds(slots, labels, k, folds);

    const featureBits = this.featureOptions.bits ?? DEFAULT_FEATURE_BITS;
    const budget = options.modelBytes ?? DEFAULT_MODEL_BYTES;
    // Each bucket costs a count and a weight per class plus one total: 8k + 4 bytes.
    const bits = Math.max(Math.min(featureBits, MIN_MODEL_BITS), Math.min(featureBits, Math.floor(Math.log2(budget / (8 * k + 4)))));
    const newModel = (): MultinomialNaiveBayes => new MultinomialNaiveBayes(k, { featureBits, bits, alpha: options.alpha });
    const rowFeatures = slots.map((slot) => this.features[slot]!);
    const clOptions = { filterBy: options.filterBy, rankBy: options.rankBy };

    let { probs, temperature } = crossValidatedProbabilities(newModel(), rowFeatures, labels, foldOf, folds, null);
    let cl = confidentLearning(labels, probs, k, clOptions);
    const firstPassNoiseRate = cl.noiseRate;
    if (options.refit ?? true) {
      // A classifier trained on noisy labels learns some of the noise and then "confirms" it. Retraining without the
      // first pass's suspects (every row is still predicted out of sample) gives cleaner probabilities to re-estimate
      // from; on the synthetic benchmark this removes most of the overestimate at high noise rates.
      const excluded = new Uint8Array(n);
      for (const i of cl.issues) excluded[i] = 1;
      ({ probs, temperature } = crossValidatedProbabilities(newModel(), rowFeatures, labels, foldOf, folds, excluded));
      cl = confidentLearning(labels, probs, k, clOptions);
    }

    const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    let agree = 0;
    for (let i = 0; i < n; i++) {
      const predicted = argmax(probs, i * k, k);
      confusion[labels[i]!]![predicted]!++;
      if (predicted === labels[i]) agree++;
    }

    const names = included.map((id) => this.labelNames[id]!);
    const maxSuspects = options.maxSuspects ?? Infinity;
    const suspects: LabelNoiseSuspect[] = [];
    for (const i of cl.issues) {
      if (suspects.length >= maxSuspects) break;
      const given = labels[i]!;
      const suggested = argmax(probs, i * k, k);
      suspects.push({
        rowIndex: this.rowIndices[slots[i]!]!,
        givenLabel: names[given]!,
        suggestedLabel: names[suggested]!,
        selfConfidence: probs[i * k + given]!,
        suggestedConfidence: probs[i * k + suggested]!,
      });
    }

    return {
      method: METHOD,
      skipped: null,
      classifier: 'multinomial_naive_bayes',
      folds,
      rowsSeen: this.rowsSeen,
      labelledRows: this.labelledRows,
      rowsUsed: n,
      classes: included.map((id, c) => ({
        label: this.labelNames[id]!,
        rows: this.corpusCounts[id]!,
        used: sampled[id]!,
        threshold: cl.thresholds[c]!,
        estimatedNoiseRate: cl.perClassNoiseRate[c]!,
      })),
      excludedClasses,
      estimatedNoiseRate: cl.noiseRate,
      estimatedLabelAccuracy: 1 - cl.noiseRate,
      classifierAgreement: agree / n,
      classifierKappa: cohensKappaFromMatrix(confusion).kappa,
      temperature,
      firstPassNoiseRate,
      confidentJoint: cl.calibratedJoint,
      suspectCount: cl.issues.length,
      suspects,
    };
  }

  /** Within each class, rows ordered by a seeded hash are dealt round-robin, so every fold holds its share of every class. */
  private stratifiedFolds(slots: readonly number[], labels: Int32Array, k: number, folds: number): Uint8Array {
    // folds ≤ 100 (checked in finish), so a byte holds a fold number.
    const byClass: number[][] = Array.from({ length: k }, () => []);
    for (let i = 0; i < slots.length; i++) byClass[labels[i]!]!.push(i);
    const foldOf = new Uint8Array(slots.length);
    const salt = (this.seed ^ FOLD_SALT) | 0;
    for (const members of byClass) {
      const keyed = members.map((i) => [seededHash(salt, this.rowIndices[slots[i]!]!), i] as const);
      keyed.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      keyed.forEach(([, i], position) => (foldOf[i] = position % folds));
    }
    return foldOf;
  }

  private store(slot: number, priority: number, rowIndex: number, classId: number, text: string): void {
    this.priorities[slot] = priority;
    this.rowIndices[slot] = rowIndex;
    this.classIds[slot] = classId;
    this.features[slot] = hashedFeatures(text, this.featureOptions);
  }

  private ensureCapacity(needed: number): void {
    if (needed <= this.priorities.length) return;
    const capacity = Math.min(this.maxRows, Math.max(1024, this.priorities.length * 2));
    const priorities = new Uint32Array(capacity);
    const rowIndices = new Float64Array(capacity);
    const classIds = new Int32Array(capacity);
    const heap = new Int32Array(capacity);
    priorities.set(this.priorities);
    rowIndices.set(this.rowIndices);
    classIds.set(this.classIds);
    heap.set(this.heap);
    this.priorities = priorities;
    this.rowIndices = rowIndices;
    this.classIds = classIds;
    this.heap = heap;
  }

  // Heap positions 0..size-1 hold slot numbers; a slot is appended at heap position == slot, then sifted.
  private siftUp(position: number): void {
    const { heap, priorities } = this;
    heap[position] = position;
    let i = position;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (priorities[heap[parent]!]! >= priorities[heap[i]!]!) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }

  private siftDown(position: number): void {
    const { heap, priorities, size } = this;
    let i = position;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) break;
      const right = left + 1;
      const larger = right < size && priorities[heap[right]!]! > priorities[heap[left]!]! ? right : left;
      if (priorities[heap[larger]!]! <= priorities[heap[i]!]!) break;
      [heap[larger], heap[i]] = [heap[i]!, heap[larger]!];
      i = larger;
    }
  }
}

/**
 * Out-of-sample class probabilities for every row by K-fold cross-validation: the model is trained on all rows not
 * `excluded`, and each fold is predicted after removing its own rows, then restored. Rows are predicted whether or not
 * they are excluded from training. `model` must start empty.
 */
function crossValidatedProbabilities(
  model: MultinomialNaiveBayes,
  features: readonly Uint32Array[],
  labels: Int32Array,
  foldOf: Uint8Array,
  folds: number,
  excluded: Uint8Array | null,
): { probs: Float64Array; temperature: number } {
  const n = labels.length;
  const k = model.numClasses;
  const trains = (i: number): boolean => excluded === null || excluded[i] === 0;
  for (let i = 0; i < n; i++) if (trains(i)) model.add(features[i]!, labels[i]!);
  const logits = new Float64Array(n * k);
  const row = new Float64Array(k);
  for (let f = 0; f < folds; f++) {
    for (let i = 0; i < n; i++) if (foldOf[i] === f && trains(i)) model.remove(features[i]!, labels[i]!);
    for (let i = 0; i < n; i++) {
      if (foldOf[i] !== f) continue;
      model.logJoint(features[i]!, row);
      logits.set(row, i * k);
    }
    for (let i = 0; i < n; i++) if (foldOf[i] === f && trains(i)) model.add(features[i]!, labels[i]!);
  }
  const temperature = fitTemperature(logits, labels, k);
  for (let i = 0; i < n; i++) normalizeLogProbabilities(logits, temperature, i * k, k);
  return { probs: logits, temperature };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function argmax(values: Float64Array, offset: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (values[offset + j]! > values[offset + best]!) best = j;
  return best;
}

/**
 * Temperature scaling (Guo et al. 2017): the T minimising the negative log-likelihood of the given labels under
 * softmax(logits / T). The NLL is convex in 1/T, so a golden-section search over log(1/T) finds the minimum.
 * Naive Bayes treats every feature as independent evidence and so reports probabilities of 1 − 1e-20 for rows it gets
 * wrong; without this, every misclassified clean row would look like a confident label error.
 */
export function fitTemperature(logits: Float64Array, labels: Int32Array, k: number): number {
  // One scalar needs few rows: an evenly strided subsample keeps the search cheap on large samples.
  const stride = Math.max(1, Math.ceil(labels.length / TEMPERATURE_SAMPLE));
  const m = Math.ceil(labels.length / stride);
  if (m === 0) return 1;
  // Logits relative to each row's maximum, and the given label's, computed once for every step of the search.
  const shifted = new Float64Array(m * k);
  const given = new Float64Array(m);
  for (let r = 0, i = 0; i < labels.length; i += stride, r++) {
    let max = -Infinity;
    for (let j = 0; j < k; j++) if (logits[i * k + j]! > max) max = logits[i * k + j]!;
    for (let j = 0; j < k; j++) shifted[r * k + j] = logits[i * k + j]! - max;
    given[r] = shifted[r * k + labels[i]!]!;
  }
  const nll = (logBeta: number): number => {
    const beta = Math.exp(logBeta);
    let total = 0;
    for (let r = 0; r < m; r++) {
      let sum = 0;
      for (let j = 0; j < k; j++) sum += Math.exp(beta * shifted[r * k + j]!);
      total += Math.log(sum) - beta * given[r]!;
    }
    return total;
  };
  // 1/T between e^-12 and e^4 covers naive Bayes margins from a handful to hundreds of thousands of nats;
  // 30 golden-section steps narrow that to about 0.001 in log(1/T).
  let lo = -12;
  let hi = 4;
  const ratio = (Math.sqrt(5) - 1) / 2;
  let a = hi - ratio * (hi - lo);
  let b = lo + ratio * (hi - lo);
  let fa = nll(a);
  let fb = nll(b);
  for (let iteration = 0; iteration < 30; iteration++) {
    if (fa <= fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - ratio * (hi - lo);
      fa = nll(a);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + ratio * (hi - lo);
      fb = nll(b);
    }
  }
  return 1 / Math.exp((lo + hi) / 2);
}
