import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import * as z from 'zod';
import { SOURCES } from '../events/event-sources';
import { registerRunSchema, RUN_REGISTERED, type RunRegisteredDetail } from '../events/run-registered';
import { arenaSampleSize } from './runs/arena-sample-size';
import { requireCorpusAudit, type CorpusGatePassed } from './runs/corpus-gate';
import { parseRunConfig } from './runs/run-config';
import type { RunRecord, RunStore } from './runs/run-record';
import { DynamoRunStore } from './stores/dynamo-run-store';
import { DynamoVerdictStore } from './stores/dynamo-verdict-store';
import type { EventPublisher } from './stores/event-publisher';
import { EventBridgePublisher } from './stores/eventbridge-publisher';
import type { VerdictStore } from './stores/verdict-store';

/*
 * Registers a run: parse the configuration (errors name the field), require a PASS or WARN audit of its corpus,
 * pin it with a conditional write, announce it. Input: a `Register Run` event from the finegate bus, or the run
 * configuration itself (an object, or run.yaml text) by direct invocation. A refusal is thrown, never returned, so
 * it cannot be mistaken for a registration.
 */

const logger = new Logger({ serviceName: 'finegate' });

const envSchema = z.object({
  RUNS_TABLE: z.string().min(1),
  VERDICTS_TABLE: z.string().min(1),
  EVENT_BUS_NAME: z.string().min(1),
});

export interface RegisterRunDeps {
  runs: Pick<RunStore, 'register'>;
  verdicts: Pick<VerdictStore, 'get' | 'list'>;
  publisher: EventPublisher;
}

export async function registerRun(event: unknown, deps: RegisterRunDeps): Promise<RunRegisteredDetail> {
  const config = parseRunConfig(configInputOf(event));
  const corpus = await requireCorpusAudit(config.corpusAudit, deps.verdicts);
  const { created, record } = await deps.runs.register(config);
  const detail = runRegisteredDetail(record, created, corpus);
  await deps.publisher.publish(SOURCES.gate, RUN_REGISTERED, detail);
  return detail;
}

function configInputOf(event: unknown): unknown {
  if (event !== null && typeof event === 'object' && 'detail-type' in event) {
    const parsed = registerRunSchema.safeParse(event);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new Error(`rejected event: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    return parsed.data.detail;
  }
  return event;
}

/** What the Run Registered event says: the pinned facts, read from the stored record (not from the request). */
export function runRegisteredDetail(record: RunRecord, created: boolean, corpus: CorpusGatePassed): RunRegisteredDetail {
  const { config } = record;
  return {
    runId: record.runId,
    ...(config.study ? { study: config.study } : {}),
    configHash: record.configHash,
    registeredAt: record.registeredAt,
    created,
    baseModel: config.baseModel,
    judgeModel: config.judgeModel,
    rubricVersion: config.rubricVersion,
    corpusAudit: { uri: config.corpusAudit.uri, verdict: corpus.verdict, key: corpus.key },
    drift: { noisePoints: config.drift.noisePoints, failPoints: config.drift.failPoints },
    arena: { effectFloor: config.arena.effectFloor, sampleSize: config.arena.sampleSize, requiredSampleSize: arenaSampleSize(config.arena.effectFloor) },
    ...(config.trainingJob ? { trainingJob: { sagemakerJobName: config.trainingJob.sagemakerJobName, bedrockJobName: config.trainingJob.bedrockJobName } } : {}),
  };
}

let deps: RegisterRunDeps | undefined;

export const handler = middy(async (event: unknown): Promise<RunRegisteredDetail> => {
  const env = envSchema.parse(process.env);
  deps ??= { runs: new DynamoRunStore(env.RUNS_TABLE), verdicts: new DynamoVerdictStore(env.VERDICTS_TABLE), publisher: new EventBridgePublisher(env.EVENT_BUS_NAME) };
  try {
    const detail = await registerRun(event, deps);
    logger.info(detail.created ? 'run registered' : 'run already registered with this configuration', { runId: detail.runId, configHash: detail.configHash });
    return detail;
  } catch (error) {
    logger.warn('run registration refused', { reason: (error as Error).message });
    throw error;
  }
}).use(injectLambdaContext(logger));
