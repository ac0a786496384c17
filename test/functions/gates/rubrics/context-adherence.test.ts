import { describe, expect, it } from 'vitest';
import { judgeScore, scriptedModel } from './rubric-test-kit';

describe('judge:context-adherence', () => {
  it('shows the whole conversation, system message included, and reads a 1–5 score', async () => {
    const model = scriptedModel(() => '{"score": 2, "reason": "ignored the lowercase rule"}');
    const outcome = await judgeScore(
      { rubric: 'judge:context-adherence', criteria: 'Lowercase only.' },
      {
        answer: 'Sure Thing',
        messages: [
          { role: 'system', content: 'You answer in lowercase.' },
          { role: 'user', content: 'hi' },
        ],
      },
      { model, token: () => 'abcdef0123456789' },
    );
    expect(outcome).toEqual({ score: 0.25, detail: 'ignored the lowercase rule' });
    const user = model.requests[0]!.messages[0]!.content;
    expect(user).toContain('[system]\nYou answer in lowercase.\n\n[user]\nhi');
    expect(user).toContain('Additional criteria for this item: Lowercase only.');
  });

  it('is an error without a conversation', async () => {
    expect(await judgeScore({ rubric: 'judge:context-adherence' }, { answer: 'x' }, { model: scriptedModel(() => '') })).toEqual({
      error: 'judge:context-adherence needs the conversation',
    });
  });
});
