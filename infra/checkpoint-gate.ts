import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { checkpointReadyPattern } from '../events/checkpoint-ready';
import { bedrockCustomizationJobCompletedPattern, sagemakerTrainingJobCompletedPattern } from '../events/training-job-state-change';
import { buildCheckpointGateDefinition, DEFAULT_MAX_CONCURRENCY } from '../state-machines/checkpoint-gate';
import { DEFAULT_HELDOUT_PREFIX, validPrefix } from './corpus-audit';
import { FinegateFunction, type FinegateFunctionProps } from './finegate-function';
import { acknowledgeCrossRegionModel, acknowledgePrefixObjects, flattenReference } from './nag-suppressions';
import { grantObjectKey, type Storage } from './storage';
import { createStateMachineLogGroup } from './state-machine-log-group';

/** The functions of the checkpoint gate (stage 2) and of the arena after it (stage 3), by role. */
export type GateFunctionName = 'start' | 'loadRun' | 'scoreBatch' | 'decide' | 'record' | 'arenaPlan' | 'arenaBatch' | 'arenaDecide';

/** Handler sources of the gate's functions, relative to the repository root. */
export const CHECKPOINT_GATE_ENTRIES: Readonly<Record<GateFunctionName, string>> = {
  start: 'functions/gate-start.ts',
  loadRun: 'functions/gate-load-run.ts',
  scoreBatch: 'functions/gate-score-batch.ts',
  decide: 'functions/gate-decide.ts',
  record: 'functions/gate-record-verdict.ts',
  arenaPlan: 'functions/arena-plan.ts',
  arenaBatch: 'functions/arena-batch.ts',
  arenaDecide: 'functions/arena-decide.ts',
};

export const DEFAULT_RUNS_PREFIX = 'runs/';

/** Function settings a caller may change; entries and handler names are set by `entries`. */
export type GateFunctionProps = Omit<FinegateFunctionProps, 'entry' | 'handler'>;

export interface CheckpointGateProps {
  readonly storage: Storage;
  /** Handler sources over the defaults (`functions/gate-*.ts`, `functions/arena-*.ts`), repository-relative. */
  readonly entries?: Partial<Record<GateFunctionName, string>>;
  /** Overrides merged over the defaults of every gate function. */
  readonly functionProps?: GateFunctionProps;
  /** Overrides for one function, merged over `functionProps`. */
  readonly functionPropsByName?: Partial<Record<GateFunctionName, GateFunctionProps>>;
  /** Key prefix, in the artifacts bucket, of the per-item results and reports of runs. @default 'runs/' */
  readonly runsPrefix?: string;
  /** Key prefix, in the corpora bucket, of the held-out sets the gate may read. @default 'heldout/' */
  readonly heldoutPrefix?: string;
  /** Bedrock models (foundation-model, inference-profile or custom-model ARNs) the score and arena batch functions may call. */
  readonly bedrockModelArns?: string[];
  /** Batches each Map of the state machine scores at once. @default 8 */
  readonly maxConcurrency?: number;
  /** How long one gate execution may run. @default 6 hours */
  readonly stateMachineTimeout?: Duration;
  /** Log executions to this group. Not with `stateMachineLogGroupProps`. */
  readonly existingStateMachineLogGroup?: logs.ILogGroup;
  /** Overrides merged over the execution log group defaults (KMS-encrypted, 3 months, retained). */
  readonly stateMachineLogGroupProps?: logs.LogGroupProps;
  /** Send undeliverable and failed trigger events here. Not with `deadLetterQueueProps`. */
  readonly existingDeadLetterQueue?: sqs.IQueue;
  /** Overrides merged over the dead-letter queue defaults. Not with `existingDeadLetterQueue`. */
  readonly deadLetterQueueProps?: sqs.QueueProps;
  /** How often EventBridge retries delivering a trigger event to the start function. @default 8 */
  readonly retryAttempts?: number;
  /** How long EventBridge keeps retrying before a trigger event goes to the dead-letter queue. @default 4 hours */
  readonly maxEventAge?: Duration;
  /** Start the gate when a SageMaker training job completes (default bus). @default true */
  readonly sageMakerTrigger?: boolean;
  /** Start the gate when a Bedrock model customization job completes (default bus). @default true */
  readonly bedrockTrigger?: boolean;
}

/** Defaults of each function: what it does and how long it may take. */
const FUNCTION_DEFAULTS: Record<GateFunctionName, { description: string; memorySize: number; timeout: Duration }> = {
  start: { description: 'finegate stage 2: starts the checkpoint gate for a ready checkpoint', memorySize: 256, timeout: Duration.seconds(30) },
  loadRun: { description: 'finegate stage 2: loads the pinned run and batches the held-out set and drift suite', memorySize: 512, timeout: Duration.minutes(2) },
  scoreBatch: { description: 'finegate stage 2: scores one batch of held-out or drift items', memorySize: 1024, timeout: Duration.minutes(15) },
  decide: { description: 'finegate stage 2: decides the checkpoint verdict from the batch scores', memorySize: 1024, timeout: Duration.minutes(5) },
  record: { description: 'finegate stages 2 and 3: records the verdicts and publishes Gate Verdict', memorySize: 512, timeout: Duration.minutes(1) },
  arenaPlan: { description: 'finegate stage 3: draws production inputs for the arena and batches them', memorySize: 512, timeout: Duration.minutes(2) },
  arenaBatch: { description: 'finegate stage 3: candidate and base answer a batch, the judge compares each pair', memorySize: 1024, timeout: Duration.minutes(15) },
  arenaDecide: { description: 'finegate stage 3: win rate with intervals and the arena decision', memorySize: 1024, timeout: Duration.minutes(5) },
};

const FUNCTION_IDS: Record<GateFunctionName, string> = {
  start: 'StartFunction',
  loadRun: 'LoadRunFunction',
  scoreBatch: 'ScoreBatchFunction',
  decide: 'DecideFunction',
  record: 'RecordFunction',
  arenaPlan: 'ArenaPlanFunction',
  arenaBatch: 'ArenaBatchFunction',
  arenaDecide: 'ArenaDecideFunction',
};

/**
 * Stage 2: a ready checkpoint (a `Checkpoint Ready` event, or a SageMaker / Bedrock job completing) starts the
 * checkpoint-gate state machine, which scores held-out and drift batches, decides and records a verdict; a PASS on a
 * checkpoint marked for promotion goes on to the arena against the base model (stage 3), which records its own verdict.
 */
export class CheckpointGate extends Construct {
  public readonly functions: Readonly<Record<GateFunctionName, FinegateFunction>>;
  public readonly stateMachine: sfn.StateMachine;
  public readonly logGroup: logs.ILogGroup;
  /** The key of the execution log group, when this construct created the group. */
  public readonly logGroupKey?: kms.IKey;
  /** Receives trigger events EventBridge could not deliver and those whose start failed every attempt. */
  public readonly deadLetterQueue: sqs.IQueue;
  public readonly checkpointReadyRule: events.Rule;
  public readonly sageMakerRule?: events.Rule;
  public readonly bedrockRule?: events.Rule;
  /** Records INCONCLUSIVE for an execution that ended where no Catch could (runtime error, timeout, abort). */
  public readonly executionEndedRule: events.Rule;
  public readonly runsPrefix: string;
  public readonly heldoutPrefix: string;

  constructor(scope: Construct, id: string, props: CheckpointGateProps) {
    super(scope, id);
    if (props.existingDeadLetterQueue && props.deadLetterQueueProps) {
      throw new Error('CheckpointGate: pass either existingDeadLetterQueue or deadLetterQueueProps, not both');
    }
    if (props.existingStateMachineLogGroup && props.stateMachineLogGroupProps) {
      throw new Error('CheckpointGate: pass either existingStateMachineLogGroup or stateMachineLogGroupProps, not both');
    }
    const { storage } = props;
    this.runsPrefix = validPrefix('runsPrefix', props.runsPrefix ?? DEFAULT_RUNS_PREFIX);
    this.heldoutPrefix = validPrefix('heldoutPrefix', props.heldoutPrefix ?? DEFAULT_HELDOUT_PREFIX);
    if (this.runsPrefix === '') throw new Error('CheckpointGate: runsPrefix must not be empty (the gate writes under it)');

    this.deadLetterQueue =
      props.existingDeadLetterQueue ??
      new sqs.Queue(this, 'DeadLetterQueue', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
        ...props.deadLetterQueueProps,
      });

    const environment = {
      RUNS_TABLE: storage.runsTable.tableName,
      VERDICTS_TABLE: storage.verdictsTable.tableName,
      JUDGE_CACHE_TABLE: storage.judgeCacheTable.tableName,
      ARTIFACTS_BUCKET: storage.artifactsBucket.bucketName,
      RUNS_PREFIX: this.runsPrefix,
      CORPORA_BUCKET: storage.corporaBucket.bucketName,
      HELDOUT_PREFIX: this.heldoutPrefix,
      EVENT_BUS_NAME: storage.eventBus.eventBusName,
    };
    const makeFunction = (name: GateFunctionName, extra: Partial<FinegateFunctionProps> = {}) => {
      const { environment: shared, ...sharedOverrides } = props.functionProps ?? {};
      const { environment: own, ...ownOverrides } = props.functionPropsByName?.[name] ?? {};
      return new FinegateFunction(this, FUNCTION_IDS[name], {
        ...FUNCTION_DEFAULTS[name],
        ...extra,
        ...sharedOverrides,
        ...ownOverrides,
        entry: props.entries?.[name] ?? CHECKPOINT_GATE_ENTRIES[name],
        handler: 'handler',
        // The contract variables win over caller variables of the same name.
        environment: { ...shared, ...own, ...environment },
      });
    };

    // The frozen drift suite travels inside the bundles of the functions that read it.
    const withSuites: Partial<FinegateFunctionProps> = {
      bundling: {
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) => [`cp -r "${inputDir}/suites" "${outputDir}/suites"`],
        },
      },
    };
    const loadRun = makeFunction('loadRun', withSuites);
    const scoreBatch = makeFunction('scoreBatch', withSuites);
    const decide = makeFunction('decide');
    const record = makeFunction('record');
    const arenaPlan = makeFunction('arenaPlan');
    const arenaBatch = makeFunction('arenaBatch');
    const arenaDecide = makeFunction('arenaDecide');

    if (props.existingStateMachineLogGroup) {
      this.logGroup = props.existingStateMachineLogGroup;
    } else {
      const created = createStateMachineLogGroup(this, 'the finegate checkpoint gate', props.stateMachineLogGroupProps);
      this.logGroup = created.logGroup;
      this.logGroupKey = created.key;
    }
    const logGroup = this.logGroup;

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'finegate stages 2 and 3: held-out and capability-drift gate of one checkpoint, then the arena for a promotion candidate',
      stateMachineType: sfn.StateMachineType.STANDARD,
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      definitionBody: sfn.DefinitionBody.fromChainable(
        buildCheckpointGateDefinition(this, { loadRun, scoreBatch, decide, record, arenaPlan, arenaBatch, arenaDecide, maxConcurrency: props.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY }),
      ),
      timeout: props.stateMachineTimeout ?? Duration.hours(6),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });

    // Created after the state machine: only the start function names it (the tasks are named by it).
    const start = makeFunction('start', { retryAttempts: 2, deadLetterQueue: this.deadLetterQueue });
    start.addEnvironment('STATE_MACHINE_ARN', this.stateMachine.stateMachineArn);
    this.functions = { start, loadRun, scoreBatch, decide, record, arenaPlan, arenaBatch, arenaDecide };

    this.grantAccess(storage, props.bedrockModelArns ?? []);
    this.acknowledgeStateMachineRole();

    const target = new targets.LambdaFunction(start, {
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: props.retryAttempts ?? 8,
      maxEventAge: props.maxEventAge ?? Duration.hours(4),
    });
    this.checkpointReadyRule = new events.Rule(this, 'CheckpointReadyRule', {
      description: 'Starts the checkpoint gate for a checkpoint a training job reports ready',
      eventBus: storage.eventBus,
      eventPattern: checkpointReadyPattern() as events.EventPattern,
      targets: [target],
    });
    // Fails closed beyond the definition's Catch: Step Functions reports every abnormal end on the default bus.
    this.executionEndedRule = new events.Rule(this, 'ExecutionEndedRule', {
      description: 'Records an INCONCLUSIVE verdict for a gate execution that failed, timed out or was aborted',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [this.stateMachine.stateMachineArn] },
      },
      targets: [new targets.LambdaFunction(record, { deadLetterQueue: this.deadLetterQueue, retryAttempts: props.retryAttempts ?? 8, maxEventAge: props.maxEventAge ?? Duration.hours(4) })],
    });
    // AWS services publish job state changes on the account's default bus.
    if (props.sageMakerTrigger ?? true) {
      this.sageMakerRule = new events.Rule(this, 'SageMakerTrainingJobCompletedRule', {
        description: 'Starts the checkpoint gate when a SageMaker training job completes',
        eventPattern: sagemakerTrainingJobCompletedPattern() as events.EventPattern,
        targets: [target],
      });
    }
    if (props.bedrockTrigger ?? true) {
      this.bedrockRule = new events.Rule(this, 'BedrockCustomizationJobCompletedRule', {
        description: 'Starts the checkpoint gate when a Bedrock model customization job completes',
        eventPattern: bedrockCustomizationJobCompletedPattern() as events.EventPattern,
        targets: [target],
      });
    }
  }

  private grantAccess(storage: Storage, bedrockModelArns: string[]): void {
    const { start, loadRun, scoreBatch, decide, record, arenaPlan, arenaBatch, arenaDecide } = this.functions;
    this.stateMachine.grantStartExecution(start);
    // The SageMaker and Bedrock events name a job; the run registered for it is looked up.
    storage.runsTable.grant(start, 'dynamodb:GetItem', 'dynamodb:Query');

    // The pinned run record and its held-out set; the drift suite ships inside the bundle.
    storage.runsTable.grant(loadRun, 'dynamodb:GetItem');
    this.grantObjects(loadRun, storage.corporaBucket, this.heldoutPrefix, ['s3:GetObject', 's3:GetObjectVersion'], 'ReadHeldoutSets', 'held-out sets');

    storage.runsTable.grant(scoreBatch, 'dynamodb:GetItem');
    storage.judgeCacheTable.grant(scoreBatch, 'dynamodb:GetItem', 'dynamodb:PutItem');
    this.grantObjects(scoreBatch, storage.corporaBucket, this.heldoutPrefix, ['s3:GetObject', 's3:GetObjectVersion'], 'ReadHeldoutSets', 'held-out sets');
    this.grantObjects(scoreBatch, storage.artifactsBucket, this.runsPrefix, ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'], 'ReadWriteRunArtifacts', 'run artifacts');
    if (bedrockModelArns.length > 0) {
      // The Converse API is authorized as bedrock:InvokeModel; nothing streams.
      scoreBatch.addToRolePolicy(
        new iam.PolicyStatement({ sid: 'InvokeBedrockModels', actions: ['bedrock:InvokeModel'], resources: [...new Set(bedrockModelArns)] }),
      );
      const role = scoreBatch.role;
      if (role) for (const arn of bedrockModelArns.filter((a) => a.includes(':bedrock:*::'))) acknowledgeCrossRegionModel(role, arn);
    }

    // Early stop and trial stop read the run's checkpoint history, and its study's runs (a batch read).
    storage.runsTable.grant(decide, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem');
    // Reads the batches' per-item results and writes the checkpoint's decision.json, which record reads back.
    this.grantObjects(decide, storage.artifactsBucket, this.runsPrefix, ['s3:GetObject', 's3:PutObject'], 'ReadWriteRunArtifacts', 'run artifacts');

    // One verdict per checkpoint and stage, written conditionally; the history is appended to the run (a conditional put).
    // UpdateItem marks a verdict's Gate Verdict published, so a re-run publishes a lost one again.
    storage.verdictsTable.grant(record, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    storage.runsTable.grant(record, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem');
    this.grantObjects(record, storage.artifactsBucket, this.runsPrefix, ['s3:GetObject', 's3:PutObject'], 'ReadWriteRunArtifacts', 'run artifacts');
    storage.eventBus.grantPutEventsTo(record);

    // Stage 3: production inputs live beside the held-out sets; pairs and the arena decision beside the run's results.
    storage.runsTable.grant(arenaPlan, 'dynamodb:GetItem');
    this.grantObjects(arenaPlan, storage.corporaBucket, this.heldoutPrefix, ['s3:GetObject', 's3:GetObjectVersion'], 'ReadHeldoutSets', 'held-out sets');
    storage.runsTable.grant(arenaBatch, 'dynamodb:GetItem');
    storage.judgeCacheTable.grant(arenaBatch, 'dynamodb:GetItem', 'dynamodb:PutItem');
    this.grantObjects(arenaBatch, storage.corporaBucket, this.heldoutPrefix, ['s3:GetObject', 's3:GetObjectVersion'], 'ReadHeldoutSets', 'held-out sets');
    this.grantObjects(arenaBatch, storage.artifactsBucket, this.runsPrefix, ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'], 'ReadWriteRunArtifacts', 'run artifacts');
    storage.runsTable.grant(arenaDecide, 'dynamodb:GetItem');
    this.grantObjects(arenaDecide, storage.artifactsBucket, this.runsPrefix, ['s3:GetObject', 's3:PutObject'], 'ReadWriteRunArtifacts', 'run artifacts');
    if (bedrockModelArns.length > 0) {
      arenaBatch.addToRolePolicy(new iam.PolicyStatement({ sid: 'InvokeBedrockModels', actions: ['bedrock:InvokeModel'], resources: [...new Set(bedrockModelArns)] }));
      const role = arenaBatch.role;
      if (role) for (const arn of bedrockModelArns.filter((a) => a.includes(':bedrock:*::'))) acknowledgeCrossRegionModel(role, arn);
    }
  }

  /** Object actions under one prefix, listing limited to that prefix (a missing key then answers 404, not 403). */
  private grantObjects(fn: FinegateFunction, bucket: s3.IBucket, prefix: string, actions: string[], sid: string, what: string): void {
    const objects = bucket.arnForObjects(`${prefix}*`);
    fn.addToRolePolicy(new iam.PolicyStatement({ sid, actions, resources: [objects] }));
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: `List${sid.replace(/^(ReadWrite|Read)/, '')}`,
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
      }),
    );
    grantObjectKey(bucket, fn, actions.includes('s3:PutObject') ? 'write' : 'read');
    if (fn.role) acknowledgePrefixObjects(fn.role, objects, what);
  }

  /**
   * The state machine's role gets, from CDK, invoke rights on each task function and its versions
   * (`<arn>:*`), and the log-delivery and X-Ray actions, which have no resource-level permissions.
   */
  private acknowledgeStateMachineRole(): void {
    const role = this.stateMachine.role;
    const stack = Stack.of(this);
    const { loadRun, scoreBatch, decide, record, arenaPlan, arenaBatch, arenaDecide } = this.functions;
    // Every task function of the definition, the arena's included; start is not a task and gets no acknowledgement.
    for (const fn of [loadRun, scoreBatch, decide, record, arenaPlan, arenaBatch, arenaDecide]) {
      acknowledge(role, `AwsSolutions-IAM5[Resource::${flattenReference(stack.resolve(fn.functionArn))}:*]`,
        'Step Functions invokes this one task function; the wildcard names its versions and aliases only.');
    }
    acknowledge(role, 'AwsSolutions-IAM5[Resource::*]',
      'CloudWatch Logs log delivery (logs:CreateLogDelivery and related) and X-Ray tracing (xray:PutTraceSegments and related) ' +
        'support no resource-level permissions; the task invocations on this role are scoped to named functions.');
  }
}

/** cdk-nag v3 matches acknowledgements by exact finding id; each carries its reason. */
function acknowledge(scope: Construct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}
