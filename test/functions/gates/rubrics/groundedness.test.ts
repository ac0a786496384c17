import { describe, expect, it } from 'vitest';
import { judgeScore, scriptedModel } from './rubric-test-kit';

const token = () => 'abcdef0123456789';

describe('judge:groundedness', () => {
  it('shows the context, the conversation and the answer as quoted data, and reads a 1–5 score', async () => {
    const model = scriptedModel(() => '{"score": 4, "reason": "one detail unsupported"}');
    const outcome = await judgeScore(
      { rubric: 'judge:groundedness' },
      { answer: 'Refunds take 5 days.', context: 'Refunds are processed within 5 business days.', messages: [{ role: 'user', content: 'How long do refunds take?' }] },
      { model, token },
    );
    expect(outcome).toEqual({ score: 0.75, detail: 'one detail unsupported' });
    const user = model.requests[0]!.messages[0]!.content;
    expect(user).toMatch(/^Evaluate GROUNDEDNESS/);
    expect(user.indexOf('<<<CONTEXT abcdef0123456789>>>')).toBeLessThan(user.indexOf('<<<CONVERSATION abcdef0123456789>>>'));
    expect(user.indexOf('<<<CONVERSATION abcdef0123456789>>>')).toBeLessThan(user.indexOf('<<<ANSWER abcdef0123456789>>>'));
  });

  it('is an error, without a call, when there is no context', async () => {
    const model = scriptedModel(() => '{"score": 5, "reason": "x"}');
    expect(await judgeScore({ rubric: 'judge:groundedness' }, { answer: 'x', context: ' ' }, { model })).toEqual({ error: 'judge:groundedness needs a context' });
    expect(model.requests).toHaveLength(0);
  });
});
