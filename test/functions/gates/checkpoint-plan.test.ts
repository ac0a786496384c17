import { describe, expect, it } from 'vitest';
import { planCheckpoint } from '../../../functions/gates/checkpoint-plan';

describe('planCheckpoint', () => {
  const driftAxes = [...Array(48).fill('arithmetic'), ...Array(48).fill('format'), ...Array(48).fill('refusal')];

  it('covers every held-out row and every item of the chosen axes exactly once', () => {
    const plan = planCheckpoint({ heldoutCount: 1234, seed: 1, driftAxes, axes: ['arithmetic', 'refusal'] });
    const heldout = plan.heldoutBatches.flatMap((b) => b.indices);
    expect(heldout).toEqual(Array.from({ length: 1234 }, (_, i) => i));
    expect(plan.heldoutBatches.length).toBeLessThanOrEqual(100);
    const drift = plan.driftBatches.flatMap((b) => b.indices.map((i) => [b.axis, driftAxes[i]]));
    expect(drift).toHaveLength(96);
    expect(drift.every(([batchAxis, itemAxis]) => batchAxis === itemAxis)).toBe(true);
    expect(new Set(plan.driftBatches.map((b) => b.axis))).toEqual(new Set(['arithmetic', 'refusal']));
  });

  it('samples the held-out set with the run seed, the same way every time', () => {
    const a = planCheckpoint({ heldoutCount: 1000, heldoutSampleSize: 50, seed: 7, driftAxes, axes: [] });
    const b = planCheckpoint({ heldoutCount: 1000, heldoutSampleSize: 50, seed: 7, driftAxes, axes: [] });
    const c = planCheckpoint({ heldoutCount: 1000, heldoutSampleSize: 50, seed: 8, driftAxes, axes: [] });
    const rows = (p: typeof a) => p.heldoutBatches.flatMap((x) => x.indices);
    expect(rows(a)).toHaveLength(50);
    expect(new Set(rows(a)).size).toBe(50);
    expect(rows(a)).toEqual(rows(b));
    expect(rows(a)).not.toEqual(rows(c));
    expect(a.driftBatches).toEqual([]);
  });

  it('keeps batches of at least the minimum size and numbers them', () => {
    const plan = planCheckpoint({ heldoutCount: 25, seed: 1, driftAxes, axes: ['format'], minBatchSize: 10 });
    expect(plan.heldoutBatches.map((b) => b.indices.length)).toEqual([10, 10, 5]);
    expect(plan.heldoutBatches.map((b) => b.batch)).toEqual([0, 1, 2]);
  });
});
