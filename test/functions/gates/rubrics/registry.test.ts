import { describe, expect, it } from 'vitest';
import { getRubric, parseCheck, RUBRIC_IDS, rubricKey, scoreCheck, scoreDeterministic } from '../../../../functions/gates/rubrics/registry';
import type { DeterministicRubric, Rubric } from '../../../../functions/gates/rubrics/rubric';
import { z } from 'zod';

describe('the rubric registry', () => {
  it('holds every rubric the gate names', () => {
    expect(RUBRIC_IDS).toEqual(
      [
        'all-of',
        'bullet-count',
        'casing',
        'exact-match',
        'forbidden-words',
        'json-keys',
        'json-schema',
        'json-valid',
        'judge:context-adherence',
        'judge:groundedness',
        'judge:refusal-appropriateness',
        'judge:task-completion',
        'judge:tool-call-schema',
        'length-ratio',
        'markdown-table',
        'numeric-answer',
        'refusal-detection',
        'regex',
        'required-keywords',
        'rouge-l',
        'sentence-count',
        'token-f1',
        'word-count',
      ].sort(),
    );
  });

  it('gives every rubric a version and names scores by id and version', () => {
    for (const id of RUBRIC_IDS) expect(getRubric(id)!.version).toMatch(/^\d+$/);
    expect(rubricKey(getRubric('exact-match')!)).toBe('exact-match@1');
    expect(getRubric('nope')).toBeUndefined();
  });

  it('refuses checks that are not objects with a rubric id, or name an unknown rubric', () => {
    expect(parseCheck('exact-match')).toEqual({ ok: false, error: 'a check must be an object with a "rubric" id' });
    expect(parseCheck({ rubric: '' })).toEqual({ ok: false, error: 'a check must be an object with a "rubric" id' });
    expect(parseCheck({ rubric: 'bleu' })).toEqual({ ok: false, error: 'unknown rubric "bleu"' });
  });

  it('names the offending parameter', () => {
    const parsed = parseCheck({ rubric: 'word-count', min: 'ten' });
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toMatch(/^word-count: invalid parameters: min: /);
  });

  it('lets a held-out rubric be named with no parameters', () => {
    for (const id of ['exact-match', 'token-f1', 'rouge-l', 'numeric-answer', 'json-valid', 'refusal-detection', 'judge:task-completion']) {
      expect(parseCheck({ rubric: id }).ok).toBe(true);
    }
  });

  it('returns an error, not a score, when a judge rubric has no judge or is scored synchronously', async () => {
    const parsed = parseCheck({ rubric: 'judge:task-completion' });
    if (!parsed.ok) throw new Error(parsed.error);
    expect(await scoreCheck(parsed.check, { answer: 'x', messages: [{ role: 'user', content: 'q' }] })).toEqual({ error: 'judge:task-completion needs a judge model' });
    expect(scoreDeterministic(parsed.check, { answer: 'x' })).toEqual({ error: 'judge:task-completion is judge-based and needs scoreCheck with a judge' });
  });

  it('scores deterministic checks through scoreCheck too', async () => {
    const parsed = parseCheck({ rubric: 'exact-match', expected: 'a' });
    if (!parsed.ok) throw new Error(parsed.error);
    expect(await scoreCheck(parsed.check, { answer: 'A' })).toEqual({ score: 1 });
  });

  it('turns a scorer that throws or strays outside [0, 1] into an error', () => {
    const faulty = (score: () => number): Rubric =>
      ({ id: 'faulty', version: '1', kind: 'deterministic', description: 'test', params: z.strictObject({}), score: () => ({ score: score() }) }) satisfies DeterministicRubric<object>;
    expect(scoreDeterministic({ rubric: faulty(() => 1.5), params: {} }, { answer: '' })).toEqual({ error: 'faulty returned a score outside [0, 1]: 1.5' });
    expect(scoreDeterministic({ rubric: faulty(() => Number.NaN), params: {} }, { answer: '' })).toEqual({ error: 'faulty returned a score outside [0, 1]: NaN' });
    expect(
      scoreDeterministic(
        {
          rubric: faulty(() => {
            throw new Error('boom');
          }),
          params: {},
        },
        { answer: '' },
      ),
    ).toEqual({ error: 'faulty failed: boom' });
  });
});
