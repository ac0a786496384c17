import { describe, expect, it } from 'vitest';
import { answerExcerpt, extractJsonObject } from '../../../functions/models/json-answer';

describe('extractJsonObject', () => {
  it('reads a JSON object whole, fenced, or inside prose', () => {
    expect(extractJsonObject('{"label": "a"}')).toEqual({ label: 'a' });
    expect(extractJsonObject('Here:\n```json\n{"winner": "B"}\n```')).toEqual({ winner: 'B' });
    expect(extractJsonObject('I think {"score": 4, "reason": "ok"} is fair.')).toEqual({ score: 4, reason: 'ok' });
  });
  it('returns nothing for arrays, scalars and broken JSON', () => {
    expect(extractJsonObject('[1, 2]')).toBeUndefined();
    expect(extractJsonObject('42')).toBeUndefined();
    expect(extractJsonObject('{"score": ')).toBeUndefined();
  });
  it('quotes a flattened, truncated excerpt', () => {
    expect(answerExcerpt('a\n  b')).toBe('"a b"');
    expect(answerExcerpt('x'.repeat(200), 10)).toBe(`"${'x'.repeat(10)}…"`);
  });
});
