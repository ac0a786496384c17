/**
 * A shadow pair in the making: the router answered a request with one cohort's model and asks, through a queue, that
 * the other cohort's model answer it too. The scorer asks the shadow model, judges the pair and scores both answers.
 * The user's response never waits for any of it.
 */
import * as z from 'zod';
import { runIdSchema } from '../../events/checkpoint-ready';
import { COHORTS } from './alias-control';

const cohortSchema = z.enum(COHORTS);

export const shadowMessageSchema = z
  .object({
    runId: runIdSchema,
    /** The Function URL request id: unique per request, and the seed of the pair's judged positions. */
    requestId: z.string().min(1).max(256),
    input: z.object({
      system: z.string().optional(),
      messages: z.array(z.object({ role: z.enum(['user', 'assistant']), content: z.string() })).min(1),
    }),
    answered: z.object({ cohort: cohortSchema, model: z.string().min(1), text: z.string(), latencyMs: z.number().nonnegative() }),
    shadowOf: z.object({ cohort: cohortSchema, model: z.string().min(1) }),
  })
  .refine((m) => m.answered.cohort !== m.shadowOf.cohort, { path: ['shadowOf', 'cohort'], message: 'the shadow is asked of the other cohort' });

export type ShadowMessage = z.infer<typeof shadowMessageSchema>;

/** Where the router sends shadow messages. */
export interface ShadowQueue {
  send(message: ShadowMessage): Promise<void>;
}
