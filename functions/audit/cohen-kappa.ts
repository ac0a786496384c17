/**
 * Cohen's kappa: agreement between two raters over categorical labels, corrected for the agreement their label
 * frequencies alone would produce. κ = (p_o − p_e) / (1 − p_e).
 */

export interface KappaResult {
  /** Items both raters labelled. */
  n: number;
  /** Observed agreement p_o. */
  observedAgreement: number;
  /** Agreement expected by chance from the two raters' marginals, p_e. */
  expectedAgreement: number;
  /** null when undefined: no items, or both raters always give the one same label (p_e = 1). */
  kappa: number | null;
}

/** Kappa from a square confusion matrix, rows = rater A's label, columns = rater B's. */
export function cohensKappaFromMatrix(matrix: readonly (readonly number[])[]): KappaResult {
  const k = matrix.length;
  const rowSums = new Array<number>(k).fill(0);
  const colSums = new Array<number>(k).fill(0);
  let n = 0;
  let agree = 0;
  for (let i = 0; i < k; i++) {
    const row = matrix[i]!;
    if (row.length !== k) throw new RangeError('confusion matrix must be square');
    for (let j = 0; j < k; j++) {
      const v = row[j]!;
      if (!(v >= 0)) throw new RangeError(`confusion matrix cell [${i}][${j}] must be a non-negative count, got ${v}`);
      rowSums[i]! += v;
      colSums[j]! += v;
      n += v;
      if (i === j) agree += v;
    }
  }
  if (n === 0) return { n: 0, observedAgreement: 0, expectedAgreement: 0, kappa: null };
  let expected = 0;
  for (let i = 0; i < k; i++) expected += (rowSums[i]! / n) * (colSums[i]! / n);
  const observed = agree / n;
  // p_e = 1 only when both raters use one and the same label throughout: chance explains everything, κ is 0/0.
  const kappa = 1 - expected < 1e-12 ? null : (observed - expected) / (1 - expected);
  return { n, observedAgreement: observed, expectedAgreement: expected, kappa };
}

/** Kappa between two parallel label sequences (any comparable values: strings, class ids). */
export function cohensKappa<T>(raterA: readonly T[], raterB: readonly T[]): KappaResult {
  if (raterA.length !== raterB.length) throw new RangeError(`raters labelled ${raterA.length} and ${raterB.length} items`);
  const ids = new Map<T, number>();
  const id = (v: T): number => {
    let i = ids.get(v);
    if (i === undefined) ids.set(v, (i = ids.size));
    return i;
  };
  const pairs = raterA.map((a, i) => [id(a), id(raterB[i]!)] as const);
  const matrix = Array.from({ length: ids.size }, () => new Array<number>(ids.size).fill(0));
  for (const [a, b] of pairs) matrix[a]![b]!++;
  return cohensKappaFromMatrix(matrix);
}
