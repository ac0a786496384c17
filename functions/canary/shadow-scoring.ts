/**
 * One shadow message scored: the shadow model answers the same conversation, the pair judge compares the candidate's
 * answer with the current one, and each configured rubric scores both. Pure over its ports (the models, the judge
 * cache); the scorer handler turns the result into metrics.
 *
 * The judge sees the two answers in an order drawn from a hash of the request id: random across requests (position
 * bias averages out over the canary) and the same on every redelivery of one message, so the judge cache answers a
 * retried message without a second call.
 *
 * Failures are errors, never outcomes: a shadow model that does not answer leaves no pair (the answered side is still
 * scored, as the sample of live traffic it is); a judge that does not judge is a judge error, not a loss; a rubric that
 * cannot score is a rubric error, not a 0.
 */
import { createHash } from 'node:crypto';
import { judgePair, type PairWinner } from '../arena/pair-judge';
import type { JudgeCache } from '../gates/judge-cache';
import { scoreCheck, parseCheck, type Check } from '../gates/rubrics/registry';
import type { RubricMessage } from '../gates/rubrics/rubric';
import { ModelCallError, type ChatModel } from '../models/chat-model';
import { chatRequestHash } from '../models/chat-request-hash';
import type { Cohort } from './alias-control';
import type { CanaryConfig } from './canary-config';
import type { ShadowMessage } from './shadow-message';

export type PairOutcome = 'win' | 'loss' | 'tie';

export interface ShadowScore {
  runId: string;
  /** The shadow model's answer, or why there is none. */
  shadow: { text: string; latencyMs: number } | { error: string };
  /** The candidate's outcome against current; absent when there was no pair to judge. */
  pair?: { outcome: PairOutcome; candidatePosition: 'A' | 'B'; cached: boolean } | { error: string };
  /** Rubric scores in points (0–100) per cohort. */
  scores: { cohort: Cohort; rubric: string; points: number }[];
  rubricErrors: { cohort: Cohort; rubric: string; error: string }[];
}

export interface ShadowScoringDeps {
  config: CanaryConfig;
  /** The model a reference names (one per reference per container). */
  model: (ref: string) => ChatModel;
  judgeCache?: JudgeCache;
  /** The judge's model reference, or why no judge may judge these models (its family, none known): every judged score is then an error. */
  judge: { model: string } | { problem: string };
}

/** The candidate is shown first when the first byte of sha256(requestId) is even. */
export function candidatePosition(requestId: string): 'A' | 'B' {
  return (createHash('sha256').update(requestId).digest()[0]! & 1) === 0 ? 'A' : 'B';
}

export async function scoreShadowMessage(message: ShadowMessage, deps: ShadowScoringDeps): Promise<ShadowScore> {
  const { config } = deps;
  const request = { ...(message.input.system === undefined ? {} : { system: message.input.system }), messages: message.input.messages };
  let shadow: ShadowScore['shadow'];
  try {
    const result = await deps.model(message.shadowOf.model).complete({ ...request, maxTokens: config.shadowMaxTokens });
    shadow = { text: result.text, latencyMs: result.latencyMs };
  } catch (error) {
    if (!(error instanceof ModelCallError)) throw error;
    shadow = { error: `${message.shadowOf.cohort} model ${message.shadowOf.model} did not answer: ${error.message}` };
  }

  const answers: { cohort: Cohort; text: string }[] = [{ cohort: message.answered.cohort, text: message.answered.text }];
  if ('text' in shadow) answers.push({ cohort: message.shadowOf.cohort, text: shadow.text });

  const score: ShadowScore = { runId: message.runId, shadow, scores: [], rubricErrors: [] };
  if ('text' in shadow) score.pair = await judgeShadowPair(message, shadow.text, deps);

  const judge = 'model' in deps.judge ? { model: deps.model(deps.judge.model), ...(deps.judgeCache === undefined ? {} : { cache: deps.judgeCache }) } : undefined;
  const conversation: RubricMessage[] = [...(message.input.system === undefined ? [] : [{ role: 'system' as const, content: message.input.system }]), ...message.input.messages];
  for (const rubric of config.rubrics) {
    const check = checkOf(rubric.check);
    for (const answer of answers) {
      if (check.rubric.kind === 'judge' && judge === undefined) {
        score.rubricErrors.push({ cohort: answer.cohort, rubric: rubric.name, error: (deps.judge as { problem: string }).problem });
        continue;
      }
      const outcome = await scoreCheck(check, { answer: answer.text, messages: conversation }, judge);
      if ('error' in outcome) score.rubricErrors.push({ cohort: answer.cohort, rubric: rubric.name, error: outcome.error });
      else score.scores.push({ cohort: answer.cohort, rubric: rubric.name, points: outcome.score * 100 });
    }
  }
  return score;
}

async function judgeShadowPair(message: ShadowMessage, shadowText: string, deps: ShadowScoringDeps): Promise<NonNullable<ShadowScore['pair']>> {
  if ('problem' in deps.judge) return { error: deps.judge.problem };
  const candidateText = message.answered.cohort === 'candidate' ? message.answered.text : shadowText;
  const currentText = message.answered.cohort === 'candidate' ? shadowText : message.answered.text;
  const position = candidatePosition(message.requestId);
  const [answerA, answerB] = position === 'A' ? [candidateText, currentText] : [currentText, candidateText];
  const judgement = await judgePair(
    { model: deps.model(deps.judge.model), ...(deps.judgeCache === undefined ? {} : { cache: deps.judgeCache }) },
    { inputHash: chatRequestHash(message.input), input: message.input, answerA, answerB },
  );
  if ('error' in judgement) return { error: judgement.error };
  return { outcome: outcomeFor(judgement.winner, position), candidatePosition: position, cached: judgement.cached };
}

function outcomeFor(winner: PairWinner, candidate: 'A' | 'B'): PairOutcome {
  if (winner === 'tie') return 'tie';
  return winner === candidate ? 'win' : 'loss';
}

const checks = new Map<string, Check>();
/** The parsed check (the configuration was validated when it was read, so this cannot fail). */
function checkOf(spec: CanaryConfig['rubrics'][number]['check']): Check {
  const key = JSON.stringify(spec);
  let check = checks.get(key);
  if (check === undefined) {
    const parsed = parseCheck(spec);
    if (!parsed.ok) throw new Error(parsed.error);
    checks.set(key, (check = parsed.check));
  }
  return check;
}
