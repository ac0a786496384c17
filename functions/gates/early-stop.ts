/**
 * Early-stop advice from a run's checkpoint history: recommend stopping when the held-out score has improved by less
 * than minDelta points over the best so far for `patience` consecutive checkpoints while the training loss kept
 * falling: the model is fitting the training set and no longer getting better at the task.
 *
 * As in the usual early-stopping rule, gains are measured against the last checkpoint that improved by at least
 * minDelta (the best so far), so small gains count only once they add up to minDelta. An improvement of
 * exactly minDelta is an improvement. Checkpoints without a held-out score (an INCONCLUSIVE gate) are skipped: they
 * neither extend nor break the plateau. Without a training loss at both ends there is no recommendation.
 */
import { formatPoints, roundPoints } from './points';

export interface CheckpointPoint {
  step: number;
  checkpoint?: string;
  /** Held-out score in points. */
  heldoutScore?: number | undefined;
  trainingLoss?: number | undefined;
}

export interface EarlyStopConfig {
  /** Smallest held-out gain, in points, that counts as an improvement. */
  minDelta: number;
  /** Consecutive checkpoints without such a gain before stopping is recommended. */
  patience: number;
}

export interface EarlyStopAdvice {
  recommend: boolean;
  reason: string;
  /** The reference checkpoint: the last one that improved by at least minDelta. */
  best?: { step: number; checkpoint?: string; heldoutScore: number };
  /** Consecutive scored checkpoints since `best` without an improvement of minDelta. */
  stalled: number;
  /** Whether the training loss fell from `best` to the latest checkpoint; undefined when either is missing. */
  lossFell?: boolean;
}

export function earlyStopAdvice(history: readonly CheckpointPoint[], config: EarlyStopConfig): EarlyStopAdvice {
  if (!Number.isFinite(config.minDelta) || config.minDelta < 0) throw new RangeError(`minDelta must be a non-negative number, got ${config.minDelta}`);
  if (!Number.isInteger(config.patience) || config.patience < 1) throw new RangeError(`patience must be a positive integer, got ${config.patience}`);

  const scored = history
    .map((point, order) => ({ point, order }))
    .filter(({ point }) => typeof point.heldoutScore === 'number' && Number.isFinite(point.heldoutScore))
    .sort((a, b) => a.point.step - b.point.step || a.order - b.order)
    .map(({ point }) => point);
  if (scored.length === 0) return { recommend: false, reason: 'no checkpoint has a held-out score yet', stalled: 0 };

  let best = scored[0]!;
  let stalled = 0;
  for (const point of scored.slice(1)) {
    if (roundPoints(point.heldoutScore! - best.heldoutScore!) >= config.minDelta) {
      best = point;
      stalled = 0;
    } else stalled++;
  }
  const latest = scored[scored.length - 1]!;
  const bestSummary = { step: best.step, heldoutScore: best.heldoutScore!, ...(best.checkpoint === undefined ? {} : { checkpoint: best.checkpoint }) };
  const advice: EarlyStopAdvice = { recommend: false, reason: '', best: bestSummary, stalled };

  if (stalled < config.patience) {
    advice.reason = `held-out improved by at least ${formatPoints(config.minDelta)} points within the last ${config.patience} checkpoint(s) (${stalled} without since step ${best.step})`;
    return advice;
  }
  const from = best.trainingLoss;
  const to = latest.trainingLoss;
  if (typeof from !== 'number' || typeof to !== 'number' || !Number.isFinite(from) || !Number.isFinite(to)) {
    advice.reason = `held-out has not improved by ${formatPoints(config.minDelta)} points for ${stalled} checkpoints, but the training loss is not reported at steps ${best.step} and ${latest.step}`;
    return advice;
  }
  advice.lossFell = to < from;
  if (!advice.lossFell) {
    advice.reason = `held-out has not improved by ${formatPoints(config.minDelta)} points for ${stalled} checkpoints, but the training loss has not fallen either (${from} → ${to}): training has plateaued, not overfitted`;
    return advice;
  }
  advice.recommend = true;
  advice.reason = `held-out has not improved by ${formatPoints(config.minDelta)} points for ${stalled} checkpoints since step ${best.step} (${formatPoints(best.heldoutScore!)} points) while the training loss fell from ${from} to ${to}`;
  return advice;
}
