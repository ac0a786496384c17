import * as z from 'zod';
import { checkpointNameSchema, modelRefStringSchema, runIdSchema } from './checkpoint-ready';
import { SOURCES, type EventPatternJson } from './event-sources';

export const CANARY_STARTED = 'Canary Started';

/** A Lambda version number as the alias names it ("7"). */
export const functionVersionSchema = z.string().regex(/^[1-9][0-9]*$/, 'a published function version is a positive integer');

/** The router function and alias a canary runs on. */
export const canaryRouterSchema = z.object({ functionName: z.string().min(1), alias: z.string().min(1) });

/**
 * The candidate receives its first share of live traffic on the router's alias. Published once the first weight is
 * set; consumers dedupe on (runId, candidateVersion), since a retried rollout step may announce it again.
 */
export const canaryStartedDetailSchema = z.object({
  runId: runIdSchema,
  checkpoint: checkpointNameSchema.optional(),
  router: canaryRouterSchema,
  candidateModel: modelRefStringSchema,
  currentModel: modelRefStringSchema,
  candidateVersion: functionVersionSchema,
  currentVersion: functionVersionSchema,
  /** The candidate's share of the traffic, in (0, 1). */
  weight: z.number().gt(0).lt(1),
  /** The canary configuration's hash: what the canary is judged under. */
  configHash: z.string().min(1),
  rolloutExecutionArn: z.string().min(1).optional(),
  startedAt: z.iso.datetime({ offset: true }),
});
export type CanaryStartedDetail = z.infer<typeof canaryStartedDetailSchema>;

export const canaryStartedSchema = z.object({
  source: z.literal(SOURCES.canary),
  'detail-type': z.literal(CANARY_STARTED),
  detail: canaryStartedDetailSchema,
});

export function canaryStartedPattern(): EventPatternJson {
  return { source: [SOURCES.canary], 'detail-type': [CANARY_STARTED] };
}
