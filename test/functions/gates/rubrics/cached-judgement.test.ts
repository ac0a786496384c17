import { describe, expect, it } from 'vitest';
import type { JudgeCache } from '../../../../functions/gates/judge-cache';
import { judgementInputHash } from '../../../../functions/gates/rubrics/cached-judgement';
import { ModelCallError } from '../../../../functions/models/chat-model';
import { judgeScore, scriptedModel } from './rubric-test-kit';

/** An in-memory JudgeCache with the port's first-answer-wins rule. */
function memoryCache(): JudgeCache & { entries: Map<string, unknown> } {
  const entries = new Map<string, unknown>();
  return {
    entries,
    async get(key) {
      return entries.get(key);
    },
    async put(key, result) {
      if (entries.has(key)) return false;
      entries.set(key, result);
      return true;
    },
  };
}

const input = { answer: '4', messages: [{ role: 'user' as const, content: 'What is 2 + 2?' }] };
const check = { rubric: 'judge:task-completion' };

describe('judge scores through the cache', () => {
  it('calls the judge once for the same rubric, judge, input and answer, whatever the delimiter token', async () => {
    const cache = memoryCache();
    const model = scriptedModel(() => '{"score": 5, "reason": "correct"}');
    let n = 0;
    const token = () => (n++).toString(16).padStart(16, '0');
    expect(await judgeScore(check, input, { model, cache, token })).toEqual({ score: 1, detail: 'correct' });
    expect(await judgeScore(check, input, { model, cache, token })).toEqual({ score: 1, detail: 'correct' });
    expect(model.requests).toHaveLength(1);
    expect([...cache.entries.values()]).toEqual([{ score: 1, detail: 'correct' }]);
  });

  it('keys by answer, by what else the judge is shown, and by judge model', async () => {
    const cache = memoryCache();
    // A score of 1 reads on both the 1–5 and the 0–1 scale.
    const model = scriptedModel(() => '{"score": 1, "reason": "ok"}');
    await judgeScore(check, input, { model, cache });
    await judgeScore(check, { ...input, answer: 'four' }, { model, cache });
    await judgeScore(check, { ...input, reference: '4' }, { model, cache });
    await judgeScore({ ...check, criteria: 'Show working.' }, input, { model, cache });
    await judgeScore({ rubric: 'judge:refusal-appropriateness' }, input, { model, cache });
    const other = { ...scriptedModel(() => '{"score": 1, "reason": "ok"}'), ref: { ...model.ref, id: 'openai:other-judge#family=anthropic', model: 'other-judge' } };
    await judgeScore(check, input, { model: other, cache });
    expect(cache.entries.size).toBe(6);
  });

  it('never stores an error, so a failed call is retried', async () => {
    const cache = memoryCache();
    let fail = true;
    const model = scriptedModel(() => (fail ? new ModelCallError('timeout', { retryable: true, attempts: 3 }) : '{"score": 4, "reason": "fine"}'));
    expect(await judgeScore(check, input, { model, cache })).toEqual({ error: 'judge call failed: timeout' });
    expect(cache.entries.size).toBe(0);
    fail = false;
    expect(await judgeScore(check, input, { model, cache })).toEqual({ score: 0.75, detail: 'fine' });
    expect(model.requests).toHaveLength(2);
  });

  it('ignores a stored value that is not a score, and calls the judge', async () => {
    const cache = memoryCache();
    const model = scriptedModel(() => '{"score": 4, "reason": "fine"}');
    await judgeScore(check, input, { model, cache });
    const [key] = cache.entries.keys();
    cache.entries.set(key!, { score: 7 });
    expect(await judgeScore(check, input, { model, cache })).toEqual({ score: 0.75, detail: 'fine' });
    expect(model.requests).toHaveLength(2);
  });

  it('still scores when the cache cannot be read or written', async () => {
    const broken: JudgeCache = {
      get: () => Promise.reject(new Error('ProvisionedThroughputExceededException')),
      put: () => Promise.reject(new Error('ProvisionedThroughputExceededException')),
    };
    const model = scriptedModel(() => '{"score": 2, "reason": "weak"}');
    expect(await judgeScore(check, input, { model, cache: broken })).toEqual({ score: 0.25, detail: 'weak' });
  });
});

describe('judgementInputHash', () => {
  it('covers the params and every input field but the answer', () => {
    const base = judgementInputHash({}, { answer: 'a' });
    expect(judgementInputHash({}, { answer: 'b' })).toBe(base);
    expect(judgementInputHash({ criteria: 'x' }, { answer: 'a' })).not.toBe(base);
    expect(judgementInputHash({}, { answer: 'a', context: 'c' })).not.toBe(base);
    expect(judgementInputHash({}, { answer: 'a', tools: [] })).not.toBe(base);
  });
});
