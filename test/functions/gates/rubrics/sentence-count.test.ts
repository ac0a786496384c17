import { describe, expect, it } from 'vitest';
import { score, scoreOf } from './rubric-test-kit';

describe('sentence-count', () => {
  it('checks an exact count', () => {
    const exactly3 = { rubric: 'sentence-count', min: 3, max: 3 };
    expect(scoreOf(exactly3, 'Volcanoes are mountains. They erupt. Dr. Lee studies them at 3.5 km.')).toBe(1);
    expect(score(exactly3, 'One. Two.')).toEqual({ score: 0, detail: '2 sentences, fewer than 3' });
    expect(score(exactly3, 'One. Two. Three. Four.')).toEqual({ score: 0, detail: '4 sentences, more than 3' });
  });
});
