/**
 * JSON with required keys: 1 when the answer is a JSON object holding every required top-level key (and, with
 * `exact`, no other key), else 0.
 */
import * as z from 'zod';
import { isJsonObject, readJsonAnswer } from './json-answer';
import type { DeterministicRubric } from './rubric';

const params = z.strictObject({
  keys: z.array(z.string().min(1)).min(1),
  /** Refuse keys beyond the required ones (default false). */
  exact: z.boolean().optional(),
  allowFence: z.boolean().optional(),
});

export const jsonKeys: DeterministicRubric<z.infer<typeof params>> = {
  id: 'json-keys',
  version: '1',
  kind: 'deterministic',
  description: 'a JSON object with the required keys',
  params,
  score(input, p) {
    const read = readJsonAnswer(input.answer, p.allowFence ?? true);
    if (!read.ok) return { score: 0, detail: read.why };
    if (!isJsonObject(read.value)) return { score: 0, detail: 'not a JSON object' };
    const value = read.value;
    const missing = p.keys.filter((k) => !Object.hasOwn(value, k));
    if (missing.length > 0) return { score: 0, detail: `missing key(s): ${missing.join(', ')}` };
    if (p.exact) {
      const extra = Object.keys(value).filter((k) => !p.keys.includes(k));
      if (extra.length > 0) return { score: 0, detail: `unexpected key(s): ${extra.join(', ')}` };
    }
    return { score: 1 };
  },
};
