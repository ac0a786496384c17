import * as z from 'zod';
import { parseModelRef } from '../functions/models/model-ref';
import { SOURCES, type EventPatternJson } from './event-sources';

export const CHECKPOINT_READY = 'Checkpoint Ready';

/** Run ids are DynamoDB keys, S3 prefixes and parts of execution names (as in run-config.ts). */
export const runIdSchema = z.string().max(64).regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'a run id is letters, digits, "-" and "_", at most 64');

/** Checkpoint names become S3 key segments and DynamoDB sort-key parts: no '/', no '#'. */
export const checkpointNameSchema = z.string().max(128).regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, 'a checkpoint name is letters, digits, ".", "_", "+" and "-", at most 128');

/** A model reference string (bedrock:…, openai:…, replay:…, local:…), validated by the one parser. */
export const modelRefStringSchema = z.string().superRefine((value, ctx) => {
  try {
    parseModelRef(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

/** A training job announces a checkpoint to gate: held-out score and drift against the base (stage 2). */
export const checkpointReadyDetailSchema = z.object({
  runId: runIdSchema,
  checkpoint: checkpointNameSchema,
  /** Training step the checkpoint was taken at; orders the run's history. */
  step: z.number().int().nonnegative(),
  /** How to call the checkpoint: an endpoint, a Bedrock custom model, recorded outputs… */
  candidateModel: modelRefStringSchema,
  trainingLoss: z.number().finite().optional(),
  /** The last checkpoint of the run. */
  final: z.boolean(),
  /** Marked for promotion: a PASS goes on to the arena (stage 3). */
  promote: z.boolean().optional(),
});
export type CheckpointReadyDetail = z.infer<typeof checkpointReadyDetailSchema>;

export const checkpointReadySchema = z.object({
  source: z.literal(SOURCES.training),
  'detail-type': z.literal(CHECKPOINT_READY),
  detail: checkpointReadyDetailSchema,
});

export function checkpointReadyPattern(): EventPatternJson {
  return { source: [SOURCES.training], 'detail-type': [CHECKPOINT_READY] };
}
