import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { LAMBDA_SERVICE_ERRORS, lambdaTask } from './lambda-task';

export { LAMBDA_SERVICE_ERRORS };

/*
 * The checkpoint gate (stage 2), in JSONPath only so that the same definition runs in AWS and in the local
 * interpreter:
 *
 *   LoadRun ─▶ ScoreCheckpoint = Parallel[ Map(heldoutBatches) ─▶ ScoreHeldoutBatch,
 *                                          Map(driftBatches)   ─▶ ScoreDriftBatch ] ─▶ Decide ─▶ Record
 *   ─▶ PromotionCandidate? ─▶ ArenaPlan ─▶ Map(ArenaJudgeBatch) ─▶ ArenaDecide ─▶ ExtendArena? ─▶ ArenaRecord  (stage 3)
 *      └──────────────────────┴──── any error (Catch States.ALL) ───▶ RecordFailure ─▶ GateFailed
 *
 * The state carries the execution input (the Checkpoint Ready detail plus `executionName`) and adds each
 * step's result beside it: `loaded` (LoadRun), `scores` ({heldout, drift} batch results), `decision`,
 * `recorded`. A failure anywhere still records a verdict (INCONCLUSIVE) through the record function, then
 * fails the execution with the original error, so both the verdict and the execution status tell the truth.
 */

/** State names, as they appear in the definition, the execution history and the console. */
export const CHECKPOINT_GATE_STATES = {
  loadRun: 'LoadRun',
  scoreCheckpoint: 'ScoreCheckpoint',
  scoreHeldout: 'ScoreHeldout',
  scoreHeldoutBatch: 'ScoreHeldoutBatch',
  scoreDrift: 'ScoreDrift',
  scoreDriftBatch: 'ScoreDriftBatch',
  decide: 'Decide',
  record: 'Record',
  recordFailure: 'RecordFailure',
  gateFailed: 'GateFailed',
  promotionCandidate: 'PromotionCandidate',
  arenaPlan: 'ArenaPlan',
  arenaJudge: 'ArenaJudge',
  arenaJudgeBatch: 'ArenaJudgeBatch',
  arenaDecide: 'ArenaDecide',
  extendArena: 'ExtendArena',
  arenaRecord: 'ArenaRecord',
  recordArenaFailure: 'RecordArenaFailure',
  arenaFailed: 'ArenaFailed',
  done: 'Done',
} as const;


/** The `outcome` of the record function's input: a decision to record, or a failure to record as INCONCLUSIVE. */
export const RECORD_OUTCOME = { decided: 'decided', arena: 'arena', failed: 'failed' } as const;

export const DEFAULT_MAX_CONCURRENCY = 8;

export interface CheckpointGateFunctions {
  readonly loadRun: lambda.IFunction;
  readonly scoreBatch: lambda.IFunction;
  readonly decide: lambda.IFunction;
  readonly record: lambda.IFunction;
  /** Stage 3, run after a PASS on a checkpoint marked for promotion; without them the gate ends at Record. */
  readonly arenaPlan?: lambda.IFunction;
  readonly arenaBatch?: lambda.IFunction;
  readonly arenaDecide?: lambda.IFunction;
}

export interface CheckpointGateDefinitionProps extends CheckpointGateFunctions {
  /** Batches each Map scores at once (held-out and drift run side by side, so twice this in total). @default 8 */
  readonly maxConcurrency?: number;
}

/**
 * Builds the checkpoint-gate definition. Each Task's output is the function's own return value
 * (payloadResponseOnly), and each Task times out a minute after its function would, so a hung call still
 * reaches the failure path.
 */
export function buildCheckpointGateDefinition(scope: Construct, props: CheckpointGateDefinitionProps): sfn.IChainable {
  const maxConcurrency = props.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > 1000) {
    throw new Error(`buildCheckpointGateDefinition: maxConcurrency must be an integer from 1 to 1000, got ${maxConcurrency}`);
  }
  const S = CHECKPOINT_GATE_STATES;
  const execution = { 'name.$': '$$.Execution.Name', 'arn.$': '$$.Execution.Id' };

  // Input: the whole execution input, so that optional fields (trainingLoss, promote) need no JSONPath that could miss.
  const loadRun = lambdaTask(scope, S.loadRun, props.loadRun, {
    comment: 'Reads the pinned run configuration and splits held-out set and drift suite into batches',
    resultPath: '$.loaded',
  });

  const scoreMap = (id: string, itemsPath: string, taskId: string) => {
    const map = sfn.Map.jsonPath(scope, id, {
      itemsPath,
      maxConcurrency,
      itemSelector: {
        'runId.$': '$.runId',
        'checkpoint.$': '$.checkpoint',
        'candidateModel.$': '$.candidateModel',
        'batch.$': '$$.Map.Item.Value',
      },
    });
    return map.itemProcessor(
      lambdaTask(scope, taskId, props.scoreBatch, { comment: 'Scores one batch and writes its per-item results to the artifacts bucket' }),
    );
  };

  const scoreCheckpoint = sfn.Parallel.jsonPath(scope, S.scoreCheckpoint, {
    comment: 'Held-out and drift batches, scored side by side',
    resultSelector: { 'heldout.$': '$[0]', 'drift.$': '$[1]' },
    resultPath: '$.scores',
  })
    .branch(scoreMap(S.scoreHeldout, '$.loaded.heldoutBatches', S.scoreHeldoutBatch))
    .branch(scoreMap(S.scoreDrift, '$.loaded.driftBatches', S.scoreDriftBatch));

  const decide = lambdaTask(scope, S.decide, props.decide, {
    comment: 'Held-out score, per-axis drift with bootstrap intervals, thresholds and error budget',
    payload: sfn.TaskInput.fromObject({
      'run.$': '$.loaded.run',
      'checkpoint.$': '$.loaded.checkpoint',
      'heldout.$': '$.scores.heldout',
      'drift.$': '$.scores.drift',
    }),
    resultPath: '$.decision',
  });

  const record = lambdaTask(scope, S.record, props.record, {
    comment: 'Writes the verdict and checkpoint history, publishes Gate Verdict and any stop recommendations',
    payload: sfn.TaskInput.fromObject({
      outcome: RECORD_OUTCOME.decided,
      'run.$': '$.loaded.run',
      'checkpoint.$': '$.loaded.checkpoint',
      'decision.$': '$.decision',
      execution,
    }),
    resultPath: '$.recorded',
  });

  // The caught error replaces the state ({Error, Cause}); the original event is read from the execution input,
  // which is there whatever step failed.
  const recordFailure = lambdaTask(scope, S.recordFailure, props.record, {
    comment: 'Fails closed: records an INCONCLUSIVE verdict naming the error',
    payload: sfn.TaskInput.fromObject({
      outcome: RECORD_OUTCOME.failed,
      'checkpointReady.$': '$$.Execution.Input',
      'error.$': '$',
      execution,
    }),
    resultPath: sfn.JsonPath.DISCARD,
  }).next(
    sfn.Fail.jsonPath(scope, S.gateFailed, {
      comment: 'The verdict is recorded; the execution still fails with the original error',
      errorPath: '$.Error',
      causePath: '$.Cause',
    }),
  );

  for (const step of [loadRun, scoreCheckpoint, decide, record]) {
    step.addCatch(recordFailure, { errors: [sfn.Errors.ALL] });
  }

  const gate = loadRun.next(scoreCheckpoint).next(decide).next(record);
  const arenaFunctions = [props.arenaPlan, props.arenaBatch, props.arenaDecide].filter((f) => f !== undefined).length;
  if (arenaFunctions === 0) return gate;
  if (arenaFunctions !== 3) throw new Error('buildCheckpointGateDefinition: give all three arena functions (arenaPlan, arenaBatch, arenaDecide) or none');
  return gate.next(arenaStage(scope, { ...props, arenaPlan: props.arenaPlan!, arenaBatch: props.arenaBatch!, arenaDecide: props.arenaDecide! }, maxConcurrency));
}

/**
 * Stage 3, the arena, for a checkpoint that passed and is marked for promotion: draw production inputs, judge
 * candidate against base pair by pair, decide against the effect floor fixed at registration, extend an
 * INCONCLUSIVE round up to the pre-registered maximum, record. A failure records an INCONCLUSIVE arena verdict.
 */
function arenaStage(
  scope: Construct,
  props: CheckpointGateFunctions & { arenaPlan: lambda.IFunction; arenaBatch: lambda.IFunction; arenaDecide: lambda.IFunction },
  maxConcurrency: number,
): sfn.IChainable {
  const S = CHECKPOINT_GATE_STATES;
  const execution = { 'name.$': '$$.Execution.Name', 'arn.$': '$$.Execution.Id' };
  // The whole state goes in: a first round has no arenaDecision, an extension carries its nextSampleSize.
  const plan = lambdaTask(scope, S.arenaPlan, props.arenaPlan, { comment: 'Draws production inputs with the run seed and batches them', resultPath: '$.arenaPlan' });
  const judge = sfn.Map.jsonPath(scope, S.arenaJudge, {
    comment: 'Candidate and base answer each input; a judge of another family compares them',
    itemsPath: '$.arenaPlan.batches',
    maxConcurrency,
    itemSelector: {
      'runId.$': '$.loaded.run.runId',
      'checkpoint.$': '$.loaded.checkpoint.checkpoint',
      'candidateModel.$': '$.loaded.checkpoint.candidateModel',
      'batch.$': '$$.Map.Item.Value',
    },
    resultPath: '$.arenaBatches',
  });
  judge.itemProcessor(lambdaTask(scope, S.arenaJudgeBatch, props.arenaBatch, { comment: 'Judges one batch of pairs and writes them to the artifacts bucket' }));
  const decide = lambdaTask(scope, S.arenaDecide, props.arenaDecide, {
    comment: 'Wins, losses, ties with intervals; the decision fixed by the pinned effect floor',
    payload: sfn.TaskInput.fromObject({ 'run.$': '$.loaded.run', 'checkpoint.$': '$.loaded.checkpoint', 'plan.$': '$.arenaPlan', 'batches.$': '$.arenaBatches' }),
    resultPath: '$.arenaDecision',
  });
  const record = lambdaTask(scope, S.arenaRecord, props.record, {
    comment: 'Writes the arena verdict and publishes Gate Verdict (stage arena); a PASS promotes',
    payload: sfn.TaskInput.fromObject({ outcome: RECORD_OUTCOME.arena, 'run.$': '$.loaded.run', 'checkpoint.$': '$.loaded.checkpoint', 'decision.$': '$.arenaDecision', execution }),
    resultPath: '$.arenaRecorded',
  });
  const recordFailure = lambdaTask(scope, S.recordArenaFailure, props.record, {
    comment: 'Fails closed: records an INCONCLUSIVE arena verdict naming the error',
    payload: sfn.TaskInput.fromObject({ outcome: RECORD_OUTCOME.failed, stage: 'arena', 'checkpointReady.$': '$$.Execution.Input', 'error.$': '$', execution }),
    resultPath: sfn.JsonPath.DISCARD,
  }).next(sfn.Fail.jsonPath(scope, S.arenaFailed, { comment: 'The arena verdict is recorded; the execution fails with the error', errorPath: '$.Error', causePath: '$.Cause' }));
  for (const step of [plan, judge, decide, record]) step.addCatch(recordFailure, { errors: [sfn.Errors.ALL] });

  const extend = sfn.Choice.jsonPath(scope, S.extendArena, { comment: 'INCONCLUSIVE with room under the pre-registered maximum: draw more' })
    .when(sfn.Condition.booleanEquals('$.arenaDecision.extend', true), plan)
    .otherwise(record);
  const done = sfn.Succeed.jsonPath(scope, S.done);
  return sfn.Choice.jsonPath(scope, S.promotionCandidate, { comment: 'Only a PASS on a checkpoint marked for promotion goes on to the arena' })
    .when(sfn.Condition.booleanEquals('$.decision.promote', true), plan.next(judge).next(decide).next(extend))
    .otherwise(done);
}
