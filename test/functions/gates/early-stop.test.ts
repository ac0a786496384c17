import { describe, expect, it } from 'vitest';
import { earlyStopAdvice, type CheckpointPoint } from '../../../functions/gates/early-stop';

const config = { minDelta: 0.5, patience: 3 };

/** Checkpoints every 100 steps with the given held-out scores and a training loss falling by 0.1 each time. */
function history(scores: (number | undefined)[], loss = (i: number) => 2 - i * 0.1): CheckpointPoint[] {
  return scores.map((heldoutScore, i) => ({ step: (i + 1) * 100, checkpoint: `ckpt-${i + 1}`, heldoutScore, trainingLoss: loss(i) }));
}

describe('earlyStopAdvice', () => {
  it('recommends stopping after `patience` checkpoints without a minDelta gain while the loss falls', () => {
    const advice = earlyStopAdvice(history([60, 65, 65.2, 65.4, 65.1]), config);
    expect(advice).toMatchObject({ recommend: true, stalled: 3, lossFell: true, best: { step: 200, checkpoint: 'ckpt-2', heldoutScore: 65 } });
    expect(advice.reason).toBe('held-out has not improved by 0.50 points for 3 checkpoints since step 200 (65.00 points) while the training loss fell from 1.9 to 1.6');
  });

  it('waits until patience is reached', () => {
    expect(earlyStopAdvice(history([60, 65, 65.2, 65.4]), config)).toMatchObject({ recommend: false, stalled: 2 });
  });

  it('counts a gain of exactly minDelta as an improvement, float residue included', () => {
    expect(earlyStopAdvice(history([60, 60.5, 61, 61.5]), config)).toMatchObject({ recommend: false, stalled: 0, best: { step: 400 } });
    expect(earlyStopAdvice(history([70, 70.1, 70.2, 70.3]), { minDelta: 0.1, patience: 3 })).toMatchObject({ recommend: false, stalled: 0 });
    expect(earlyStopAdvice(history([60, 60.49, 60.4, 60.3]), config)).toMatchObject({ recommend: true, stalled: 3 });
  });

  it('measures gains against the best so far, so a slow creep counts once it adds up to minDelta', () => {
    expect(earlyStopAdvice(history([60, 60.2, 60.4]), config)).toMatchObject({ stalled: 2, best: { step: 100 } });
    expect(earlyStopAdvice(history([60, 60.2, 60.4, 60.6]), config)).toMatchObject({ stalled: 0, best: { step: 400 } });
  });

  it('resets the count on a real improvement', () => {
    expect(earlyStopAdvice(history([60, 60.1, 60.2, 62, 62.1]), config)).toMatchObject({ recommend: false, stalled: 1, best: { step: 400 } });
  });

  it('does not recommend when the training loss has stopped falling too: a plateau, not overfitting', () => {
    const advice = earlyStopAdvice(history([60, 65, 65, 65, 65], () => 1.5), config);
    expect(advice).toMatchObject({ recommend: false, stalled: 3, lossFell: false });
    expect(advice.reason).toMatch(/training loss has not fallen either \(1\.5 → 1\.5\)/);
  });

  it('does not recommend without a training loss at both ends', () => {
    const points = history([60, 65, 65, 65, 65]);
    points[4] = { ...points[4]!, trainingLoss: undefined };
    const advice = earlyStopAdvice(points, config);
    expect(advice.recommend).toBe(false);
    expect(advice.lossFell).toBeUndefined();
    expect(advice.reason).toMatch(/training loss is not reported at steps 200 and 500/);
  });

  it('skips checkpoints without a held-out score', () => {
    expect(earlyStopAdvice(history([60, 65, undefined, 65, undefined, 65]), config)).toMatchObject({ recommend: false, stalled: 2 });
    expect(earlyStopAdvice(history([undefined, undefined]), config)).toEqual({ recommend: false, reason: 'no checkpoint has a held-out score yet', stalled: 0 });
  });

  it('orders the history by step, whatever order it arrives in', () => {
    const points = history([60, 65, 65.2, 65.4, 65.1]);
    expect(earlyStopAdvice([...points].reverse(), config)).toMatchObject({ recommend: true, best: { step: 200 } });
  });

  it('refuses invalid configuration', () => {
    expect(() => earlyStopAdvice([], { minDelta: -1, patience: 3 })).toThrow(RangeError);
    expect(() => earlyStopAdvice([], { minDelta: 1, patience: 0 })).toThrow(RangeError);
  });
});
