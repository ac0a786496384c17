import * as z from 'zod';
import { verdictSchema } from './corpus-audited';
import { checkpointNameSchema, runIdSchema } from './checkpoint-ready';
import { SOURCES, type EventPatternJson } from './event-sources';

export const GATE_VERDICT = 'Gate Verdict';

export const gateStageSchema = z.enum(['checkpoint', 'arena']);
export type GateStage = z.infer<typeof gateStageSchema>;

/**
 * Scores behind a verdict, in points (0–100) unless named otherwise. The named members are the ones consumers
 * rely on; a stage may add its own (per-axis drift intervals, win-rate interval…).
 */
export const gateScoresSchema = z.looseObject({
  /** Held-out score of the checkpoint. */
  heldout: z.number().optional(),
  /** Share of model and judge calls that failed, 0–1. */
  errorRate: z.number().min(0).max(1).optional(),
  /** Arena: candidate win rate over the base, 0–1, ties excluded. */
  winRate: z.number().min(0).max(1).optional(),
});

/** A checkpoint's verdict at one stage, with the configuration hash it was judged under. */
export const gateVerdictDetailSchema = z.object({
  runId: runIdSchema,
  checkpoint: checkpointNameSchema,
  step: z.number().int().nonnegative().optional(),
  stage: gateStageSchema,
  verdict: verdictSchema,
  reasons: z.array(z.string()),
  /** True only for a PASS on a checkpoint marked for promotion: the next stage may start. */
  promote: z.boolean(),
  configHash: z.string().min(1),
  scores: gateScoresSchema,
  reportUri: z.string().optional(),
  /** The checkpoint's model reference: what the canary deploys after an arena PASS. */
  candidateModel: z.string().optional(),
  /** The base model it was compared with: what the canary runs beside it. */
  baseModel: z.string().optional(),
});
export type GateVerdictDetail = z.infer<typeof gateVerdictDetailSchema>;

export const gateVerdictSchema = z.object({
  source: z.literal(SOURCES.gate),
  'detail-type': z.literal(GATE_VERDICT),
  detail: gateVerdictDetailSchema,
});

export interface GateVerdictPatternOptions {
  stage?: GateStage;
  verdicts?: readonly string[];
  /** Only verdicts that promote (e.g. the arena's trigger, or the canary's). */
  promote?: boolean;
}

export function gateVerdictPattern(options: GateVerdictPatternOptions = {}): EventPatternJson {
  const detail: Record<string, unknown[]> = {};
  if (options.stage) detail.stage = [options.stage];
  if (options.verdicts) detail.verdict = [...options.verdicts];
  if (options.promote !== undefined) detail.promote = [options.promote];
  return { source: [SOURCES.gate], 'detail-type': [GATE_VERDICT], ...(Object.keys(detail).length > 0 ? { detail } : {}) };
}
