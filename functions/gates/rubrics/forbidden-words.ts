/**
 * Forbidden words: 1 when none of the words or phrases occurs as whole words, else 0 (case-insensitive by default).
 * "cat" is forbidden in "a cat sat" but not in "category".
 */
import * as z from 'zod';
import { containsPhrase } from './answer-text';
import type { DeterministicRubric } from './rubric';

const params = z.strictObject({
  words: z.array(z.string().trim().min(1)).min(1),
  caseSensitive: z.boolean().optional(),
});

export const forbiddenWords: DeterministicRubric<z.infer<typeof params>> = {
  id: 'forbidden-words',
  version: '1',
  kind: 'deterministic',
  description: 'no forbidden word occurs',
  params,
  score(input, p) {
    const found = p.words.filter((w) => containsPhrase(input.answer, w, p.caseSensitive ?? false));
    return found.length === 0 ? { score: 1 } : { score: 0, detail: `uses: ${found.join(', ')}` };
  },
};
