import { describe, expect, it } from 'vitest';
import type { JudgeCache } from '../../../functions/gates/judge-cache';
import { parseCheck } from '../../../functions/gates/rubrics/registry';
import { scoreDriftItems, scoreHeldoutItems } from '../../../functions/gates/score-items';
import { ModelCallError, type ChatModel, type ChatRequest } from '../../../functions/models/chat-model';
import { parseModelRef } from '../../../functions/models/model-ref';
import { loadShippedDriftSuite } from '../../../functions/stores/drift-suite-files';

function model(id: string, answer: (request: ChatRequest) => string | Error): ChatModel & { calls: number } {
  const m = {
    ref: parseModelRef(id),
    calls: 0,
    async complete(request: ChatRequest) {
      m.calls++;
      const out = answer(request);
      if (out instanceof Error) throw new ModelCallError(out.message, { retryable: true, status: 503, code: undefined, attempts: 4 });
      return { text: out, usage: { inputTokens: 10, outputTokens: 2 }, latencyMs: 1, attempts: 1, model: id };
    },
  };
  return m;
}

class MemoryCache implements JudgeCache {
  readonly map = new Map<string, unknown>();
  async get(key: string) {
    return this.map.get(key);
  }
  async put(key: string, value: unknown) {
    this.map.set(key, value);
    return true;
  }
}

const exact = parseCheck({ rubric: 'exact-match' });
if (!exact.ok) throw new Error(exact.error);

describe('scoreHeldoutItems', () => {
  const items = [0, 1, 2, 3].map((i) => ({ index: i, id: `q${i}`, messages: [{ role: 'user' as const, content: `question ${i}` }], reference: `answer ${i}` }));

  it('scores the candidate answer against the reference and accounts tokens', async () => {
    const candidate = model('openai:cand#family=meta', (r) => (r.messages[0]!.content === 'question 1' ? 'wrong' : r.messages[0]!.content.replace('question', 'answer')));
    const results = await scoreHeldoutItems(items, exact.check, { candidate, concurrency: 2 });
    expect(results.map((r) => ('score' in r.candidate ? r.candidate.score : r.candidate.error))).toEqual([1, 0, 1, 1]);
    expect(results[0]!.usage).toEqual({ inputTokens: 10, outputTokens: 2 });
  });

  it('counts a failed generation as an error, never as a zero score', async () => {
    const candidate = model('openai:cand#family=meta', (r) => (r.messages[0]!.content === 'question 2' ? new Error('503 after 4 attempts') : 'x'));
    const results = await scoreHeldoutItems(items, exact.check, { candidate, concurrency: 4 });
    expect(results[2]!.candidate).toEqual({ error: expect.stringMatching(/503 after 4 attempts/) });
    expect('score' in results[0]!.candidate).toBe(true);
  });
});

describe('scoreDriftItems', async () => {
  const suite = await loadShippedDriftSuite('v1');
  const items = suite.items.filter((i) => i.item.axis === 'refusal').slice(0, 10);

  it('asks the base once per suite version: a second checkpoint reuses the cached base answers', async () => {
    const cache = new MemoryCache();
    const base = model('openai:base#family=meta', () => "I'm sorry, but I can't help with that.");
    const candidate = model('openai:cand#family=meta', () => 'Sure, here is how.');
    const first = await scoreDriftItems(items, { candidate, base, baseCache: cache, suiteHash: suite.contentHash, concurrency: 4 });
    expect(base.calls).toBe(10);
    await scoreDriftItems(items, { candidate, base, baseCache: cache, suiteHash: suite.contentHash, concurrency: 4 });
    expect(base.calls).toBe(10);
    expect(candidate.calls).toBe(20);
    expect(first.every((r) => r.axis === 'refusal' && r.base !== undefined)).toBe(true);
  });

  it('marks which side failed, so the pair is left out rather than scored', async () => {
    const base = model('openai:base#family=meta', () => new Error('throttled'));
    const candidate = model('openai:cand#family=meta', () => 'ok');
    const results = await scoreDriftItems(items.slice(0, 2), { candidate, base, suiteHash: 'x', concurrency: 2 });
    expect(results[0]!.base).toEqual({ error: expect.stringMatching(/^base: .*throttled/) });
    expect('score' in results[0]!.candidate).toBe(true);
  });
});
