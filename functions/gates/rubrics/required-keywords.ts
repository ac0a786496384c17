/** Required keywords: 1 when every keyword or phrase occurs as whole words, else 0 (case-insensitive by default). */
import * as z from 'zod';
import { containsPhrase } from './answer-text';
import type { DeterministicRubric } from './rubric';

const params = z.strictObject({
  keywords: z.array(z.string().trim().min(1)).min(1),
  caseSensitive: z.boolean().optional(),
});

export const requiredKeywords: DeterministicRubric<z.infer<typeof params>> = {
  id: 'required-keywords',
  version: '1',
  kind: 'deterministic',
  description: 'every required keyword occurs',
  params,
  score(input, p) {
    const missing = p.keywords.filter((k) => !containsPhrase(input.answer, k, p.caseSensitive ?? false));
    return missing.length === 0 ? { score: 1 } : { score: 0, detail: `missing: ${missing.join(', ')}` };
  },
};
