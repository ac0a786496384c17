/**
 * Regular expression: 1 when the answer (surrounding whitespace trimmed) matches the pattern, or with
 * `expect: false` when it does not; `full: true` requires the whole answer to match. Patterns are compiled in
 * Unicode mode; an invalid pattern is refused when the check is read.
 */
import * as z from 'zod';
import type { DeterministicRubric } from './rubric';

const params = z
  .strictObject({
    pattern: z.string().min(1),
    /** RegExp flags among i, m, s (u is always on). */
    flags: z.string().regex(/^[ims]*$/, 'flags may only be i, m and s').optional(),
    full: z.boolean().optional(),
    /** Whether a match is wanted (default true). */
    expect: z.boolean().optional(),
  })
  .superRefine((p, ctx) => {
    try {
      new RegExp(p.pattern, `${p.flags ?? ''}u`);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `invalid pattern: ${error instanceof Error ? error.message : String(error)}` });
    }
  });

export const regex: DeterministicRubric<z.infer<typeof params>> = {
  id: 'regex',
  version: '1',
  kind: 'deterministic',
  description: 'the answer matches (or avoids) a regular expression',
  params,
  score(input, p) {
    const source = p.full ? `^(?:${p.pattern})$` : p.pattern;
    const matched = new RegExp(source, `${p.flags ?? ''}u`).test(input.answer.trim());
    const expect = p.expect ?? true;
    if (matched === expect) return { score: 1 };
    return { score: 0, detail: expect ? `does not match /${p.pattern}/` : `matches /${p.pattern}/` };
  },
};
