/**
 * Exact match after normalisation (case, punctuation, articles and spacing do not count): 1 when the answer equals
 * one of the references, else 0. The references are the check's `expected` (one or several accepted answers), or
 * the held-out row's reference.
 */
import * as z from 'zod';
import { normalizeAnswer } from './answer-text';
import { quote, referencesOf, type DeterministicRubric } from './rubric';

const params = z.strictObject({
  expected: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
});

export const exactMatch: DeterministicRubric<z.infer<typeof params>> = {
  id: 'exact-match',
  version: '1',
  kind: 'deterministic',
  description: 'normalised exact match with a reference answer',
  params,
  score(input, p) {
    const references = referencesOf(input, p.expected);
    if (references === undefined) return { error: 'exact-match needs a reference answer or an expected value' };
    const answer = normalizeAnswer(input.answer);
    const hit = references.some((r) => normalizeAnswer(r) === answer);
    return hit ? { score: 1 } : { score: 0, detail: `${quote(input.answer)} matches no reference` };
  },
};
