import * as z from 'zod';
import { runIdSchema } from './checkpoint-ready';
import { SOURCES, type EventPatternJson } from './event-sources';

export const REGISTER_RUN = 'Register Run';
export const RUN_REGISTERED = 'Run Registered';

/**
 * A request to register a run, put on the finegate bus by whoever starts training: the detail is the run
 * configuration (run.yaml as JSON). It is checked field by field by parseRunConfig, which names what is wrong;
 * here it only has to be an object.
 */
export const registerRunSchema = z.object({
  source: z.literal(SOURCES.training),
  'detail-type': z.literal(REGISTER_RUN),
  detail: z.record(z.string(), z.unknown()),
});

export function registerRunPattern(): EventPatternJson {
  return { source: [SOURCES.training], 'detail-type': [REGISTER_RUN] };
}

/** A run's configuration is pinned: the thresholds it will be judged by can no longer change. */
export const runRegisteredDetailSchema = z.object({
  runId: runIdSchema,
  study: runIdSchema.optional(),
  configHash: z.string().min(1),
  registeredAt: z.string().min(1),
  /** False for an identical re-registration (a retry): nothing changed, the event repeats the pinned facts. */
  created: z.boolean(),
  baseModel: z.string().min(1),
  judgeModel: z.string().min(1),
  rubricVersion: z.string().min(1),
  /** The corpus audit verdict the registration was admitted on. */
  corpusAudit: z.object({ uri: z.string().min(1), verdict: z.enum(['PASS', 'WARN']), key: z.string().min(1) }),
  drift: z.object({ noisePoints: z.number(), failPoints: z.number() }),
  arena: z.object({
    effectFloor: z.number(),
    sampleSize: z.number().int().positive(),
    /** Non-tied comparisons needed to resolve the effect floor at 95% confidence and 80% power. */
    requiredSampleSize: z.number().int().positive(),
  }),
  trainingJob: z.object({ sagemakerJobName: z.string().optional(), bedrockJobName: z.string().optional() }).optional(),
});
export type RunRegisteredDetail = z.infer<typeof runRegisteredDetailSchema>;

export const runRegisteredSchema = z.object({
  source: z.literal(SOURCES.gate),
  'detail-type': z.literal(RUN_REGISTERED),
  detail: runRegisteredDetailSchema,
});

export function runRegisteredPattern(study?: string): EventPatternJson {
  return { source: [SOURCES.gate], 'detail-type': [RUN_REGISTERED], ...(study ? { detail: { study: [study] } } : {}) };
}
