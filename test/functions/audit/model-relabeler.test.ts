import { afterEach, describe, expect, it } from 'vitest';
import { judgeRelabel, type RelabelRow } from '../../../functions/audit/judge-relabel';
import { modelRelabeler, readAnswer } from '../../../functions/audit/model-relabeler';
import { ModelCallError, type ChatModel, type ChatRequest, type ChatResult } from '../../../functions/models/chat-model';
import { createChatModel } from '../../../functions/models/create-chat-model';
import { readLabelPrompt } from '../../../functions/models/label-prompt';
import { parseModelRef } from '../../../functions/models/model-ref';
import { startScriptedServer, type ScriptedServer } from '../../support/scripted-http-server';

/** A ChatModel that records its requests and answers with `answer(request)`. */
function scriptedModel(answer: (request: ChatRequest) => string | Error): ChatModel & { requests: ChatRequest[] } {
  const requests: ChatRequest[] = [];
  return {
    ref: parseModelRef('openai:scripted-judge#family=anthropic'),
    requests,
    async complete(request: ChatRequest): Promise<ChatResult> {
      requests.push(request);
      const out = answer(request);
      if (out instanceof Error) throw out;
      return { text: out, usage: { inputTokens: 1, outputTokens: 1 }, latencyMs: 1, attempts: 1, model: 'scripted-judge' };
    },
  };
}

describe('modelRelabeler', () => {
  it('shows the labels and the row as quoted data, and asks for JSON at temperature 0', async () => {
    const model = scriptedModel(() => '{"label": "shipping"}');
    const relabel = modelRelabeler(model, { token: () => 'abcdef0123456789' });
    expect(await relabel('Where is my parcel?', ['billing', 'shipping'])).toEqual({ label: 'shipping' });
    const request = model.requests[0]!;
    expect(request).toMatchObject({ maxTokens: 64, temperature: 0, responseFormat: 'json' });
    expect(request.system).toMatch(/JSON object/);
    expect(request.messages.length).toBe(1);
    expect(readLabelPrompt(request.messages[0]!.content)).toEqual({ labels: ['billing', 'shipping'], text: 'Where is my parcel?' });
    expect(request.messages[0]!.content).toContain('<<<TEXT abcdef0123456789>>>\nWhere is my parcel?\n<<<END abcdef0123456789>>>');
  });

  it('draws a fresh random delimiter for every row', async () => {
    const model = scriptedModel(() => '{"label": "a"}');
    const relabel = modelRelabeler(model);
    await relabel('one', ['a']);
    await relabel('two', ['a']);
    const tokens = model.requests.map((r) => /<<<TEXT ([0-9a-f]+)>>>/.exec(r.messages[0]!.content)![1]);
    expect(tokens[0]).toMatch(/^[0-9a-f]{24}$/);
    expect(tokens[1]).not.toBe(tokens[0]);
  });

  it('returns an error, without calling the model, when the row contains the pinned delimiter', async () => {
    const model = scriptedModel(() => '{"label": "a"}');
    const relabel = modelRelabeler(model, { token: () => 'abcdef0123456789' });
    expect(await relabel('see abcdef0123456789', ['a'])).toEqual({ error: 'the delimiter token occurs in the row text' });
    expect(model.requests.length).toBe(0);
  });

  it('turns a failed call into an error, never a label', async () => {
    const failed = new ModelCallError('openai:judge: 500 boom (gave up after 4 attempts)', { retryable: true, status: 500, attempts: 4 });
    const relabel = modelRelabeler(scriptedModel(() => failed));
    expect(await relabel('x', ['a', 'b'])).toEqual({ error: 'model call failed: openai:judge: 500 boom (gave up after 4 attempts)' });
    const odd = modelRelabeler(scriptedModel(() => new TypeError('undefined is not a function')));
    expect(await odd('x', ['a'])).toEqual({ error: 'model call failed unexpectedly: undefined is not a function' });
  });
});

describe('readAnswer', () => {
  it('reads the label from plain, fenced or wrapped JSON', () => {
    expect(readAnswer('{"label": "billing"}')).toEqual({ label: 'billing' });
    expect(readAnswer('  {"label":"billing","reason":"invoice"}\n')).toEqual({ label: 'billing' });
    expect(readAnswer('```json\n{"label": "billing"}\n```')).toEqual({ label: 'billing' });
    expect(readAnswer('Sure! Here is the answer: {"label": "billing"} Hope that helps.')).toEqual({ label: 'billing' });
    expect(readAnswer('{"label": "  billing "}')).toEqual({ label: 'billing' });
  });

  it('reports a malformed answer or an abstention as an error', () => {
    expect(readAnswer('billing')).toEqual({ error: 'malformed answer (no JSON object): "billing"' });
    expect(readAnswer('')).toEqual({ error: 'malformed answer (no JSON object): ""' });
    expect(readAnswer('{"label": "billing"')).toMatchObject({ error: expect.stringMatching(/^malformed answer \(no JSON object\)/) });
    expect(readAnswer('{"answer": "billing"}')).toEqual({ error: 'malformed answer (expected {"label": "<label>"}): "{\\"answer\\": \\"billing\\"}"' });
    expect(readAnswer('{"label": 3}')).toMatchObject({ error: expect.stringMatching(/^malformed answer \(expected/) });
    expect(readAnswer('{"label": ""}')).toMatchObject({ error: expect.stringMatching(/^malformed answer \(expected/) });
    expect(readAnswer('["billing"]')).toMatchObject({ error: expect.stringMatching(/^malformed answer/) });
    expect(readAnswer('{"label": null}')).toEqual({ error: 'the judge abstained (label null)' });
    const long = readAnswer(`I think ${'very '.repeat(60)}hard`);
    expect('error' in long && long.error.length).toBeLessThan(180);
  });
});

describe('modelRelabeler in judgeRelabel', () => {
  const rows: RelabelRow[] = [
    { rowIndex: 0, label: 'billing', text: 'I was billed twice for one order' },
    { rowIndex: 1, label: 'billing', text: 'Refund the duplicate billing charge' },
    { rowIndex: 2, label: 'shipping', text: 'The shipping is late' },
    // Mislabelled: about billing.
    { rowIndex: 3, label: 'shipping', text: 'Wrong bill amount on my invoice' },
    // Names neither label: the keyword model abstains.
    { rowIndex: 4, label: 'shipping', text: 'Hello, anybody there?' },
  ];

  it('finds the mislabelled row with local:keyword-classifier and counts its abstention as an error', async () => {
    const result = await judgeRelabel(rows, ['billing', 'shipping'], modelRelabeler(createChatModel('local:keyword-classifier')));
    expect(result).toMatchObject({ sampled: 5, judged: 4, errors: 1, agreement: 0.75 });
    expect(result.disagreements).toEqual([{ rowIndex: 3, givenLabel: 'shipping', judgeLabel: 'billing' }]);
    expect(result.errorSamples).toEqual([{ rowIndex: 4, error: 'the judge abstained (label null)' }]);
  });

  let server: ScriptedServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('counts failed calls and malformed answers from a real OpenAI-wire server as errors, not disagreements', async () => {
    // The server reads the prompt as a judge would; it fails for one row and rambles for another.
    server = await startScriptedServer((request) => {
      const body = request.json as { messages: { role: string; content: string }[] };
      const prompt = readLabelPrompt(body.messages.at(-1)!.content)!;
      const reply = (content: string) => ({
        status: 200,
        body: {
          id: 'c',
          object: 'chat.completion',
          created: 1,
          model: 'judge-1',
          choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null }],
          usage: { prompt_tokens: 50, completion_tokens: 6, total_tokens: 56 },
        },
      });
      if (prompt.text.includes('late')) return { status: 400, body: { error: { message: 'content policy', type: 'invalid_request_error', param: null, code: 'content_filter' } } };
      if (prompt.text.includes('anybody')) return reply('I cannot tell.');
      return reply(JSON.stringify({ label: /bill|invoice/i.test(prompt.text) ? 'Billing' : 'shipping' }));
    });
    const judge = createChatModel('openai:judge-1', { openai: { baseURL: `${server.url}/v1`, apiKey: 'k' }, retry: { maxAttempts: 2, sleep: async () => {} } });
    const result = await judgeRelabel(rows, ['billing', 'shipping'], modelRelabeler(judge), { concurrency: 2 });
    expect(result).toMatchObject({ sampled: 5, judged: 3, errors: 2 });
    // "Billing" is folded onto the label set by judgeRelabel.
    expect(result.disagreements).toEqual([{ rowIndex: 3, givenLabel: 'shipping', judgeLabel: 'billing' }]);
    expect(result.errorSamples.map((e) => e.rowIndex)).toEqual([2, 4]);
    expect(result.errorSamples[0]!.error).toMatch(/^model call failed: openai:judge-1: 400 content policy$/);
    expect(result.errorSamples[1]!.error).toBe('malformed answer (no JSON object): "I cannot tell."');
    // The 400 was not retried: one request per row.
    expect(server.requests.length).toBe(5);
  });
});
