import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { parseModelRef, type ModelRef } from '../models/model-ref';
import { arenaSampleSize, DEFAULT_ARENA_CONFIDENCE, DEFAULT_ARENA_POWER } from './arena-sample-size';

/*
 * The run configuration (run.yaml): what a fine-tuning run is judged by, pinned at registration and never changed.
 * Every object is strict: a misspelt threshold (`failPoint: 2`) must be refused, not silently replaced by its
 * default. Scores and thresholds are in points on a 0–100 scale.
 */

/** Run and study ids become DynamoDB keys, S3 prefixes and Step Functions execution names. */
const ID = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const idSchema = (what: string) => z.string().max(64, `${what} is at most 64 characters`).regex(ID, `${what} is letters, digits, '-' and '_', starting with a letter or digit`);

const S3_URI = /^s3:\/\/[^/]+\/.+$/;

/** A model reference, stored in its canonical form so that `Bedrock:x` and `bedrock:x` pin the same run. */
const modelRefSchema = z.string().transform((value, ctx) => {
  try {
    return parseModelRef(value).id;
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

/** Placeholders a candidate-model template may use; filled from the training job's completion event. */
export const CANDIDATE_TEMPLATE_PLACEHOLDERS = ['runId', 'jobName', 'modelArtifacts', 'outputModelArn', 'outputModelName'] as const;
export type CandidateTemplatePlaceholder = (typeof CANDIDATE_TEMPLATE_PLACEHOLDERS)[number];
const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

// SageMaker and Bedrock's own job-name rules.
const SAGEMAKER_JOB_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const BEDROCK_JOB_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9+\-.])*$/;

const baseSchema = z.strictObject({
  runId: idSchema('runId'),
  /** Sweeps: runs of one study are compared with each other at the same step (trial stop). */
  study: idSchema('study').optional(),
  baseModel: modelRefSchema,
  /** Judges rubric items and arena pairs; of another family than the base and the candidates. */
  judgeModel: modelRefSchema,
  rubricVersion: z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'rubricVersion is letters, digits, ".", "-" and "_"'),
  heldout: z.strictObject({
    /** JSONL rows with an input and a reference: an s3:// URI or a local path. */
    uri: z.string().min(1).refine((u) => !u.startsWith('s3://') || S3_URI.test(u), 'an s3:// URI needs a bucket and a key'),
    /** Rubric id: `exact-match`, `token-f1`, `judge:task-completion`… */
    rubric: z.string().regex(/^(judge:)?[a-z0-9][a-z0-9-]*$/, 'a rubric id is kebab-case, optionally prefixed with "judge:"'),
    /** Score a fixed seeded sample of this many rows instead of all of them. */
    sampleSize: z.number().int().positive().optional(),
  }),
  /** Production prompts for the arena (stage 3). */
  productionSamplesUri: z.string().min(1).optional(),
  /** The corpus the run trains on; its stored audit verdict must be PASS or WARN. */
  corpusAudit: z.strictObject({
    uri: z.string().regex(S3_URI, 'corpusAudit.uri is the audited object as s3://bucket/key'),
    versionId: z.string().min(1).optional(),
  }),
  drift: z
    .strictObject({
      suiteVersion: z.string().regex(/^v[0-9]+$/, 'suiteVersion is "v" and a number, e.g. v1').default('v1'),
      suiteUri: z.string().min(1).optional(),
      /** A drop of at most this many points on an axis is noise: PASS. */
      noisePoints: z.number().min(0).max(100).default(1),
      /** A drop of more than this many points on any axis fails, whatever the task gains. Between the two: WARN. */
      failPoints: z.number().min(0).max(100).default(5),
      axes: z.array(z.string().min(1)).min(1).optional(),
    })
    .prefault({}),
  arena: z
    .strictObject({
      /** The smallest win rate over the base worth promoting, in (0.5, 1]. */
      effectFloor: z.number().gt(0.5, 'arena.effectFloor is a win rate above 0.5').max(1).default(0.55),
      /** Non-tied comparisons; by default the number that resolves the effect floor (see arena-sample-size.ts). */
      sampleSize: z.number().int().positive().optional(),
      /** The arena may extend an unresolved comparison up to this many. */
      maxSampleSize: z.number().int().positive().optional(),
      /** `both` judges each pair in both orders, cancelling position bias at twice the calls. */
      positionMode: z.enum(['random', 'both']).default('both'),
      /** Defaults to the run's seed. */
      seed: z.number().int().optional(),
    })
    .prefault({}),
  earlyStop: z
    .strictObject({
      /** Held-out gains smaller than this many points do not count as improvement. */
      minDelta: z.number().min(0).max(100).default(0.5),
      /** Checkpoints without improvement (while training loss still falls) before recommending a stop. */
      patience: z.number().int().min(1).default(3),
    })
    .prefault({}),
  /** A trial trailing its study's best at the same step by more than `margin` points is recommended to stop. */
  trialStop: z.strictObject({ margin: z.number().positive().max(100) }).optional(),
  errorBudget: z
    .strictObject({
      /** Judge and model errors above this share of calls make the verdict INCONCLUSIVE. */
      maxErrorRate: z.number().min(0).max(1).default(0.02),
    })
    .prefault({}),
  concurrency: z.number().int().min(1).max(256).default(16),
  seed: z.number().int().default(1),
  /** The native training job whose completion is this run's final checkpoint. */
  trainingJob: z
    .strictObject({
      sagemakerJobName: z.string().regex(SAGEMAKER_JOB_NAME, 'a SageMaker training job name is 1–63 letters, digits and dashes').optional(),
      bedrockJobName: z.string().max(63).regex(BEDROCK_JOB_NAME, 'a Bedrock customization job name is letters, digits, "+", "-" and "."').optional(),
      /** SageMaker final metric to report as the training loss (e.g. `train:loss`). */
      lossMetricName: z.string().min(1).optional(),
    })
    .refine((job) => job.sagemakerJobName !== undefined || job.bedrockJobName !== undefined, 'name the sagemakerJobName or the bedrockJobName')
    .optional(),
  /**
   * The model reference of a checkpoint that a native training job produced, e.g. `openai:{jobName}#family=meta` for
   * an endpoint served under the job's name. Required for SageMaker jobs, whose model.tar.gz is not callable; a
   * Bedrock job defaults to `bedrock:<outputModelArn>`. Placeholders: {runId} {jobName} {modelArtifacts}
   * {outputModelArn} {outputModelName}.
   */
  candidateModelTemplate: z.string().min(1).optional(),
});

/** The run configuration schema: parses run.yaml's object, fills defaults and applies the registration rules. */
export const runConfigSchema = baseSchema
  .transform((config) => ({
    ...config,
    arena: { ...config.arena, sampleSize: config.arena.sampleSize ?? arenaSampleSize(config.arena.effectFloor), seed: config.arena.seed ?? config.seed },
  }))
  .superRefine((config, ctx) => {
    for (const issue of registrationRuleIssues(config)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });

export type RunConfig = z.output<typeof runConfigSchema>;
export type RunConfigInput = z.input<typeof runConfigSchema>;

export interface RunConfigIssue {
  path: (string | number)[];
  message: string;
}

/** A run configuration that cannot be registered; the message names every wrong field. */
export class RunConfigError extends Error {
  override readonly name = 'RunConfigError';
  constructor(readonly issues: RunConfigIssue[]) {
    super(`invalid run config: ${issues.map(formatIssue).join('; ')}`);
  }
}

export function formatIssue(issue: RunConfigIssue): string {
  return `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`;
}

/** Parses run.yaml text (YAML or JSON) or an already-parsed object; throws RunConfigError naming the fields. */
export function parseRunConfig(input: string | unknown): RunConfig {
  let raw: unknown = input;
  if (typeof input === 'string') {
    try {
      raw = parseYaml(input);
    } catch (error) {
      throw new RunConfigError([{ path: [], message: `not valid YAML: ${(error as Error).message}` }]);
    }
  }
  const parsed = runConfigSchema.safeParse(raw);
  if (!parsed.success) throw new RunConfigError(parsed.error.issues.flatMap(toRunConfigIssues));
  return parsed.data;
}

function toRunConfigIssues(issue: z.core.$ZodIssue): RunConfigIssue[] {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  // One issue per unknown key, at the key's own path: the field the user has to fix.
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: [...path, key], message: 'unknown field (misspelt?)' }));
  return [{ path, message: issue.message }];
}

/** The hash every verdict records: sha256 of the resolved configuration's canonical JSON (16 hex chars). */
export function runConfigHash(config: RunConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 16);
}

/** JSON with object keys sorted and undefined members dropped, so equal configurations serialise equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Fills a candidate-model template; throws naming a placeholder that is unknown or has no value here. */
export function fillCandidateTemplate(template: string, values: Partial<Record<CandidateTemplatePlaceholder, string>>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    if (!(CANDIDATE_TEMPLATE_PLACEHOLDERS as readonly string[]).includes(name)) {
      throw new Error(`unknown placeholder ${whole} in candidateModelTemplate; expected one of ${CANDIDATE_TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`);
    }
    const value = values[name as CandidateTemplatePlaceholder];
    if (value === undefined) throw new Error(`candidateModelTemplate uses ${whole}, which this training job does not provide`);
    return value;
  });
}

/** Values that let a template be checked at registration, before any job has run. */
const EXAMPLE_TEMPLATE_VALUES: Record<CandidateTemplatePlaceholder, string> = {
  runId: 'run',
  jobName: 'job',
  modelArtifacts: 's3://bucket/output/model.tar.gz',
  outputModelArn: 'arn:aws:bedrock:us-east-1:000000000000:custom-model/amazon.nova-micro-v1:0/abcdefghijkl',
  outputModelName: 'model',
};

/**
 * The cross-family judge rule, the template check and the arena sample size check. A family the name cannot tell
 * (`unknown`) fails closed for the judge and the base: it could be the other's own. A candidate's family is
 * checked when the template fixes it: declared with `#family=`, or a template with no placeholder.
 */
/** Comparisons an arena can be asked for at most, and the lowest effect floor that stays within it. */
const MAX_ARENA_COMPARISONS = 100_000;
const MIN_RESOLVABLE_FLOOR = 0.505;

function registrationRuleIssues(config: z.output<typeof baseSchema> & { arena: { sampleSize: number } }): RunConfigIssue[] {
  const issues: RunConfigIssue[] = [];
  const judge = parseModelRef(config.judgeModel);
  const base = parseModelRef(config.baseModel);
  if (judge.family === 'unknown') issues.push({ path: ['judgeModel'], message: `the family of ${judge.id} cannot be told from its name; declare it with #family=<family>` });
  if (base.family === 'unknown') issues.push({ path: ['baseModel'], message: `the family of ${base.id} cannot be told from its name; declare it with #family=<family>` });
  if (judge.family !== 'unknown' && judge.family === base.family) {
    issues.push({ path: ['judgeModel'], message: `judge ${judge.id} is of the base model's family (${base.family}); a judge must be of another family than the models it judges` });
  }

  if (config.candidateModelTemplate !== undefined) {
    let candidate: ModelRef | undefined;
    try {
      const filled = fillCandidateTemplate(config.candidateModelTemplate, { ...EXAMPLE_TEMPLATE_VALUES, runId: config.runId });
      candidate = parseModelRef(filled);
    } catch (error) {
      issues.push({ path: ['candidateModelTemplate'], message: (error as Error).message });
    }
    const familyFixed = candidate !== undefined && (candidate.familySource === 'declared' || !/\{[A-Za-z]+\}/.test(config.candidateModelTemplate));
    if (candidate && familyFixed && candidate.family !== 'unknown' && candidate.family === judge.family) {
      issues.push({ path: ['judgeModel'], message: `judge ${judge.id} is of the candidate's family (${candidate.family}); a judge must be of another family than the models it judges` });
    }
  }

  const { drift, arena } = config;
  if (drift.failPoints < drift.noisePoints) issues.push({ path: ['drift', 'failPoints'], message: `failPoints (${drift.failPoints}) must be at least noisePoints (${drift.noisePoints})` });
  if (arena.maxSampleSize !== undefined && arena.maxSampleSize < arena.sampleSize) {
    issues.push({ path: ['arena', 'maxSampleSize'], message: `maxSampleSize (${arena.maxSampleSize}) is below sampleSize (${arena.sampleSize})` });
  }
  const needed = arenaSampleSize(arena.effectFloor);
  const reachable = Math.max(arena.sampleSize, arena.maxSampleSize ?? 0);
  if (needed > MAX_ARENA_COMPARISONS) {
    // A floor a hair above 0.5 asks for more comparisons than any production sample holds: it cannot be resolved.
    issues.push({ path: ['arena', 'effectFloor'], message: `an effect floor of ${arena.effectFloor} needs ${needed.toExponential(2)} non-tied comparisons to resolve; choose a floor of at least ${MIN_RESOLVABLE_FLOOR}` });
  } else if (reachable < needed) {
    issues.push({
      path: ['arena', arena.maxSampleSize !== undefined ? 'maxSampleSize' : 'sampleSize'],
      message: `${reachable} non-tied comparisons cannot resolve an effect floor of ${arena.effectFloor} against 0.5 at ${DEFAULT_ARENA_CONFIDENCE * 100}% confidence and ${DEFAULT_ARENA_POWER * 100}% power; at least ${needed} are needed`,
    });
  }
  if (config.trialStop !== undefined && config.study === undefined) issues.push({ path: ['trialStop'], message: 'trialStop compares the runs of a study; set study' });
  return issues;
}
