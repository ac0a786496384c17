import { describe, expect, it } from 'vitest';
import { parseHeldoutSet } from '../../../functions/gates/heldout-set';

describe('parseHeldoutSet', () => {
  it('takes the last assistant turn as the reference in every corpus shape, and reports unusable rows by line', () => {
    const text = [
      JSON.stringify({ id: 'a', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'Q1' }, { role: 'assistant', content: 'A1' }] }),
      JSON.stringify({ prompt: 'Q2', completion: 'A2', context: 'doc' }),
      '',
      JSON.stringify({ instruction: 'Translate', input: 'hola', output: 'hello' }),
      '{"broken": ',
      JSON.stringify({ prompt: '', completion: 'no question' }),
    ].join('\n');
    const set = parseHeldoutSet(text);
    expect(set.items.map((i) => [i.id, i.reference])).toEqual([
      ['a', 'A1'],
      ['line-2', 'A2'],
      ['line-4', 'hello'],
    ]);
    expect(set.items[0]!.messages).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'Q1' },
    ]);
    expect(set.items[1]!.context).toBe('doc');
    expect(set.invalid.map((i) => i.line)).toEqual([5, 6]);
  });
});
