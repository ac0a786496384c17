import * as z from 'zod';

/** A shard plan item as it travels through the Distributed Map (shard-plan.ts makes them). */
export const shardPlanItemSchema = z.object({
  index: z.number().int().nonnegative(),
  mode: z.enum(['bytes', 'lines']),
  firstLine: z.number().int().positive(),
  lineCount: z.number().int().nonnegative().optional(),
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative().optional(),
});
