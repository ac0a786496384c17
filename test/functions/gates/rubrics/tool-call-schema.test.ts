import { describe, expect, it } from 'vitest';
import { judgeScore, scriptedModel } from './rubric-test-kit';

const tools = [{ name: 'get_weather', parameters: { type: 'object', required: ['city'], properties: { city: { type: 'string' } } } }];

describe('judge:tool-call-schema', () => {
  it('shows the tool definitions as JSON and reads a 0–1 score', async () => {
    const model = scriptedModel(() => '{"score": 0, "reason": "city is missing"}');
    const outcome = await judgeScore({ rubric: 'judge:tool-call-schema' }, { answer: '{"name": "get_weather", "arguments": {}}', tools }, { model, token: () => 'abcdef0123456789' });
    expect(outcome).toEqual({ score: 0, detail: 'city is missing' });
    const user = model.requests[0]!.messages[0]!.content;
    expect(user).toContain(`<<<TOOLS abcdef0123456789>>>\n${JSON.stringify(tools, null, 2)}\n<<<END TOOLS abcdef0123456789>>>`);
    expect(user).toContain('"score" is 1 when the criterion above is met and 0 when it is not.');
  });

  it('takes tool definitions given as text', async () => {
    const model = scriptedModel(() => '{"score": 1, "reason": "valid"}');
    expect(await judgeScore({ rubric: 'judge:tool-call-schema' }, { answer: 'call', tools: 'get_weather(city: string)' }, { model })).toEqual({ score: 1, detail: 'valid' });
  });

  it('is an error without tool definitions', async () => {
    const model = scriptedModel(() => '{"score": 1, "reason": "x"}');
    expect(await judgeScore({ rubric: 'judge:tool-call-schema' }, { answer: 'call' }, { model })).toEqual({ error: 'judge:tool-call-schema needs the tool definitions' });
    expect(await judgeScore({ rubric: 'judge:tool-call-schema' }, { answer: 'call', tools: '' }, { model })).toEqual({ error: 'judge:tool-call-schema needs the tool definitions' });
  });

  it('refuses a 1–5 style score on its 0–1 scale', async () => {
    const model = scriptedModel(() => '{"score": 4, "reason": "mostly"}');
    expect(await judgeScore({ rubric: 'judge:tool-call-schema' }, { answer: 'call', tools }, { model })).toHaveProperty('error');
  });
});
