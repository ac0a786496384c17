import { describe, expect, it } from 'vitest';
import { answerTokens, containsPhrase, countBullets, countSentences, countWords, normalizeAnswer } from '../../../../functions/gates/rubrics/answer-text';

describe('normalizeAnswer', () => {
  it('drops case, punctuation, articles and extra spaces', () => {
    expect(normalizeAnswer('  The Eiffel   Tower! ')).toBe('eiffel tower');
    expect(normalizeAnswer('an apple, a pear')).toBe('apple pear');
  });

  it('keeps articles inside words and folds full-width forms', () => {
    expect(normalizeAnswer('Theatre')).toBe('theatre');
    expect(normalizeAnswer('ＡＢＣ１２３')).toBe('abc123');
  });
});

describe('answerTokens', () => {
  it('splits unspaced scripts into characters', () => {
    expect(answerTokens('東京タワー is tall')).toEqual(['東', '京', 'タ', 'ワ', 'ー', 'is', 'tall']);
    expect(answerTokens('...')).toEqual([]);
  });
});

describe('countWords', () => {
  it('counts words as a reader does', () => {
    expect(countWords('Hello, world!')).toBe(2);
    expect(countWords("Don't split well-known words; 3.5 is one, 1,000 too.")).toBe(9);
    expect(countWords('  ')).toBe(0);
    expect(countWords('- one\n- two')).toBe(2);
  });

  it('counts each character of an unspaced script', () => {
    expect(countWords('我爱你')).toBe(3);
    expect(countWords('Tokyo東京')).toBe(3);
  });
});

describe('countSentences', () => {
  it('counts sentences ended by . ! ? and the end of the text', () => {
    expect(countSentences('One. Two! Three? Four')).toBe(4);
    expect(countSentences('Wait... what?! Really.')).toBe(3);
    expect(countSentences('')).toBe(0);
  });

  it('does not end a sentence at decimals, abbreviations or inner initialism dots', () => {
    expect(countSentences('Pi is about 3.14 and e is 2.72.')).toBe(1);
    expect(countSentences('Dr. Smith met Mr. Jones, e.g. at noon.')).toBe(1);
    expect(countSentences('The U.S. economy grew. Prices fell.')).toBe(2);
    expect(countSentences('Visit example.com today.')).toBe(1);
  });

  it('ends a sentence at a line break and at CJK full stops', () => {
    expect(countSentences('- first point\n- second point')).toBe(2);
    expect(countSentences('1. Apples are red.\n2. Bananas are yellow. They bend.')).toBe(3);
    expect(countSentences('今天很好。明天也好。')).toBe(2);
  });
});

describe('countBullets', () => {
  it('counts -, *, + and • items, nested ones too, but not numbered items or rules', () => {
    expect(countBullets('- a\n* b\n+ c\n• d\n  - nested\n1. numbered\n---\n-not a bullet')).toBe(5);
  });
});

describe('containsPhrase', () => {
  it('matches whole words only, case-insensitively by default', () => {
    expect(containsPhrase('A cat sat.', 'cat')).toBe(true);
    expect(containsPhrase('A category.', 'cat')).toBe(false);
    expect(containsPhrase('A CAT sat.', 'cat')).toBe(true);
    expect(containsPhrase('A CAT sat.', 'cat', true)).toBe(false);
  });

  it('matches phrases across any whitespace and treats regex characters literally', () => {
    expect(containsPhrase('new\n  york city', 'New York')).toBe(true);
    expect(containsPhrase('we use C++ daily', 'C++')).toBe(true);
    expect(containsPhrase('cost is 5', 'c.st')).toBe(false);
    expect(containsPhrase('anything', '  ')).toBe(false);
  });
});
