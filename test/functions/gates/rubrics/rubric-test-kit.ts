/** Helpers for rubric tests: score through the registry as the gate does, and a scripted judge model. */
import type { ChatModel, ChatRequest, ChatResult } from '../../../../functions/models/chat-model';
import { parseModelRef } from '../../../../functions/models/model-ref';
import { parseCheck, scoreCheck, scoreDeterministic } from '../../../../functions/gates/rubrics/registry';
import type { JudgeOptions, RubricInput, RubricOutcome } from '../../../../functions/gates/rubrics/rubric';

/** Scores `answer` with the written check `{ rubric, ...params }`; throws when the check itself is refused. */
export function score(check: Record<string, unknown>, answer: string, input: Omit<RubricInput, 'answer'> = {}): RubricOutcome {
  const parsed = parseCheck(check);
  if (!parsed.ok) throw new Error(parsed.error);
  return scoreDeterministic(parsed.check, { ...input, answer });
}

/** The score alone (throws on an error outcome, so a test cannot mistake an error for a 0). */
export function scoreOf(check: Record<string, unknown>, answer: string, input: Omit<RubricInput, 'answer'> = {}): number {
  const outcome = score(check, answer, input);
  if ('error' in outcome) throw new Error(`unexpected error outcome: ${outcome.error}`);
  return outcome.score;
}

/** Why a check is refused when read, or undefined when it is accepted. */
export function refusal(check: unknown): string | undefined {
  const parsed = parseCheck(check);
  return parsed.ok ? undefined : parsed.error;
}

export async function judgeScore(check: Record<string, unknown>, input: RubricInput, judge: JudgeOptions): Promise<RubricOutcome> {
  const parsed = parseCheck(check);
  if (!parsed.ok) throw new Error(parsed.error);
  return scoreCheck(parsed.check, input, judge);
}

/** A ChatModel that records its requests and answers with `answer(request)` (an Error is thrown). */
export function scriptedModel(answer: (request: ChatRequest) => string | Error): ChatModel & { requests: ChatRequest[] } {
  const requests: ChatRequest[] = [];
  return {
    ref: parseModelRef('openai:scripted-judge#family=anthropic'),
    requests,
    async complete(request: ChatRequest): Promise<ChatResult> {
      requests.push(request);
      const out = answer(request);
      if (out instanceof Error) throw out;
      return { text: out, usage: { inputTokens: 1, outputTokens: 1 }, latencyMs: 1, attempts: 1, model: 'scripted-judge' };
    },
  };
}
