import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import * as z from 'zod';
import { CHECKPOINT_READY, checkpointReadySchema, type CheckpointReadyDetail } from '../events/checkpoint-ready';
import { SOURCES } from '../events/event-sources';
import { parseTrainingJobStateChange, RUN_ID_TAG, toCheckpointReady, TrainingJobMappingError, type RunLookup } from '../events/training-job-state-change';
import { executionName } from './gates/execution-name';
import type { RunStore } from './runs/run-record';
import { DynamoRunStore } from './stores/dynamo-run-store';
import { SfnExecutionStarter, type ExecutionStarter } from './stores/sfn-execution-starter';

/*
 * Target of the Checkpoint Ready rule and of the SageMaker / Bedrock job rules: validates the event, maps a native
 * job completion to its run's final checkpoint, and starts the checkpoint-gate state machine under a name derived
 * from (runId, checkpoint), so a redelivered event starts nothing.
 */

const logger = new Logger({ serviceName: 'finegate' });

const envSchema = z.object({
  STATE_MACHINE_ARN: z.string().min(1),
  RUNS_TABLE: z.string().min(1),
});

/** The checkpoint-gate execution input: the Checkpoint Ready detail plus the execution's own name. */
export type CheckpointGateInput = CheckpointReadyDetail & { executionName: string };

export type GateStartOutcome =
  | { outcome: 'started' | 'duplicate'; runId: string; checkpoint: string; executionName: string; executionArn: string }
  | { outcome: 'ignored'; reason: string };

export interface GateStartDeps {
  starter: ExecutionStarter;
  runLookup: RunLookup;
}

/** An event that is not a gateable checkpoint; the message names the wrong field. */
export class RejectedEventError extends Error {
  override readonly name = 'RejectedEventError';
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`rejected event: ${field}: ${reason}`);
  }
}

export async function startCheckpointGate(event: unknown, deps: GateStartDeps): Promise<GateStartOutcome> {
  const detail = await checkpointOf(event, deps.runLookup);
  if ('reason' in detail) return { outcome: 'ignored', reason: detail.reason };
  const name = executionName(detail.runId, detail.checkpoint);
  const input: CheckpointGateInput = { ...detail, executionName: name };
  const start = await deps.starter.start(name, input);
  return { outcome: start.started ? 'started' : 'duplicate', runId: detail.runId, checkpoint: detail.checkpoint, executionName: name, executionArn: start.executionArn };
}

async function checkpointOf(event: unknown, runLookup: RunLookup): Promise<CheckpointReadyDetail | { reason: string }> {
  const e = (event ?? {}) as { source?: unknown; 'detail-type'?: unknown };
  if (e.source === SOURCES.training && e['detail-type'] === CHECKPOINT_READY) {
    const parsed = checkpointReadySchema.safeParse(event);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new RejectedEventError(issue.path.join('.') || '(root)', issue.message);
    }
    return parsed.data.detail;
  }
  try {
    const native = parseTrainingJobStateChange(event);
    if (!native) {
      throw new RejectedEventError(
        'detail-type',
        `${JSON.stringify(e['detail-type'])} from ${JSON.stringify(e.source)} is neither ${CHECKPOINT_READY} (${SOURCES.training}) nor a SageMaker/Bedrock training job state change`,
      );
    }
    const mapped = await toCheckpointReady(native, runLookup);
    return mapped.kind === 'checkpoint' ? mapped.detail : { reason: mapped.reason };
  } catch (error) {
    if (error instanceof TrainingJobMappingError) throw new RejectedEventError(error.field, error.reason);
    throw error;
  }
}

/** Finds a job's run by its registration, else (SageMaker) by its finegate-run-id tag; with the run's last step. */
export function runLookupFromStore(runs: Pick<RunStore, 'findByTrainingJob' | 'get' | 'lastStep'>): RunLookup {
  return async (job) => {
    let record = await runs.findByTrainingJob(job.provider, job.jobName);
    const tagged = job.tags[RUN_ID_TAG];
    if (!record && tagged) record = await runs.get(tagged);
    if (!record) return undefined;
    return { runId: record.runId, config: record.config, lastStep: await runs.lastStep(record.runId) };
  };
}

let deps: GateStartDeps | undefined;

export const handler = middy(async (event: unknown): Promise<GateStartOutcome> => {
  const env = envSchema.parse(process.env);
  deps ??= { starter: new SfnExecutionStarter(env.STATE_MACHINE_ARN), runLookup: runLookupFromStore(new DynamoRunStore(env.RUNS_TABLE)) };
  const outcome = await startCheckpointGate(event, deps);
  if (outcome.outcome === 'ignored') logger.info('event ignored', { reason: outcome.reason });
  else if (outcome.outcome === 'duplicate') logger.info('checkpoint already gated: duplicate event, no second execution', outcome);
  else logger.info('checkpoint gate started', outcome);
  return outcome;
}).use(injectLambdaContext(logger));
