import * as z from 'zod';
import { checkpointNameSchema, runIdSchema } from './checkpoint-ready';
import { SOURCES, type EventPatternJson } from './event-sources';

export const EARLY_STOP_RECOMMENDED = 'Early Stop Recommended';

/**
 * The held-out score has not improved by `minDelta` points for `patience` checkpoints while the training loss
 * still falls: the run is fitting its training set, not the task. A recommendation; finegate stops nothing.
 */
export const earlyStopRecommendedDetailSchema = z.object({
  runId: runIdSchema,
  /** The checkpoint whose verdict completed the pattern. */
  checkpoint: checkpointNameSchema,
  step: z.number().int().nonnegative(),
  configHash: z.string().min(1),
  /** Held-out score of this checkpoint, points. */
  heldout: z.number(),
  best: z.object({ checkpoint: checkpointNameSchema, step: z.number().int().nonnegative(), heldout: z.number() }),
  /** Checkpoints since `best` without an improvement of at least minDelta. */
  checkpointsWithoutImprovement: z.number().int().positive(),
  minDelta: z.number().nonnegative(),
  patience: z.number().int().positive(),
  /** Training loss at the checkpoints considered, oldest first: the evidence that it was still falling. */
  trainingLoss: z.array(z.number()),
  reason: z.string().min(1),
});
export type EarlyStopRecommendedDetail = z.infer<typeof earlyStopRecommendedDetailSchema>;

export const earlyStopRecommendedSchema = z.object({
  source: z.literal(SOURCES.gate),
  'detail-type': z.literal(EARLY_STOP_RECOMMENDED),
  detail: earlyStopRecommendedDetailSchema,
});

export function earlyStopRecommendedPattern(): EventPatternJson {
  return { source: [SOURCES.gate], 'detail-type': [EARLY_STOP_RECOMMENDED] };
}
