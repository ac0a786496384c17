import { createHash } from 'node:crypto';
import * as z from 'zod';
import { parseModelRef } from '../models/model-ref';

const severity = z.enum(['low', 'medium', 'high', 'critical']);
const action = z.enum(['quarantine', 'warn']);

/** Options every row check shares. Allowlist entries are regex sources tested against the matched value. */
const checkBase = {
  enabled: z.boolean().default(true),
  disabledRules: z.array(z.string()).default([]),
  allowlist: z.array(z.string()).default([]),
  overrides: z.record(z.string(), z.object({ severity: severity.optional(), action: action.optional() })).default({}),
};

const topicSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'topic id must be kebab-case'),
  description: z.string(),
  phrases: z.array(z.string()).optional(),
  patterns: z.array(z.string()).optional(),
  severity: severity.optional(),
  action: action.optional(),
});

/**
 * The audit configuration. Every field has a default, so `{}` is a complete configuration; the parsed value is
 * recorded (with its hash) in every report and verdict.
 */
export const auditConfigSchema = z.object({
  /** A code corpus keeps shell/SQL/script content; only clearly malicious payloads remain findings. */
  corpusKind: z.enum(['general', 'code']).default('general'),
  checks: z
    .object({
      secrets: z.object(checkBase).prefault({}),
      pii: z.object(checkBase).prefault({}),
      injection: z.object(checkBase).prefault({}),
      url: z
        .object({
          ...checkBase,
          denyHosts: z.array(z.string()).default([]),
          allowHosts: z.array(z.string()).default([]),
          shorteners: z.array(z.string()).default([]),
        })
        .prefault({}),
      invisible: z.object(checkBase).prefault({}),
      code: z.object(checkBase).prefault({}),
      topic: z
        .object({ ...checkBase, topics: z.array(topicSchema).default([]), includeDefaults: z.boolean().default(true) })
        .prefault({}),
    })
    .prefault({}),
  dedup: z
    .object({
      exact: z.boolean().default(true),
      near: z.boolean().default(true),
      /** Verified Jaccard similarity on word 5-gram shingles at or above which two rows are near-duplicates. */
      threshold: z.number().min(0.5).max(1).default(0.85),
      /** LSH bands × rows per band = hashes. 16×8 catches ~99% of pairs at 0.85 (DESIGN.md). */
      bands: z.number().int().min(1).max(64).default(16),
      rowsPerBand: z.number().int().min(1).max(32).default(8),
      shingleSize: z.number().int().min(1).max(10).default(5),
    })
    .prefault({}),
  leakage: z
    .object({
      enabled: z.boolean().default(true),
      /** A held-out/eval corpus (local path or s3:// URI) to test the training rows against. */
      heldoutUri: z.string().optional(),
      /** Values of the `split` field that mark a row as held-out rather than training data. */
      heldoutSplits: z.array(z.string()).default(['test', 'eval', 'evaluation', 'validation', 'valid', 'val', 'dev', 'heldout', 'held_out', 'holdout']),
      /** Prompt-only matches count as leakage when the prompt has at least this many words. */
      minPromptWords: z.number().int().min(1).default(8),
    })
    .prefault({}),
  paraphrase: z
    .object({
      /** An embedding model (`bedrock:amazon.titan-embed-text-v2:0`, `openai:text-embedding-3-small`, `local:hashed-bow`); unset skips the pass. */
      model: z
        .string()
        .refine((ref) => ref === 'local:hashed-bow' || /^(bedrock|openai):.+/.test(ref), 'expected bedrock:<modelId>, openai:<model> or local:hashed-bow')
        .optional(),
      /** Cosine similarity at or above which two rows are paraphrases. */
      threshold: z.number().min(0.5).max(1).default(0.95),
      dimensions: z.number().int().min(8).optional(),
      batchSize: z.number().int().min(1).max(256).default(32),
      concurrency: z.number().int().min(1).max(64).default(4),
      maxChars: z.number().int().min(100).default(8000),
      /** Share of rows whose embedding may fail before the audit is INCONCLUSIVE. */
      maxErrorShare: z.number().min(0).max(1).default(0.01),
    })
    .prefault({}),
  labelNoise: z
    .object({
      enabled: z.boolean().default(true),
      /** Estimated label accuracy below this fails the corpus. */
      minLabelAccuracy: z.number().min(0).max(1).default(0.9),
      folds: z.number().int().min(2).max(20).default(5),
      /** Rows the estimate uses at most, sampled uniformly; suspects are named within the sample. */
      maxRows: z.number().int().min(100).default(20_000),
      /**
       * A judge model (`bedrock:…`, `openai:…`, `local:…`) that re-labels a stratified sample; when set, its
       * agreement with the given labels is the estimated label accuracy the verdict uses.
       */
      judgeModel: z
        .string()
        .superRefine((ref, ctx) => {
          try {
            parseModelRef(ref);
          } catch (error) {
            ctx.addIssue({ code: 'custom', message: (error as Error).message });
          }
        })
        .optional(),
      judgeSample: z.number().int().min(200).max(500).default(400),
      /** Judge errors (failed calls, answers outside the label set) above this share make the result INCONCLUSIVE. */
      maxJudgeErrorRate: z.number().min(0).max(1).default(0.1),
      seed: z.number().int().default(1),
    })
    .prefault({}),
  skew: z
    .object({
      /** Class or source imbalance (largest : smallest) above this warns. */
      maxImbalance: z.number().min(1).default(10),
      /** Rows longer than this many approximate tokens are reported as length outliers. */
      maxTokens: z.number().int().min(1).default(32_768),
    })
    .prefault({}),
  limits: z
    .object({
      /** A line longer than this is quarantined unparsed. */
      maxLineBytes: z.number().int().min(1024).default(1_048_576),
      /** Findings share of rows above which the verdict fails even if every finding only warns. */
      maxWarnedShare: z.number().min(0).max(1).default(0.2),
      /** Quarantined share of rows above which the corpus fails. */
      maxQuarantinedShare: z.number().min(0).max(1).default(0.05),
    })
    .prefault({}),
});

export type AuditConfig = z.infer<typeof auditConfigSchema>;
export type AuditConfigInput = z.input<typeof auditConfigSchema>;
export type CheckOptions = AuditConfig['checks']['secrets'];

export function parseAuditConfig(input: unknown): AuditConfig {
  return auditConfigSchema.parse(input ?? {});
}

/** A stable hash of the effective configuration, recorded with every verdict. */
export function auditConfigHash(config: AuditConfig): string {
  return createHash('sha256').update(stableJson(config)).digest('hex').slice(0, 16);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
