/**
 * Token F1 (the SQuAD metric): harmonic mean of precision and recall of the answer's normalised tokens against a
 * reference's, counting repeated tokens as often as they occur in both; the best over several references.
 * Two empty texts agree (1); one empty text against a non-empty one scores 0.
 */
import * as z from 'zod';
import { answerTokens } from './answer-text';
import { referencesOf, type DeterministicRubric } from './rubric';

const params = z.strictObject({
  expected: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
});

export function tokenF1(answer: string, reference: string): number {
  const a = answerTokens(answer);
  const r = answerTokens(reference);
  if (a.length === 0 || r.length === 0) return a.length === r.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const t of r) counts.set(t, (counts.get(t) ?? 0) + 1);
  let common = 0;
  for (const t of a) {
    const left = counts.get(t) ?? 0;
    if (left > 0) {
      common++;
      counts.set(t, left - 1);
    }
  }
  if (common === 0) return 0;
  const precision = common / a.length;
  const recall = common / r.length;
  return (2 * precision * recall) / (precision + recall);
}

export const tokenF1Rubric: DeterministicRubric<z.infer<typeof params>> = {
  id: 'token-f1',
  version: '1',
  kind: 'deterministic',
  description: 'token-overlap F1 with the reference answer',
  params,
  score(input, p) {
    const references = referencesOf(input, p.expected);
    if (references === undefined) return { error: 'token-f1 needs a reference answer or an expected value' };
    return { score: Math.max(...references.map((r) => tokenF1(input.answer, r))) };
  },
};
