/** Inclusive count bounds shared by the counting format checks (words, sentences, bullets). */
import * as z from 'zod';

export const countBoundsParams = z
  .strictObject({
    min: z.number().int().min(0).optional(),
    max: z.number().int().min(0).optional(),
  })
  .refine((p) => p.min !== undefined || p.max !== undefined, { message: 'give min, max or both' })
  .refine((p) => p.min === undefined || p.max === undefined || p.min <= p.max, { message: 'min exceeds max' });

export type CountBounds = z.infer<typeof countBoundsParams>;

/** undefined when `count` is within the bounds, else why not. */
export function outsideBounds(count: number, bounds: CountBounds, unit: string): string | undefined {
  if (bounds.min !== undefined && count < bounds.min) return `${count} ${unit}, fewer than ${bounds.min}`;
  if (bounds.max !== undefined && count > bounds.max) return `${count} ${unit}, more than ${bounds.max}`;
  return undefined;
}
