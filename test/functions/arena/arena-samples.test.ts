import { describe, expect, it } from 'vitest';
import { drawArenaSamples, parseArenaSamples } from '../../../functions/arena/arena-samples';
import { chatRequestHash } from '../../../functions/models/chat-request-hash';

describe('parseArenaSamples', () => {
  it('reads every corpus shape and bare inputs, dropping a recorded last assistant turn', () => {
    const text = [
      JSON.stringify({ id: 'chat', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'Q1' }, { role: 'assistant', content: 'production answer' }] }),
      JSON.stringify({ messages: [{ role: 'user', content: 'Q2' }] }),
      JSON.stringify({ prompt: 'Q3', completion: 'A3' }),
      '',
      JSON.stringify({ instruction: 'Translate', input: 'hola', output: 'hello' }),
      JSON.stringify({ input: 'Q5' }),
      JSON.stringify({ schemaVersion: 'bedrock-conversation-2024', system: [{ text: 'sys' }], messages: [{ role: 'user', content: [{ text: 'Q6' }] }, { role: 'assistant', content: [{ text: 'A6' }] }] }),
      JSON.stringify({ id: 7, messages: [{ role: 'user', content: 'Q7a' }, { role: 'assistant', content: 'A7a' }, { role: 'user', content: [{ type: 'text', text: 'Q7b' }] }] }),
      JSON.stringify({ input: { system: 'recorded', messages: [{ role: 'user', content: 'Q8' }] }, output: 'recorded answer' }),
    ].join('\n');
    const set = parseArenaSamples(text);
    expect(set.invalid).toEqual([]);
    expect(set.samples.map((s) => [s.id, s.line])).toEqual([
      ['chat', 1],
      ['line-2', 2],
      ['line-3', 3],
      ['line-5', 5],
      ['line-6', 6],
      ['line-7', 7],
      ['7', 8],
      ['line-9', 9],
    ]);
    const inputs = set.samples.map((s) => s.input);
    expect(inputs[0]).toEqual({ system: 'be brief', messages: [{ role: 'user', content: 'Q1' }] });
    expect(inputs[1]).toEqual({ messages: [{ role: 'user', content: 'Q2' }] });
    expect(inputs[2]).toEqual({ messages: [{ role: 'user', content: 'Q3' }] });
    expect(inputs[3]).toEqual({ messages: [{ role: 'user', content: 'Translate\n\nhola' }] });
    expect(inputs[4]).toEqual({ messages: [{ role: 'user', content: 'Q5' }] });
    expect(inputs[5]).toEqual({ system: 'sys', messages: [{ role: 'user', content: 'Q6' }] });
    expect(inputs[6]).toEqual({
      messages: [
        { role: 'user', content: 'Q7a' },
        { role: 'assistant', content: 'A7a' },
        { role: 'user', content: 'Q7b' },
      ],
    });
    expect(inputs[7]).toEqual({ system: 'recorded', messages: [{ role: 'user', content: 'Q8' }] });
    // The input hash is the one replay: recordings and caches key on.
    expect(set.samples[7]!.inputHash).toBe(chatRequestHash({ system: 'recorded', messages: [{ role: 'user', content: 'Q8' }] }));
  });

  it('reports unreadable rows by line with a reason, and keeps a repeated input once', () => {
    const text = [
      '{"broken": ',
      '[1, 2]',
      JSON.stringify({ question: 'no known shape' }),
      JSON.stringify({ messages: [{ role: 'assistant', content: 'only an answer' }] }),
      JSON.stringify({ messages: [{ role: 'narrator', content: 'x' }] }),
      JSON.stringify({ input: '' }),
      JSON.stringify({ prompt: 'same question', completion: 'a' }),
      JSON.stringify({ input: 'same question' }),
      JSON.stringify({ messages: [{ role: 'user', content: 'Q' }, { role: 'assistant', content: 'A' }, { role: 'assistant', content: 'A2' }] }),
      JSON.stringify({ id: { nested: true }, input: 'x' }),
    ].join('\n');
    const set = parseArenaSamples(text);
    expect(set.samples.map((s) => s.line)).toEqual([7, 9]);
    expect(set.duplicates).toEqual([{ line: 8, firstLine: 7 }]);
    expect(set.invalid.map((i) => i.line)).toEqual([1, 2, 3, 4, 5, 6, 10]);
    expect(set.invalid[0]!.reason).toMatch(/invalid JSON/);
    expect(set.invalid[1]!.reason).toMatch(/expected a JSON object, got an array/);
    expect(set.invalid[2]!.reason).toMatch(/no known shape.*question/);
    expect(set.invalid[3]!.reason).toMatch(/no user turn/);
    expect(set.invalid[4]!.reason).toMatch(/"narrator" is not/);
    expect(set.invalid[5]!.reason).toMatch(/"input" is empty/);
    expect(set.invalid[6]!.reason).toMatch(/"id" must be a string or number/);
    // Two assistant turns in a row are one turn: dropped together.
    expect(set.samples[1]!.input.messages).toEqual([{ role: 'user', content: 'Q' }]);
  });
});

describe('drawArenaSamples', () => {
  const set = parseArenaSamples(Array.from({ length: 50 }, (_, i) => JSON.stringify({ input: `question ${i}` })).join('\n'));

  it('draws n distinct inputs, reproducibly from the seed', () => {
    const a = drawArenaSamples(set.samples, 20, 1);
    expect(a).toMatchObject({ seed: 1, requested: 20, available: 50 });
    expect(a.samples).toHaveLength(20);
    expect(new Set(a.samples.map((s) => s.inputHash)).size).toBe(20);
    expect(drawArenaSamples(set.samples, 20, 1).samples.map((s) => s.id)).toEqual(a.samples.map((s) => s.id));
    expect(drawArenaSamples(set.samples, 20, 2).samples.map((s) => s.id)).not.toEqual(a.samples.map((s) => s.id));
    // Not simply the file's first rows.
    expect(a.samples.map((s) => s.line)).not.toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('keeps the first n when extended with the same seed', () => {
    const small = drawArenaSamples(set.samples, 10, 3).samples.map((s) => s.id);
    const large = drawArenaSamples(set.samples, 30, 3).samples.map((s) => s.id);
    expect(large.slice(0, 10)).toEqual(small);
  });

  it('gives every input when n exceeds them, and refuses a non-positive n', () => {
    expect(drawArenaSamples(set.samples, 80, 1).samples).toHaveLength(50);
    expect(() => drawArenaSamples(set.samples, 0, 1)).toThrow(/positive integer/);
  });
});
