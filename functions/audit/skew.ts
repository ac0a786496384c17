/**
 * Corpus skew: how rows spread over classes and sources, and how long they are. Streaming: per row it keeps two
 * 32-bit lengths (in growing typed arrays) and a count per distinct class and source.
 * It reports figures and warnings; pass/fail is decided elsewhere.
 */

export interface SkewRow {
  label?: string;
  source?: string;
  chars: number;
  /** Approximate tokens. */
  tokens: number;
}

export interface SkewOptions {
  /** Largest : smallest class count above which a warning is raised (default 10). */
  maxImbalance?: number;
  /** Largest : smallest source count above which a warning is raised (default: maxImbalance). */
  maxSourceImbalance?: number;
  /** Rows with more approximate tokens than this are counted and warned about (default: no limit). */
  maxTokens?: number;
}

export interface SkewCollectorOptions {
  /** Distinct classes or sources tracked by name; further distinct values are only counted (default 10,000). */
  maxDistinct?: number;
}

export interface CategorySpread {
  /** Row count per value, largest first. */
  counts: { name: string; rows: number }[];
  /** Rows that had no value. */
  missing: number;
  /** Rows whose value arrived after maxDistinct values were already tracked; not in `counts`. */
  untracked: number;
  /** Largest count / smallest count; null with fewer than two values. */
  imbalanceRatio: number | null;
}

export interface LengthDistribution {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  /**
   * Log-spaced bins on the 1-2-5 series (0, 1, 2, 5, 10, 20, 50, …): bin i counts values in [edges[i], edges[i+1]),
   * so `edges` has one more entry than `counts`.
   */
  histogram: { edges: number[]; counts: number[] };
}

export type SkewWarningKind = 'class_imbalance' | 'source_imbalance' | 'over_token_limit' | 'length_outliers';

export interface SkewWarning {
  kind: SkewWarningKind;
  message: string;
  /** The measured figure (ratio or row count). */
  value: number;
  /** The limit it was held against. */
  threshold: number;
}

export interface SkewResult {
  rows: number;
  classes: CategorySpread;
  sources: CategorySpread;
  length: { chars: LengthDistribution; tokens: LengthDistribution };
  /** Rows over maxTokens (0 without a limit). */
  overTokenLimit: number;
  /**
   * Rows whose token count lies beyond the far-out fence on a log scale, Q3 · (Q3/Q1)³ (Tukey's 3·IQR fence applied
   * to log lengths, since lengths are right-skewed), and that fence.
   */
  lengthOutliers: { rows: number; fence: number | null };
  warnings: SkewWarning[];
}

class Counter {
  readonly counts = new Map<string, number>();
  missing = 0;
  untracked = 0;
  constructor(private readonly maxDistinct: number) {}

  add(value: string | undefined): void {
    const name = value?.trim();
    if (name === undefined || name === '') {
      this.missing++;
      return;
    }
    const count = this.counts.get(name);
    if (count !== undefined) this.counts.set(name, count + 1);
    else if (this.counts.size < this.maxDistinct) this.counts.set(name, 1);
    else this.untracked++;
  }

  spread(): CategorySpread {
    const counts = [...this.counts].map(([name, rows]) => ({ name, rows })).sort((a, b) => b.rows - a.rows || (a.name < b.name ? -1 : 1));
    const imbalanceRatio = counts.length >= 2 ? counts[0]!.rows / counts[counts.length - 1]!.rows : null;
    return { counts, missing: this.missing, untracked: this.untracked, imbalanceRatio };
  }
}

const MAX_LENGTH = 0xffffffff;

export class SkewCollector {
  private readonly classes: Counter;
  private readonly sources: Counter;
  private chars = new Uint32Array(1024);
  private tokens = new Uint32Array(1024);
  private rows = 0;

  constructor(options: SkewCollectorOptions = {}) {
    const maxDistinct = options.maxDistinct ?? 10_000;
    this.classes = new Counter(maxDistinct);
    this.sources = new Counter(maxDistinct);
  }

  add(row: SkewRow): void {
    if (this.rows === this.chars.length) {
      const chars = new Uint32Array(this.chars.length * 2);
      const tokens = new Uint32Array(this.tokens.length * 2);
      chars.set(this.chars);
      tokens.set(this.tokens);
      this.chars = chars;
      this.tokens = tokens;
    }
    this.chars[this.rows] = clampLength(row.chars);
    this.tokens[this.rows] = clampLength(row.tokens);
    this.rows++;
    this.classes.add(row.label);
    this.sources.add(row.source);
  }

  finish(options: SkewOptions = {}): SkewResult {
    const maxImbalance = options.maxImbalance ?? 10;
    const maxSourceImbalance = options.maxSourceImbalance ?? maxImbalance;
    const maxTokens = options.maxTokens;
    const classes = this.classes.spread();
    const sources = this.sources.spread();
    const charLengths = this.chars.slice(0, this.rows).sort();
    const tokenLengths = this.tokens.slice(0, this.rows).sort();
    const tokens = distribution(tokenLengths);

    let overTokenLimit = 0;
    if (maxTokens !== undefined) overTokenLimit = this.rows - upperBound(tokenLengths, maxTokens);
    const q1 = quantile(tokenLengths, 0.25);
    const q3 = quantile(tokenLengths, 0.75);
    // Below one token the ratio is meaningless (and a corpus of empty rows has no outliers to speak of).
    const fence = q1 >= 1 ? q3 * (q3 / q1) ** 3 : null;
    const outliers = fence === null ? 0 : this.rows - upperBound(tokenLengths, fence);

    const warnings: SkewWarning[] = [];
    if (classes.imbalanceRatio !== null && classes.imbalanceRatio > maxImbalance) {
      const [big, small] = [classes.counts[0]!, classes.counts[classes.counts.length - 1]!];
      warnings.push({
        kind: 'class_imbalance',
        message: `class "${big.name}" has ${big.rows} rows and "${small.name}" ${small.rows}: ${ratioText(classes.imbalanceRatio)}, above ${maxImbalance}:1`,
        value: classes.imbalanceRatio,
        threshold: maxImbalance,
      });
    }
    if (sources.imbalanceRatio !== null && sources.imbalanceRatio > maxSourceImbalance) {
      const [big, small] = [sources.counts[0]!, sources.counts[sources.counts.length - 1]!];
      warnings.push({
        kind: 'source_imbalance',
        message: `source "${big.name}" has ${big.rows} rows and "${small.name}" ${small.rows}: ${ratioText(sources.imbalanceRatio)}, above ${maxSourceImbalance}:1`,
        value: sources.imbalanceRatio,
        threshold: maxSourceImbalance,
      });
    }
    if (maxTokens !== undefined && overTokenLimit > 0) {
      warnings.push({
        kind: 'over_token_limit',
        message: `${overTokenLimit} row(s) exceed the ${maxTokens}-token limit (longest: ${tokens.max})`,
        value: overTokenLimit,
        threshold: maxTokens,
      });
    }
    if (fence !== null && outliers > 0) {
      warnings.push({
        kind: 'length_outliers',
        message: `${outliers} row(s) are extreme length outliers: over ${Math.round(fence)} tokens where the middle half spans ${q1}–${q3}`,
        value: outliers,
        threshold: fence,
      });
    }

    return {
      rows: this.rows,
      classes,
      sources,
      length: { chars: distribution(charLengths), tokens },
      overTokenLimit,
      lengthOutliers: { rows: outliers, fence },
      warnings,
    };
  }
}

function clampLength(value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`a length must be a non-negative number, got ${value}`);
  return Math.min(Math.round(value), MAX_LENGTH);
}

function ratioText(ratio: number): string {
  return `${ratio >= 100 ? Math.round(ratio) : Math.round(ratio * 10) / 10}:1`;
}

/** Number of values ≤ limit in an ascending array. */
function upperBound(sorted: Uint32Array, limit: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= limit) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Nearest-rank quantile of an ascending array: the smallest value with at least q of the values at or below it. */
function quantile(sorted: Uint32Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Edges 0, 1, 2, 5, 10, 20, 50, … up to the first edge above `max`. */
export function logBinEdges(max: number): number[] {
  const edges = [0, 1];
  const steps = [2, 5, 10];
  for (let decade = 1; edges[edges.length - 1]! <= max; decade *= 10) {
    for (const s of steps) {
      edges.push(s * decade);
      if (s * decade > max) break;
    }
  }
  return edges;
}

function distribution(sorted: Uint32Array): LengthDistribution {
  const count = sorted.length;
  if (count === 0) return { count: 0, min: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0, histogram: { edges: [0, 1], counts: [0] } };
  let sum = 0;
  for (let i = 0; i < count; i++) sum += sorted[i]!;
  const max = sorted[count - 1]!;
  const edges = logBinEdges(max);
  const counts = new Array<number>(edges.length - 1).fill(0);
  // The values are sorted, so each bin's count is the distance between two binary searches.
  let below = 0;
  for (let b = 0; b < counts.length; b++) {
    const upTo = upperBound(sorted, edges[b + 1]! - 1);
    counts[b] = upTo - below;
    below = upTo;
  }
  return {
    count,
    min: sorted[0]!,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    max,
    mean: sum / count,
    histogram: { edges, counts },
  };
}
