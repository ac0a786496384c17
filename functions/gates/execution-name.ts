import { createHash } from 'node:crypto';

/*
 * The Step Functions execution name of a checkpoint's gate: deterministic, so a redelivered Checkpoint Ready
 * starts no second execution (StartExecution refuses a name it has seen). Names are 1–80 characters; finegate keeps
 * to [A-Za-z0-9_-], which every workflow type and the CloudWatch log group names accept.
 *
 * The name is `<runId>-<checkpoint>`, sanitised, then `-` and 8 hex digits of sha256 over the exact pair. The hash
 * is always there: a dash-joined name alone is ambiguous (run `a-b` checkpoint `c` and run `a` checkpoint `b-c`
 * both read `a-b-c`), and sanitising or truncating can only merge more names. Two different checkpoints sharing
 * an execution name would mean the second one is never gated.
 */

export const MAX_EXECUTION_NAME_LENGTH = 80;
const HASH_LENGTH = 8;

export function executionName(runId: string, checkpoint: string): string {
  if (runId === '' || checkpoint === '') throw new Error('an execution name needs a run id and a checkpoint');
  const hash = createHash('sha256').update(JSON.stringify([runId, checkpoint])).digest('hex').slice(0, HASH_LENGTH);
  const readable = `${runId}-${checkpoint}`
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .slice(0, MAX_EXECUTION_NAME_LENGTH - HASH_LENGTH - 1)
    .replace(/^-+|-+$/g, '');
  return readable === '' ? hash : `${readable}-${hash}`;
}
