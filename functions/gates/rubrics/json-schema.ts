/**
 * JSON Schema conformance: 1 when the answer is JSON that satisfies the check's schema (the subset of
 * json-schema-subset.ts), else 0. A schema the subset cannot enforce is refused when the check is read.
 */
import * as z from 'zod';
import { readJsonAnswer } from './json-answer';
import { schemaProblems, schemaViolations, type JsonSchema } from './json-schema-subset';
import type { DeterministicRubric } from './rubric';

const params = z.strictObject({
  schema: z.union([z.record(z.string(), z.unknown()), z.boolean()]).superRefine((schema, ctx) => {
    for (const problem of schemaProblems(schema)) ctx.addIssue({ code: 'custom', message: problem });
  }),
  allowFence: z.boolean().optional(),
});

export const jsonSchema: DeterministicRubric<z.infer<typeof params>> = {
  id: 'json-schema',
  version: '1',
  kind: 'deterministic',
  description: 'JSON conforming to a schema',
  params,
  score(input, p) {
    const read = readJsonAnswer(input.answer, p.allowFence ?? true);
    if (!read.ok) return { score: 0, detail: read.why };
    const violations = schemaViolations(read.value, p.schema as JsonSchema);
    if (violations.length === 0) return { score: 1 };
    const shown = violations.slice(0, 3).join('; ');
    return { score: 0, detail: violations.length > 3 ? `${shown}; and ${violations.length - 3} more` : shown };
  },
};
