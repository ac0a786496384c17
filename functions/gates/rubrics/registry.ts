/**
 * The rubric registry: rubric id → versioned scorer. A check is written `{ rubric: <id>, ...params }` (a drift-suite
 * item's `check`, or a run's held-out rubric with no params); parseCheck reads it once, refusing unknown rubrics and
 * invalid parameters, and scoreCheck applies it. Scoring never throws and never returns a score outside [0, 1]:
 * anything else is turned into an error, so a scorer bug cannot pass as a score.
 *
 * RUBRIC_SET_VERSION names this set of rubric versions as a whole; a run pins it at registration, and any change to a
 * rubric's scoring bumps that rubric's version and the set's. Judge scores go through the judge cache when the judge
 * options carry one, under the rubric version `<set>/<id>@<version>`.
 */
import * as z from 'zod';
import { allOfRubric, type CheckResolver } from './all-of';
import { bulletCount } from './bullet-count';
import { cachedJudgement } from './cached-judgement';
import { casing } from './casing';
import { contextAdherence } from './context-adherence';
import { exactMatch } from './exact-match';
import { forbiddenWords } from './forbidden-words';
import { groundedness } from './groundedness';
import { jsonKeys } from './json-keys';
import { jsonSchema } from './json-schema';
import { jsonValid } from './json-valid';
import { lengthRatio } from './length-ratio';
import { markdownTable } from './markdown-table';
import { numericAnswer } from './numeric-answer';
import { refusalAppropriateness } from './refusal-appropriateness';
import { refusalDetection } from './refusal-detection';
import { regex } from './regex';
import { requiredKeywords } from './required-keywords';
import { rougeLRubric } from './rouge-l';
import type { DeterministicRubric, JudgeOptions, Rubric, RubricInput, RubricOutcome } from './rubric';
import { sentenceCount } from './sentence-count';
import { taskCompletion } from './task-completion';
import { tokenF1Rubric } from './token-f1';
import { toolCallSchema } from './tool-call-schema';
import { wordCount } from './word-count';

export const RUBRIC_SET_VERSION = '2026-11-v1';

export interface Check {
  readonly rubric: Rubric;
  /** The parsed parameters, as the rubric's own schema returned them. */
  readonly params: unknown;
}

export type CheckParse = { ok: true; check: Check } | { ok: false; error: string };

/** The written form of a check: a rubric id plus that rubric's parameters. */
export const checkSpecSchema = z.looseObject({ rubric: z.string().min(1) });
export type CheckSpec = z.infer<typeof checkSpecSchema>;

const rubrics = new Map<string, Rubric>();
for (const rubric of [
  exactMatch,
  numericAnswer,
  jsonValid,
  jsonSchema,
  jsonKeys,
  markdownTable,
  regex,
  refusalDetection,
  lengthRatio,
  tokenF1Rubric,
  rougeLRubric,
  wordCount,
  sentenceCount,
  casing,
  requiredKeywords,
  forbiddenWords,
  bulletCount,
  groundedness,
  contextAdherence,
  taskCompletion,
  toolCallSchema,
  refusalAppropriateness,
] as Rubric[]) {
  rubrics.set(rubric.id, rubric);
}

const resolveDeterministic: CheckResolver = (spec) => {
  const parsed = parseCheck(spec);
  if (!parsed.ok) return parsed;
  const { rubric, params } = parsed.check;
  if (rubric.kind !== 'deterministic') return { ok: false, error: `${rubric.id} is judge-based; all-of takes deterministic checks only` };
  return { ok: true, score: (input) => safeDeterministic(rubric, params, input) };
};
rubrics.set('all-of', allOfRubric(resolveDeterministic) as Rubric);

/** Every rubric id, sorted. */
export const RUBRIC_IDS: readonly string[] = [...rubrics.keys()].sort();

export function getRubric(id: string): Rubric | undefined {
  return rubrics.get(id);
}

/** `<id>@<version>`: how a recorded or cached score names the scorer that produced it. */
export function rubricKey(rubric: Rubric): string {
  return `${rubric.id}@${rubric.version}`;
}

/** Reads a written check, refusing an unknown rubric or invalid parameters with the offending field named. */
export function parseCheck(spec: unknown): CheckParse {
  const head = checkSpecSchema.safeParse(spec);
  if (!head.success) return { ok: false, error: 'a check must be an object with a "rubric" id' };
  const { rubric: id, ...rest } = head.data;
  const rubric = rubrics.get(id);
  if (rubric === undefined) return { ok: false, error: `unknown rubric ${JSON.stringify(id)}` };
  const params = rubric.params.safeParse(rest);
  if (!params.success) {
    const issues = params.error.issues.map((i) => (i.path.length === 0 ? i.message : `${i.path.join('.')}: ${i.message}`));
    return { ok: false, error: `${id}: invalid parameters: ${issues.join('; ')}` };
  }
  return { ok: true, check: { rubric, params: params.data } };
}

/** Scores an answer with a parsed check. Judge rubrics need `judge`; without one they return an error. */
export async function scoreCheck(check: Check, input: RubricInput, judge?: JudgeOptions): Promise<RubricOutcome> {
  const { rubric, params } = check;
  if (rubric.kind === 'deterministic') return safeDeterministic(rubric, params, input);
  if (judge === undefined) return { error: `${rubric.id} needs a judge model` };
  const run = async (): Promise<RubricOutcome> => {
    try {
      return checked(rubric.id, await rubric.score(input, params, judge));
    } catch (error) {
      return { error: `${rubric.id} failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  };
  if (judge.cache === undefined) return run();
  return checked(rubric.id, await cachedJudgement(judge.cache, { rubricVersion: `${RUBRIC_SET_VERSION}/${rubricKey(rubric)}`, judgeModel: judge.model.ref.id, params, input }, run));
}

/** Scores synchronously with a deterministic check; a judge check is an error here. */
export function scoreDeterministic(check: Check, input: RubricInput): RubricOutcome {
  if (check.rubric.kind !== 'deterministic') return { error: `${check.rubric.id} is judge-based and needs scoreCheck with a judge` };
  return safeDeterministic(check.rubric, check.params, input);
}

function safeDeterministic(rubric: DeterministicRubric<unknown>, params: unknown, input: RubricInput): RubricOutcome {
  try {
    return checked(rubric.id, rubric.score(input, params));
  } catch (error) {
    return { error: `${rubric.id} failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Lets through an error or a finite score in [0, 1]; anything else becomes an error. */
function checked(id: string, outcome: RubricOutcome): RubricOutcome {
  if (typeof outcome !== 'object' || outcome === null) return { error: `${id} returned no outcome` };
  if ('error' in outcome) return typeof outcome.error === 'string' && outcome.error !== '' ? outcome : { error: `${id} returned an empty error` };
  if (typeof outcome.score !== 'number' || !Number.isFinite(outcome.score) || outcome.score < 0 || outcome.score > 1) {
    return { error: `${id} returned a score outside [0, 1]: ${String(outcome.score)}` };
  }
  return outcome;
}
