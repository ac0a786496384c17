import { ArnFormat, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { arenaPromotionPattern } from '../events/arena-promotion';
import { CANARY_ALARM_PREFIX, canaryAlarmPattern } from '../events/cloudwatch-alarm-state-change';
import { abnormalEndPattern } from '../events/execution-status-change';
import type { CanaryConfigInput } from '../functions/canary/canary-config';
import { CANARY_METRICS, CANARY_NAMESPACE, RUBRIC_NAME, rubricMetricName } from '../functions/canary/canary-metrics';
import { parseCheck, type CheckSpec } from '../functions/gates/rubrics/registry';
import { parseModelRef } from '../functions/models/model-ref';
import {
  alarmArn,
  buildCanaryRolloutDefinition,
  buildCanaryStartDefinition,
  type RolloutSettings,
  type VersionAlarm,
} from '../state-machines/canary-rollout';
import { FinegateFunction, type FinegateFunctionProps } from './finegate-function';
import {
  acknowledgeCanaryAlarms,
  acknowledgeCrossRegionModel,
  acknowledgeFunctionVersions,
  acknowledgeRolloutExecutions,
  acknowledgeUnscopedReads,
  flattenReference,
} from './nag-suppressions';
import type { Storage } from './storage';
import { createStateMachineLogGroup } from './state-machine-log-group';

/** The functions of the canary (stage 4), by role. */
export type CanaryFunctionName = 'router' | 'scorer' | 'rollback' | 'rolloutStep';

/** A rubric of the canary: a named stage-2 check, or a rubric id alone. */
export type CanaryRubricInput = string | { readonly name: string; readonly check: CheckSpec };

const DEFAULT_RUBRICS: readonly CanaryRubricInput[] = [{ name: 'helpfulness', check: { rubric: 'judge:task-completion' } }];

/** Handler sources of the canary's functions, relative to the repository root. */
export const CANARY_ENTRIES: Readonly<Record<CanaryFunctionName, string>> = {
  router: 'functions/canary-router.ts',
  scorer: 'functions/canary-scorer.ts',
  rollback: 'functions/canary-rollback.ts',
  rolloutStep: 'functions/canary-rollout-step.ts',
};

export const CANARY_ALIAS_NAME = 'live';

/*
 * The alarms are run-independent (one set for every canary on this router), so they read the canary metrics
 * (functions/canary/canary-metrics.ts) in dimension sets without RunId: `Rubric_<name>` by {Cohort}, and ShadowWin,
 * ShadowLoss and WinRateBelowFloorEValue with no dimension. The emitters publish these beside their {RunId, …} sets
 * (EMF allows several dimension sets per metric). Only one canary runs on an alias at a time.
 */
const COHORT_DIMENSION = 'Cohort';

/** Function settings a caller may change; entries and handler names are set by `entries`. */
export type CanaryFunctionProps = Omit<FinegateFunctionProps, 'entry' | 'handler'>;

export interface CanaryProps {
  readonly storage: Storage;
  /** The model reference the router's first version serves (the production model before any canary). */
  readonly currentModel: string;
  /** Handler sources over the defaults (`functions/canary-*.ts`), repository-relative. */
  readonly entries?: Partial<Record<CanaryFunctionName, string>>;
  /** Overrides merged over the defaults of every canary function. */
  readonly functionProps?: CanaryFunctionProps;
  /** Overrides for one function, merged over `functionProps`. */
  readonly functionPropsByName?: Partial<Record<CanaryFunctionName, CanaryFunctionProps>>;
  /** Percent of the live alias's traffic the candidate gets, 5–10. @default 10 */
  readonly trafficPercent?: number;
  /** Share of requests also sent to the other cohort's model as a shadow pair, 0–1. @default 0.1 */
  readonly shadowFraction?: number;
  /** One hold window, 30–60 minutes. @default 45 minutes */
  readonly holdWindow?: Duration;
  /** Hold windows the candidate is watched before it may be promoted. @default 1 */
  readonly holdWindows?: number;
  /** Hold windows after which a check that still answers hold rolls back, at most 24. @default 4 */
  readonly maxHoldWindows?: number;
  /** Period of every alarm's datapoints, whole minutes. @default 5 minutes */
  readonly windowPeriod?: Duration;
  /** M: breaching datapoints that raise an alarm. @default 3 */
  readonly datapointsToAlarm?: number;
  /** N: the datapoints an alarm looks at. @default 5 */
  readonly evaluationPeriods?: number;
  /** Points (0–100) the candidate's mean may fall below the current's before a rubric breaches. @default 2 */
  readonly rubricDropPoints?: number;
  /** Shadow win rate (wins / decided pairs) below which the candidate breaches. @default 0.5 */
  readonly winRateFloor?: number;
  /** Level of the sequential win-rate test: it alarms at an e-value of 1/alpha. @default 0.05 */
  readonly winRateAlpha?: number;
  /**
   * Rubrics the scorer grades both cohorts on, each with a drop alarm: `{ name, check }` (name: letters, digits, '_'
   * and '-', at most 63; check: a stage-2 rubric as the registry reads it, reference-free), or a rubric id alone
   * (`'refusal-detection'`, `'judge:task-completion'`: named after the id without `judge:`).
   * @default [{ name: 'helpfulness', check: { rubric: 'judge:task-completion' } }]
   */
  readonly rubrics?: readonly CanaryRubricInput[];
  /** Decided shadow pairs the candidate needs before it may be promoted. @default 100 */
  readonly minDecidedPairs?: number;
  /** Rubric scores per cohort the candidate needs before it may be promoted. @default 30 */
  readonly minRubricSamples?: number;
  /** Error rate (0–1) of the candidate version that breaches. @default 0.05 */
  readonly errorRateThreshold?: number;
  /** p99 latency of the candidate version that breaches. @default 30 seconds */
  readonly latencyP99Threshold?: Duration;
  /** Name prefix of the canary's alarms; starts with 'finegate-canary-' and ends with '-'. @default 'finegate-canary-' */
  readonly alarmNamePrefix?: string;
  /** Bedrock models (foundation-model, inference-profile or custom-model ARNs) the router and the scorer may call. */
  readonly bedrockModelArns?: string[];
  /** Shadow messages the scorer takes at once, 1–10. @default 10 */
  readonly scorerBatchSize?: number;
  /** Use this queue for shadow pairs (its redrive is the caller's). Not with `shadowQueueProps`. */
  readonly existingShadowQueue?: sqs.IQueue;
  /** Overrides merged over the shadow queue defaults (encrypted, TLS only, redrive to a dead-letter queue). */
  readonly shadowQueueProps?: sqs.QueueProps;
  /** Send undeliverable trigger events and failed rollbacks here. Not with `deadLetterQueueProps`. */
  readonly existingDeadLetterQueue?: sqs.IQueue;
  /** Overrides merged over the dead-letter queue defaults. Not with `existingDeadLetterQueue`. */
  readonly deadLetterQueueProps?: sqs.QueueProps;
  /** Log both state machines' executions to this group. Not with `stateMachineLogGroupProps`. */
  readonly existingStateMachineLogGroup?: logs.ILogGroup;
  /** Overrides merged over the execution log group defaults (KMS-encrypted, 3 months, retained). */
  readonly stateMachineLogGroupProps?: logs.LogGroupProps;
  /** How often EventBridge retries delivering an event to its target. @default 8 */
  readonly retryAttempts?: number;
  /** How long EventBridge keeps retrying before an event goes to the dead-letter queue. @default 4 hours */
  readonly maxEventAge?: Duration;
}

const FUNCTION_DEFAULTS: Record<CanaryFunctionName, { description: string; memorySize: number; timeout: Duration }> = {
  router: { description: 'finegate stage 4: routes a request to the model its version pins, samples shadow pairs', memorySize: 1024, timeout: Duration.minutes(2) },
  scorer: { description: 'finegate stage 4: judges shadow pairs and scores rubrics per cohort into metrics', memorySize: 1024, timeout: Duration.minutes(5) },
  rollback: { description: 'finegate stage 4: rolls the canary back when one of its alarms fires', memorySize: 256, timeout: Duration.minutes(1) },
  rolloutStep: { description: 'finegate stage 4: publishes, weights, checks, promotes or rolls back the canary', memorySize: 512, timeout: Duration.minutes(2) },
};

const FUNCTION_IDS: Record<CanaryFunctionName, string> = {
  router: 'RouterFunction',
  scorer: 'ScorerFunction',
  rollback: 'RollbackFunction',
  rolloutStep: 'RolloutStepFunction',
};

/** A message is retried this often by the scorer before it is parked in the shadow dead-letter queue. */
const SHADOW_MAX_RECEIVE_COUNT = 5;

/**
 * Stage 4: a promoted checkpoint goes out as a canary. A router function behind a `live` alias (Function URL, IAM
 * auth) splits traffic between the current version and a candidate version, each pinning one model; a sample of
 * requests becomes shadow pairs on a queue, which the scorer judges into per-cohort metrics; CloudWatch alarms on
 * those metrics (and on the candidate version's errors and latency) roll the canary back through EventBridge; a
 * rollout state machine, started by the arena's promoting Gate Verdict, publishes, weights, holds, checks and
 * promotes.
 *
 * The alias's version and weights are owned at run time by the rollout and the rollback, never by CloudFormation:
 * see `createAlias`.
 */
export class Canary extends Construct {
  public readonly functions: Readonly<Record<CanaryFunctionName, FinegateFunction>>;
  /** The router's first published version: what the alias points at until the first rollout. */
  public readonly initialVersion: lambda.Version;
  /** The `live` alias, as an imported reference: CloudFormation never declares it (see `createAlias`). */
  public readonly alias: lambda.IAlias;
  /** The custom resource that creates the alias once and never updates or deletes it. */
  public readonly aliasCreator: cr.AwsCustomResource;
  /** IAM-authenticated Function URL of the live alias. */
  public readonly functionUrl: lambda.FunctionUrl;
  public readonly shadowQueue: sqs.IQueue;
  /** Receives shadow messages the scorer failed on every attempt; absent for an existing shadow queue. */
  public readonly shadowDeadLetterQueue?: sqs.IQueue;
  /** Receives undeliverable trigger events and rollbacks that failed every attempt. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** One drop alarm per rubric, by rubric name. */
  public readonly rubricDropAlarms: Readonly<Record<string, cloudwatch.Alarm>>;
  public readonly shadowWinRateAlarm: cloudwatch.Alarm;
  public readonly winRateSequentialAlarm: cloudwatch.Alarm;
  /** The two alarms on the candidate version, written by the rollout when it publishes the version. */
  public readonly versionAlarms: readonly VersionAlarm[];
  /** Every alarm of the canary: the ones above and the version alarms. */
  public readonly alarmNames: readonly string[];
  public readonly rollbackRule: events.Rule;
  /** Rolls the canary back when a rollout execution fails, times out or is aborted (fail closed). */
  public readonly rolloutEndedRule: events.Rule;
  public readonly rolloutRule: events.Rule;
  public readonly stateMachine: sfn.StateMachine;
  /** Express state machine that starts the rollout under a name derived from (runId, checkpoint). */
  public readonly starter: sfn.StateMachine;
  public readonly logGroup: logs.ILogGroup;
  /** The key of the execution log group, when this construct created the group. */
  public readonly logGroupKey?: kms.IKey;
  public readonly settings: RolloutSettings;
  public readonly alarmNamePrefix: string;
  /** CANARY_CONFIG of the scorer, the rollback and the rollout step: the alarms' numbers as the handlers read them. */
  public readonly runtimeConfig: CanaryConfigInput;

  constructor(scope: Construct, id: string, props: CanaryProps) {
    super(scope, id);
    exclusive('existingShadowQueue', props.existingShadowQueue, 'shadowQueueProps', props.shadowQueueProps);
    exclusive('existingDeadLetterQueue', props.existingDeadLetterQueue, 'deadLetterQueueProps', props.deadLetterQueueProps);
    exclusive('existingStateMachineLogGroup', props.existingStateMachineLogGroup, 'stateMachineLogGroupProps', props.stateMachineLogGroupProps);
    const config = validConfig(props);
    const { storage } = props;
    this.alarmNamePrefix = config.alarmNamePrefix;
    this.runtimeConfig = runtimeConfig(config);
    const canaryConfig = JSON.stringify(this.runtimeConfig);
    this.settings = {
      trafficPercent: config.trafficPercent,
      holdSeconds: config.holdWindow.toSeconds(),
      holdWindows: config.holdWindows,
      maxHoldWindows: config.maxHoldWindows,
    };

    this.deadLetterQueue =
      props.existingDeadLetterQueue ??
      new sqs.Queue(this, 'DeadLetterQueue', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
        ...props.deadLetterQueueProps,
      });

    const makeFunction = (name: CanaryFunctionName, environment: Record<string, string>, extra: Partial<FinegateFunctionProps> = {}) => {
      const { environment: shared, ...sharedOverrides } = props.functionProps ?? {};
      const { environment: own, ...ownOverrides } = props.functionPropsByName?.[name] ?? {};
      return new FinegateFunction(this, FUNCTION_IDS[name], {
        ...FUNCTION_DEFAULTS[name],
        ...extra,
        ...sharedOverrides,
        ...ownOverrides,
        entry: props.entries?.[name] ?? CANARY_ENTRIES[name],
        handler: 'handler',
        // The contract variables win over caller variables of the same name.
        environment: { ...shared, ...own, ...environment },
      });
    };

    // The scorer's timeout sets the queue's visibility timeout, so the scorer comes first.
    const scorerTimeout = props.functionPropsByName?.scorer?.timeout ?? props.functionProps?.timeout ?? FUNCTION_DEFAULTS.scorer.timeout;
    const shadow = this.createShadowQueue(props, scorerTimeout);
    this.shadowQueue = shadow.queue;
    this.shadowDeadLetterQueue = shadow.deadLetterQueue;

    // The version the router publishes pins MODEL_REF and COHORT; RUN_ID and OTHER_MODEL_REF are set by the rollout.
    const router = makeFunction('router', {
      MODEL_REF: validModel(props.currentModel),
      COHORT: 'current',
      SHADOW_QUEUE_URL: this.shadowQueue.queueUrl,
      SHADOW_FRACTION: String(config.shadowFraction),
      POWERTOOLS_METRICS_NAMESPACE: CANARY_NAMESPACE,
    });
    // The win tally lives in the judge-cache table (the scorer's default); the run's pinned judge is read from runs.
    const scorer = makeFunction('scorer', {
      RUNS_TABLE: storage.runsTable.tableName,
      JUDGE_CACHE_TABLE: storage.judgeCacheTable.tableName,
      CANARY_CONFIG: canaryConfig,
      POWERTOOLS_METRICS_NAMESPACE: CANARY_NAMESPACE,
    });
    scorer.addEventSource(new SqsEventSource(this.shadowQueue, { batchSize: config.scorerBatchSize, reportBatchItemFailures: true }));

    const { initialVersion, alias, creator } = this.createAlias(router);
    this.initialVersion = initialVersion;
    this.alias = alias;
    this.aliasCreator = creator;
    this.functionUrl = new lambda.FunctionUrl(this, 'FunctionUrl', { function: alias, authType: lambda.FunctionUrlAuthType.AWS_IAM });
    // The URL's qualifier names the alias, which exists only once the custom resource ran.
    this.functionUrl.node.addDependency(creator);

    const alarms = this.createAlarms(config);
    this.rubricDropAlarms = alarms.rubricDrops;
    this.shadowWinRateAlarm = alarms.shadowWinRate;
    this.winRateSequentialAlarm = alarms.sequential;
    this.versionAlarms = versionAlarms(config);
    // Literal names, not the alarms' Refs: the definition and the grants then depend on no alarm resource.
    const names = alarmNames(config.alarmNamePrefix);
    this.alarmNames = [
      ...config.rubrics.map((r) => names.rubricDrop(r.name)),
      names.shadowWinRate,
      names.winRateSequential,
      ...this.versionAlarms.map((a) => a.alarmName),
    ];

    const rolloutStep = makeFunction('rolloutStep', {
      ROUTER_FUNCTION_NAME: router.functionName,
      ALIAS_NAME: CANARY_ALIAS_NAME,
      VERDICTS_TABLE: storage.verdictsTable.tableName,
      EVENT_BUS_NAME: storage.eventBus.eventBusName,
      ALARM_NAME_PREFIX: this.alarmNamePrefix,
      CANARY_CONFIG: canaryConfig,
      // The run's pinned judge, which CANARY_CONFIG does not name.
      RUNS_TABLE: storage.runsTable.tableName,
    });

    if (props.existingStateMachineLogGroup) {
      this.logGroup = props.existingStateMachineLogGroup;
    } else {
      const created = createStateMachineLogGroup(this, 'the finegate canary rollout', props.stateMachineLogGroupProps);
      this.logGroup = created.logGroup;
      this.logGroupKey = created.key;
    }
    const logging = { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true };

    this.stateMachine = new sfn.StateMachine(this, 'RolloutStateMachine', {
      comment: 'finegate stage 4: canary rollout of a promoted checkpoint (publish, weight, hold, check, promote or roll back)',
      stateMachineType: sfn.StateMachineType.STANDARD,
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      definitionBody: sfn.DefinitionBody.fromChainable(
        buildCanaryRolloutDefinition(this, {
          step: rolloutStep,
          routerFunctionName: router.functionName,
          aliasName: CANARY_ALIAS_NAME,
          alarmNames: this.alarmNames,
          versionAlarms: this.versionAlarms,
        }),
      ),
      tracingEnabled: true,
      logs: logging,
    });
    this.starter = new sfn.StateMachine(this, 'StartRolloutStateMachine', {
      comment: 'finegate stage 4: starts the canary rollout of a promoted checkpoint, once per (runId, checkpoint)',
      stateMachineType: sfn.StateMachineType.EXPRESS,
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      definitionBody: sfn.DefinitionBody.fromChainable(buildCanaryStartDefinition(this, { rollout: this.stateMachine, settings: this.settings })),
      timeout: Duration.minutes(5),
      tracingEnabled: true,
      logs: logging,
    });

    // Created after the state machine, which it stops.
    const rollback = makeFunction(
      'rollback',
      {
        ROUTER_FUNCTION_NAME: router.functionName,
        ALIAS_NAME: CANARY_ALIAS_NAME,
        VERDICTS_TABLE: storage.verdictsTable.tableName,
        EVENT_BUS_NAME: storage.eventBus.eventBusName,
        ROLLOUT_STATE_MACHINE_ARN: this.stateMachine.stateMachineArn,
        ALARM_NAME_PREFIX: this.alarmNamePrefix,
        CANARY_CONFIG: canaryConfig,
      },
      { retryAttempts: 2, deadLetterQueue: this.deadLetterQueue },
    );
    this.functions = { router, scorer, rollback, rolloutStep };

    this.grantAccess(storage, props.bedrockModelArns ?? []);
    this.acknowledgeStateMachineRoles();

    const retry = { deadLetterQueue: this.deadLetterQueue, retryAttempts: props.retryAttempts ?? 8, maxEventAge: props.maxEventAge ?? Duration.hours(4) };
    // CloudWatch reports alarm state changes on the account's default bus.
    this.rollbackRule = new events.Rule(this, 'AlarmRollbackRule', {
      description: 'Rolls the canary back when one of its alarms enters ALARM',
      eventPattern: canaryAlarmPattern(this.alarmNamePrefix) as events.EventPattern,
      targets: [new targets.LambdaFunction(rollback, retry)],
    });
    // Step Functions reports execution status changes on the default bus. The rollout rolls itself back on any error it
    // catches; this covers what it cannot catch (a timeout, a StopExecution, a failing rollback step) and ignores a
    // rollout whose candidate no longer has traffic.
    this.rolloutEndedRule = new events.Rule(this, 'RolloutEndedRule', {
      description: 'Rolls the canary back when its rollout execution fails, times out or is aborted',
      eventPattern: abnormalEndPattern(this.stateMachine.stateMachineArn) as events.EventPattern,
      targets: [new targets.LambdaFunction(rollback, retry)],
    });
    this.rolloutRule = new events.Rule(this, 'RolloutRule', {
      description: 'Starts the canary rollout of a checkpoint the arena passed for promotion',
      eventBus: storage.eventBus,
      eventPattern: arenaPromotionPattern() as events.EventPattern,
      targets: [new targets.SfnStateMachine(this.starter, retry)],
    });
  }

  /** Lets a principal call the router through its Function URL (lambda:InvokeFunctionUrl on the live alias). */
  public grantInvokeUrl(grantee: iam.IGrantable): iam.Grant {
    return this.functionUrl.grantInvokeUrl(grantee);
  }

  /**
   * The `live` alias is created once by a custom resource and never declared as an AWS::Lambda::Alias.
   *
   * Its FunctionVersion and RoutingConfig belong to the rollout (weight, promote) and the rollback, which change them
   * with UpdateAlias at run time. A CloudFormation alias resource would fight them: whenever a deploy updates the
   * resource it sends the template's FunctionVersion and RoutingConfig, and an update that omits RoutingConfig clears
   * the weights; it would also move the alias back to the template's version, undoing a promotion. A standard
   * change set only touches resources whose template changed, so a fixed template is safe until someone edits the
   * alias or deploys with drift reversion (`cdk deploy --revert-drift`, a drift-aware change set), which resets every
   * drifted property to the template. With no alias in the template there is nothing to revert.
   *
   * The custom resource calls CreateAlias on create only (no update call, no delete call): a later deploy leaves the
   * alias alone whatever changes, and deleting the stack deletes the function, its versions and its aliases with it.
   * An alias that already exists (a re-created custom resource) is adopted as it stands. The initial version has no
   * code hash in its properties, so CloudFormation never replaces it; later code is published by the rollout.
   */
  private createAlias(router: FinegateFunction): { initialVersion: lambda.Version; alias: lambda.IAlias; creator: cr.AwsCustomResource } {
    const initialVersion = new lambda.Version(this, 'InitialVersion', {
      lambda: router,
      description: 'finegate canary: the router version the live alias starts on',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const aliasArn = `${router.functionArn}:${CANARY_ALIAS_NAME}`;
    // An own role instead of the provider's default one, which carries the AWS managed basic execution policy.
    const role = new iam.Role(this, 'AliasCreatorRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Creates the live alias of the finegate canary router, once',
    });
    const logGroup = new logs.LogGroup(this, 'AliasCreatorLogGroup', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.RETAIN });
    logGroup.grantWrite(role);
    const creator = new cr.AwsCustomResource(this, 'LiveAlias', {
      resourceType: 'Custom::FinegateCanaryAlias',
      onCreate: {
        service: 'Lambda',
        action: 'CreateAlias',
        parameters: {
          FunctionName: router.functionName,
          Name: CANARY_ALIAS_NAME,
          FunctionVersion: initialVersion.version,
          Description: 'finegate canary: version and weights owned by the rollout and the rollback, not by CloudFormation',
        },
        physicalResourceId: cr.PhysicalResourceId.of(aliasArn),
        ignoreErrorCodesMatching: 'ResourceConflictException',
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        // Lambda may authorize alias actions on the function or on the alias ARN; both name this router only.
        new iam.PolicyStatement({ sid: 'CreateLiveAlias', actions: ['lambda:CreateAlias'], resources: [router.functionArn, aliasArn] }),
      ]),
      role,
      logGroup,
      installLatestAwsSdk: false,
    });
    const alias = lambda.Alias.fromAliasAttributes(this, 'Live', { aliasName: CANARY_ALIAS_NAME, aliasVersion: initialVersion });
    return { initialVersion, alias, creator };
  }

  private createShadowQueue(props: CanaryProps, scorerTimeout: Duration): { queue: sqs.IQueue; deadLetterQueue?: sqs.IQueue } {
    if (props.existingShadowQueue) return { queue: props.existingShadowQueue };
    const deadLetterQueue = props.shadowQueueProps?.deadLetterQueue
      ? undefined
      : new sqs.Queue(this, 'ShadowDeadLetterQueue', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    const queue = new sqs.Queue(this, 'ShadowQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // A scored pair is worth little after a hold window or two.
      retentionPeriod: Duration.days(1),
      // AWS's advice for an SQS event source: six times the function timeout, so retries within a batch fit.
      visibilityTimeout: Duration.seconds(Math.min(43_200, scorerTimeout.toSeconds() * 6)),
      ...(deadLetterQueue ? { deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: SHADOW_MAX_RECEIVE_COUNT } } : {}),
      ...props.shadowQueueProps,
    });
    return { queue, deadLetterQueue: props.shadowQueueProps?.deadLetterQueue?.queue ?? deadLetterQueue };
  }

  private createAlarms(config: CanaryConfig): { rubricDrops: Record<string, cloudwatch.Alarm>; shadowWinRate: cloudwatch.Alarm; sequential: cloudwatch.Alarm } {
    const period = config.windowPeriod;
    const names = alarmNames(config.alarmNamePrefix);
    const metric = (metricName: string, statistic: string, dimensionsMap?: Record<string, string>) =>
      new cloudwatch.Metric({ namespace: CANARY_NAMESPACE, metricName, statistic, period, ...(dimensionsMap ? { dimensionsMap } : {}) });
    const mOfN = {
      evaluationPeriods: config.evaluationPeriods,
      datapointsToAlarm: config.datapointsToAlarm,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    };

    const rubricDrops: Record<string, cloudwatch.Alarm> = {};
    for (const { name: rubric } of config.rubrics) {
      const name = rubricMetricName(rubric);
      rubricDrops[rubric] = new cloudwatch.Alarm(this, `RubricDropAlarm${alarmIdPart(rubric)}`, {
        alarmName: names.rubricDrop(rubric),
        alarmDescription: `Candidate's mean ${rubric} score at least ${config.rubricDropPoints} points below the current's`,
        // Each datapoint is the window's mean per cohort (the Average of the scores emitted in it).
        metric: new cloudwatch.MathExpression({
          expression: 'current - candidate',
          label: `${rubric}: current minus candidate, points`,
          usingMetrics: {
            current: metric(name, 'Average', { [COHORT_DIMENSION]: 'current' }),
            candidate: metric(name, 'Average', { [COHORT_DIMENSION]: 'candidate' }),
          },
          period,
        }),
        threshold: config.rubricDropPoints,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        ...mOfN,
      });
    }

    const shadowWinRate = new cloudwatch.Alarm(this, 'ShadowWinRateAlarm', {
      alarmName: names.shadowWinRate,
      alarmDescription: `Candidate's shadow win rate (wins / decided pairs) below ${config.winRateFloor}`,
      metric: new cloudwatch.MathExpression({
        // A window with losses only is a 0, not a missing value. A window whose pairs were all ties reads 1, never
        // a division by zero: not breaching, as a window without pairs is under notBreaching.
        expression: 'IF(FILL(wins, 0) + FILL(losses, 0) > 0, FILL(wins, 0) / (FILL(wins, 0) + FILL(losses, 0)), 1)',
        label: 'Shadow win rate of the candidate',
        usingMetrics: { wins: metric(CANARY_METRICS.shadowWin, 'Sum'), losses: metric(CANARY_METRICS.shadowLoss, 'Sum') },
        period,
      }),
      threshold: config.winRateFloor,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      ...mOfN,
    });

    // The test is anytime-valid: its first crossing of 1/alpha is its decision, and M of N on top would only delay it.
    const sequential = new cloudwatch.Alarm(this, 'WinRateSequentialAlarm', {
      alarmName: names.winRateSequential,
      alarmDescription: `Sequential test: the shadow win rate is confidently below ${config.winRateFloor} (e-value ≥ 1/${config.winRateAlpha})`,
      metric: metric(CANARY_METRICS.winRateEValue, 'Maximum'),
      threshold: Math.log10(1 / config.winRateAlpha),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    return { rubricDrops, shadowWinRate, sequential };
  }

  /** What each handler calls, and no more. */
  private grantAccess(storage: Storage, bedrockModelArns: string[]): void {
    const { router, scorer, rollback, rolloutStep } = this.functions;
    // Lambda may authorize alias actions on the function or on the alias ARN; both name this router only.
    const aliasResources = [router.functionArn, `${router.functionArn}:${CANARY_ALIAS_NAME}`];
    const versions = `${router.functionArn}:*`;
    // A version's configuration names what it pins (MODEL_REF, COHORT, RUN_ID, the rollout's execution).
    const readVersions = () => new iam.PolicyStatement({ sid: 'ReadRouterVersions', actions: ['lambda:GetFunctionConfiguration'], resources: [versions] });

    // The router sends shadow pairs and nothing else to the queue.
    router.addToRolePolicy(new iam.PolicyStatement({ sid: 'SendShadowPairs', actions: ['sqs:SendMessage'], resources: [this.shadowQueue.queueArn] }));
    if (this.shadowQueue.encryptionMasterKey) this.shadowQueue.encryptionMasterKey.grantEncryptDecrypt(router);

    // The scorer reads the run's pinned judge, and keeps the judge cache and the win tally (an update) in one table.
    storage.runsTable.grant(scorer, 'dynamodb:GetItem');
    storage.judgeCacheTable.grant(scorer, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');

    // The rollback: clears the weight (idempotent), records the verdict once, stops the rollout the version names.
    rollback.addToRolePolicy(new iam.PolicyStatement({ sid: 'RollBackLiveAlias', actions: ['lambda:GetAlias', 'lambda:UpdateAlias'], resources: aliasResources }));
    rollback.addToRolePolicy(readVersions());
    const executions = this.executionsArn();
    rollback.addToRolePolicy(new iam.PolicyStatement({ sid: 'StopRollout', actions: ['states:DescribeExecution', 'states:StopExecution'], resources: [executions] }));
    // UpdateItem marks the verdict's event published (a verdict whose event was lost is published again).
    storage.verdictsTable.grant(rollback, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    storage.eventBus.grantPutEventsTo(rollback);

    // The rollout step: pins a model into $LATEST and publishes it, moves the alias, reads the alarms and metrics.
    rolloutStep.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'PublishRouterVersions',
        actions: ['lambda:GetFunctionConfiguration', 'lambda:UpdateFunctionConfiguration', 'lambda:PublishVersion'],
        resources: [router.functionArn],
      }),
    );
    rolloutStep.addToRolePolicy(readVersions());
    rolloutStep.addToRolePolicy(new iam.PolicyStatement({ sid: 'MoveLiveAlias', actions: ['lambda:GetAlias', 'lambda:UpdateAlias'], resources: aliasResources }));
    // The check lists the alarms by name prefix, a user's own finegate-canary-… alarms included.
    const alarms = alarmArn(this, `${this.alarmNamePrefix}*`);
    rolloutStep.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadCanaryAlarms', actions: ['cloudwatch:DescribeAlarms'], resources: [alarms] }));
    rolloutStep.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadCanaryMetrics', actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
    storage.runsTable.grant(rolloutStep, 'dynamodb:GetItem');
    storage.verdictsTable.grant(rolloutStep, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    storage.eventBus.grantPutEventsTo(rolloutStep);

    if (bedrockModelArns.length > 0) {
      const models = [...new Set(bedrockModelArns)];
      for (const fn of [router, scorer]) {
        // The Converse API is authorized as bedrock:InvokeModel; nothing streams.
        fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'InvokeBedrockModels', actions: ['bedrock:InvokeModel'], resources: models }));
        if (fn.role) for (const arn of models.filter((a) => a.includes(':bedrock:*::'))) acknowledgeCrossRegionModel(fn.role, arn);
      }
    }

    for (const fn of [rollback, rolloutStep]) if (fn.role) acknowledgeFunctionVersions(fn.role, versions);
    if (rolloutStep.role) {
      acknowledgeCanaryAlarms(rolloutStep.role, alarms);
      acknowledgeUnscopedReads(rolloutStep.role, 'cloudwatch:GetMetricData (the window statistics of the canary metrics)');
    }
    if (rollback.role) acknowledgeRolloutExecutions(rollback.role, executions);
  }

  /** Executions of the rollout state machine, whatever their name. */
  private executionsArn(): string {
    return Stack.of(this).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${this.stateMachine.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /**
   * The rollout role gets, from CDK, invoke rights on the rollout-step function and its versions (`<arn>:*`); both
   * roles get the log-delivery and X-Ray actions, which have no resource-level permissions. The starter's role may
   * start the rollout only (request-response, so no execution wildcard).
   */
  private acknowledgeStateMachineRoles(): void {
    const stack = Stack.of(this);
    acknowledge(
      this.stateMachine.role,
      `AwsSolutions-IAM5[Resource::${flattenReference(stack.resolve(this.functions.rolloutStep.functionArn))}:*]`,
      'Step Functions invokes the one rollout-step function; the wildcard names its versions and aliases only.',
    );
    for (const machine of [this.stateMachine, this.starter]) {
      acknowledge(
        machine.role,
        'AwsSolutions-IAM5[Resource::*]',
        'CloudWatch Logs log delivery (logs:CreateLogDelivery and related) and X-Ray tracing (xray:PutTraceSegments and related) ' +
          'support no resource-level permissions; the other actions on this role are scoped to named resources.',
      );
    }
  }
}

/** The names of a canary's alarms under its prefix. */
export function alarmNames(prefix: string = CANARY_ALARM_PREFIX) {
  return {
    rubricDrop: (rubric: string) => `${prefix}rubric-${rubric}-drop`,
    shadowWinRate: `${prefix}shadow-win-rate`,
    winRateSequential: `${prefix}win-rate-sequential`,
    candidateErrorRate: `${prefix}candidate-error-rate`,
    candidateP99Latency: `${prefix}candidate-p99-latency`,
  };
}

/** The version alarms' specification: CloudWatch's own Lambda metrics of the candidate version on the live alias. */
function versionAlarms(config: CanaryConfig): VersionAlarm[] {
  const names = alarmNames(config.alarmNamePrefix);
  const common = { periodSeconds: config.windowPeriod.toSeconds(), evaluationPeriods: config.evaluationPeriods, datapointsToAlarm: config.datapointsToAlarm };
  return [
    {
      alarmName: names.candidateErrorRate,
      description: `Error rate of the candidate router version at least ${config.errorRateThreshold}`,
      kind: 'errorRate',
      threshold: config.errorRateThreshold,
      ...common,
    },
    {
      alarmName: names.candidateP99Latency,
      description: `p99 latency of the candidate router version at least ${config.latencyP99Threshold.toMilliseconds()} ms`,
      kind: 'p99Latency',
      threshold: config.latencyP99Threshold.toMilliseconds(),
      ...common,
    },
  ];
}

/**
 * The construct's numbers in the shape parseCanaryConfig reads, so the rollout's check judges by what the alarms
 * alarm on: the floor and alpha, the drop points over one-period means (each alarm datapoint is a period's Average,
 * with missing data not breaching), M of N, the alarm period, the traffic share as the one weight step. The handlers
 * count hold windows in periods, so the hold (holdWindows × holdWindow) is given in periods, rounded up. The judge
 * is the run's pinned one; the rubrics are the checks the scorer grades both cohorts on, one drop alarm each.
 */
function runtimeConfig(config: CanaryConfig): CanaryConfigInput {
  const periodSeconds = config.windowPeriod.toSeconds();
  return {
    winRate: { floor: config.winRateFloor, alpha: config.winRateAlpha },
    rubricDrop: {
      window: 1,
      dropPoints: config.rubricDropPoints,
      datapointsToAlarm: config.datapointsToAlarm,
      evaluationPeriods: config.evaluationPeriods,
      treatMissingData: 'notBreaching',
    },
    periodSeconds,
    holdWindows: Math.ceil((config.holdWindows * config.holdWindow.toSeconds()) / periodSeconds),
    weights: [config.trafficPercent / 100],
    rubrics: config.rubrics.map((r) => ({ name: r.name, check: { ...r.check } })),
    minDecidedPairs: config.minDecidedPairs,
    minRubricSamples: config.minRubricSamples,
  };
}

interface CanaryConfig {
  trafficPercent: number;
  shadowFraction: number;
  holdWindow: Duration;
  holdWindows: number;
  maxHoldWindows: number;
  windowPeriod: Duration;
  datapointsToAlarm: number;
  evaluationPeriods: number;
  rubricDropPoints: number;
  winRateFloor: number;
  winRateAlpha: number;
  rubrics: { name: string; check: CheckSpec }[];
  minDecidedPairs: number;
  minRubricSamples: number;
  errorRateThreshold: number;
  latencyP99Threshold: Duration;
  alarmNamePrefix: string;
  scorerBatchSize: number;
}

function validConfig(props: CanaryProps): CanaryConfig {
  const config: CanaryConfig = {
    trafficPercent: props.trafficPercent ?? 10,
    shadowFraction: props.shadowFraction ?? 0.1,
    holdWindow: props.holdWindow ?? Duration.minutes(45),
    holdWindows: props.holdWindows ?? 1,
    maxHoldWindows: props.maxHoldWindows ?? 4,
    windowPeriod: props.windowPeriod ?? Duration.minutes(5),
    datapointsToAlarm: props.datapointsToAlarm ?? 3,
    evaluationPeriods: props.evaluationPeriods ?? 5,
    rubricDropPoints: props.rubricDropPoints ?? 2,
    winRateFloor: props.winRateFloor ?? 0.5,
    winRateAlpha: props.winRateAlpha ?? 0.05,
    rubrics: [],
    minDecidedPairs: props.minDecidedPairs ?? 100,
    minRubricSamples: props.minRubricSamples ?? 30,
    errorRateThreshold: props.errorRateThreshold ?? 0.05,
    latencyP99Threshold: props.latencyP99Threshold ?? Duration.seconds(30),
    alarmNamePrefix: props.alarmNamePrefix ?? CANARY_ALARM_PREFIX,
    scorerBatchSize: props.scorerBatchSize ?? 10,
  };
  const problems: string[] = [];
  const numbers = Object.entries(config).filter(([, v]) => typeof v === 'number') as [string, number][];
  for (const [name, value] of numbers) if (Token.isUnresolved(value) || !Number.isFinite(value)) problems.push(`${name} must be a literal finite number`);
  const durations = { holdWindow: config.holdWindow, windowPeriod: config.windowPeriod, latencyP99Threshold: config.latencyP99Threshold };
  for (const [name, value] of Object.entries(durations)) if (value.isUnresolved()) problems.push(`${name} must be a literal duration`);
  if (problems.length > 0) throw new Error(`Canary: ${problems.join('; ')}`);

  const { trafficPercent, shadowFraction, holdWindows, maxHoldWindows, datapointsToAlarm, evaluationPeriods } = config;
  if (trafficPercent < 5 || trafficPercent > 10) problems.push(`trafficPercent must be from 5 to 10, got ${trafficPercent}`);
  if (shadowFraction < 0 || shadowFraction > 1) problems.push(`shadowFraction must be from 0 to 1, got ${shadowFraction}`);
  const holdMinutes = config.holdWindow.toSeconds() / 60;
  if (holdMinutes < 30 || holdMinutes > 60) problems.push(`holdWindow must be from 30 to 60 minutes, got ${holdMinutes} minutes`);
  if (!Number.isInteger(holdWindows) || holdWindows < 1) problems.push(`holdWindows must be a positive integer, got ${holdWindows}`);
  if (!Number.isInteger(maxHoldWindows) || maxHoldWindows < holdWindows || maxHoldWindows > 24) {
    problems.push(`maxHoldWindows must be an integer from holdWindows (${holdWindows}) to 24, got ${maxHoldWindows}`);
  }
  const periodSeconds = config.windowPeriod.toSeconds();
  if (periodSeconds % 60 !== 0 || periodSeconds < 60 || periodSeconds > 3600) problems.push(`windowPeriod must be whole minutes from 1 to 60, got ${periodSeconds} seconds`);
  if (!Number.isInteger(evaluationPeriods) || evaluationPeriods < 1) problems.push(`evaluationPeriods must be a positive integer, got ${evaluationPeriods}`);
  if (!Number.isInteger(datapointsToAlarm) || datapointsToAlarm < 1 || datapointsToAlarm > evaluationPeriods) {
    problems.push(`datapointsToAlarm must be an integer from 1 to evaluationPeriods (${evaluationPeriods}), got ${datapointsToAlarm}`);
  }
  // An alarm must be able to decide within one hold window, or the check promotes before it could fire.
  if (periodSeconds * evaluationPeriods > config.holdWindow.toSeconds()) {
    problems.push(`evaluationPeriods × windowPeriod (${(periodSeconds * evaluationPeriods) / 60} minutes) must fit in the holdWindow (${holdMinutes} minutes)`);
  }
  if (!(config.rubricDropPoints > 0 && config.rubricDropPoints <= 100)) problems.push(`rubricDropPoints must be above 0 and at most 100, got ${config.rubricDropPoints}`);
  if (!(config.winRateFloor > 0 && config.winRateFloor < 1)) problems.push(`winRateFloor must be between 0 and 1, got ${config.winRateFloor}`);
  if (!(config.winRateAlpha > 0 && config.winRateAlpha < 1)) problems.push(`winRateAlpha must be between 0 and 1, got ${config.winRateAlpha}`);
  if (!(config.errorRateThreshold > 0 && config.errorRateThreshold <= 1)) problems.push(`errorRateThreshold must be above 0 and at most 1, got ${config.errorRateThreshold}`);
  if (config.latencyP99Threshold.toMilliseconds() <= 0) problems.push('latencyP99Threshold must be positive');
  if (!Number.isInteger(config.scorerBatchSize) || config.scorerBatchSize < 1 || config.scorerBatchSize > 10) {
    problems.push(`scorerBatchSize must be an integer from 1 to 10, got ${config.scorerBatchSize}`);
  }
  const rubrics = props.rubrics ?? DEFAULT_RUBRICS;
  if (rubrics.length === 0) problems.push('rubrics must name at least one rubric');
  for (const input of rubrics) {
    const rubric = typeof input === 'string' ? { name: input.replace(/^judge:/, ''), check: { rubric: input } } : { name: input.name, check: { ...input.check } };
    if (!RUBRIC_NAME.test(rubric.name)) problems.push(`rubric "${rubric.name}" must be letters, digits, '_' and '-', at most 63`);
    const parsed = parseCheck(rubric.check);
    if (!parsed.ok) problems.push(`rubric "${rubric.name}": ${parsed.error}${typeof input === 'string' ? ' (a plain name must be a rubric id; else give { name, check })' : ''}`);
    config.rubrics.push(rubric);
  }
  const names = config.rubrics.map((r) => r.name);
  if (new Set(names).size !== names.length) problems.push(`rubrics must be distinct, got ${names.join(', ')}`);
  for (const [name, value] of [['minDecidedPairs', config.minDecidedPairs], ['minRubricSamples', config.minRubricSamples]] as const) {
    if (!Number.isInteger(value) || value < 1) problems.push(`${name} must be a positive integer, got ${value}`);
  }
  const prefix = config.alarmNamePrefix;
  if (!prefix.startsWith(CANARY_ALARM_PREFIX) || !prefix.endsWith('-') || !/^[A-Za-z0-9_-]{1,100}$/.test(prefix)) {
    problems.push(`alarmNamePrefix must start with '${CANARY_ALARM_PREFIX}', end with '-' and be at most 100 of [A-Za-z0-9_-], got "${prefix}"`);
  }
  if (problems.length > 0) throw new Error(`Canary: ${problems.join('; ')}`);
  return config;
}

function validModel(ref: string): string {
  try {
    parseModelRef(ref);
  } catch (error) {
    throw new Error(`Canary: currentModel is not a model reference: ${(error as Error).message}`);
  }
  return ref;
}

function exclusive(existingName: string, existing: unknown, propsName: string, props: unknown): void {
  if (existing !== undefined && props !== undefined) throw new Error(`Canary: pass either ${existingName} or ${propsName}, not both`);
}

/** A rubric name as part of a construct id (ids are path segments; '-' and '_' are fine, but keep them readable). */
function alarmIdPart(rubric: string): string {
  return rubric.replace(/(^|[-_])(\w)/g, (_, __, c: string) => c.toUpperCase());
}

/** cdk-nag v3 matches acknowledgements by exact finding id; each carries its reason. */
function acknowledge(scope: Construct | undefined, id: string, reason: string): void {
  if (scope) Validations.of(scope).acknowledge({ id, reason });
}
