/** Sentence count within inclusive bounds (countSentences decides what a sentence is). */
import { countSentences } from './answer-text';
import { countBoundsParams, outsideBounds, type CountBounds } from './count-bounds';
import { passFail, type DeterministicRubric } from './rubric';

export const sentenceCount: DeterministicRubric<CountBounds> = {
  id: 'sentence-count',
  version: '1',
  kind: 'deterministic',
  description: 'the number of sentences is within bounds',
  params: countBoundsParams,
  score(input, bounds) {
    const why = outsideBounds(countSentences(input.answer), bounds, 'sentences');
    return passFail(why === undefined, why);
  },
};
