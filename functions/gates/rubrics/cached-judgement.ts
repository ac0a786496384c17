/**
 * Judge scores through the judge cache: same rubric version, same judge, same input, same answer → the stored score,
 * no second call. The key is computed from what was judged, not from the prompt text, whose delimiter token is
 * random per call. Only scores are stored: an error (a failed call, a malformed answer) is retried next time, never
 * remembered. The cache is an optimisation: when it cannot be read or written, the judge is simply called.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { judgeCacheKey, type JudgeCache } from '../judge-cache';
import type { RubricInput, RubricOutcome } from './rubric';

const cachedScoreSchema = z.strictObject({ score: z.number().min(0).max(1), detail: z.string().optional() });

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Hash of everything the judge is shown besides the answer: the rubric's params, the conversation, context, reference and tools. */
export function judgementInputHash(params: unknown, input: RubricInput): string {
  return sha256(
    JSON.stringify({
      params: params ?? null,
      messages: input.messages ?? null,
      context: input.context ?? null,
      reference: input.reference ?? null,
      tools: input.tools ?? null,
    }),
  );
}

export function judgementOutputHash(answer: string): string {
  return sha256(answer);
}

export async function cachedJudgement(
  cache: JudgeCache,
  parts: { rubricVersion: string; judgeModel: string; params: unknown; input: RubricInput },
  judge: () => Promise<RubricOutcome>,
): Promise<RubricOutcome> {
  let key: string;
  try {
    key = judgeCacheKey({
      rubricVersion: parts.rubricVersion,
      judgeModel: parts.judgeModel,
      inputHash: judgementInputHash(parts.params, parts.input),
      outputHashes: [judgementOutputHash(parts.input.answer)],
    });
  } catch {
    // No key (an input that cannot be hashed, say), no caching.
    return judge();
  }
  try {
    const stored = cachedScoreSchema.safeParse(await cache.get(key));
    if (stored.success) return stored.data.detail === undefined ? { score: stored.data.score } : { score: stored.data.score, detail: stored.data.detail };
  } catch {
    // An unreadable cache costs a judge call, not the score.
  }
  const outcome = await judge();
  if (!('error' in outcome)) {
    try {
      await cache.put(key, outcome.detail === undefined ? { score: outcome.score } : { score: outcome.score, detail: outcome.detail });
    } catch {
      // Nor does an unwritable one.
    }
  }
  return outcome;
}
