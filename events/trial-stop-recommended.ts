import * as z from 'zod';
import { checkpointNameSchema, runIdSchema } from './checkpoint-ready';
import { SOURCES, type EventPatternJson } from './event-sources';

export const TRIAL_STOP_RECOMMENDED = 'Trial Stop Recommended';

/**
 * In a sweep, a trial whose held-out score trails the study's best at the same step by more than the run's
 * `trialStop.margin` points. A recommendation; finegate stops nothing.
 */
export const trialStopRecommendedDetailSchema = z.object({
  study: runIdSchema,
  runId: runIdSchema,
  checkpoint: checkpointNameSchema,
  step: z.number().int().nonnegative(),
  configHash: z.string().min(1),
  /** This trial's held-out score at the step, points. */
  heldout: z.number(),
  /** The best trial of the study at the same step. */
  best: z.object({ runId: runIdSchema, checkpoint: checkpointNameSchema, heldout: z.number() }),
  /** best.heldout − heldout, points (> margin). */
  gap: z.number().positive(),
  margin: z.number().positive(),
  reason: z.string().min(1),
});
export type TrialStopRecommendedDetail = z.infer<typeof trialStopRecommendedDetailSchema>;

export const trialStopRecommendedSchema = z.object({
  source: z.literal(SOURCES.gate),
  'detail-type': z.literal(TRIAL_STOP_RECOMMENDED),
  detail: trialStopRecommendedDetailSchema,
});

export function trialStopRecommendedPattern(study?: string): EventPatternJson {
  return { source: [SOURCES.gate], 'detail-type': [TRIAL_STOP_RECOMMENDED], ...(study ? { detail: { study: [study] } } : {}) };
}
