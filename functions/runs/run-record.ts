import type { Verdict } from '../../events/corpus-audited';
import { canonicalJson, type RunConfig } from './run-config';

/** A registered run: its pinned configuration and the hash every verdict of it records. */
export interface RunRecord {
  runId: string;
  config: RunConfig;
  configHash: string;
  registeredAt: string;
}

/** One checkpoint's line in a run's history, in step order: what early stop and trial stop read. */
export interface CheckpointHistoryEntry {
  checkpoint: string;
  step: number;
  trainingLoss?: number;
  /** Held-out score in points; absent when the checkpoint could not be scored (INCONCLUSIVE). */
  heldoutScore?: number;
  verdict: Verdict;
  recordedAt: string;
}

export type TrainingJobProvider = 'sagemaker' | 'bedrock';

export interface RunRegistration {
  /** False when an identical configuration was already registered: the call changed nothing. */
  created: boolean;
  record: RunRecord;
}

/** Where runs are registered (once, conditionally) and their checkpoint history kept. */
export interface RunStore {
  /**
   * Registers a run once. Re-registering the identical configuration succeeds without writing; a different
   * configuration under the same runId throws RunConflictError naming the fields that differ.
   */
  register(config: RunConfig): Promise<RunRegistration>;
  get(runId: string): Promise<RunRecord | undefined>;
  /** The runs of a study, in runId order. */
  listStudy(study: string): Promise<RunRecord[]>;
  /** The run whose configuration names this native training job. */
  findByTrainingJob(provider: TrainingJobProvider, jobName: string): Promise<RunRecord | undefined>;
  /** Appends a checkpoint once; returns false (and writes nothing) when that checkpoint at that step is already there. */
  appendCheckpoint(runId: string, entry: Omit<CheckpointHistoryEntry, 'recordedAt'> & { recordedAt?: string }): Promise<boolean>;
  /** The run's checkpoints by ascending step. */
  history(runId: string): Promise<CheckpointHistoryEntry[]>;
  /** The highest step in the run's history, or undefined when it has none. */
  lastStep(runId: string): Promise<number | undefined>;
}

/** A registration refused because the runId (or a training job it names) is already pinned differently. */
export class RunConflictError extends Error {
  override readonly name = 'RunConflictError';
  constructor(
    readonly runId: string,
    /** Dotted paths of the fields that differ, e.g. `drift.failPoints`. */
    readonly fields: string[],
    message?: string,
  ) {
    super(message ?? `run ${runId} is already registered with a different configuration; differing fields: ${fields.join(', ')}`);
  }
}

/** Dotted paths at which two configurations differ (leaves; arrays compared whole). */
export function configDifferences(a: unknown, b: unknown, path: string[] = []): string[] {
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((key) => configDifferences(a[key], b[key], [...path, key]));
  }
  if (canonicalJson(a) === canonicalJson(b)) return [];
  return [path.length > 0 ? path.join('.') : '(root)'];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
