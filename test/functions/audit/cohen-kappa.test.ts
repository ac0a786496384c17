import { describe, expect, it } from 'vitest';
import { cohensKappa, cohensKappaFromMatrix } from '../../../functions/audit/cohen-kappa';

describe('cohensKappaFromMatrix', () => {
  it('matches the textbook example: 50 grant proposals read by two readers', () => {
    // Both yes 20, A yes/B no 5, A no/B yes 10, both no 15: p_o = 0.7, p_e = 0.5·0.6 + 0.5·0.4 = 0.5, κ = 0.4.
    const r = cohensKappaFromMatrix([
      [20, 5],
      [10, 15],
    ]);
    expect(r.n).toBe(50);
    expect(r.observedAgreement).toBeCloseTo(0.7, 12);
    expect(r.expectedAgreement).toBeCloseTo(0.5, 12);
    expect(r.kappa).toBeCloseTo(0.4, 12);
  });

  it('gives different kappas for the same raw agreement when the marginals differ', () => {
    // Both tables agree on 60 of 100 items.
    expect(cohensKappaFromMatrix([[45, 15], [25, 15]]).kappa).toBeCloseTo(0.1304, 4);
    expect(cohensKappaFromMatrix([[25, 35], [5, 35]]).kappa).toBeCloseTo(0.2593, 4);
  });

  it('is 1 for perfect agreement, 0 at chance and negative below it', () => {
    expect(cohensKappaFromMatrix([[10, 0, 0], [0, 5, 0], [0, 0, 7]]).kappa).toBeCloseTo(1, 12);
    expect(cohensKappaFromMatrix([[25, 25], [25, 25]]).kappa).toBeCloseTo(0, 12);
    expect(cohensKappaFromMatrix([[0, 10], [10, 0]]).kappa).toBeCloseTo(-1, 12);
  });

  it('is undefined (null) when chance explains everything or there is nothing to compare', () => {
    expect(cohensKappaFromMatrix([[12, 0], [0, 0]]).kappa).toBeNull();
    expect(cohensKappaFromMatrix([[0, 0], [0, 0]]).kappa).toBeNull();
  });

  it('rejects malformed matrices', () => {
    expect(() => cohensKappaFromMatrix([[1, 2], [3]])).toThrow(/square/);
    expect(() => cohensKappaFromMatrix([[1, -2], [3, 4]])).toThrow(/non-negative/);
  });
});

describe('cohensKappa', () => {
  it('builds the confusion matrix from two label sequences', () => {
    const a = [...Array(20).fill('yes'), ...Array(5).fill('yes'), ...Array(10).fill('no'), ...Array(15).fill('no')];
    const b = [...Array(20).fill('yes'), ...Array(5).fill('no'), ...Array(10).fill('yes'), ...Array(15).fill('no')];
    expect(cohensKappa(a, b).kappa).toBeCloseTo(0.4, 12);
  });

  it('counts labels only one rater used', () => {
    // A uses x/y, B also uses z: p_o = 2/4, p_e = (2/4·1/4) + (2/4·1/4) + 0 = 0.25 → κ = 1/3.
    expect(cohensKappa(['x', 'x', 'y', 'y'], ['x', 'z', 'y', 'z']).kappa).toBeCloseTo(1 / 3, 12);
  });

  it('requires parallel sequences', () => {
    expect(() => cohensKappa(['a'], ['a', 'b'])).toThrow(RangeError);
  });
});
