/** Word count within inclusive bounds (countWords decides what a word is). */
import { countWords } from './answer-text';
import { countBoundsParams, outsideBounds, type CountBounds } from './count-bounds';
import { passFail, type DeterministicRubric } from './rubric';

export const wordCount: DeterministicRubric<CountBounds> = {
  id: 'word-count',
  version: '1',
  kind: 'deterministic',
  description: 'the number of words is within bounds',
  params: countBoundsParams,
  score(input, bounds) {
    const why = outsideBounds(countWords(input.answer), bounds, 'words');
    return passFail(why === undefined, why);
  },
};
