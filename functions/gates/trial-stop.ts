/**
 * Trial-stop advice for sweeps: a trial whose held-out score trails the study's best at the same step by more than
 * the margin (in points) is recommended to stop. Each other trial of the study is read at the same step or, when it
 * has no scored checkpoint there, at its nearest earlier scored one; a trial with nothing at or before the step does
 * not count. A gap of exactly the margin does not stop a trial.
 */
import { formatPoints, roundPoints } from './points';

export interface TrialPoint {
  step: number;
  heldoutScore?: number | undefined;
}

export interface TrialHistory {
  runId: string;
  history: readonly TrialPoint[];
}

export interface TrialStopAdvice {
  recommend: boolean;
  reason: string;
  /** best − trial, in points (positive when the trial trails). */
  gapPoints?: number;
  leader?: { runId: string; step: number; heldoutScore: number };
}

export function trialStopAdvice(trial: { runId: string; step: number; heldoutScore?: number | undefined }, study: readonly TrialHistory[], config: { margin: number }): TrialStopAdvice {
  if (!Number.isFinite(config.margin) || config.margin < 0) throw new RangeError(`margin must be a non-negative number, got ${config.margin}`);
  const score = trial.heldoutScore;
  if (typeof score !== 'number' || !Number.isFinite(score)) return { recommend: false, reason: `${trial.runId} has no held-out score at step ${trial.step}` };

  let leader: TrialStopAdvice['leader'];
  const others = [...study].filter((t) => t.runId !== trial.runId).sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0));
  for (const other of others) {
    let at: { step: number; heldoutScore: number } | undefined;
    for (const p of other.history) {
      if (p.step > trial.step || typeof p.heldoutScore !== 'number' || !Number.isFinite(p.heldoutScore)) continue;
      // The nearest earlier step; at equal steps the later record wins (a re-scored checkpoint).
      if (at === undefined || p.step >= at.step) at = { step: p.step, heldoutScore: p.heldoutScore };
    }
    if (at !== undefined && (leader === undefined || at.heldoutScore > leader.heldoutScore)) leader = { runId: other.runId, ...at };
  }
  if (leader === undefined) return { recommend: false, reason: `no other trial of the study has a held-out score at or before step ${trial.step}` };

  const gapPoints = roundPoints(leader.heldoutScore - score);
  const recommend = gapPoints > config.margin;
  const where = leader.step === trial.step ? `at step ${trial.step}` : `at step ${leader.step} (its nearest to ${trial.step})`;
  const reason = recommend
    ? `${trial.runId} trails ${leader.runId} by ${formatPoints(gapPoints)} points ${where}, more than the ${formatPoints(config.margin)}-point margin`
    : `${trial.runId} is within ${formatPoints(config.margin)} points of the study's best (${leader.runId}, ${formatPoints(leader.heldoutScore)} points ${where})`;
  return { recommend, reason, gapPoints, leader };
}
