import { createHash } from 'node:crypto';
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { lambdaTask } from './lambda-task';

/*
 * The canary rollout (stage 4), in JSONPath only, like the checkpoint gate:
 *
 *   Publish ─▶ WatchCandidateErrorRate ─▶ WatchCandidateLatency ─▶ Weight ─▶ StartHold
 *     ─▶ Hold (Wait holdSeconds) ─▶ CountWindow ─▶ Check ─▶ Decide ─┬─ promote ─▶ Promote ─▶ Promoted
 *                ▲                                                ├─ hold, under maxHoldWindows ─┘ (back to Hold)
 *                └────────────────────────────────────────────────┘
 *                                                                 └─ rollback, hold at the bound, no action ─▶ Rollback ─▶ RolledBack
 *   any error (Catch States.ALL) ─▶ RollbackOnError ─▶ RolloutFailed
 *
 * Every task but the two Watch states calls the one rollout-step function with an `action`. The execution input is
 * `{ gateVerdict, rollout: { trafficPercent, holdSeconds, holdWindows, maxHoldWindows } }` (the starter below builds
 * it from the Gate Verdict event); each step's result is kept beside it: `published` (at least
 * `{ candidateVersion }`, a Lambda version string), `weighted`, `window` ({count}), `decision` ({action: hold |
 * promote | rollback, …}), `promoted` or `rolledBack`.
 *
 * The Watch states point the two per-version alarms (error rate and p99 latency by Lambda's ExecutedVersion
 * dimension on the alias) at the version just published. A CloudFormation alarm cannot name a version that only
 * exists at run time, and CloudWatch cannot alarm on a SEARCH expression or on a percentile across versions, so
 * the rollout owns these two alarms: it writes them (PutMetricAlarm) before any traffic reaches the candidate.
 *
 * A rollback by decision ends the execution successfully (the verdict tells the story); a failure still rolls back,
 * then fails the execution with the original error, so the alias, the verdict and the execution status all tell the
 * truth. Every loop is bounded (maxHoldWindows) and every task times out, so no execution timeout is needed: an
 * execution timeout would end the rollout where no Catch can roll it back.
 */

/** State names, as they appear in the definition, the execution history and the console. */
export const CANARY_ROLLOUT_STATES = {
  publish: 'Publish',
  watchErrorRate: 'WatchCandidateErrorRate',
  watchLatency: 'WatchCandidateLatency',
  weight: 'Weight',
  startHold: 'StartHold',
  hold: 'Hold',
  countWindow: 'CountWindow',
  check: 'Check',
  decide: 'Decide',
  promote: 'Promote',
  promoted: 'Promoted',
  rollback: 'Rollback',
  rolledBack: 'RolledBack',
  rollbackOnError: 'RollbackOnError',
  rolloutFailed: 'RolloutFailed',
} as const;

/** The `action` of each rollout-step call. */
export const ROLLOUT_ACTIONS = { publish: 'publish', weight: 'weight', check: 'check', promote: 'promote', rollback: 'rollback' } as const;
export type RolloutAction = (typeof ROLLOUT_ACTIONS)[keyof typeof ROLLOUT_ACTIONS];

/** The rollout's settings, carried in its execution input (tests start it with a short hold). */
export interface RolloutSettings {
  /** Share of the alias's traffic the candidate gets, in percent (5–10). */
  readonly trafficPercent: number;
  /** Length of one hold window, in seconds. */
  readonly holdSeconds: number;
  /** Windows the candidate is watched before it may be promoted. */
  readonly holdWindows: number;
  /** Windows after which a check that still answers hold is rolled back. */
  readonly maxHoldWindows: number;
}

/** The execution input: the Gate Verdict detail that promoted the candidate, and the settings. */
export interface CanaryRolloutInput {
  readonly gateVerdict: Record<string, unknown> & { runId: string; checkpoint: string };
  readonly rollout: RolloutSettings;
}

/** One of the two alarms the rollout points at the candidate version (Lambda's own metrics on the alias). */
export interface VersionAlarm {
  readonly alarmName: string;
  readonly description: string;
  /** errorRate: Errors / Invocations; p99Latency: the p99 of Duration, in milliseconds. */
  readonly kind: 'errorRate' | 'p99Latency';
  /** Breaching at or above this value (a share 0–1, or milliseconds). */
  readonly threshold: number;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
}

export interface CanaryRolloutDefinitionProps {
  /** The rollout-step function: publish, weight, check, promote and rollback. */
  readonly step: lambda.IFunction;
  /** The router, and the name of its alias: the version alarms read ExecutedVersion metrics of that alias. */
  readonly routerFunctionName: string;
  readonly aliasName: string;
  /** Every alarm the check reads, the version alarms included. */
  readonly alarmNames: readonly string[];
  readonly versionAlarms: readonly VersionAlarm[];
}

const EXECUTION = { 'name.$': '$$.Execution.Name', 'arn.$': '$$.Execution.Id' };

export function buildCanaryRolloutDefinition(scope: Construct, props: CanaryRolloutDefinitionProps): sfn.IChainable {
  const kinds = props.versionAlarms.map((a) => a.kind).sort();
  if (kinds.join() !== 'errorRate,p99Latency') {
    throw new Error('buildCanaryRolloutDefinition: give exactly one errorRate and one p99Latency version alarm');
  }
  for (const alarm of props.versionAlarms) {
    if (!props.alarmNames.includes(alarm.alarmName)) throw new Error(`buildCanaryRolloutDefinition: the check must read the version alarm ${alarm.alarmName}`);
  }
  const S = CANARY_ROLLOUT_STATES;
  const A = ROLLOUT_ACTIONS;

  const publish = lambdaTask(scope, S.publish, props.step, {
    comment: 'Publishes router versions pinning the current and the candidate model; the alias is not touched yet',
    payload: sfn.TaskInput.fromObject({ action: A.publish, 'gateVerdict.$': '$.gateVerdict', execution: EXECUTION }),
    resultPath: '$.published',
  });

  const watch = (id: string, alarm: VersionAlarm) =>
    tasks.CallAwsService.jsonPath(scope, id, {
      comment: `Points ${alarm.alarmName} at the candidate version before it gets any traffic`,
      service: 'cloudwatch',
      action: 'putMetricAlarm',
      iamAction: 'cloudwatch:PutMetricAlarm',
      iamResources: [alarmArn(scope, alarm.alarmName)],
      parameters: putMetricAlarmParameters(alarm, props.routerFunctionName, props.aliasName),
      resultPath: sfn.JsonPath.DISCARD,
    }).addRetry({ errors: [sfn.Errors.TASKS_FAILED], interval: Duration.seconds(2), maxAttempts: 3, backoffRate: 2, jitterStrategy: sfn.JitterType.FULL });
  const errorRate = props.versionAlarms.find((a) => a.kind === 'errorRate')!;
  const latency = props.versionAlarms.find((a) => a.kind === 'p99Latency')!;
  const watchErrorRate = watch(S.watchErrorRate, errorRate);
  const watchLatency = watch(S.watchLatency, latency);

  const weight = lambdaTask(scope, S.weight, props.step, {
    comment: 'Routes trafficPercent of the live alias to the candidate version',
    payload: sfn.TaskInput.fromObject({
      action: A.weight,
      'gateVerdict.$': '$.gateVerdict',
      'published.$': '$.published',
      'trafficPercent.$': '$.rollout.trafficPercent',
      execution: EXECUTION,
    }),
    resultPath: '$.weighted',
  });

  const startHold = sfn.Pass.jsonPath(scope, S.startHold, { comment: 'No hold window has elapsed yet', result: sfn.Result.fromObject({ count: 0 }), resultPath: '$.window' });
  const hold = sfn.Wait.jsonPath(scope, S.hold, { comment: 'One hold window; an alarm rolls back at any time meanwhile', time: sfn.WaitTime.secondsPath('$.rollout.holdSeconds') });
  const countWindow = sfn.Pass.jsonPath(scope, S.countWindow, {
    comment: 'One more hold window has elapsed',
    parameters: { 'count.$': 'States.MathAdd($.window.count, 1)' },
    resultPath: '$.window',
  });
  const check = lambdaTask(scope, S.check, props.step, {
    comment: 'Reads the canary alarms and metrics and decides hold, promote or rollback',
    payload: sfn.TaskInput.fromObject({
      action: A.check,
      'gateVerdict.$': '$.gateVerdict',
      'published.$': '$.published',
      'elapsedWindows.$': '$.window.count',
      'holdWindows.$': '$.rollout.holdWindows',
      'maxHoldWindows.$': '$.rollout.maxHoldWindows',
      alarmNames: [...props.alarmNames],
      execution: EXECUTION,
    }),
    resultPath: '$.decision',
  });

  const promote = lambdaTask(scope, S.promote, props.step, {
    comment: 'Points the live alias at the candidate alone, records PASS, publishes Canary Promoted',
    payload: sfn.TaskInput.fromObject({ action: A.promote, 'gateVerdict.$': '$.gateVerdict', 'published.$': '$.published', 'decision.$': '$.decision', execution: EXECUTION }),
    resultPath: '$.promoted',
  });
  const rollback = lambdaTask(scope, S.rollback, props.step, {
    comment: 'Clears the candidate weight, records the verdict, publishes Canary Rolled Back',
    payload: sfn.TaskInput.fromObject({
      action: A.rollback,
      'gateVerdict.$': '$.gateVerdict',
      'published.$': '$.published',
      'decision.$': '$.decision',
      'elapsedWindows.$': '$.window.count',
      execution: EXECUTION,
    }),
    resultPath: '$.rolledBack',
  });

  // The error is kept beside the state (not in place of it), so the rollback sees whatever was published.
  const rollbackOnError = lambdaTask(scope, S.rollbackOnError, props.step, {
    comment: 'Fails closed: any error rolls the candidate back and records INCONCLUSIVE',
    payload: sfn.TaskInput.fromObject({ action: A.rollback, 'gateVerdict.$': '$.gateVerdict', 'state.$': '$', 'error.$': '$.error', execution: EXECUTION }),
    resultPath: sfn.JsonPath.DISCARD,
  }).next(
    sfn.Fail.jsonPath(scope, S.rolloutFailed, { comment: 'Rolled back; the execution still fails with the original error', errorPath: '$.error.Error', causePath: '$.error.Cause' }),
  );
  for (const step of [publish, watchErrorRate, watchLatency, weight, check, promote, rollback]) {
    step.addCatch(rollbackOnError, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
  }

  const decide = sfn.Choice.jsonPath(scope, S.decide, { comment: 'hold loops while under maxHoldWindows; anything but promote or hold rolls back' })
    // A decision without an action rolls back rather than failing the Choice on a missing path.
    .when(sfn.Condition.not(sfn.Condition.isPresent('$.decision.action')), rollback)
    .when(sfn.Condition.stringEquals('$.decision.action', 'promote'), promote)
    .when(
      sfn.Condition.and(sfn.Condition.stringEquals('$.decision.action', 'hold'), sfn.Condition.numberLessThanJsonPath('$.window.count', '$.rollout.maxHoldWindows')),
      hold,
    )
    .otherwise(rollback);

  promote.next(sfn.Succeed.jsonPath(scope, S.promoted, { comment: 'The candidate serves all traffic' }));
  rollback.next(sfn.Succeed.jsonPath(scope, S.rolledBack, { comment: 'The current model serves all traffic; the verdict says why' }));

  return publish.next(watchErrorRate).next(watchLatency).next(weight).next(startHold).next(hold).next(countWindow).next(check).next(decide);
}

/** PutMetricAlarm parameters of a version alarm; the ExecutedVersion is read from `$.published.candidateVersion`. */
export function putMetricAlarmParameters(alarm: VersionAlarm, routerFunctionName: string, aliasName: string): Record<string, unknown> {
  const dimensions = [
    { Name: 'FunctionName', Value: routerFunctionName },
    { Name: 'Resource', Value: `${routerFunctionName}:${aliasName}` },
    { Name: 'ExecutedVersion', 'Value.$': '$.published.candidateVersion' },
  ];
  const common = {
    AlarmName: alarm.alarmName,
    AlarmDescription: alarm.description,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    Threshold: alarm.threshold,
    EvaluationPeriods: alarm.evaluationPeriods,
    DatapointsToAlarm: alarm.datapointsToAlarm,
    TreatMissingData: 'notBreaching',
  };
  if (alarm.kind === 'p99Latency') {
    return { ...common, Namespace: 'AWS/Lambda', MetricName: 'Duration', Dimensions: dimensions, ExtendedStatistic: 'p99', Period: alarm.periodSeconds, Unit: 'Milliseconds' };
  }
  const stat = (metricName: string) => ({ Metric: { Namespace: 'AWS/Lambda', MetricName: metricName, Dimensions: dimensions }, Period: alarm.periodSeconds, Stat: 'Sum' });
  return {
    ...common,
    Metrics: [
      { Id: 'errors', MetricStat: stat('Errors'), ReturnData: false },
      { Id: 'invocations', MetricStat: stat('Invocations'), ReturnData: false },
      // A period without invocations has no datapoint (missing, not breaching), never a division by zero.
      { Id: 'errorRate', Expression: 'FILL(errors, 0) / invocations', Label: 'Error rate of the candidate version', ReturnData: true },
    ],
  };
}

/** ARN of a CloudWatch alarm of this stack's account and region. */
export function alarmArn(scope: Construct, alarmName: string): string {
  return Stack.of(scope).formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: alarmName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/*
 * The starter: an Express state machine, the target of the rule on Gate Verdict (stage arena, PASS, promote). An
 * EventBridge target cannot name the execution it starts; this one does, so a redelivered verdict starts no second
 * rollout of the same checkpoint:
 *
 *   StartRollout (states:startExecution, name canary-<sha256 of [runId, checkpoint]>) ─▶ end
 *     └─ ExecutionAlreadyExists ─▶ AlreadyStarted
 */

export const CANARY_START_STATES = { startRollout: 'StartRollout', alreadyStarted: 'AlreadyStarted' } as const;

/** Step Functions' error for a name already used (a running execution with the same input is not an error). */
export const EXECUTION_ALREADY_EXISTS = 'StepFunctions.ExecutionAlreadyExistsException';

/**
 * The rollout's execution name for a checkpoint, as the starter computes it with intrinsic functions:
 * `canary-` and the SHA-256 of `["<runId>","<checkpoint>"]`, 71 characters of [a-z0-9-] for any run id and checkpoint.
 */
export function canaryExecutionName(runId: string, checkpoint: string): string {
  return `canary-${createHash('sha256').update(JSON.stringify([runId, checkpoint])).digest('hex')}`;
}

export interface CanaryStartDefinitionProps {
  readonly rollout: sfn.IStateMachine;
  readonly settings: RolloutSettings;
}

export function buildCanaryStartDefinition(scope: Construct, props: CanaryStartDefinitionProps): sfn.IChainable {
  const S = CANARY_START_STATES;
  const name = sfn.JsonPath.format(
    'canary-{}',
    sfn.JsonPath.hash(sfn.JsonPath.jsonToString(sfn.JsonPath.array(sfn.JsonPath.stringAt('$.detail.runId'), sfn.JsonPath.stringAt('$.detail.checkpoint'))), 'SHA-256'),
  );
  const start = tasks.StepFunctionsStartExecution.jsonPath(scope, S.startRollout, {
    comment: 'Starts the rollout of the promoted checkpoint under a name derived from (runId, checkpoint)',
    stateMachine: props.rollout,
    integrationPattern: sfn.IntegrationPattern.REQUEST_RESPONSE,
    name,
    input: sfn.TaskInput.fromObject({ 'gateVerdict.$': '$.detail', rollout: { ...props.settings } }),
    associateWithParent: false,
  });
  // A name already used is a duplicate delivery: never retried, ended as a success.
  start.addRetry({ errors: [EXECUTION_ALREADY_EXISTS], maxAttempts: 0 });
  start.addRetry({ errors: [sfn.Errors.ALL], interval: Duration.seconds(2), maxAttempts: 5, backoffRate: 2, jitterStrategy: sfn.JitterType.FULL });
  start.addCatch(sfn.Succeed.jsonPath(scope, S.alreadyStarted, { comment: 'This checkpoint already has a rollout' }), { errors: [EXECUTION_ALREADY_EXISTS] });
  return start;
}
