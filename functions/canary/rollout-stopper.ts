/** The port that stops a canary's rollout execution, so a rolled-back canary is not stepped forward again. */
export type StopOutcome = 'stopped' | 'not-running';

export interface RolloutStopper {
  /** Stops the execution; one that already ended (or never existed) is 'not-running', a success. */
  stop(executionArn: string, cause: string): Promise<StopOutcome>;
}
