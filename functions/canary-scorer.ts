import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import { judgeFamilyProblem, parseCanaryConfig, winRateConfig, withJudge, type CanaryConfig, type RunJudgeLookup } from './canary/canary-config';
import { CANARY_METRICS, CANARY_NAMESPACE, rubricMetricName } from './canary/canary-metrics';
import { logEValueBelowFloor } from './canary/confidence-sequence';
import { shadowMessageSchema, type ShadowMessage } from './canary/shadow-message';
import { scoreShadowMessage, type ShadowScore } from './canary/shadow-scoring';
import { winTallyKey, type WinCounts, type WinTally } from './canary/win-tally';
import type { JudgeCache } from './gates/judge-cache';
import type { ChatModel } from './models/chat-model';
import { ConcurrencyLimiter } from './models/concurrency-limiter';
import { createChatModel } from './models/create-chat-model';
import { DynamoJudgeCache } from './stores/dynamo-judge-cache';
import { DynamoRunStore } from './stores/dynamo-run-store';
import { DynamoWinTally } from './stores/dynamo-win-tally';
import { emitCanaryDatapoints } from './stores/canary-emf';

/*
 * The canary scorer: an SQS consumer of shadow messages with partial batch failures. For each message it asks the
 * shadow model, judges the pair (candidate vs current, positions from the request id, judge cache), scores the
 * configured rubrics on both answers, adds the pair to the canary's win tally and emits EMF metrics:
 *
 *   {RunId, Cohort} and {Cohort}   Rubric_<name> (points), RubricError, ShadowModelError (the shadow's cohort)
 *   {RunId} and {}                 ShadowWin / ShadowLoss / ShadowTie (1 for the outcome, 0 for the others),
 *                                  JudgeError, WinRateBelowFloorEValue (log10 of the sequential test's e-value)
 *
 * The sets without RunId are for the run-independent alarms (see stores/canary-emf.ts).
 *
 * A message is reported as a batch item failure (SQS redelivers it, then dead-letters it) when it cannot be read or
 * something unexpected fails before its metrics are emitted; a message's metrics are emitted all at once at its end,
 * so a retried message is never counted twice. Model and judge failures are not retried here (the adapters retried
 * already): they are counted as errors.
 */

const logger = new Logger({ serviceName: 'finegate' });
const metrics = new Metrics({ namespace: CANARY_NAMESPACE, serviceName: 'finegate' });
// Exactly the contract's dimensions: no `service`.
metrics.clearDefaultDimensions();

const envSchema = z.object({
  /** Overrides of the canary defaults (JSON); the judge defaults to the run's own. */
  CANARY_CONFIG: z.string().min(1).default('{}'),
  JUDGE_CACHE_TABLE: z.string().min(1),
  /** Where runs are registered: the run's pinned judge model is read there when CANARY_CONFIG names none. */
  RUNS_TABLE: z.string().min(1).optional(),
  /** Where the win tally is kept (a table keyed by `pk`); by default the judge cache table. */
  TALLY_TABLE: z.string().min(1).optional(),
  /** Messages of one batch scored at once. */
  SCORER_CONCURRENCY: z.coerce.number().int().positive().default(4),
});

export interface ScorerDeps {
  config: CanaryConfig;
  /** The run's pinned judge, used when the configuration names none. */
  runJudge?: RunJudgeLookup;
  model: (ref: string) => ChatModel;
  judgeCache?: JudgeCache;
  tally: WinTally;
  metrics: Metrics;
  log?: Pick<Logger, 'warn' | 'error'>;
  concurrency?: number;
}

/** Scores a batch; the messages that must come back are listed in batchItemFailures. */
export async function scoreBatch(event: SQSEvent, deps: ScorerDeps): Promise<SQSBatchResponse> {
  const limiter = new ConcurrencyLimiter(deps.concurrency ?? 4);
  const failed: string[] = [];
  await Promise.all(
    event.Records.map((record) =>
      limiter.run(async () => {
        try {
          await scoreRecord(record, deps);
        } catch (error) {
          deps.log?.error('shadow message not scored; it will be redelivered', { messageId: record.messageId, error: error instanceof Error ? error.message : String(error) });
          failed.push(record.messageId);
        }
      }),
    ),
  );
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
}

async function scoreRecord(record: SQSRecord, deps: ScorerDeps): Promise<void> {
  const message = readMessage(record.body);
  const candidateModel = message.answered.cohort === 'candidate' ? message.answered.model : message.shadowOf.model;
  const currentModel = message.answered.cohort === 'current' ? message.answered.model : message.shadowOf.model;
  const judged = await withJudge(deps.config, message.runId, deps.runJudge);
  const problem =
    judged === undefined ? `no judge model for run ${message.runId}: set judgeModel in CANARY_CONFIG or register the run` : judgeFamilyProblem(judged, currentModel, candidateModel);
  const score = await scoreShadowMessage(message, {
    config: deps.config,
    model: deps.model,
    ...(deps.judgeCache === undefined ? {} : { judgeCache: deps.judgeCache }),
    judge: problem === undefined ? { model: judged!.judgeModel } : { problem },
  });
  let totals: WinCounts | undefined;
  if (score.pair !== undefined && 'outcome' in score.pair) {
    const o = score.pair.outcome;
    totals = await deps.tally.add(winTallyKey(message.runId, candidateModel), { wins: o === 'win' ? 1 : 0, losses: o === 'loss' ? 1 : 0, ties: o === 'tie' ? 1 : 0 });
  }
  if ('error' in score.shadow) deps.log?.warn('shadow model did not answer', { runId: message.runId, requestId: message.requestId, error: score.shadow.error });
  if (score.pair !== undefined && 'error' in score.pair) deps.log?.warn('pair not judged', { runId: message.runId, requestId: message.requestId, error: score.pair.error });
  emitScoreMetrics(deps.metrics, message, score, totals === undefined ? undefined : logEValueBelowFloor(totals.wins, totals.losses, winRateConfig(deps.config)) / Math.LN10);
}

function readMessage(body: string): ShadowMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new Error('the message body is not JSON');
  }
  const parsed = shadowMessageSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`not a shadow message: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data;
}

/** One message's metrics: per cohort (rubric scores, errors), then per run (the pair). */
export function emitScoreMetrics(target: Metrics, message: ShadowMessage, score: ShadowScore, eValueLog10: number | undefined): void {
  for (const cohort of [message.answered.cohort, message.shadowOf.cohort]) {
    const errors = score.rubricErrors.filter((e) => e.cohort === cohort).length;
    emitCanaryDatapoints(target, {
      runId: message.runId,
      cohort,
      values: [
        ...score.scores.filter((s) => s.cohort === cohort).map((s) => ({ name: rubricMetricName(s.rubric), unit: MetricUnit.NoUnit, value: s.points })),
        ...(errors > 0 ? [{ name: CANARY_METRICS.rubricError, unit: MetricUnit.Count, value: errors }] : []),
        ...(cohort === message.shadowOf.cohort && 'error' in score.shadow ? [{ name: CANARY_METRICS.shadowModelError, unit: MetricUnit.Count, value: 1 }] : []),
      ],
    });
  }
  if (score.pair === undefined) return;
  if ('error' in score.pair) {
    emitCanaryDatapoints(target, { runId: message.runId, values: [{ name: CANARY_METRICS.judgeError, unit: MetricUnit.Count, value: 1 }] });
    return;
  }
  const o = score.pair.outcome;
  emitCanaryDatapoints(target, {
    runId: message.runId,
    values: [
      { name: CANARY_METRICS.shadowWin, unit: MetricUnit.Count, value: o === 'win' ? 1 : 0 },
      { name: CANARY_METRICS.shadowLoss, unit: MetricUnit.Count, value: o === 'loss' ? 1 : 0 },
      { name: CANARY_METRICS.shadowTie, unit: MetricUnit.Count, value: o === 'tie' ? 1 : 0 },
      ...(eValueLog10 === undefined ? [] : [{ name: CANARY_METRICS.winRateEValue, unit: MetricUnit.NoUnit, value: eValueLog10 }]),
    ],
  });
}

const models = new Map<string, ChatModel>();
let config: { text: string; parsed: CanaryConfig } | undefined;
// A run's pinned judge never changes: read once per run per container.
const runJudges = new Map<string, Promise<string | undefined>>();

export const handler = middy(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const env = envSchema.parse(process.env);
  if (config?.text !== env.CANARY_CONFIG) config = { text: env.CANARY_CONFIG, parsed: parseCanaryConfig(env.CANARY_CONFIG) };
  const model = (ref: string): ChatModel => {
    let m = models.get(ref);
    if (m === undefined) models.set(ref, (m = createChatModel(ref)));
    return m;
  };
  const runs = env.RUNS_TABLE === undefined ? undefined : new DynamoRunStore(env.RUNS_TABLE);
  const runJudge: RunJudgeLookup | undefined =
    runs === undefined
      ? undefined
      : (runId) => {
          let judge = runJudges.get(runId);
          if (judge === undefined) {
            judge = runs.get(runId).then((r) => r?.config.judgeModel);
            // A failed read is not remembered: the next message asks again.
            judge.catch(() => runJudges.delete(runId));
            runJudges.set(runId, judge);
          }
          return judge;
        };
  return scoreBatch(event, {
    config: config.parsed,
    ...(runJudge === undefined ? {} : { runJudge }),
    model,
    judgeCache: new DynamoJudgeCache(env.JUDGE_CACHE_TABLE),
    tally: new DynamoWinTally(env.TALLY_TABLE ?? env.JUDGE_CACHE_TABLE),
    metrics,
    log: logger,
    concurrency: env.SCORER_CONCURRENCY,
  });
}).use(injectLambdaContext(logger));
