/**
 * Letter case: 1 when every cased letter of the answer is lowercase (or uppercase), else 0. Letters without case
 * (CJK, digits) do not count either way, but an answer with no cased letter at all does not show the casing asked
 * for and scores 0.
 */
import * as z from 'zod';
import type { DeterministicRubric } from './rubric';

const params = z.strictObject({ case: z.enum(['lower', 'upper']) });

export const casing: DeterministicRubric<z.infer<typeof params>> = {
  id: 'casing',
  version: '1',
  kind: 'deterministic',
  description: 'the answer is all lowercase or all uppercase',
  params,
  score(input, p) {
    const text = input.answer.normalize('NFKC');
    const lower = text.match(/\p{Ll}/gu)?.length ?? 0;
    const upper = text.match(/\p{Lu}|\p{Lt}/gu)?.length ?? 0;
    if (lower + upper === 0) return { score: 0, detail: 'no cased letters' };
    const wrong = p.case === 'lower' ? upper : lower;
    return wrong === 0 ? { score: 1 } : { score: 0, detail: `${wrong} ${p.case === 'lower' ? 'uppercase' : 'lowercase'} letter(s)` };
  },
};
