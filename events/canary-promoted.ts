import * as z from 'zod';
import { checkpointNameSchema, modelRefStringSchema, runIdSchema } from './checkpoint-ready';
import { canaryRouterSchema, functionVersionSchema } from './canary-started';
import { SOURCES, type EventPatternJson } from './event-sources';

export const CANARY_PROMOTED = 'Canary Promoted';

/**
 * The candidate passed its canary and its model now serves all traffic: the alias points at a version
 * pinning it as the current cohort, with no other routing. Consumers dedupe on (runId, candidateVersion): a retried promote step may announce it again.
 */
export const canaryPromotedDetailSchema = z.object({
  runId: runIdSchema,
  checkpoint: checkpointNameSchema.optional(),
  router: canaryRouterSchema,
  candidateVersion: functionVersionSchema,
  candidateModel: modelRefStringSchema,
  /** The version now serving all traffic: the candidate's model pinned as the current cohort, without canary pins. */
  servingVersion: functionVersionSchema,
  /** The version that served before, and its model. */
  previousVersion: functionVersionSchema,
  previousModel: modelRefStringSchema.optional(),
  verdict: z.literal('PASS'),
  reasons: z.array(z.string()).min(1),
  configHash: z.string().min(1),
  promotedAt: z.iso.datetime({ offset: true }),
});
export type CanaryPromotedDetail = z.infer<typeof canaryPromotedDetailSchema>;

export const canaryPromotedSchema = z.object({
  source: z.literal(SOURCES.canary),
  'detail-type': z.literal(CANARY_PROMOTED),
  detail: canaryPromotedDetailSchema,
});

export function canaryPromotedPattern(): EventPatternJson {
  return { source: [SOURCES.canary], 'detail-type': [CANARY_PROMOTED] };
}
