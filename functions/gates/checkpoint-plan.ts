import { seededRandom } from './seeded-random';

/**
 * How a checkpoint is scored: the held-out rows (all, or a seeded sample of the run's sampleSize) and the drift
 * suite's items, split into batches for the state machine's Map states. The plan names items by index, so it stays
 * small whatever the set's size (a Step Functions payload is capped at 256 KB).
 */
export interface GateBatch {
  kind: 'heldout' | 'drift';
  /** Drift batches hold items of one axis. */
  axis?: string;
  /** Batch number within its kind, for the result file's name. */
  batch: number;
  /** Indices into the held-out set or the drift suite. */
  indices: number[];
}

export interface CheckpointPlanInput {
  heldoutCount: number;
  /** Score a seeded sample of this many held-out rows instead of all. */
  heldoutSampleSize?: number;
  seed: number;
  /** The drift suite's items, by index, with their axis. */
  driftAxes: readonly string[];
  /** Axes to score (the run's drift.axes, or all the suite has). */
  axes: readonly string[];
  /** At most this many batches per kind. @default 100 */
  maxBatches?: number;
  /** Items per batch at the least. @default 10 */
  minBatchSize?: number;
}

export function planCheckpoint(input: CheckpointPlanInput): { heldoutBatches: GateBatch[]; driftBatches: GateBatch[] } {
  const maxBatches = input.maxBatches ?? 100;
  const minBatchSize = input.minBatchSize ?? 10;
  let heldout = Array.from({ length: input.heldoutCount }, (_, i) => i);
  if (input.heldoutSampleSize !== undefined && input.heldoutSampleSize < heldout.length) {
    // A seeded shuffle: the same run always scores the same rows.
    heldout = seededRandom(input.seed).shuffle(heldout).slice(0, input.heldoutSampleSize).sort((a, b) => a - b);
  }
  const heldoutBatches = split(heldout, maxBatches, minBatchSize).map((indices, batch) => ({ kind: 'heldout' as const, batch, indices }));

  const byAxis = new Map<string, number[]>();
  input.driftAxes.forEach((axis, index) => {
    if (!input.axes.includes(axis)) return;
    byAxis.set(axis, [...(byAxis.get(axis) ?? []), index]);
  });
  const perAxis = Math.max(1, Math.floor(maxBatches / Math.max(1, byAxis.size)));
  const driftBatches: GateBatch[] = [];
  for (const [axis, indices] of byAxis) {
    for (const part of split(indices, perAxis, minBatchSize)) driftBatches.push({ kind: 'drift', axis, batch: driftBatches.length, indices: part });
  }
  return { heldoutBatches, driftBatches };
}

function split(indices: number[], maxParts: number, minSize: number): number[][] {
  if (indices.length === 0) return [];
  const size = Math.max(minSize, Math.ceil(indices.length / maxParts));
  const parts: number[][] = [];
  for (let i = 0; i < indices.length; i += size) parts.push(indices.slice(i, i + size));
  return parts;
}
