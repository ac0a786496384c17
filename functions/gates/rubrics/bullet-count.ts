/** Markdown bullet count within inclusive bounds (countBullets decides what a bullet is). */
import { countBullets } from './answer-text';
import { countBoundsParams, outsideBounds, type CountBounds } from './count-bounds';
import { passFail, type DeterministicRubric } from './rubric';

export const bulletCount: DeterministicRubric<CountBounds> = {
  id: 'bullet-count',
  version: '1',
  kind: 'deterministic',
  description: 'the number of Markdown bullet points is within bounds',
  params: countBoundsParams,
  score(input, bounds) {
    const why = outsideBounds(countBullets(input.answer), bounds, 'bullets');
    return passFail(why === undefined, why);
  },
};
