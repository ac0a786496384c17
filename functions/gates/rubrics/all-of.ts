/**
 * All of several deterministic checks, for items that state more than one constraint ("lowercase, under 50 words"):
 * 1 only when every sub-check scores 1; otherwise the lowest sub-score. Any sub-check error is the item's error.
 * Judge checks are not allowed inside: a composite must stay cheap and deterministic.
 */
import * as z from 'zod';
import type { DeterministicRubric, RubricInput, RubricOutcome } from './rubric';

export type ScoreFn = (input: RubricInput) => RubricOutcome;
/** Reads one sub-check (`{ rubric, ...params }`) into its scorer, or says why it cannot. */
export type CheckResolver = (check: unknown) => { ok: true; score: ScoreFn } | { ok: false; error: string };

export function allOfRubric(resolve: CheckResolver): DeterministicRubric<{ checks: ScoreFn[] }> {
  // Sub-checks are resolved once, when the check is read, not on every answer.
  const params = z.strictObject({ checks: z.array(z.unknown()).min(1) }).transform((p, ctx) => {
    const checks: ScoreFn[] = [];
    p.checks.forEach((check, i) => {
      const resolved = resolve(check);
      if (resolved.ok) checks.push(resolved.score);
      else ctx.addIssue({ code: 'custom', message: resolved.error, path: ['checks', i] });
    });
    return { checks };
  });
  return {
    id: 'all-of',
    version: '1',
    kind: 'deterministic',
    description: 'every one of several deterministic checks passes',
    params,
    score(input, p) {
      let lowest: { score: number; detail?: string } = { score: 1 };
      for (const [i, score] of p.checks.entries()) {
        const outcome = score(input);
        if ('error' in outcome) return { error: `checks[${i}]: ${outcome.error}` };
        if (outcome.score < lowest.score) lowest = outcome.detail === undefined ? { score: outcome.score } : { score: outcome.score, detail: `checks[${i}]: ${outcome.detail}` };
      }
      return lowest;
    },
  };
}
