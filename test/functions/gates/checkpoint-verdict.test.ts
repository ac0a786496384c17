import { describe, expect, it } from 'vitest';
import { checkpointVerdict, type CheckpointVerdictInput } from '../../../functions/gates/checkpoint-verdict';
import type { DriftAxisResult } from '../../../functions/gates/drift-decision';
import type { HeldoutScore } from '../../../functions/gates/heldout-score';

const heldout = (over: Partial<HeldoutScore> = {}): HeldoutScore => ({
  n: 100,
  scored: 100,
  errors: 0,
  errorRate: 0,
  points: 72.5,
  interval: { lower: 64, upper: 81 },
  topErrors: [],
  ...over,
});

const axis = (name: string, verdict: DriftAxisResult['verdict'], over: Partial<DriftAxisResult> = {}): DriftAxisResult => ({
  axis: name,
  verdict,
  reasons: [`${name}: ${verdict.toLowerCase()} reason`],
  n: 48,
  scored: 48,
  errors: 0,
  baseErrors: 0,
  candidateErrors: 0,
  errorRate: 0,
  ...over,
});

const AXES = ['arithmetic', 'format', 'multi_turn', 'refusal'];

function input(over: Partial<CheckpointVerdictInput> = {}): CheckpointVerdictInput {
  return {
    heldout: heldout(),
    drift: AXES.map((a) => axis(a, 'PASS')),
    requiredAxes: AXES,
    maxErrorRate: 0.05,
    checkpoint: { final: true },
    ...over,
  };
}

describe('checkpointVerdict', () => {
  it('passes and promotes a final checkpoint when everything passes', () => {
    const v = checkpointVerdict(input());
    expect(v).toMatchObject({ verdict: 'PASS', promote: true, items: 292, errors: 0, errorRate: 0 });
    expect(v.reasons[0]).toBe('held-out: 72.50 points, 95% CI [64.00, 81.00] over 100 items (0 errors)');
    expect(v.reasons).toContain('refusal: pass reason');
  });

  it('promotes only a checkpoint that asks for it: final, or an explicit promote flag', () => {
    expect(checkpointVerdict(input({ checkpoint: { final: false } })).promote).toBe(false);
    expect(checkpointVerdict(input({ checkpoint: { final: false, promote: true } })).promote).toBe(true);
    expect(checkpointVerdict(input({ checkpoint: { final: true, promote: false } })).promote).toBe(false);
  });

  it('warns when an axis warns, with its advice, and promotes a WARN only when configured', () => {
    const drift = AXES.map((a) => axis(a, a === 'format' ? 'WARN' : 'PASS', a === 'format' ? { advice: 'rerun with another seed' } : {}));
    const v = checkpointVerdict(input({ drift }));
    expect(v).toMatchObject({ verdict: 'WARN', promote: false });
    expect(v.reasons).toContain('WARN: format: warn reason (rerun with another seed)');
    expect(checkpointVerdict(input({ drift, promoteOn: ['PASS', 'WARN'] })).promote).toBe(true);
  });

  it('fails when any axis fails, whatever the held-out gains, and over an inconclusive axis', () => {
    const drift = [axis('arithmetic', 'FAIL'), axis('format', 'INCONCLUSIVE'), axis('multi_turn', 'WARN'), axis('refusal', 'PASS')];
    const v = checkpointVerdict(input({ heldout: heldout({ points: 99 }), drift, promoteOn: ['PASS', 'WARN'] }));
    expect(v).toMatchObject({ verdict: 'FAIL', promote: false });
    expect(v.reasons).toEqual(expect.arrayContaining(['FAIL: arithmetic: fail reason', 'INCONCLUSIVE: format: inconclusive reason']));
  });

  it('is INCONCLUSIVE, never PASS, without a held-out result or with an empty one', () => {
    expect(checkpointVerdict(input({ heldout: undefined }))).toMatchObject({ verdict: 'INCONCLUSIVE', promote: false, reasons: expect.arrayContaining(['INCONCLUSIVE: no held-out result']) });
    expect(checkpointVerdict(input({ heldout: heldout({ n: 0, scored: 0, errors: 0, points: undefined }) })).verdict).toBe('INCONCLUSIVE');
    expect(checkpointVerdict(input({ heldout: heldout({ points: undefined }) })).verdict).toBe('INCONCLUSIVE');
  });

  it('is INCONCLUSIVE when the held-out errors exceed the budget, and not at exactly the budget', () => {
    const over = checkpointVerdict(input({ heldout: heldout({ n: 100, scored: 94, errors: 6 }) }));
    expect(over.verdict).toBe('INCONCLUSIVE');
    expect(over.reasons).toContain('INCONCLUSIVE: held-out: 6 of 100 items errored (6.0%), above the 5.0% error budget');
    expect(checkpointVerdict(input({ heldout: heldout({ n: 100, scored: 95, errors: 5 }) })).verdict).toBe('PASS');
  });

  it('is INCONCLUSIVE with too few scored held-out items', () => {
    const v = checkpointVerdict(input({ heldout: heldout({ n: 19, scored: 19 }) }));
    expect(v.verdict).toBe('INCONCLUSIVE');
    expect(v.reasons).toContain('INCONCLUSIVE: held-out: 19 item(s) scored, fewer than the 20 needed');
    expect(checkpointVerdict(input({ heldout: heldout({ n: 19, scored: 19 }), minHeldoutScored: 10 })).verdict).toBe('PASS');
  });

  it('fails a held-out score below its floor, and passes one exactly at it', () => {
    expect(checkpointVerdict(input({ heldoutFloorPoints: 72.51 })).verdict).toBe('FAIL');
    expect(checkpointVerdict(input({ heldoutFloorPoints: 72.5 })).verdict).toBe('PASS');
  });

  it('is INCONCLUSIVE when a required axis is missing, or no axis was scored', () => {
    const v = checkpointVerdict(input({ drift: AXES.slice(1).map((a) => axis(a, 'PASS')) }));
    expect(v.verdict).toBe('INCONCLUSIVE');
    expect(v.reasons).toContain('INCONCLUSIVE: drift axis arithmetic has no result');
    expect(checkpointVerdict(input({ drift: [], requiredAxes: [] })).reasons).toContain('INCONCLUSIVE: no drift axis was scored');
  });

  it('counts an extra axis (a domain axis) like the others', () => {
    const drift = [...AXES.map((a) => axis(a, 'PASS')), axis('domain', 'FAIL')];
    expect(checkpointVerdict(input({ drift })).verdict).toBe('FAIL');
  });

  it("holds each axis to the run's error budget, whatever budget it was decided under", () => {
    const drift = AXES.map((a) => axis(a, 'PASS', a === 'refusal' ? { scored: 45, errors: 3 } : {}));
    const v = checkpointVerdict(input({ drift }));
    expect(v).toMatchObject({ verdict: 'INCONCLUSIVE', promote: false, errors: 3, items: 292 });
    expect(v.reasons).toContain('INCONCLUSIVE: drift axis refusal: 3 of 48 items errored (6.3%), above the 5.0% error budget');
    const atBudget = AXES.map((a) => axis(a, 'PASS', { scored: 46, errors: 2 }));
    expect(checkpointVerdict(input({ drift: atBudget, heldout: heldout({ scored: 95, errors: 5 }) }))).toMatchObject({ verdict: 'PASS', errors: 13, items: 292 });
  });

  it('fails closed on inputs it cannot read', () => {
    expect(checkpointVerdict(input({ heldout: heldout({ n: 100, scored: 90, errors: 0 }) })).verdict).toBe('INCONCLUSIVE');
    expect(checkpointVerdict(input({ drift: [...AXES.map((a) => axis(a, 'PASS')), axis('format', 'PASS')] })).reasons).toContain('INCONCLUSIVE: drift axis format reported twice');
    expect(checkpointVerdict(input({ drift: AXES.map((a) => axis(a, 'OK' as never)) })).verdict).toBe('INCONCLUSIVE');
    expect(checkpointVerdict(input({ maxErrorRate: Number.NaN })).verdict).toBe('INCONCLUSIVE');
    expect(checkpointVerdict(input({ promoteOn: ['FAIL' as never] }))).toMatchObject({ verdict: 'INCONCLUSIVE', promote: false });
    const crashed = checkpointVerdict({ ...input(), drift: null as never });
    expect(crashed).toMatchObject({ verdict: 'INCONCLUSIVE', promote: false });
    expect(crashed.reasons[0]).toMatch(/^the verdict could not be computed: /);
  });
});
