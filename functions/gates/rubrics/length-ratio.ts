/**
 * Length ratio against the reference, in words (countWords): 1 inside [min, max] (default [0.5, 2]), and outside it
 * the ratio's shortfall, min(ratio / min, max / ratio), so an answer half as long as the lower bound scores 0.5.
 * Catches a fine-tune that turned terse or verbose. An empty reference gives no ratio: an error.
 */
import * as z from 'zod';
import { countWords } from './answer-text';
import type { DeterministicRubric } from './rubric';

const params = z
  .strictObject({
    min: z.number().positive().optional(),
    max: z.number().positive().optional(),
    expected: z.string().optional(),
  })
  .refine((p) => (p.min ?? 0.5) <= (p.max ?? 2), { message: 'min exceeds max' });

export const lengthRatio: DeterministicRubric<z.infer<typeof params>> = {
  id: 'length-ratio',
  version: '1',
  kind: 'deterministic',
  description: "the answer's length relative to the reference stays within bounds",
  params,
  score(input, p) {
    const reference = p.expected ?? input.reference;
    if (reference === undefined) return { error: 'length-ratio needs a reference answer' };
    const referenceWords = countWords(reference);
    if (referenceWords === 0) return { error: 'the reference answer has no words to compare with' };
    const min = p.min ?? 0.5;
    const max = p.max ?? 2;
    const ratio = countWords(input.answer) / referenceWords;
    if (ratio >= min && ratio <= max) return { score: 1, detail: `ratio ${round(ratio)}` };
    const score = ratio < min ? ratio / min : max / ratio;
    return { score, detail: `ratio ${round(ratio)} outside [${min}, ${max}]` };
  },
};

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
