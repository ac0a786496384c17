import type { ChatModel } from '../models/chat-model';
import { chatRequestHash, textHash } from '../models/chat-request-hash';
import { ConcurrencyLimiter } from '../models/concurrency-limiter';
import { driftItemRequest, type LoadedDriftItem } from './drift-suite';
import type { HeldoutItem } from './heldout-set';
import { judgeCacheKey, type JudgeCache } from './judge-cache';
import { scoreCheck, type Check } from './rubrics/registry';
import type { JudgeOptions, RubricOutcome } from './rubrics/rubric';

/**
 * Scores one batch of a checkpoint: the candidate answers each item, the item's rubric scores the answer. For the
 * drift suite the base model answers too, once per suite version: its answers are cached, so every checkpoint of
 * every run on that base compares against the same base answers. A failed generation is an error outcome, counted
 * and reported, never a zero score.
 */

export interface ItemResult {
  id: string;
  kind: 'heldout' | 'drift';
  axis?: string;
  candidate: RubricOutcome;
  base?: RubricOutcome;
  /** Tokens the candidate used, for cost accounting. */
  usage?: { inputTokens: number; outputTokens: number };
}

export interface ScoreOptions {
  candidate: ChatModel;
  judge?: JudgeOptions;
  concurrency: number;
  maxTokens?: number;
}

export async function scoreHeldoutItems(items: readonly HeldoutItem[], check: Check, options: ScoreOptions): Promise<ItemResult[]> {
  const limiter = new ConcurrencyLimiter(options.concurrency);
  return Promise.all(
    items.map((item) =>
      limiter.run(async (): Promise<ItemResult> => {
        const request = requestOf(item.messages);
        const answer = await generate(options.candidate, request, options.maxTokens);
        if ('error' in answer) return { id: item.id, kind: 'heldout', candidate: answer };
        const outcome = await scoreCheck(check, { answer: answer.text, messages: item.messages, reference: item.reference, ...(item.context ? { context: item.context } : {}) }, options.judge);
        return { id: item.id, kind: 'heldout', candidate: outcome, usage: answer.usage };
      }),
    ),
  );
}

export interface DriftScoreOptions extends ScoreOptions {
  base: ChatModel;
  /** Where base answers are kept, per suite version; none means the base answers every time. */
  baseCache?: JudgeCache;
  suiteHash: string;
}

export async function scoreDriftItems(items: readonly LoadedDriftItem[], options: DriftScoreOptions): Promise<ItemResult[]> {
  const limiter = new ConcurrencyLimiter(options.concurrency);
  return Promise.all(
    items.map((loaded) =>
      limiter.run(async (): Promise<ItemResult> => {
        const { item, check } = loaded;
        const request = driftItemRequest(item);
        const messages = item.messages;
        const [candidateAnswer, baseAnswer] = await Promise.all([generate(options.candidate, request, options.maxTokens), baseAnswerOf(request, options)]);
        const score = async (answer: { text: string } | { error: string }, who: string): Promise<RubricOutcome> =>
          'error' in answer ? { error: `${who}: ${answer.error}` } : scoreCheck(check, { answer: answer.text, messages }, options.judge);
        const [candidate, base] = await Promise.all([score(candidateAnswer, 'candidate'), score(baseAnswer, 'base')]);
        return { id: item.id, kind: 'drift', axis: item.axis, candidate, base, ...('usage' in candidateAnswer ? { usage: candidateAnswer.usage } : {}) };
      }),
    ),
  );
}

async function baseAnswerOf(request: ReturnType<typeof driftItemRequest>, options: DriftScoreOptions): Promise<{ text: string } | { error: string }> {
  const key = judgeCacheKey({ rubricVersion: `base-answer@${options.suiteHash}`, judgeModel: options.base.ref.id, inputHash: chatRequestHash(request), outputHashes: [textHash('base-answer')] });
  const cached = await options.baseCache?.get(key).catch(() => undefined);
  if (cached && typeof (cached as { text?: unknown }).text === 'string') return { text: (cached as { text: string }).text };
  const answer = await generate(options.base, request, options.maxTokens);
  if (!('error' in answer)) await options.baseCache?.put(key, { text: answer.text }).catch(() => false);
  return answer;
}

async function generate(model: ChatModel, request: { system?: string; messages: { role: 'user' | 'assistant'; content: string }[] }, maxTokens = 1024): Promise<{ text: string; usage: { inputTokens: number; outputTokens: number } } | { error: string }> {
  try {
    const result = await model.complete({ ...request, maxTokens, temperature: 0 });
    return { text: result.text, usage: result.usage };
  } catch (error) {
    return { error: `${model.ref.id}: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function requestOf(messages: readonly { role: 'system' | 'user' | 'assistant'; content: string }[]): { system?: string; messages: { role: 'user' | 'assistant'; content: string }[] } {
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n');
  return {
    ...(system ? { system } : {}),
    messages: messages.filter((m): m is { role: 'user' | 'assistant'; content: string } => m.role !== 'system'),
  };
}
