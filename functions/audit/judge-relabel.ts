/**
 * Label check by an independent judge: a seeded, label-stratified sample of rows is relabelled by a model and its
 * labels are compared with the given ones. Unlike the cross-validated classifier, the judge has not been trained on
 * the corpus, so its agreement is a direct (if noisy) reading of label accuracy, with a Wilson interval for the noise.
 *
 * A judge error (a failed call, or an answer outside the label set) is counted and left out; it is never scored as a
 * disagreement. Retrying is the relabeler's business.
 */
import { cohensKappa } from './cohen-kappa';
import { seededHash } from './text-features';
import { wilsonInterval } from './wilson-interval';

export type RelabelOutcome = { label: string } | { error: string };
/** Asks a model which of `labels` fits `text`. */
export type Relabeler = (text: string, labels: readonly string[]) => Promise<RelabelOutcome>;

export interface RelabelRow {
  rowIndex: number;
  label: string;
  text: string;
}

export interface RelabelSamplerOptions {
  /** Rows to sample (default 400: about ±5 points at 95% when agreement is near 50%). */
  n?: number;
  seed?: number;
}

interface Kept {
  priority: number;
  rowIndex: number;
  text: string;
}

/**
 * Keeps, per label, the n rows with the smallest seeded hash of their row index: a uniform sample of every label that
 * does not depend on the order rows arrive in, and holds at most n texts per label in memory.
 */
export class RelabelSampler {
  readonly n: number;
  private readonly seed: number;
  private readonly byLabel = new Map<string, { rows: number; kept: Kept[]; worst: number }>();

  constructor(options: RelabelSamplerOptions = {}) {
    this.n = options.n ?? 400;
    this.seed = options.seed ?? 1;
    if (!Number.isInteger(this.n) || this.n < 1) throw new RangeError(`n must be a positive integer, got ${this.n}`);
  }

  /** One row; rows without a label have nothing to check and are ignored. */
  add(rowIndex: number, label: string, text: string): void {
    const name = label.trim();
    if (name === '') return;
    let entry = this.byLabel.get(name);
    if (entry === undefined) {
      entry = { rows: 0, kept: [], worst: -1 };
      this.byLabel.set(name, entry);
    }
    entry.rows++;
    const priority = seededHash(this.seed, rowIndex);
    const kept = entry.kept;
    if (kept.length < this.n) {
      kept.push({ priority, rowIndex, text });
      if (kept.length === this.n) entry.worst = worstIndex(kept);
      return;
    }
    if (priority >= kept[entry.worst]!.priority) return;
    kept[entry.worst] = { priority, rowIndex, text };
    entry.worst = worstIndex(kept);
  }

  /** Every label seen, sorted: the label set offered to the judge. */
  labels(): string[] {
    return [...this.byLabel.keys()].sort();
  }

  /**
   * The sample: n rows split across labels in proportion to their row counts (largest remainder), with at least one
   * row per label when n allows, ordered by row index.
   */
  sample(): RelabelRow[] {
    const labels = this.labels();
    const entries = labels.map((label) => ({ label, ...this.byLabel.get(label)! }));
    const total = entries.reduce((a, e) => a + e.rows, 0);
    const size = Math.min(this.n, total);
    const quota = allocate(
      entries.map((e) => e.rows),
      size,
    );
    const rows: RelabelRow[] = [];
    entries.forEach((e, i) => {
      const chosen = e.kept.slice().sort((a, b) => a.priority - b.priority || a.rowIndex - b.rowIndex).slice(0, quota[i]);
      for (const k of chosen) rows.push({ rowIndex: k.rowIndex, label: e.label, text: k.text });
    });
    return rows.sort((a, b) => a.rowIndex - b.rowIndex);
  }
}

function worstIndex(kept: readonly Kept[]): number {
  let worst = 0;
  for (let i = 1; i < kept.length; i++) if (kept[i]!.priority > kept[worst]!.priority) worst = i;
  return worst;
}

/**
 * Splits `size` across groups in proportion to `counts` by largest remainder; then, when size allows, a group left
 * with none takes one row from the group with the most.
 */
function allocate(counts: readonly number[], size: number): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  const quota = counts.map(() => 0);
  if (total === 0 || size === 0) return quota;
  const exact = counts.map((c) => (c / total) * size);
  exact.forEach((x, i) => (quota[i] = Math.floor(x)));
  let left = size - quota.reduce((a, b) => a + b, 0);
  const order = exact.map((_, i) => i).sort((a, b) => exact[b]! - Math.floor(exact[b]!) - (exact[a]! - Math.floor(exact[a]!)) || a - b);
  for (const i of order) {
    if (left === 0) break;
    if (quota[i]! < counts[i]!) {
      quota[i]!++;
      left--;
    }
  }
  const present = counts.filter((c) => c > 0).length;
  if (size >= present) {
    counts.forEach((c, i) => {
      if (c === 0 || quota[i]! > 0) return;
      const donor = quota.indexOf(Math.max(...quota));
      quota[donor]!--;
      quota[i] = 1;
    });
  }
  return quota;
}

export interface JudgeRelabelOptions {
  /** Relabel calls in flight at once (default 4). */
  concurrency?: number;
  /** Error messages kept in the result (default 20); `errors` always has the full count. */
  maxErrorSamples?: number;
}

export interface JudgeRelabelResult {
  method: 'judge_relabel';
  labels: string[];
  sampled: number;
  /** Rows the judge answered with a label from the set; agreement and kappa are over these. */
  judged: number;
  errors: number;
  errorRate: number;
  /** Share of judged rows whose judge label equals the given label; null when none were judged. */
  agreement: number | null;
  /** Wilson 95% interval of the agreement ([0, 1] when none were judged). */
  agreementInterval: { lower: number; upper: number };
  kappa: number | null;
  perLabel: { label: string; sampled: number; judged: number; agreed: number }[];
  disagreements: { rowIndex: number; givenLabel: string; judgeLabel: string }[];
  errorSamples: { rowIndex: number; error: string }[];
}

/** The judge's label mapped onto the label set, or an error. */
function checkOutcome(outcome: unknown, labels: readonly string[], byFolded: ReadonlyMap<string, string>): RelabelOutcome {
  const value = outcome as { label?: unknown; error?: unknown } | null;
  if (value !== null && typeof value === 'object' && typeof value.label === 'string') {
    // Judges vary case and spacing; anything else outside the set is an error, not a vote for a new class.
    const canonical = labels.includes(value.label) ? value.label : byFolded.get(value.label.trim().toLowerCase());
    return canonical === undefined ? { error: `label ${JSON.stringify(value.label)} is not one of the ${labels.length} labels` } : { label: canonical };
  }
  if (value !== null && typeof value === 'object' && typeof value.error === 'string') return { error: value.error };
  return { error: 'relabeler returned neither a label nor an error' };
}

/** Relabels `rows` with bounded concurrency and compares the judge's labels with the given ones. */
export async function judgeRelabel(
  rows: readonly RelabelRow[],
  labels: readonly string[],
  relabeler: Relabeler,
  options: JudgeRelabelOptions = {},
): Promise<JudgeRelabelResult> {
  const concurrency = options.concurrency ?? 4;
  const maxErrorSamples = options.maxErrorSamples ?? 20;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  const byFolded = new Map(labels.map((l) => [l.trim().toLowerCase(), l] as const));
  const outcomes: RelabelOutcome[] = new Array(rows.length);

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < rows.length) {
      const i = next++;
      const row = rows[i]!;
      let outcome: RelabelOutcome;
      try {
        outcome = await relabeler(row.text, labels);
      } catch (err) {
        outcome = { error: err instanceof Error ? err.message : String(err) };
      }
      outcomes[i] = checkOutcome(outcome, labels, byFolded);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, worker));

  const given: string[] = [];
  const judged: string[] = [];
  const perLabel = new Map<string, { label: string; sampled: number; judged: number; agreed: number }>();
  const disagreements: JudgeRelabelResult['disagreements'] = [];
  const errorSamples: JudgeRelabelResult['errorSamples'] = [];
  let errors = 0;
  rows.forEach((row, i) => {
    let stats = perLabel.get(row.label);
    if (stats === undefined) perLabel.set(row.label, (stats = { label: row.label, sampled: 0, judged: 0, agreed: 0 }));
    stats.sampled++;
    const outcome = outcomes[i]!;
    if ('error' in outcome) {
      errors++;
      if (errorSamples.length < maxErrorSamples) errorSamples.push({ rowIndex: row.rowIndex, error: outcome.error });
      return;
    }
    stats.judged++;
    given.push(row.label);
    judged.push(outcome.label);
    if (outcome.label === row.label) stats.agreed++;
    else disagreements.push({ rowIndex: row.rowIndex, givenLabel: row.label, judgeLabel: outcome.label });
  });

  const agreed = judged.length - disagreements.length;
  const interval = wilsonInterval(agreed, judged.length);
  return {
    method: 'judge_relabel',
    labels: [...labels],
    sampled: rows.length,
    judged: judged.length,
    errors,
    errorRate: rows.length > 0 ? errors / rows.length : 0,
    agreement: judged.length > 0 ? agreed / judged.length : null,
    agreementInterval: { lower: interval.lower, upper: interval.upper },
    kappa: cohensKappa(given, judged).kappa,
    perLabel: [...perLabel.values()].sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0)),
    disagreements,
    errorSamples,
  };
}
