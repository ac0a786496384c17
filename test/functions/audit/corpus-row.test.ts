import { describe, expect, it } from 'vitest';
import { formatPath, parseCorpusLine, promptText, rowText } from '../../../functions/audit/corpus-row';

describe('parseCorpusLine', () => {
  it('reads OpenAI chat rows, including content parts and tool-call arguments', () => {
    const r = parseCorpusLine(
      JSON.stringify({
        id: 7,
        label: 'billing',
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: [{ type: 'text', text: 'hi' }] },
          { role: 'assistant', content: null, tool_calls: [{ function: { name: 'f', arguments: '{"a":1}' } }] },
          { role: 'tool', content: 'ok' },
          { role: 'assistant', content: 'done' },
        ],
      }),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.row.shape).toBe('chat');
    expect(r.row.id).toBe('7');
    expect(r.row.label).toBe('billing');
    expect(r.row.segments.map((s) => formatPath(s.path))).toEqual([
      'messages[0].content',
      'messages[1].content[0].text',
      'messages[2].tool_calls[0].function.arguments',
      'messages[3].content',
      'messages[4].content',
    ]);
  });

  it('reads Bedrock conversation rows', () => {
    const r = parseCorpusLine(
      JSON.stringify({
        schemaVersion: 'bedrock-conversation-2024',
        system: [{ text: 'sys' }],
        messages: [
          { role: 'user', content: [{ text: 'q' }] },
          { role: 'assistant', content: [{ text: 'a' }] },
        ],
      }),
    );
    expect(r.ok && r.row.shape).toBe('bedrock-conversation');
    expect(r.ok && r.row.segments.map((s) => s.role)).toEqual(['system', 'user', 'assistant']);
  });

  it('reads prompt/completion and instruction/input/output rows', () => {
    const pc = parseCorpusLine('{"prompt":"2+2?","completion":"4"}');
    expect(pc.ok && pc.row.shape).toBe('prompt-completion');
    const inst = parseCorpusLine('{"instruction":"Translate","input":"hola","output":"hello","split":"train"}');
    expect(inst.ok && inst.row.shape).toBe('instruction');
    expect(inst.ok && inst.row.split).toBe('train');
    expect(inst.ok && promptText(inst.row)).toBe('Translate\nhola');
    expect(inst.ok && rowText(inst.row)).toBe('user: Translate\nuser: hola\nassistant: hello');
  });

  it.each([
    ['{"messages": [', 'parse.invalid-json'],
    ['[1,2]', 'parse.not-an-object'],
    ['"text"', 'parse.not-an-object'],
    ['{"question":"q","answer":"a"}', 'parse.unknown-shape'],
    ['{"messages":[]}', 'parse.empty-messages'],
    ['{"messages":"hi"}', 'parse.invalid-messages'],
    ['{"messages":[{"role":"wizard","content":"x"}]}', 'parse.invalid-role'],
    ['{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":""}]}', 'parse.empty-message'],
    ['{"messages":[{"role":"user","content":"q"}]}', 'parse.no-assistant-turn'],
    ['{"messages":[{"role":"user","content":{"x":1}},{"role":"assistant","content":"a"}]}', 'parse.invalid-content'],
    ['{"prompt":"q","completion":""}', 'parse.empty-field'],
    ['{"prompt":"q","completion":5}', 'parse.invalid-field'],
    ['{"instruction":"","output":"x"}', 'parse.empty-field'],
    ['{"prompt":"q","completion":"a","label":{"x":1}}', 'parse.invalid-field'],
  ])('rejects %s with %s and a reason', (line, rule) => {
    const r = parseCorpusLine(line);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.rule).toBe(rule);
    expect(r.reason.length).toBeGreaterThan(5);
  });
});

describe('templated prompt/completion rows', () => {
  it('marks a prompt rendered in a chat template, so its markers are read as format', () => {
    const hh = parseCorpusLine(JSON.stringify({ prompt: '\n\nHuman: What is 2+2?\n\nAssistant:', completion: ' 4' }));
    expect(hh.ok && hh.row.segments.every((s) => s.templated)).toBe(true);
    const chatml = parseCorpusLine(JSON.stringify({ prompt: '<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n', completion: 'hello<|im_end|>' }));
    expect(chatml.ok && chatml.row.segments.every((s) => s.templated)).toBe(true);
    const plain = parseCorpusLine(JSON.stringify({ prompt: 'What is 2+2? <|im_start|>system', completion: '4' }));
    expect(plain.ok && plain.row.segments.some((s) => s.templated)).toBe(false);
  });
});

describe('parse reasons', () => {
  it('never quote the input of an invalid JSON line (it may hold a secret)', () => {
    const secret = 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
    for (const line of [`{"token": "${secret}`, `{"token": ${secret}}`, `${secret}`]) {
      const r = parseCorpusLine(line);
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.rule).toBe('parse.invalid-json');
      expect(r.reason).not.toContain(secret.slice(0, 12));
      expect(r.reason).not.toContain('a1B2c3');
    }
  });
});
