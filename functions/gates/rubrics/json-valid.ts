/** JSON validity: 1 when the answer is one JSON value (of the required kind, when the check names one), else 0. */
import * as z from 'zod';
import { isJsonObject, readJsonAnswer } from './json-answer';
import type { DeterministicRubric } from './rubric';

const params = z.strictObject({
  /** Accept one Markdown code fence around the JSON (default true). */
  allowFence: z.boolean().optional(),
  /** The kind of value required (default any). */
  type: z.enum(['any', 'object', 'array']).optional(),
});

export const jsonValid: DeterministicRubric<z.infer<typeof params>> = {
  id: 'json-valid',
  version: '1',
  kind: 'deterministic',
  description: 'the answer is valid JSON',
  params,
  score(input, p) {
    const read = readJsonAnswer(input.answer, p.allowFence ?? true);
    if (!read.ok) return { score: 0, detail: read.why };
    const type = p.type ?? 'any';
    if (type === 'object' && !isJsonObject(read.value)) return { score: 0, detail: 'valid JSON, but not an object' };
    if (type === 'array' && !Array.isArray(read.value)) return { score: 0, detail: 'valid JSON, but not an array' };
    return { score: 1 };
  },
};
