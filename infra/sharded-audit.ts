import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { SHARD_THRESHOLD_ENV, SHARDED_AUDIT_STATE_MACHINE_ENV } from '../functions/audit/shard-handoff';
import { parseS3Uri } from '../functions/stores/s3-uri';
import { buildShardedAuditDefinition, DEFAULT_SHARD_CONCURRENCY, DEFAULT_SHARDS_PER_BATCH } from '../state-machines/sharded-audit';
import { bedrockModelArns, DEFAULT_ARTIFACTS_PREFIX, DEFAULT_CORPUS_PREFIX, DEFAULT_HELDOUT_PREFIX, validPrefix, type AuditFunctionProps } from './corpus-audit';
import { FinegateFunction } from './finegate-function';
import { acknowledgeCrossRegionModel, acknowledgePrefixObjects, flattenReference } from './nag-suppressions';
import { createStateMachineLogGroup } from './state-machine-log-group';
import { grantObjectKey, type Storage } from './storage';

export type ShardedAuditFunctionName = 'plan' | 'shard' | 'reduce';

export const SHARDED_AUDIT_ENTRIES: Readonly<Record<ShardedAuditFunctionName, string>> = {
  plan: 'functions/audit-plan.ts',
  shard: 'functions/audit-shard.ts',
  reduce: 'functions/audit-reduce.ts',
};

/** Key prefix, under the artifacts prefix, of the Distributed Map's result files. */
export const MAP_RESULTS_SUFFIX = 'sharded-audit-results/';

/** Corpora above this many bytes go to the sharded audit by default: about a million 1 KB rows. */
export const DEFAULT_SHARD_THRESHOLD_BYTES = 1024 * 1024 * 1024;

export interface ShardedAuditProps {
  readonly storage: Storage;
  /** As in CorpusAudit: the corpora the shards read. @default 'corpora/' */
  readonly corpusPrefix?: string;
  /** As in CorpusAudit: held-out sets the reduce reads. @default 'heldout/' */
  readonly heldoutPrefix?: string;
  /** As in CorpusAudit: artifacts, and the audit's work objects under them. @default 'audits/' */
  readonly artifactsPrefix?: string;
  /** The audit configuration (as given to CorpusAudit): Bedrock models and a configured held-out object are granted. */
  readonly auditConfig?: Record<string, unknown>;
  /** Overrides merged over the defaults of every function. */
  readonly functionProps?: AuditFunctionProps;
  /** Overrides for one function, merged over `functionProps`. */
  readonly functionPropsByName?: Partial<Record<ShardedAuditFunctionName, AuditFunctionProps>>;
  /** Shard invocations at once. @default 40 */
  readonly maxConcurrency?: number;
  /** Shards per invocation. @default 1 */
  readonly shardsPerBatch?: number;
  /** How long one audit may run. @default 4 hours */
  readonly stateMachineTimeout?: Duration;
  /** Log executions to this group. Not with `stateMachineLogGroupProps`. */
  readonly existingStateMachineLogGroup?: logs.ILogGroup;
  /** Overrides merged over the execution log group defaults. Not with `existingStateMachineLogGroup`. */
  readonly stateMachineLogGroupProps?: logs.LogGroupProps;
}

const FUNCTION_DEFAULTS: Record<ShardedAuditFunctionName, { id: string; description: string; memorySize: number; timeout: Duration }> = {
  plan: { id: 'PlanFunction', description: 'finegate stage 1 (sharded): counts a large corpus and plans its shards', memorySize: 1024, timeout: Duration.minutes(15) },
  // One vCPU (1,769 MB and up) for a single-threaded scan; the rest holds a shard's summary.
  shard: { id: 'ShardFunction', description: 'finegate stage 1 (sharded): pass 1 of one shard of a large corpus', memorySize: 2048, timeout: Duration.minutes(15) },
  // The reduce holds what the single audit holds (keys, representatives' shingles): the most memory Lambda gives.
  reduce: { id: 'ReduceFunction', description: 'finegate stage 1 (sharded): decides across shards, writes artifacts and the verdict', memorySize: 10240, timeout: Duration.minutes(15) },
};

/**
 * Stage 1 for corpora too large for one Lambda: a state machine that plans shards, scans them in a Distributed Map,
 * and reduces them into the same report, artifacts, verdict and "Corpus Audited" event as the single audit.
 * The corpus-audit function hands a corpus over above a size threshold (`connectHandoff`).
 */
export class ShardedAudit extends Construct {
  public readonly functions: Readonly<Record<ShardedAuditFunctionName, FinegateFunction>>;
  public readonly stateMachine: sfn.StateMachine;
  public readonly logGroup: logs.ILogGroup;
  public readonly logGroupKey?: kms.IKey;
  public readonly corpusPrefix: string;
  public readonly heldoutPrefix: string;
  public readonly artifactsPrefix: string;
  /** Where the Map's ResultWriter writes (artifacts bucket). */
  public readonly resultsPrefix: string;

  constructor(scope: Construct, id: string, props: ShardedAuditProps) {
    super(scope, id);
    if (props.existingStateMachineLogGroup && props.stateMachineLogGroupProps) {
      throw new Error('ShardedAudit: pass either existingStateMachineLogGroup or stateMachineLogGroupProps, not both');
    }
    const { storage } = props;
    this.corpusPrefix = validPrefix('corpusPrefix', props.corpusPrefix ?? DEFAULT_CORPUS_PREFIX);
    this.heldoutPrefix = validPrefix('heldoutPrefix', props.heldoutPrefix ?? DEFAULT_HELDOUT_PREFIX);
    this.artifactsPrefix = validPrefix('artifactsPrefix', props.artifactsPrefix ?? DEFAULT_ARTIFACTS_PREFIX);
    this.resultsPrefix = `${this.artifactsPrefix}${MAP_RESULTS_SUFFIX}`;

    const make = (name: ShardedAuditFunctionName, environment: Record<string, string>) => {
      const defaults = FUNCTION_DEFAULTS[name];
      const { environment: extra, ...overrides } = { ...props.functionProps, ...props.functionPropsByName?.[name] };
      return new FinegateFunction(this, defaults.id, {
        description: defaults.description,
        memorySize: defaults.memorySize,
        timeout: defaults.timeout,
        ...overrides,
        entry: SHARDED_AUDIT_ENTRIES[name],
        handler: 'handler',
        environment: { ...extra, ...environment },
      });
    };
    const functions = {
      plan: make('plan', {}),
      shard: make('shard', {}),
      reduce: make('reduce', { VERDICTS_TABLE: storage.verdictsTable.tableName, EVENT_BUS_NAME: storage.eventBus.eventBusName }),
    };
    this.functions = functions;
    this.grantAccess(storage, props.auditConfig);

    if (props.existingStateMachineLogGroup) this.logGroup = props.existingStateMachineLogGroup;
    else {
      const created = createStateMachineLogGroup(this, 'the sharded corpus audit', props.stateMachineLogGroupProps);
      this.logGroup = created.logGroup;
      this.logGroupKey = created.key;
    }
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      definitionBody: sfn.DefinitionBody.fromChainable(
        buildShardedAuditDefinition(this, {
          ...functions,
          workBucket: storage.artifactsBucket,
          resultsPrefix: this.resultsPrefix,
          maxConcurrency: props.maxConcurrency ?? DEFAULT_SHARD_CONCURRENCY,
          shardsPerBatch: props.shardsPerBatch ?? DEFAULT_SHARDS_PER_BATCH,
        }),
      ),
      timeout: props.stateMachineTimeout ?? Duration.hours(4),
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    grantObjectKey(storage.artifactsBucket, this.stateMachine, 'write');
    this.acknowledgeStateMachineRole(storage);
  }

  /**
   * What CDK grants the state machine: invoke on each task function and its versions (`<arn>:*`); object access in
   * the artifacts bucket for the ItemReader and the ResultWriter (`<bucket>/*`: CDK grants the bucket, the keys are
   * per execution); start, describe and stop of its own child executions (named at run time); log delivery and X-Ray,
   * which have no resource-level permissions.
   */
  private acknowledgeStateMachineRole(storage: Storage): void {
    const role = this.stateMachine.role;
    const stack = Stack.of(this);
    for (const fn of Object.values(this.functions)) {
      acknowledge(role, `AwsSolutions-IAM5[Resource::${flattenReference(stack.resolve(fn.functionArn))}:*]`, 'Step Functions invokes this one task function; the wildcard names its versions and aliases only.');
    }
    acknowledge(
      role,
      `AwsSolutions-IAM5[Resource::${flattenReference(stack.resolve(`arn:${stack.partition}:s3:::${storage.artifactsBucket.bucketName}/*`))}]`,
      'The Distributed Map reads the shard plan and writes its result files in the artifacts bucket under keys chosen per execution.',
    );
    acknowledge(role, 'AwsSolutions-IAM5[Resource::*]', 'CloudWatch Logs log delivery and X-Ray tracing support no resource-level permissions; the other actions on this role are scoped.');
    const mapPolicy = this.stateMachine.node.tryFindChild('DistributedMapPolicy');
    if (mapPolicy instanceof iam.Policy) {
      const statements = (stack.resolve(mapPolicy.document.toJSON()) as { Statement?: { Resource?: unknown }[] }).Statement ?? [];
      for (const resource of statements.flatMap((s) => [s.Resource ?? []].flat())) {
        const flat = flattenReference(resource);
        if (flat.includes('*')) acknowledge(mapPolicy, `AwsSolutions-IAM5[Resource::${flat}]`, 'The Distributed Map starts, describes and stops its own child executions, which are named at run time.');
      }
    }
  }

  /**
   * Lets a corpus-audit function hand corpora above `thresholdBytes` to this state machine: it may start executions
   * and finds the ARN and the threshold in its environment (see functions/audit/shard-handoff.ts).
   */
  public connectHandoff(fn: FinegateFunction, thresholdBytes: number = DEFAULT_SHARD_THRESHOLD_BYTES): void {
    if (!Number.isInteger(thresholdBytes) || thresholdBytes < 1) throw new Error(`ShardedAudit.connectHandoff: thresholdBytes must be a positive integer, got ${thresholdBytes}`);
    fn.addEnvironment(SHARDED_AUDIT_STATE_MACHINE_ENV, this.stateMachine.stateMachineArn);
    fn.addEnvironment(SHARD_THRESHOLD_ENV, String(thresholdBytes));
    this.stateMachine.grantStartExecution(fn);
  }

  private grantAccess(storage: Storage, auditConfig: Record<string, unknown> | undefined): void {
    const { plan, shard, reduce } = this.functions;
    const corpusObjects = storage.corporaBucket.arnForObjects(`${this.corpusPrefix}*`);
    const heldoutObjects = storage.corporaBucket.arnForObjects(`${this.heldoutPrefix}*`);
    const artifactObjects = storage.artifactsBucket.arnForObjects(`${this.artifactsPrefix}*`);
    const read = ['s3:GetObject', 's3:GetObjectVersion'];
    for (const fn of [plan, shard, reduce]) {
      fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadCorpora', actions: read, resources: [corpusObjects] }));
      fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadWriteWork', actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'], resources: [artifactObjects] }));
      // A customer-managed key: exactly Decrypt (and GenerateDataKey to write), through S3 only.
      grantObjectKey(storage.corporaBucket, fn, 'read');
      grantObjectKey(storage.artifactsBucket, fn, 'write');
      if (fn.role) {
        acknowledgePrefixObjects(fn.role, corpusObjects, 'uploaded corpora');
        acknowledgePrefixObjects(fn.role, artifactObjects, 'audit artifacts and shard summaries');
      }
    }
    // Plan resolves the version with HeadObject (authorised by GetObject); the reduce also reads held-out sets and
    // the Map's results, writes the verdict and publishes Corpus Audited.
    reduce.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadHeldoutSets', actions: read, resources: [heldoutObjects] }));
    if (reduce.role) acknowledgePrefixObjects(reduce.role, heldoutObjects, 'held-out sets');
    const heldout = configuredHeldout(auditConfig);
    if (heldout) {
      reduce.addToRolePolicy(
        new iam.PolicyStatement({ sid: 'ReadHeldout', actions: ['s3:GetObject'], resources: [Stack.of(this).formatArn({ service: 's3', region: '', account: '', resource: heldout.bucket, resourceName: heldout.key })] }),
      );
    }
    // UpdateItem marks the verdict's event published, so a retried reduce republishes only a lost event.
    storage.verdictsTable.grant(reduce, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    storage.grantTableKey(reduce, 'write');
    storage.eventBus.grantPutEventsTo(reduce);
    const refs = [nested(auditConfig, 'labelNoise', 'judgeModel'), nested(auditConfig, 'paraphrase', 'model')].filter((r): r is string => typeof r === 'string' && r.startsWith('bedrock:'));
    if (refs.length > 0) {
      const resources = [...new Set(refs.flatMap((ref) => bedrockModelArns(Stack.of(this), ref.slice('bedrock:'.length).replace(/#.*$/, ''))))];
      reduce.addToRolePolicy(new iam.PolicyStatement({ sid: 'InvokeConfiguredModels', actions: ['bedrock:InvokeModel'], resources }));
      if (reduce.role) for (const arn of resources.filter((a) => a.includes(':bedrock:*::'))) acknowledgeCrossRegionModel(reduce.role, arn);
    }
  }
}

function nested(config: Record<string, unknown> | undefined, section: string, key: string): unknown {
  const value = config?.[section];
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
}

function configuredHeldout(config: Record<string, unknown> | undefined): { bucket: string; key: string } | undefined {
  const uri = nested(config, 'leakage', 'heldoutUri');
  return typeof uri === 'string' ? parseS3Uri(uri) : undefined;
}

/** cdk-nag v3 matches acknowledgements by exact finding id; each carries its reason. */
function acknowledge(scope: Construct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}
