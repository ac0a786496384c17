/**
 * Runs a judge-based rubric: builds the prompt, calls the judge for JSON, and reads `{score, reason}` with zod.
 * A failed call, an answer that is not that JSON, or a score off the scale is an error, never a score: a judge that
 * said nothing usable has said nothing about the answer.
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { ModelCallError } from '../../models/chat-model';
import { judgePrompt, type JudgeBlock, type JudgeScale } from './judge-prompt';
import { quote, type JudgeOptions, type JudgeRubric, type RubricInput, type RubricOutcome } from './rubric';
import { extractJsonObject } from '../../models/json-answer';

const DEFAULT_MAX_TOKENS = 400;
const TOKEN_DRAWS = 3;

const criteriaParams = z.strictObject({
  /** Item-specific criteria added to the rubric's instructions. */
  criteria: z.string().max(2000).optional(),
});
export type JudgeCriteria = z.infer<typeof criteriaParams>;

const ANSWER_SCHEMAS = {
  '1-5': z.object({ score: z.number().int().min(1).max(5), reason: z.string().trim().min(1) }),
  '0-1': z.object({ score: z.number().min(0).max(1), reason: z.string().trim().min(1) }),
} as const;

export interface JudgeRubricSpec {
  id: string;
  version: string;
  description: string;
  scale: JudgeScale;
  instructions: string;
  /** The quoted blocks for an input, or why this input cannot be judged by the rubric. */
  blocks(input: RubricInput): JudgeBlock[] | { error: string };
}

export function judgeRubric(spec: JudgeRubricSpec): JudgeRubric<JudgeCriteria> {
  return {
    id: spec.id,
    version: spec.version,
    kind: 'judge',
    description: spec.description,
    params: criteriaParams,
    async score(input, params, judge) {
      const blocks = spec.blocks(input);
      if (!Array.isArray(blocks)) return blocks;
      return askJudge(judge, { instructions: spec.instructions, scale: spec.scale, ...(params.criteria === undefined ? {} : { criteria: params.criteria }) }, blocks);
    },
  };
}

export async function askJudge(judge: JudgeOptions, spec: { instructions: string; scale: JudgeScale; criteria?: string }, blocks: readonly JudgeBlock[]): Promise<RubricOutcome> {
  const draw = judge.token ?? (() => randomBytes(12).toString('hex'));
  let token = draw();
  // Quoted data that happens to contain the token could close its block early; draw again (a pinned token cannot).
  for (let tries = 1; blocks.some((b) => b.text.includes(token)) && tries < TOKEN_DRAWS; tries++) token = draw();
  if (blocks.some((b) => b.text.includes(token))) return { error: 'the delimiter token occurs in the quoted data' };
  let prompt;
  try {
    prompt = judgePrompt(spec, blocks, token);
  } catch (error) {
    return { error: `cannot build the judge prompt: ${error instanceof Error ? error.message : String(error)}` };
  }
  let text: string;
  try {
    const result = await judge.model.complete({
      system: prompt.system,
      messages: [{ role: 'user', content: prompt.user }],
      maxTokens: judge.maxTokens ?? DEFAULT_MAX_TOKENS,
      temperature: judge.temperature ?? 0,
      responseFormat: 'json',
    });
    text = result.text;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { error: error instanceof ModelCallError ? `judge call failed: ${message}` : `judge call failed unexpectedly: ${message}` };
  }
  return readJudgeAnswer(text, spec.scale);
}

/** The score in a judge's answer, normalised to [0, 1]: (s − 1) / 4 on the 1–5 scale, s itself on 0–1. */
export function readJudgeAnswer(answer: string, scale: JudgeScale): RubricOutcome {
  const json = extractJsonObject(answer);
  if (json === undefined) return { error: `malformed judge answer (no JSON object): ${quote(answer, 120)}` };
  const parsed = ANSWER_SCHEMAS[scale].safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : ` (${issue.path.join('.') || 'answer'}: ${issue.message})`;
    return { error: `malformed judge answer, expected {"score": ${scale === '1-5' ? '1-5' : '0-1'}, "reason": "..."}${where}: ${quote(answer, 120)}` };
  }
  const { score, reason } = parsed.data;
  return { score: scale === '1-5' ? (score - 1) / 4 : score, detail: reason };
}

