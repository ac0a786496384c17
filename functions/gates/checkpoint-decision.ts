import type { RunConfig } from '../runs/run-config';
import type { CheckpointHistoryEntry } from '../runs/run-record';
import { checkpointVerdict, type CheckpointVerdict } from './checkpoint-verdict';
import { decideDriftAxis, type DriftAxisResult } from './drift-decision';
import { earlyStopAdvice, type EarlyStopAdvice } from './early-stop';
import { heldoutScore, type HeldoutScore } from './heldout-score';
import type { ItemResult } from './score-items';
import { trialStopAdvice, type TrialStopAdvice } from './trial-stop';

/**
 * The checkpoint gate's decision, a pure function of the per-item results, the pinned configuration and the
 * run's (and its study's) history: held-out score, per-axis drift with paired-bootstrap intervals, the verdict, and
 * the early-stop and trial-stop recommendations.
 */

export interface CheckpointIdentity {
  runId: string;
  checkpoint: string;
  step: number;
  trainingLoss?: number;
  final: boolean;
  promote?: boolean;
}

export interface CheckpointDecision extends CheckpointVerdict {
  heldout: HeldoutScore;
  drift: DriftAxisResult[];
  earlyStop?: EarlyStopAdvice & { recommend: true };
  trialStop?: TrialStopAdvice & { recommend: true };
  usage: { inputTokens: number; outputTokens: number };
}

export interface DecisionInput {
  config: RunConfig;
  checkpoint: CheckpointIdentity;
  results: readonly ItemResult[];
  /** Axes the plan scored (the suite's, or drift.axes). */
  axes: readonly string[];
  /** This run's earlier checkpoints. */
  history: readonly CheckpointHistoryEntry[];
  /** The other runs of its study with their histories (trial stop). */
  study?: readonly { runId: string; history: readonly CheckpointHistoryEntry[] }[];
}

export function decideCheckpoint(input: DecisionInput): CheckpointDecision {
  const { config, checkpoint, results } = input;
  const seed = config.seed;
  const heldout = heldoutScore(
    results.filter((r) => r.kind === 'heldout').map((r) => r.candidate),
    { seed },
  );
  const drift = input.axes.map((axis) =>
    decideDriftAxis(
      axis,
      results.filter((r) => r.kind === 'drift' && r.axis === axis).map((r) => ({ base: r.base ?? { error: 'no base result' }, candidate: r.candidate })),
      { noisePoints: config.drift.noisePoints, failPoints: config.drift.failPoints },
      { maxErrorRate: config.errorBudget.maxErrorRate, seed },
    ),
  );
  const verdict = checkpointVerdict({
    heldout,
    drift,
    requiredAxes: input.axes,
    maxErrorRate: config.errorBudget.maxErrorRate,
    checkpoint: { final: checkpoint.final, ...(checkpoint.promote !== undefined ? { promote: checkpoint.promote } : {}) },
  });

  const usage = { inputTokens: 0, outputTokens: 0 };
  for (const r of results) {
    usage.inputTokens += r.usage?.inputTokens ?? 0;
    usage.outputTokens += r.usage?.outputTokens ?? 0;
  }

  const current = { step: checkpoint.step, checkpoint: checkpoint.checkpoint, heldoutScore: heldout.points, trainingLoss: checkpoint.trainingLoss };
  const points = [...input.history.filter((h) => h.checkpoint !== checkpoint.checkpoint), current].sort((a, b) => a.step - b.step);
  const early = earlyStopAdvice(points, { minDelta: config.earlyStop.minDelta, patience: config.earlyStop.patience });
  let trial: TrialStopAdvice | undefined;
  if (config.trialStop && input.study && input.study.length > 0) {
    trial = trialStopAdvice({ runId: checkpoint.runId, step: checkpoint.step, heldoutScore: heldout.points }, input.study, { margin: config.trialStop.margin });
  }
  return {
    ...verdict,
    heldout,
    drift,
    usage,
    ...(early.recommend ? { earlyStop: early as EarlyStopAdvice & { recommend: true } } : {}),
    ...(trial?.recommend ? { trialStop: trial as TrialStopAdvice & { recommend: true } } : {}),
  };
}
