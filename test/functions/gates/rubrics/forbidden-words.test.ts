import { describe, expect, it } from 'vitest';
import { score, scoreOf } from './rubric-test-kit';

describe('forbidden-words', () => {
  it('forbids whole words, not parts of words', () => {
    const check = { rubric: 'forbidden-words', words: ['very', 'cold'] };
    expect(scoreOf(check, 'Every winter is colder than the last.')).toBe(1);
    expect(score(check, 'It was VERY cold.')).toEqual({ score: 0, detail: 'uses: very, cold' });
  });
});
