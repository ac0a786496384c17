import * as z from 'zod';
import { checkpointNameSchema, modelRefStringSchema, runIdSchema } from './checkpoint-ready';
import { canaryRouterSchema, functionVersionSchema } from './canary-started';
import { SOURCES, type EventPatternJson } from './event-sources';

export const CANARY_ROLLED_BACK = 'Canary Rolled Back';

/**
 * What rolled the canary back: a CloudWatch alarm, the rollout's own check, an operator, or the rollout execution
 * ending abnormally (failed, timed out or aborted) without rolling back itself.
 */
export const rollbackTriggerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('alarm'), alarmName: z.string().min(1), alarmReason: z.string().optional(), alarmArn: z.string().optional() }),
  z.object({ kind: z.literal('decision') }),
  z.object({ kind: z.literal('manual'), reason: z.string().min(1) }),
  z.object({ kind: z.literal('execution'), executionArn: z.string().min(1), status: z.enum(['FAILED', 'TIMED_OUT', 'ABORTED']) }),
]);
export type RollbackTrigger = z.infer<typeof rollbackTriggerSchema>;

/**
 * The candidate's weight was cleared: all traffic is back on the current version. Published once per candidate
 * version, when its FAIL or INCONCLUSIVE verdict is written.
 */
export const canaryRolledBackDetailSchema = z.object({
  runId: runIdSchema,
  checkpoint: checkpointNameSchema.optional(),
  router: canaryRouterSchema,
  candidateVersion: functionVersionSchema,
  candidateModel: modelRefStringSchema.optional(),
  currentVersion: functionVersionSchema,
  verdict: z.enum(['FAIL', 'INCONCLUSIVE']),
  reasons: z.array(z.string()).min(1),
  trigger: rollbackTriggerSchema,
  configHash: z.string().min(1),
  rolledBackAt: z.iso.datetime({ offset: true }),
});
export type CanaryRolledBackDetail = z.infer<typeof canaryRolledBackDetailSchema>;

export const canaryRolledBackSchema = z.object({
  source: z.literal(SOURCES.canary),
  'detail-type': z.literal(CANARY_ROLLED_BACK),
  detail: canaryRolledBackDetailSchema,
});

export function canaryRolledBackPattern(): EventPatternJson {
  return { source: [SOURCES.canary], 'detail-type': [CANARY_ROLLED_BACK] };
}
