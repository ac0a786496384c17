/**
 * Scores are reported in points, 0–100 (mean rubric score × 100). Differences of points are rounded to 1e-9 before
 * any threshold comparison, so a drop of exactly 1 point is 1 and not 1.0000000000000009 from float summation: the
 * pinned boundaries hold as written.
 */

export function toPoints(meanScore: number): number {
  return roundPoints(meanScore * 100);
}

export function roundPoints(points: number): number {
  // `+ 0` turns −0 into 0: no "drop of -0.00 points".
  return Math.round(points * 1e9) / 1e9 + 0;
}

/** Two decimals for reasons and reports. */
export function formatPoints(points: number): string {
  return (Object.is(points, -0) ? 0 : points).toFixed(2);
}
