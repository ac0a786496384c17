import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';

/*
 * The checkpoint gate (stage 2), in JSONPath only so that the same definition runs in AWS and in the local
 * interpreter:
 *
 *   LoadRun ─▶ ScoreCheckpoint = Parallel[ Map(heldoutBatches) ─▶ ScoreHeldoutBatch,
 *                                          Map(driftBatches)   ─▶ ScoreDriftBatch ] ─▶ Decide ─▶ Record
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
} as const;

/** Errors of the Lambda service itself (not of the handler), worth retrying with backoff. */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.TooManyRequestsException',
] as const;

/** The `outcome` of the record function's input: a decision to record, or a failure to record as INCONCLUSIVE. */
export const RECORD_OUTCOME = { decided: 'decided', failed: 'failed' } as const;

export const DEFAULT_MAX_CONCURRENCY = 8;

export interface CheckpointGateFunctions {
  readonly loadRun: lambda.IFunction;
  readonly scoreBatch: lambda.IFunction;
  readonly decide: lambda.IFunction;
  readonly record: lambda.IFunction;
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
  const loadRun = invoke(scope, S.loadRun, props.loadRun, {
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
      invoke(scope, taskId, props.scoreBatch, { comment: 'Scores one batch and writes its per-item results to the artifacts bucket' }),
    );
  };

  const scoreCheckpoint = sfn.Parallel.jsonPath(scope, S.scoreCheckpoint, {
    comment: 'Held-out and drift batches, scored side by side',
    resultSelector: { 'heldout.$': '$[0]', 'drift.$': '$[1]' },
    resultPath: '$.scores',
  })
    .branch(scoreMap(S.scoreHeldout, '$.loaded.heldoutBatches', S.scoreHeldoutBatch))
    .branch(scoreMap(S.scoreDrift, '$.loaded.driftBatches', S.scoreDriftBatch));

  const decide = invoke(scope, S.decide, props.decide, {
    comment: 'Held-out score, per-axis drift with bootstrap intervals, thresholds and error budget',
    payload: sfn.TaskInput.fromObject({
      'run.$': '$.loaded.run',
      'checkpoint.$': '$.loaded.checkpoint',
      'heldout.$': '$.scores.heldout',
      'drift.$': '$.scores.drift',
    }),
    resultPath: '$.decision',
  });

  const record = invoke(scope, S.record, props.record, {
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
  const recordFailure = invoke(scope, S.recordFailure, props.record, {
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

  return loadRun.next(scoreCheckpoint).next(decide).next(record);
}

function invoke(
  scope: Construct,
  id: string,
  fn: lambda.IFunction,
  props: Pick<tasks.LambdaInvokeJsonPathProps, 'comment' | 'payload' | 'resultPath'>,
): tasks.LambdaInvoke {
  const task = tasks.LambdaInvoke.jsonPath(scope, id, {
    ...props,
    lambdaFunction: fn,
    payloadResponseOnly: true,
    // One retrier for the service errors, with throttling and jitter (CDK's default one leaves both out).
    retryOnServiceExceptions: false,
    taskTimeout: sfn.Timeout.duration(taskTimeout(fn)),
  });
  task.addRetry({
    errors: [...LAMBDA_SERVICE_ERRORS],
    interval: Duration.seconds(2),
    maxAttempts: 6,
    backoffRate: 2,
    maxDelay: Duration.seconds(60),
    jitterStrategy: sfn.JitterType.FULL,
  });
  return task;
}

/** A minute past the function's own timeout (Lambda's default of 3 s when unset, its maximum when imported). */
function taskTimeout(fn: lambda.IFunction): Duration {
  const own = fn instanceof lambda.Function ? (fn.timeout?.toSeconds() ?? 3) : 900;
  return Duration.seconds(own + 60);
}
