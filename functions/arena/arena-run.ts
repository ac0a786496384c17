/**
 * Runs the arena over drawn production inputs: the candidate and the base each answer, a judge of another family
 * compares the two answers, and each pair's outcome for the candidate is recorded as win, loss, tie or error.
 *
 * Position bias is large (judges keep their verdict under swapped order only about two-thirds of the time), so the
 * order is never left to the code's habit: `random` shows the candidate first or second by a seeded stream, one
 * judgement per pair; `both` judges both orders and keeps a win or a loss only when the two agree, counting an
 * inconsistent pair as a tie. A failed generation or judgement is an error, counted, never a loss.
 *
 * Base answers are cached through the judge-cache port under (base model, input hash, generation settings), so every
 * candidate of a run, and every run on that base, meets the same base answers. Verdicts are cached per ordered pair
 * (pair-judge.ts); a re-run of the same pairs calls no judge.
 */
import type { ChatModel, ChatRequest } from '../models/chat-model';
import { textHash } from '../models/chat-request-hash';
import { ConcurrencyLimiter } from '../models/concurrency-limiter';
import { type ModelRef } from '../models/model-ref';
import { judgeCacheKey, type JudgeCache } from '../gates/judge-cache';
import { seededRandom, seedState } from '../gates/seeded-random';
import { createAnswerFlagger } from './answer-flags';
import type { ArenaInput, ArenaSample } from './arena-samples';
import { ARENA_RUBRIC_VERSION, judgePair, type PairWinner, type TokenUsage } from './pair-judge';
import { checkPriceOverrides, estimateCost, type CostEstimate, type PriceOverrides } from './price-estimate';

export type PositionMode = 'random' | 'both';
/** Which model's answer the judge was shown first, as A. */
export type ShownOrder = 'candidate-first' | 'base-first';
export type PairOutcome = 'win' | 'loss' | 'tie' | 'error';

export interface ArenaJudgementRecord {
  order: ShownOrder;
  /** What the judge picked, by position; `error` when it gave no verdict. */
  pick: PairWinner | 'error';
  /** The pick read for the candidate. */
  outcome: PairOutcome;
  /** Read from the judge cache: no call made. */
  cached: boolean;
  reason?: string;
  error?: string;
}

export interface ArenaPairResult {
  /** Position in the draw. */
  index: number;
  id: string;
  /** 1-based line of the input in the samples file. */
  line: number;
  inputHash: string;
  /** Answer lengths in characters; absent for an answer that failed. */
  lengths: { candidate?: number; base?: number };
  /** One judgement (`random`) or two, candidate first then base first (`both`); none when a generation failed. */
  judgements: ArenaJudgementRecord[];
  outcome: PairOutcome;
  /** `both`: the two orders disagreed, so the pair counts as a tie. */
  inconsistent?: boolean;
  /** Why the pair is an error. */
  error?: string;
  /** Rule ids of answers that try to instruct the judge (answer-flags.ts); flags change no verdict. */
  flags: { candidate: string[]; base: string[] };
  tokens: { candidate: TokenUsage; base: TokenUsage; judge: TokenUsage };
  /** Model calls made for this pair (cache hits make none). */
  calls: { candidate: number; base: number; judge: number };
  /** Answers read from the cache. */
  cachedAnswers: { candidate: boolean; base: boolean };
}

export interface ArenaTotals {
  pairs: number;
  calls: { candidate: number; base: number; judge: number };
  cacheHits: { candidate: number; base: number; judge: number };
  tokens: { candidate: TokenUsage; base: TokenUsage; judge: TokenUsage };
  /** Failures by where they happened; a pair can fail in more than one place. */
  errors: { candidate: number; base: number; judge: number };
  /** Answers flagged as addressing the judge, and flags by rule over both sides. */
  flagged: { candidate: number; base: number; byRule: Record<string, number> };
  cost: CostEstimate;
}

export interface ArenaRunResult {
  rubricVersion: string;
  positions: PositionMode;
  seed: number;
  models: { candidate: string; base: string; judge: string };
  pairs: ArenaPairResult[];
  totals: ArenaTotals;
}

export interface ArenaRunOptions {
  candidate: ChatModel;
  base: ChatModel;
  judge: ChatModel;
  /** The drawn inputs, in draw order (arena-samples.ts). */
  samples: readonly ArenaSample[];
  /** The run's recorded seed: it fixes each pair's position under `random`. */
  seed: number;
  positions: PositionMode;
  /** Pairs in flight at once. */
  concurrency: number;
  /** Judge cache port: verdicts and base answers. None means every call is made. */
  cache?: JudgeCache;
  /**
   * Cache the candidate's answers too. Off by default: a candidate reference (an endpoint name) can be re-pointed at
   * new weights, and a cached answer would then be another model's. Turn it on for immutable references.
   */
  cacheCandidateAnswers?: boolean;
  /** Answer budget and temperature of both models (default 1024 tokens, temperature 0). */
  generation?: { maxTokens?: number; temperature?: number };
  judgeMaxTokens?: number;
  /** Draws the judge prompt's delimiter token; tests pin it. */
  token?: () => string;
  /** Prices replacing the list-price table in the cost estimate. */
  prices?: PriceOverrides;
  onProgress?: (done: number, total: number) => void;
  /**
   * Draw index of the first sample: a batch of a larger draw (the state machine's Map) gets the positions and
   * indices the whole draw would give it.
   */
  firstIndex?: number;
}

/** A configuration the arena refuses to run: the judge's family, a bad option. */
export class ArenaConfigError extends Error {
  override readonly name = 'ArenaConfigError';
}

/**
 * Why a judge may not judge this candidate and base, or undefined when it may. Self-preference moves scores by tens
 * of points, so the judge must be of another family than both; a family the name cannot tell fails closed.
 */
export function arenaJudgeRefusal(judge: ModelRef, candidate: ModelRef, base: ModelRef): string | undefined {
  for (const [role, ref] of [['judge', judge], ['candidate', candidate], ['base', base]] as const) {
    if (ref.family === 'unknown') return `the family of the ${role} ${ref.id} cannot be told from its name; declare it with #family=<family>`;
  }
  for (const [role, ref] of [['candidate', candidate], ['base', base]] as const) {
    if (judge.family === ref.family) {
      return `judge ${judge.id} (family ${judge.family}) is of the same family as the ${role} ${ref.id} (family ${ref.family}); a judge must be of another family than the models it judges`;
    }
  }
  return undefined;
}

// The position stream is a stream of its own, so the positions are not the numbers that drew the samples.
const POSITION_STREAM = 0x2545f491;

/** The order each pair is shown in under `random`, by draw index: the same seed always gives the same orders. */
export function randomPositions(seed: number, count: number): ShownOrder[] {
  const random = seededRandom((seedState(seed) ^ POSITION_STREAM) >>> 0);
  return Array.from({ length: count }, () => (random.float() < 0.5 ? 'candidate-first' : 'base-first'));
}

export async function runArena(options: ArenaRunOptions): Promise<ArenaRunResult> {
  const { candidate, base, judge, samples, positions } = options;
  const refusal = arenaJudgeRefusal(judge.ref, candidate.ref, base.ref);
  if (refusal !== undefined) throw new ArenaConfigError(refusal);
  if (positions !== 'random' && positions !== 'both') throw new ArenaConfigError(`positions must be random or both, got ${JSON.stringify(positions)}`);
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new ArenaConfigError(`concurrency must be a positive integer, got ${options.concurrency}`);

  try {
    checkPriceOverrides(options.prices ?? {});
  } catch (error) {
    throw new ArenaConfigError((error as Error).message);
  }

  const firstIndex = options.firstIndex ?? 0;
  const orders = randomPositions(options.seed, firstIndex + samples.length).slice(firstIndex);
  const flag = createAnswerFlagger();
  const limiter = new ConcurrencyLimiter(options.concurrency);
  const generation = { maxTokens: options.generation?.maxTokens ?? 1024, temperature: options.generation?.temperature ?? 0 };
  const judgeOptions = {
    model: judge,
    ...(options.cache !== undefined ? { cache: options.cache } : {}),
    ...(options.token !== undefined ? { token: options.token } : {}),
    ...(options.judgeMaxTokens !== undefined ? { maxTokens: options.judgeMaxTokens } : {}),
  };
  let done = 0;

  const runPair = async (sample: ArenaSample, index: number): Promise<ArenaPairResult> => {
    const [cand, bas] = await Promise.all([
      answer(candidate, sample, generation, options.cacheCandidateAnswers === true ? options.cache : undefined),
      answer(base, sample, generation, options.cache),
    ]);
    const result: ArenaPairResult = {
      index: firstIndex + index,
      id: sample.id,
      line: sample.line,
      inputHash: sample.inputHash,
      lengths: {
        ...('text' in cand ? { candidate: cand.text.length } : {}),
        ...('text' in bas ? { base: bas.text.length } : {}),
      },
      judgements: [],
      outcome: 'error',
      flags: { candidate: 'text' in cand ? flag(cand.text) : [], base: 'text' in bas ? flag(bas.text) : [] },
      tokens: { candidate: cand.usage, base: bas.usage, judge: { inputTokens: 0, outputTokens: 0 } },
      calls: { candidate: cand.calls, base: bas.calls, judge: 0 },
      cachedAnswers: { candidate: cand.cached, base: bas.cached },
    };
    if (!('text' in cand) || !('text' in bas)) {
      result.error = [!('text' in cand) ? `candidate: ${cand.error}` : undefined, !('text' in bas) ? `base: ${bas.error}` : undefined].filter(Boolean).join('; ');
      return result;
    }
    const shown: ShownOrder[] = positions === 'both' ? ['candidate-first', 'base-first'] : [orders[index]!];
    const judgements = await Promise.all(
      shown.map(async (order): Promise<ArenaJudgementRecord> => {
        const [answerA, answerB] = order === 'candidate-first' ? [cand.text, bas.text] : [bas.text, cand.text];
        const j = await judgePair(judgeOptions, { inputHash: sample.inputHash, input: sample.input, answerA, answerB });
        result.calls.judge += j.calls;
        result.tokens.judge = addUsage(result.tokens.judge, j.usage);
        if ('error' in j) return { order, pick: 'error', outcome: 'error', cached: false, error: j.error };
        return { order, pick: j.winner, outcome: candidateOutcome(order, j.winner), cached: j.cached, reason: j.reason };
      }),
    );
    result.judgements = judgements;
    const combined = combineOutcomes(judgements.map((j) => j.outcome));
    result.outcome = combined.outcome;
    if (combined.inconsistent) result.inconsistent = true;
    const failed = judgements.find((j) => j.error !== undefined);
    if (failed !== undefined) result.error = `judge: ${failed.error}`;
    return result;
  };

  const pairs = await Promise.all(
    samples.map((sample, offset) =>
      limiter.run(async () => {
        const result = await runPair(sample, offset);
        options.onProgress?.(++done, samples.length);
        return result;
      }),
    ),
  );
  return {
    rubricVersion: ARENA_RUBRIC_VERSION,
    positions,
    seed: options.seed,
    models: { candidate: candidate.ref.id, base: base.ref.id, judge: judge.ref.id },
    pairs,
    totals: totalsOf(pairs, { candidate: candidate.ref, base: base.ref, judge: judge.ref }, options.prices),
  };
}

/** A pick read for the candidate: A is the candidate when it was shown first. */
export function candidateOutcome(order: ShownOrder, pick: PairWinner): PairOutcome {
  if (pick === 'tie') return 'tie';
  const candidateIs = order === 'candidate-first' ? 'A' : 'B';
  return pick === candidateIs ? 'win' : 'loss';
}

/**
 * One pair's outcome from its judgements: an error in any order is an error; in both orders, a win or a loss stands
 * only when both orders give it, anything else (one win and one loss, a win and a tie) is a tie.
 */
export function combineOutcomes(outcomes: readonly PairOutcome[]): { outcome: PairOutcome; inconsistent: boolean } {
  if (outcomes.length === 0 || outcomes.includes('error')) return { outcome: 'error', inconsistent: false };
  const first = outcomes[0]!;
  if (outcomes.every((o) => o === first)) return { outcome: first, inconsistent: false };
  return { outcome: 'tie', inconsistent: true };
}

type Answer = { text: string; usage: TokenUsage; calls: number; cached: boolean } | { error: string; usage: TokenUsage; calls: number; cached: false };

const NO_USAGE: TokenUsage = { inputTokens: 0, outputTokens: 0 };
const ANSWER_CACHE_VERSION = 'arena-answer@1';

/** The cache key of a model's answer to an input under given generation settings. */
export function answerCacheKey(modelId: string, inputHash: string, generation: { maxTokens: number; temperature: number }): string {
  return judgeCacheKey({ rubricVersion: ANSWER_CACHE_VERSION, judgeModel: modelId, inputHash, outputHashes: [textHash(JSON.stringify(generation))] });
}

async function answer(model: ChatModel, sample: ArenaSample, generation: { maxTokens: number; temperature: number }, cache: JudgeCache | undefined): Promise<Answer> {
  const key = cache === undefined ? undefined : answerCacheKey(model.ref.id, sample.inputHash, generation);
  if (cache !== undefined && key !== undefined) {
    try {
      const stored = (await cache.get(key)) as { text?: unknown } | undefined;
      if (stored !== null && typeof stored === 'object' && typeof stored.text === 'string') return { text: stored.text, usage: NO_USAGE, calls: 0, cached: true };
    } catch {
      // An unreadable cache costs a call, not the answer.
    }
  }
  const request: ChatRequest = { ...requestOf(sample.input), maxTokens: generation.maxTokens, temperature: generation.temperature };
  try {
    const result = await model.complete(request);
    if (cache !== undefined && key !== undefined) await cache.put(key, { text: result.text }).catch(() => false);
    return { text: result.text, usage: result.usage, calls: 1, cached: false };
  } catch (error) {
    return { error: `${model.ref.id}: ${error instanceof Error ? error.message : String(error)}`, usage: NO_USAGE, calls: 1, cached: false };
  }
}

function requestOf(input: ArenaInput): Pick<ChatRequest, 'system' | 'messages'> {
  return input.system === undefined ? { messages: input.messages } : { system: input.system, messages: input.messages };
}

function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return { inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens };
}

function totalsOf(pairs: readonly ArenaPairResult[], refs: { candidate: ModelRef; base: ModelRef; judge: ModelRef }, prices: PriceOverrides | undefined): ArenaTotals {
  const calls = { candidate: 0, base: 0, judge: 0 };
  const cacheHits = { candidate: 0, base: 0, judge: 0 };
  const errors = { candidate: 0, base: 0, judge: 0 };
  let tokens = { candidate: NO_USAGE, base: NO_USAGE, judge: NO_USAGE };
  const flagged = { candidate: 0, base: 0, byRule: {} as Record<string, number> };
  for (const p of pairs) {
    calls.candidate += p.calls.candidate;
    calls.base += p.calls.base;
    calls.judge += p.calls.judge;
    if (p.cachedAnswers.candidate) cacheHits.candidate++;
    if (p.cachedAnswers.base) cacheHits.base++;
    cacheHits.judge += p.judgements.filter((j) => j.cached).length;
    if (p.lengths.candidate === undefined) errors.candidate++;
    if (p.lengths.base === undefined) errors.base++;
    errors.judge += p.judgements.filter((j) => j.pick === 'error').length;
    tokens = { candidate: addUsage(tokens.candidate, p.tokens.candidate), base: addUsage(tokens.base, p.tokens.base), judge: addUsage(tokens.judge, p.tokens.judge) };
    for (const side of ['candidate', 'base'] as const) {
      if (p.flags[side].length > 0) flagged[side]++;
      for (const rule of p.flags[side]) flagged.byRule[rule] = (flagged.byRule[rule] ?? 0) + 1;
    }
  }
  const cost = estimateCost(
    [
      { model: refs.candidate, role: 'candidate', usage: tokens.candidate },
      { model: refs.base, role: 'base', usage: tokens.base },
      { model: refs.judge, role: 'judge', usage: tokens.judge },
    ],
    prices,
  );
  return { pairs: pairs.length, calls, cacheHits, tokens, errors, flagged, cost };
}
