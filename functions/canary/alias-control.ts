/**
 * The alias-control port: how the canary moves traffic on the router's `live` alias. The alias points at the current
 * version and may route a fraction of requests to one more version, the candidate. Each published version pins one
 * model reference and its cohort in its environment, so "which model answers" is decided by the version Lambda picked.
 *
 * Weights are fractions in (0, 1), as Lambda's AdditionalVersionWeights holds them.
 */

export const COHORTS = ['current', 'candidate'] as const;
export type Cohort = (typeof COHORTS)[number];

export interface AliasWeights {
  /** The version the alias points at: it serves every request the candidate does not. */
  currentVersion: string;
  /** The version receiving a share of the traffic, when there is one. */
  candidate?: { version: string; weight: number };
  /**
   * The candidate the last rollback took the weight from, as that same alias update recorded it: what a retried
   * rollback finishes (its verdict and event) when the first one stopped after clearing the weight.
   */
  rolledBack?: string;
}

/** What a published router version pins in its environment. */
export interface VersionPin {
  /** MODEL_REF: the model the version answers with. */
  modelRef?: string;
  /** COHORT. */
  cohort?: Cohort;
  /** OTHER_MODEL_REF: the other cohort's model, asked for shadow pairs. */
  otherModelRef?: string;
  /** RUN_ID: the run whose canary the version belongs to. */
  runId?: string;
  /** ROLLOUT_EXECUTION_ARN: the rollout execution that published it, so a rollback can stop it. */
  rolloutExecutionArn?: string;
  /** PREVIOUS_VERSION (current cohort only): the version that served before the canary, restored by a rollback. */
  previousVersion?: string;
}

/** The environment variables a version pins them in (the router reads the same names). */
export const PIN_VARIABLES = {
  modelRef: 'MODEL_REF',
  cohort: 'COHORT',
  otherModelRef: 'OTHER_MODEL_REF',
  runId: 'RUN_ID',
  rolloutExecutionArn: 'ROLLOUT_EXECUTION_ARN',
  previousVersion: 'PREVIOUS_VERSION',
} as const satisfies Record<keyof VersionPin, string>;

/** Everything a version is published with; modelRef and cohort are required. */
export type VersionPinInput = VersionPin & { modelRef: string; cohort: Cohort };

export interface ClearOutcome {
  /** False when there was no candidate weight to clear (already cleared: a no-op success). */
  cleared: boolean;
  /** The candidate version that lost its weight. */
  version?: string;
  /** The version the alias was pointed back at, when it moved. */
  restored?: string;
}

export interface AliasControl {
  getWeights(): Promise<AliasWeights>;
  /**
   * Routes `weight` of the traffic to `version` and the rest to `currentVersion` (by default the alias's current
   * version), in one alias update.
   */
  setCandidateWeight(version: string, weight: number, currentVersion?: string): Promise<void>;
  /**
   * Removes any candidate weight, pointing the alias at `restoreVersion` when given (in the same update); clearing
   * an alias that has no candidate and already points there is a no-op success.
   */
  clearCandidate(restoreVersion?: string): Promise<ClearOutcome>;
  /** Points the alias at `version` with no additional routing: 100% of the traffic. */
  promote(version: string): Promise<void>;
  /** Pins the model (and the rest of `pin`) in the function's environment and publishes a version; returns its number. */
  publishVersion(modelRef: string, cohort: Cohort, pin?: Omit<VersionPin, 'modelRef' | 'cohort'>): Promise<string>;
  /** What a published version pins. */
  versionPin(version: string): Promise<VersionPin>;
}

/** Refuses a weight Lambda would refuse, before any call: a fraction strictly between 0 and 1. */
export function checkCandidateWeight(weight: number): void {
  if (!(weight > 0 && weight < 1) || !Number.isFinite(weight)) throw new RangeError(`a candidate weight is a fraction in (0, 1), got ${weight}`);
}
