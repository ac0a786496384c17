import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeldoutItem } from '../../functions/gates/heldout-set';
import { parseCheck } from '../../functions/gates/rubrics/registry';
import { scoreHeldoutItems, type ItemResult } from '../../functions/gates/score-items';
import { parseModelRef } from '../../functions/models/model-ref';
import { OpenAIChatModel } from '../../functions/models/openai-chat-model';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-http-server';

/*
 * Model 429/5xx storms: the candidate is an OpenAI-compatible server reached through the real `openai` client and
 * a fault proxy. A storm that recovers mid-batch (429s with Retry-After, 500s, resets) is retried with back-off and
 * the batch's scores equal the unfaulted run's; a storm that does not recover leaves each item an error, never a
 * scored (bad) answer. The checkpoint gate's INCONCLUSIVE on a judge outage is covered end to end in
 * test/state-machines/checkpoint-gate.e2e.int.test.ts ("is INCONCLUSIVE, never PASS, when the judge is out").
 */

const ITEMS: HeldoutItem[] = Array.from({ length: 12 }, (_, i) => ({
  index: i,
  id: `q${i}`,
  messages: [{ role: 'user', content: `Question ${i}: what is ${i} plus ${i}?` }],
  reference: String(2 * i),
}));
const check = (() => {
  const parsed = parseCheck({ rubric: 'exact-match' });
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.check;
})();

let server: ScriptedServer;
let proxy: FaultProxy;
let baseline: ItemResult[];

beforeAll(async () => {
  // Right on even questions, wrong on odd ones: a batch whose score is not trivially all or nothing.
  server = await startScriptedServer((request) => {
    const content = String((request.json as { messages: Array<{ content: string }> }).messages.at(-1)!.content);
    const i = Number(/Question (\d+)/.exec(content)![1]);
    const answer = i % 2 === 0 ? String(2 * i) : String(2 * i + 1);
    return {
      status: 200,
      body: { id: `c${i}`, object: 'chat.completion', created: 0, model: 'ft-model', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: answer } }], usage: { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 } },
    };
  });
  proxy = await startFaultProxy(server.url);
  baseline = await score(server.url);
  expect(baseline.filter((r) => 'error' in r.candidate)).toEqual([]);
});

afterAll(async () => {
  await proxy?.close();
  await server?.close();
});

function model(endpoint: string, maxAttempts = 6): OpenAIChatModel {
  return new OpenAIChatModel(parseModelRef('openai:ft-model#family=meta'), {
    clientOptions: { baseURL: `${endpoint}/v1`, apiKey: 'test-key' },
    retry: { maxAttempts, baseDelayMs: 5, maxDelayMs: 400, attemptTimeoutMs: 5_000 },
    maxConcurrency: 4,
  });
}

function score(endpoint: string, maxAttempts?: number): Promise<ItemResult[]> {
  return scoreHeldoutItems(ITEMS, check, { candidate: model(endpoint, maxAttempts), concurrency: 4 });
}

describe('model 429/5xx storms', () => {
  it('retries a storm that recovers mid-batch (429 with Retry-After, 500, resets): scores equal the unfaulted run', async () => {
    const start = proxy.requests.length;
    const limited = proxy.add({ name: '429', skip: 3, times: 6, fault: { kind: 'rate-limited', retryAfterMs: 150 } });
    const failing = proxy.add({ name: '500', times: 3, fault: { kind: 'status', status: 500 } });
    const resets = proxy.add({ name: 'reset', times: 2, fault: { kind: 'reset' } });
    try {
      const results = await score(proxy.url);
      expect(limited.faulted).toBe(6);
      expect(failing.faulted).toBe(3);
      expect(resets.faulted).toBe(2);
      expect(results).toEqual(baseline);
      // Every item answered once in the end: 12 successes plus one retry per fault.
      expect(proxy.requests.length - start).toBe(ITEMS.length + 6 + 3 + 2);
    } finally {
      proxy.clear();
    }
  });

  it('waits at least the server Retry-After before retrying a 429', async () => {
    const only = [ITEMS[0]!];
    const start = proxy.requests.length;
    proxy.add({ times: 1, fault: { kind: 'rate-limited', retryAfterMs: 300 } });
    try {
      const [result] = await scoreHeldoutItems(only, check, { candidate: model(proxy.url), concurrency: 1 });
      expect('error' in result!.candidate).toBe(false);
    } finally {
      proxy.clear();
    }
    const [limited, retried] = proxy.requests.slice(start);
    expect(limited!.status).toBe(429);
    expect(retried!.at - limited!.at).toBeGreaterThanOrEqual(290);
  });

  it('counts a storm that outlasts the retries as errors, never as wrong answers', async () => {
    proxy.add({ fault: { kind: 'status', status: 503 } });
    let results: ItemResult[];
    try {
      results = await score(proxy.url, 3);
    } finally {
      proxy.clear();
    }
    expect(results).toHaveLength(ITEMS.length);
    for (const r of results) {
      expect(r.candidate).toHaveProperty('error');
      expect((r.candidate as { error: string }).error).toMatch(/503/);
      expect(r.candidate).not.toHaveProperty('score');
    }
  });
});
