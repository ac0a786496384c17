import { describe, expect, it } from 'vitest';
import { trialStopAdvice, type TrialHistory } from '../../../functions/gates/trial-stop';

const study: TrialHistory[] = [
  { runId: 'trial-a', history: [{ step: 100, heldoutScore: 60 }, { step: 200, heldoutScore: 70 }, { step: 300, heldoutScore: 72 }] },
  { runId: 'trial-b', history: [{ step: 100, heldoutScore: 62 }, { step: 250, heldoutScore: 66 }] },
  { runId: 'trial-c', history: [{ step: 200, heldoutScore: 50 }] },
];

describe('trialStopAdvice', () => {
  it("recommends stopping a trial trailing the study's best at the same step by more than the margin", () => {
    const advice = trialStopAdvice({ runId: 'trial-c', step: 200, heldoutScore: 50 }, study, { margin: 5 });
    expect(advice).toMatchObject({ recommend: true, gapPoints: 20, leader: { runId: 'trial-a', step: 200, heldoutScore: 70 } });
    expect(advice.reason).toBe('trial-c trails trial-a by 20.00 points at step 200, more than the 5.00-point margin');
  });

  it('does not stop a trial trailing by exactly the margin, and stops one just past it', () => {
    expect(trialStopAdvice({ runId: 'trial-c', step: 200, heldoutScore: 65 }, study, { margin: 5 })).toMatchObject({ recommend: false, gapPoints: 5 });
    expect(trialStopAdvice({ runId: 'trial-c', step: 200, heldoutScore: 64.99 }, study, { margin: 5 })).toMatchObject({ recommend: true, gapPoints: 5.01 });
  });

  it('reads the other trials at their nearest earlier step', () => {
    // At step 240: trial-a at 200 (70), trial-b at 100 (62).
    const advice = trialStopAdvice({ runId: 'trial-c', step: 240, heldoutScore: 60 }, study, { margin: 5 });
    expect(advice).toMatchObject({ recommend: true, leader: { runId: 'trial-a', step: 200, heldoutScore: 70 } });
    expect(advice.reason).toMatch(/at step 200 \(its nearest to 240\)/);
    // trial-a's later, better checkpoint at 300 is not yet comparable at 260.
    expect(trialStopAdvice({ runId: 'trial-b', step: 260, heldoutScore: 66 }, study, { margin: 5 })).toMatchObject({ recommend: false, gapPoints: 4 });
  });

  it('leaves the trial itself and checkpoints without a score out of the comparison', () => {
    const own: TrialHistory[] = [
      { runId: 'trial-a', history: [{ step: 100, heldoutScore: 99 }] },
      { runId: 'trial-b', history: [{ step: 100, heldoutScore: 61 }, { step: 150, heldoutScore: undefined }] },
    ];
    expect(trialStopAdvice({ runId: 'trial-a', step: 200, heldoutScore: 60 }, own, { margin: 5 })).toMatchObject({ recommend: false, gapPoints: 1, leader: { runId: 'trial-b', step: 100 } });
  });

  it('does not recommend without a comparison or without its own score', () => {
    expect(trialStopAdvice({ runId: 'trial-a', step: 50, heldoutScore: 1 }, study, { margin: 5 })).toEqual({
      recommend: false,
      reason: 'no other trial of the study has a held-out score at or before step 50',
    });
    expect(trialStopAdvice({ runId: 'solo', step: 100, heldoutScore: 1 }, [], { margin: 5 }).recommend).toBe(false);
    expect(trialStopAdvice({ runId: 'trial-c', step: 200, heldoutScore: undefined }, study, { margin: 5 })).toEqual({
      recommend: false,
      reason: 'trial-c has no held-out score at step 200',
    });
  });

  it('refuses a negative margin', () => {
    expect(() => trialStopAdvice({ runId: 'x', step: 1, heldoutScore: 1 }, study, { margin: -1 })).toThrow(RangeError);
  });
});
