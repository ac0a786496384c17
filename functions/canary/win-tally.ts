/**
 * The running count of a canary's judged shadow pairs. The scorer sees a batch at a time, but the sequential test's
 * e-value is a function of all the pairs so far: the tally is where they add up, atomically, across concurrent
 * scorer invocations.
 */
export interface WinCounts {
  wins: number;
  losses: number;
  ties: number;
}

export interface WinTally {
  /** Adds the counts under `key` and returns the totals after the addition. */
  add(key: string, counts: WinCounts): Promise<WinCounts>;
}

/** One canary's tally: its run and its candidate model (a re-run canary of the same run starts from zero). */
export function winTallyKey(runId: string, candidateModel: string): string {
  return `canary-tally#${runId}#${candidateModel}`;
}
