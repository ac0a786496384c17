import { describe, expect, it } from 'vitest';
import { ModelCallError } from '../../../../functions/models/chat-model';
import { judgeScore, scriptedModel } from './rubric-test-kit';

const input = { answer: '4', messages: [{ role: 'user' as const, content: 'What is 2 + 2?' }] };

describe('judge:task-completion', () => {
  it('shows the reference when there is one', async () => {
    const model = scriptedModel(() => '{"score": 5, "reason": "correct"}');
    expect(await judgeScore({ rubric: 'judge:task-completion' }, { ...input, reference: 'Four.' }, { model, token: () => 'abcdef0123456789' })).toEqual({ score: 1, detail: 'correct' });
    expect(model.requests[0]!.messages[0]!.content).toContain('<<<REFERENCE abcdef0123456789>>>\nFour.\n<<<END REFERENCE abcdef0123456789>>>');
    await judgeScore({ rubric: 'judge:task-completion' }, input, { model });
    expect(model.requests[1]!.messages[0]!.content).not.toContain('<<<REFERENCE');
  });

  it('passes the judge options through', async () => {
    const model = scriptedModel(() => '{"score": 3, "reason": "partial"}');
    await judgeScore({ rubric: 'judge:task-completion' }, input, { model, maxTokens: 100, temperature: 0.2 });
    expect(model.requests[0]).toMatchObject({ maxTokens: 100, temperature: 0.2 });
  });

  it('is an error, not a zero, when the judge fails', async () => {
    const model = scriptedModel(() => new ModelCallError('openai:judge: 503 unavailable', { retryable: true, status: 503, attempts: 3 }));
    expect(await judgeScore({ rubric: 'judge:task-completion' }, input, { model })).toEqual({ error: 'judge call failed: openai:judge: 503 unavailable' });
  });

  it("is an error without the user's request", async () => {
    expect(await judgeScore({ rubric: 'judge:task-completion' }, { answer: '4', messages: [] }, { model: scriptedModel(() => '') })).toEqual({
      error: "judge:task-completion needs the conversation (the user's request)",
    });
  });
});
