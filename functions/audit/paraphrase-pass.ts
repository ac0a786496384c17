import { CosineIndex, DEFAULT_COSINE_BANDS, DEFAULT_COSINE_BITS_PER_BAND, DEFAULT_COSINE_THRESHOLD, type CosineIndexOptions } from './cosine-index';
import { errorMessage, truncateChars, type Embedder } from './embedder';

/**
 * The optional paraphrase pass: rows that survived the exact and MinHash checks are embedded in batches, a few batches
 * in flight at once, and compared by cosine in line order, so the earlier row of a pair is always the representative
 * (batches finishing out of order are held back until the ones before them are applied).
 *
 * A batch whose call fails (after the adapter's own retries) counts its rows as errors: they are neither unique nor
 * duplicates, and later rows are not compared with them. Past the error budget, or when the calls keep failing, the
 * result is `incomplete` with a reason, and the verdict cannot pass on it.
 */

export interface ParaphraseRow {
  /** 1-based corpus line; rows must arrive in increasing line order. */
  line: number;
  text: string;
}

export interface ParaphrasePair {
  line: number;
  /** The earlier line it paraphrases (the representative). */
  duplicateOf: number;
  /** Exact cosine of the two embeddings. */
  similarity: number;
}

export interface ParaphrasePassOptions {
  embedder: Embedder;
  /** Cosine at or above which two rows are paraphrases (default 0.95). */
  threshold?: number;
  /** Texts per embedding call (default 32). */
  batchSize?: number;
  /** Embedding calls in flight at once (default 4). */
  concurrency?: number;
  /** Characters of each text sent to the model (default 8,000, about 2,000 tokens); longer texts are cut. */
  maxChars?: number;
  /** Share of embeddable rows that may fail before the pass is incomplete (default 0.01). */
  maxErrorShare?: number;
  /** Failed calls in a row after which the pass stops early (default 5): a bad key or model fails every call. */
  maxConsecutiveFailures?: number;
  /** LSH parameters; the defaults give 99.4% recall at 0.95 (see cosine-index.ts). */
  index?: Pick<CosineIndexOptions, 'bands' | 'bitsPerBand' | 'seed' | 'maxCandidates'>;
  /** Stops issuing calls (in-flight ones are aborted too); the result is then incomplete. */
  signal?: AbortSignal;
  onProgress?: (progress: { rows: number; embedded: number; errors: number; pairs: number }) => void;
}

export interface ParaphraseResult {
  model: string;
  threshold: number;
  /** Vector length the model returned (undefined when nothing was embedded). */
  dimensions?: number;
  pairs: ParaphrasePair[];
  /** Rows read from the input. rows = embedded + errors + skippedRows. */
  rows: number;
  embedded: number;
  /** Rows whose embedding failed (failed call, or an unusable vector); neither unique nor duplicate. */
  errors: number;
  /** Rows with no text to embed. */
  skippedRows: number;
  /** Rows cut to maxChars before embedding. */
  truncatedRows: number;
  /** Embedder calls made (an adapter may split one into several requests). */
  calls: number;
  failedCalls: number;
  /** True when the pass stopped early or its errors exceed the budget: the verdict must not pass on it. */
  incomplete: boolean;
  reason?: string;
  /** The first embedding failure, for the report. */
  firstError?: string;
  index: { bands: number; bitsPerBand: number; representatives: number; verifiedPerQuery: number; cappedQueries: number };
}

interface Batch {
  lines: number[];
  texts: string[];
  outcome?: { vectors: Float32Array[] } | { error: string };
  settled: Promise<void>;
}

export async function paraphrasePass(input: AsyncIterable<ParaphraseRow> | Iterable<ParaphraseRow>, options: ParaphrasePassOptions): Promise<ParaphraseResult> {
  const { embedder, signal } = options;
  const threshold = options.threshold ?? DEFAULT_COSINE_THRESHOLD;
  const batchSize = positiveInt(options.batchSize ?? 32, 'batchSize');
  const concurrency = positiveInt(options.concurrency ?? 4, 'concurrency');
  const maxChars = positiveInt(options.maxChars ?? 8000, 'maxChars');
  const maxConsecutiveFailures = positiveInt(options.maxConsecutiveFailures ?? 5, 'maxConsecutiveFailures');
  const maxErrorShare = options.maxErrorShare ?? 0.01;
  if (!(maxErrorShare >= 0 && maxErrorShare <= 1)) throw new RangeError(`maxErrorShare must be in [0, 1], got ${maxErrorShare}`);
  if (!(threshold > 0 && threshold <= 1)) throw new RangeError(`threshold must be in (0, 1], got ${threshold}`);

  const pairs: ParaphrasePair[] = [];
  let rows = 0;
  let embedded = 0;
  let errors = 0;
  let skippedRows = 0;
  let truncatedRows = 0;
  let calls = 0;
  let failedCalls = 0;
  let consecutiveFailures = 0;
  let firstError: string | undefined;
  let stopped: string | undefined;
  let dimensions = embedder.dimensions;
  let index: CosineIndex | undefined;
  let lastLine = -Infinity;

  const iterator = Symbol.asyncIterator in input ? input[Symbol.asyncIterator]() : toAsync(input[Symbol.iterator]());
  let exhausted = false;

  const readBatch = async (): Promise<Batch | undefined> => {
    const lines: number[] = [];
    const texts: string[] = [];
    while (texts.length < batchSize) {
      const next = await iterator.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      const { line, text } = next.value;
      if (!(line > lastLine)) throw new RangeError(`paraphrase rows must come in increasing line order: line ${line} after ${lastLine}`);
      lastLine = line;
      rows++;
      if (text.trim() === '') {
        skippedRows++;
        continue;
      }
      if (text.length > maxChars) truncatedRows++;
      lines.push(line);
      texts.push(truncateChars(text, maxChars));
    }
    if (texts.length === 0) return undefined;
    const batch: Batch = { lines, texts, settled: Promise.resolve() };
    calls++;
    // The promise never rejects: an outcome is recorded either way, so nothing is left unhandled if we stop early.
    batch.settled = Promise.resolve()
      .then(() => embedder.embed(texts, { signal }))
      .then(
        (vectors) => void (batch.outcome = { vectors }),
        (error: unknown) => void (batch.outcome = { error: errorMessage(error) }),
      );
    return batch;
  };

  const fail = (batch: Batch, message: string) => {
    errors += batch.lines.length;
    failedCalls++;
    consecutiveFailures++;
    firstError ??= message;
    if (consecutiveFailures >= maxConsecutiveFailures && stopped === undefined) {
      stopped = `stopped after ${consecutiveFailures} failed embedding calls in a row (${rows} rows read): ${message}`;
    }
  };

  const apply = (batch: Batch) => {
    const outcome = batch.outcome!;
    if ('error' in outcome) return fail(batch, outcome.error);
    const { vectors } = outcome;
    if (!Array.isArray(vectors) || vectors.length !== batch.lines.length) {
      return fail(batch, `${embedder.model} returned ${Array.isArray(vectors) ? vectors.length : 'no'} vectors for ${batch.lines.length} texts`);
    }
    consecutiveFailures = 0;
    for (let i = 0; i < vectors.length; i++) {
      const vector = vectors[i]!;
      const problem = vectorProblem(vector, dimensions);
      if (problem) {
        errors++;
        firstError ??= `${embedder.model}: ${problem}`;
        continue;
      }
      dimensions ??= vector.length;
      index ??= new CosineIndex({ ...options.index, dimensions, threshold });
      const line = batch.lines[i]!;
      const match = index.queryOrInsert(line, vector);
      if (match) pairs.push({ line, duplicateOf: match.id, similarity: match.similarity });
      embedded++;
    }
    options.onProgress?.({ rows, embedded, errors, pairs: pairs.length });
  };

  // Issued batches in line order; the head is applied as soon as it settles.
  const window: Batch[] = [];
  const pending = () => window.filter((b) => b.outcome === undefined);
  try {
    for (;;) {
      // Refill: at most `concurrency` calls in flight, and a bounded backlog of settled batches behind a slow head.
      while (!exhausted && stopped === undefined && pending().length < concurrency && window.length < 2 * concurrency) {
        if (signal?.aborted) {
          stopped = `stopped: ${errorMessage(signal.reason)} (${rows} rows read)`;
          break;
        }
        const batch = await readBatch();
        if (batch) window.push(batch);
      }
      if (window.length === 0) break;
      if (window[0]!.outcome === undefined) await Promise.race(pending().map((b) => b.settled));
      while (window.length > 0 && window[0]!.outcome !== undefined) apply(window.shift()!);
    }
  } catch (error) {
    // A caller error (rows out of order, a failing source): let in-flight calls finish before handing it back.
    await Promise.all(window.map((b) => b.settled));
    throw error;
  } finally {
    // Stopped early: release the source (a stream being read) instead of leaving it half-consumed.
    if (!exhausted) await Promise.resolve(iterator.return?.()).catch(() => undefined);
  }

  const attempted = embedded + errors;
  let reason = stopped;
  if (reason === undefined && errors > 0 && errors > maxErrorShare * attempted) {
    reason = `${errors} of ${attempted} rows (${pct(errors / attempted)}) could not be embedded, over the ${pct(maxErrorShare)} budget: ${firstError}`;
  }
  const stats = index?.stats;
  return {
    model: embedder.model,
    threshold,
    ...(dimensions !== undefined ? { dimensions } : {}),
    pairs,
    rows,
    embedded,
    errors,
    skippedRows,
    truncatedRows,
    calls,
    failedCalls,
    incomplete: reason !== undefined,
    ...(reason !== undefined ? { reason } : {}),
    ...(firstError !== undefined ? { firstError } : {}),
    index: {
      bands: options.index?.bands ?? DEFAULT_COSINE_BANDS,
      bitsPerBand: options.index?.bitsPerBand ?? DEFAULT_COSINE_BITS_PER_BAND,
      representatives: index?.size ?? 0,
      verifiedPerQuery: stats && stats.queries > 0 ? Number((stats.verified / stats.queries).toFixed(3)) : 0,
      cappedQueries: stats?.cappedQueries ?? 0,
    },
  };
}

function vectorProblem(vector: unknown, dimensions: number | undefined): string | undefined {
  if (!(vector instanceof Float32Array)) return 'returned a vector that is not a Float32Array';
  if (dimensions !== undefined && vector.length !== dimensions) return `returned a vector of ${vector.length} dimensions, expected ${dimensions}`;
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i]! * vector[i]!;
  if (!Number.isFinite(norm)) return 'returned a vector with non-finite values';
  if (norm === 0) return 'returned a zero vector';
  return undefined;
}

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function pct(share: number): string {
  return `${(share * 100).toFixed(share < 0.01 ? 2 : 1)}%`;
}

function toAsync<T>(it: Iterator<T>): AsyncIterator<T> {
  return {
    next: async () => it.next(),
    return: async () => it.return?.() ?? { done: true, value: undefined },
  };
}
