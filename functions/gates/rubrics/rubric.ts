/**
 * What a rubric is: a versioned scorer of one answer. Every scorer returns a score in [0, 1] or an error, never
 * both and never a stand-in: a judge that could not be reached, a malformed judge answer or a check that cannot be
 * applied (no reference to compare with, an invalid parameter) is an error, counted apart from scores by the gate.
 * A bad answer is a score of 0; only the inability to score is an error.
 */
import type { z } from 'zod';
import type { ChatModel } from '../../models/chat-model';
import type { JudgeCache } from '../judge-cache';

export type RubricOutcome = { score: number; detail?: string } | { error: string };

export interface RubricMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface RubricInput {
  /** The answer being scored. */
  answer: string;
  /** The conversation the answer replies to (judges are shown it; format checks ignore it). */
  messages?: readonly RubricMessage[];
  /** A reference answer (held-out rows carry one). */
  reference?: string;
  /** Source material the answer must rest on (groundedness). */
  context?: string;
  /** The tool definitions that were offered (tool-call schema adherence): JSON text or a JSON value. */
  tools?: unknown;
}

/** The judge a judge-based rubric calls, and how. */
export interface JudgeOptions {
  model: ChatModel;
  /** Draws the hex delimiter token around quoted data (default: 12 random bytes); tests pin it. */
  token?: () => string;
  /** Answer budget (default 400 tokens: a score and a short reason). */
  maxTokens?: number;
  /** Default 0: the same answer should get the same score. */
  temperature?: number;
  /** Where judge scores are kept, keyed by rubric version, judge model, input and answer; none by default. */
  cache?: JudgeCache;
}

interface RubricBase<P> {
  /** Stable id, as written in a check (`{ rubric: id, ...params }`) or a run's held-out configuration. */
  readonly id: string;
  /** Bumped whenever the scoring changes, so cached and recorded scores name the scorer that produced them. */
  readonly version: string;
  readonly description: string;
  /** The parameters a check may carry besides `rubric`; unknown parameters are refused, so a typo is not ignored. */
  readonly params: z.ZodType<P>;
}

export interface DeterministicRubric<P = unknown> extends RubricBase<P> {
  readonly kind: 'deterministic';
  score(input: RubricInput, params: P): RubricOutcome;
}

export interface JudgeRubric<P = unknown> extends RubricBase<P> {
  readonly kind: 'judge';
  score(input: RubricInput, params: P, judge: JudgeOptions): Promise<RubricOutcome>;
}

// `any` lets one registry hold rubrics whose parameter types differ; each is called with its own parsed params.
export type Rubric = DeterministicRubric<any> | JudgeRubric<any>;

export function isRubricError(outcome: RubricOutcome): outcome is { error: string } {
  return 'error' in outcome;
}

/** 1 when a binary check holds, else 0, with what was found. */
export function passFail(ok: boolean, detail?: string): RubricOutcome {
  return detail === undefined ? { score: ok ? 1 : 0 } : { score: ok ? 1 : 0, detail };
}

/** The references to compare with: the check's own `expected` when given, else the input's reference. */
export function referencesOf(input: RubricInput, expected: string | readonly string[] | undefined): string[] | undefined {
  if (expected !== undefined) return typeof expected === 'string' ? [expected] : [...expected];
  return input.reference === undefined ? undefined : [input.reference];
}

/** A short quotation of a text for an outcome's detail. */
export function quote(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max)}…` : flat);
}
