/**
 * The canary's configuration: the judge, the rubrics scored per cohort, the win-rate floor, the rubric drop alarm and
 * the hold policy. It reaches the scorer and the rollout as the CANARY_CONFIG environment variable (JSON), and every
 * canary verdict records it with its hash, so a verdict always says what it was judged under.
 *
 * Strict objects: a misspelt threshold is refused, never silently replaced by its default.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { parseCheck, checkSpecSchema } from '../gates/rubrics/registry';
import { isCrossFamily, parseModelRef } from '../models/model-ref';
import { canonicalJson } from '../runs/run-config';
import type { CanaryPolicy } from './canary-decision';
import { RUBRIC_NAME } from './canary-metrics';
import { startWinRateSequence, type WinRateSequenceConfig } from './confidence-sequence';

const modelRefSchema = z.string().transform((value, ctx) => {
  try {
    return parseModelRef(value).id;
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

const rubricSchema = z
  .strictObject({
    /** The metric is Rubric_<name>. */
    name: z.string().regex(RUBRIC_NAME, "a rubric name is letters, digits, '_' and '-'"),
    /** A check as the registry reads it: `{ rubric: <id>, ...params }`; reference-free, since live traffic has no reference. */
    check: checkSpecSchema,
  })
  .superRefine((r, ctx) => {
    const parsed = parseCheck(r.check);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', path: ['check'], message: parsed.error });
  });

export const canaryConfigSchema = z
  .strictObject({
    /**
     * Judges shadow pairs and judge-based rubrics; of another family than both cohorts' models. By default the run's
     * own pinned judge (its registered run configuration's judgeModel).
     */
    judgeModel: modelRefSchema.optional(),
    rubrics: z.array(rubricSchema).default([]),
    winRate: z
      .strictObject({
        /** The candidate's shadow win rate over current must not be confidently below this. */
        floor: z.number().gt(0).lt(1).default(0.5),
        alpha: z.number().gt(0).lt(1).default(0.05),
        priorConcentration: z.number().positive().optional(),
      })
      .prefault({}),
    rubricDrop: z
      .strictObject({
        /** Periods in each rolling mean. */
        window: z.number().int().positive().default(6),
        /** Candidate points below current that breach. */
        dropPoints: z.number().nonnegative().default(2),
        /** M of N. */
        datapointsToAlarm: z.number().int().positive().default(3),
        evaluationPeriods: z.number().int().positive().default(5),
        treatMissingData: z.enum(['notBreaching', 'breaching', 'missing', 'ignore']).default('missing'),
      })
      .prefault({})
      .refine((d) => d.datapointsToAlarm <= d.evaluationPeriods, { path: ['datapointsToAlarm'], message: 'datapointsToAlarm must not exceed evaluationPeriods' }),
    /** The metric period, and the length of one hold window (default 5 minutes). */
    periodSeconds: z.number().int().min(60).multipleOf(60).default(300),
    /** Windows each weight step is held before it may advance (default 6 × 5 min = 30 min). */
    holdWindows: z.number().int().positive().default(6),
    /** The candidate's share of traffic at each rollout step, in order; promotion follows the last. */
    weights: z
      .array(z.number().gt(0).lt(1))
      .min(1)
      .default([0.05, 0.1])
      .refine((w) => w.every((x, i) => i === 0 || x > w[i - 1]!), 'weights must increase step by step'),
    minDecidedPairs: z.number().int().positive().default(100),
    minRubricSamples: z.number().int().positive().default(30),
    /** Answer budget of the shadow model. */
    shadowMaxTokens: z.number().int().positive().default(1024),
  })
  .superRefine((c, ctx) => {
    const names = c.rubrics.map((r) => r.name);
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i) ctx.addIssue({ code: 'custom', path: ['rubrics', i, 'name'], message: `rubric name ${name} is used twice` });
    });
  });

export type CanaryConfig = z.output<typeof canaryConfigSchema>;
/** A configuration whose judge is known: its own, or the run's. */
export type JudgedCanaryConfig = CanaryConfig & { judgeModel: string };
export type CanaryConfigInput = z.input<typeof canaryConfigSchema>;

/** A configuration that cannot be used; the message names the wrong field. */
export class CanaryConfigError extends Error {
  override readonly name = 'CanaryConfigError';
}

/** Parses CANARY_CONFIG's JSON text or an object. */
export function parseCanaryConfig(input: string | unknown): CanaryConfig {
  let raw = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input);
    } catch (error) {
      throw new CanaryConfigError(`invalid canary config: not JSON: ${(error as Error).message}`);
    }
  }
  const parsed = canaryConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`);
    throw new CanaryConfigError(`invalid canary config: ${issues.join('; ')}`);
  }
  return parsed.data;
}

/** The hash a canary verdict records: sha256 of the resolved configuration's canonical JSON (16 hex chars). */
export function canaryConfigHash(config: CanaryConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 16);
}

/** The decision policy of one rollout step. */
export function canaryPolicy(config: CanaryConfig): CanaryPolicy {
  return { holdWindows: config.holdWindows, minDecidedPairs: config.minDecidedPairs, minRubricSamples: config.minRubricSamples, rubrics: config.rubrics.map((r) => r.name) };
}

/** The win-rate test's configuration, defaults filled. */
export function winRateConfig(config: CanaryConfig): Required<WinRateSequenceConfig> {
  const { floor, alpha, priorConcentration } = config.winRate;
  return startWinRateSequence({ floor, alpha, ...(priorConcentration === undefined ? {} : { priorConcentration }) }).config;
}

/** The run's pinned judge model, when the run is registered. */
export type RunJudgeLookup = (runId: string) => Promise<string | undefined>;

/** The configuration with its judge: its own judgeModel, else the run's pinned one; undefined when neither exists. */
export async function withJudge(config: CanaryConfig, runId: string, runJudge?: RunJudgeLookup): Promise<JudgedCanaryConfig | undefined> {
  const judgeModel = config.judgeModel ?? (runJudge === undefined ? undefined : await runJudge(runId));
  return judgeModel === undefined ? undefined : { ...config, judgeModel: parseModelRef(judgeModel).id };
}

/** Why the judge may not judge these two models: a judge of either one's family (or of an unknown family) is refused. */
export function judgeFamilyProblem(config: JudgedCanaryConfig, currentModel: string, candidateModel: string): string | undefined {
  for (const [role, model] of [['current', currentModel], ['candidate', candidateModel]] as const) {
    if (!isCrossFamily(config.judgeModel, model)) {
      return `judge ${config.judgeModel} is not known to be of another family than the ${role} model ${model}; a judge must be of another family than the models it judges`;
    }
  }
  return undefined;
}
