import * as z from 'zod';
import { runConfigHash } from './runs/run-config';
import type { RunRecord } from './runs/run-record';
import { DynamoJudgeCache } from './stores/dynamo-judge-cache';
import { DynamoRunStore } from './stores/dynamo-run-store';
import { DynamoVerdictStore } from './stores/dynamo-verdict-store';
import { EventBridgePublisher } from './stores/eventbridge-publisher';

/** What every checkpoint-gate task function reads from its environment, and the stores built from it. */
const envSchema = z.object({
  RUNS_TABLE: z.string().min(1),
  VERDICTS_TABLE: z.string().min(1),
  JUDGE_CACHE_TABLE: z.string().min(1),
  ARTIFACTS_BUCKET: z.string().min(1),
  EVENT_BUS_NAME: z.string().min(1),
  RUNS_PREFIX: z.string().default('runs/'),
});

export type GateEnvironment = z.infer<typeof envSchema>;

export function gateEnvironment(): GateEnvironment {
  return envSchema.parse(process.env);
}

export function gateStores(env: GateEnvironment) {
  return {
    runs: new DynamoRunStore(env.RUNS_TABLE),
    verdicts: new DynamoVerdictStore(env.VERDICTS_TABLE),
    judgeCache: new DynamoJudgeCache(env.JUDGE_CACHE_TABLE),
    events: new EventBridgePublisher(env.EVENT_BUS_NAME),
  };
}

/** The run's pinned record; refuses a run that is not registered or whose configuration changed under the gate. */
export async function loadRunRecord(env: GateEnvironment, runId: string, configHash?: string): Promise<RunRecord> {
  const record = await gateStores(env).runs.get(runId);
  if (!record) throw new Error(`run ${runId} is not registered: register it (finegate run register) before training emits checkpoints`);
  if (configHash !== undefined && record.configHash !== configHash) {
    throw new Error(`run ${runId}: configuration hash ${record.configHash} differs from ${configHash} the gate started with`);
  }
  if (runConfigHash(record.config) !== record.configHash) throw new Error(`run ${runId}: stored configuration does not match its hash`);
  return record;
}

/** Where a checkpoint's results live in the artifacts bucket. */
export function checkpointPrefix(env: GateEnvironment, runId: string, checkpoint: string): string {
  return `${env.RUNS_PREFIX}${runId}/${checkpoint}/`;
}
