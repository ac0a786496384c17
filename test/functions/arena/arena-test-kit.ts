/** Helpers for arena tests: an in-memory judge cache, scripted models, samples. */
import { parseArenaSamples, type ArenaSample } from '../../../functions/arena/arena-samples';
import type { JudgeCache } from '../../../functions/gates/judge-cache';
import type { ChatModel, ChatRequest, ChatResult } from '../../../functions/models/chat-model';
import { parseModelRef } from '../../../functions/models/model-ref';

/** An in-memory JudgeCache with the port's first-answer-wins rule. */
export function memoryCache(): JudgeCache & { entries: Map<string, unknown> } {
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

/** A ChatModel under `ref` that records its requests and answers with `answer(request)` (an Error is thrown). */
export function scriptedModel(ref: string, answer: (request: ChatRequest) => string | Error): ChatModel & { requests: ChatRequest[] } {
  const requests: ChatRequest[] = [];
  const parsed = parseModelRef(ref);
  return {
    ref: parsed,
    requests,
    async complete(request: ChatRequest): Promise<ChatResult> {
      requests.push(request);
      const out = answer(request);
      if (out instanceof Error) throw out;
      return { text: out, usage: { inputTokens: 10, outputTokens: 5 }, latencyMs: 1, attempts: 1, model: parsed.model };
    },
  };
}

/** The last user message of a request. */
export function lastUser(request: ChatRequest): string {
  return [...request.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
}

/** `count` distinct single-question samples. */
export function questions(count: number, text: (i: number) => string = (i) => `Question ${i}: what is the capital of country ${i}?`): ArenaSample[] {
  return parseArenaSamples(Array.from({ length: count }, (_, i) => JSON.stringify({ id: `q${i}`, input: text(i) })).join('\n')).samples;
}
