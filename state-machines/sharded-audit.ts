import { Duration, FeatureFlags } from 'aws-cdk-lib';
import { STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2 } from 'aws-cdk-lib/cx-api';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { lambdaTask } from './lambda-task';

/*
 * The sharded corpus audit, for corpora too large for one Lambda:
 *
 *   Plan ─▶ ScanShards = Distributed Map (ItemReader: the plan's JSON array of shards in S3; ItemBatcher: shards
 *           per invocation, with the job's URI as BatchInput; ResultWriter: the children's outputs to S3)
 *           └─ ScanShard (one Lambda per batch) ─▶ Reduce
 *
 * The state carries the execution input (shard-handoff.ts) and adds `planned` (Plan's output) and `map` (the Map's
 * ResultWriter details: where manifest.json is). Reduce gets only those two. ToleratedFailurePercentage 0: one shard
 * that fails all its retries fails the audit, because a corpus audited with a hole in it must never pass.
 */

export const SHARDED_AUDIT_STATES = {
  plan: 'Plan',
  scanShards: 'ScanShards',
  scanShard: 'ScanShard',
  reduce: 'Reduce',
} as const;

export const DEFAULT_SHARD_CONCURRENCY = 40;
export const DEFAULT_SHARDS_PER_BATCH = 1;

export interface ShardedAuditFunctions {
  readonly plan: lambda.IFunction;
  readonly shard: lambda.IFunction;
  readonly reduce: lambda.IFunction;
}

export interface ShardedAuditDefinitionProps extends ShardedAuditFunctions {
  /** The bucket of the plan objects (the ItemReader reads there) and of the Map's results. */
  readonly workBucket: s3.IBucket;
  /** Key prefix of the Map's results; Step Functions adds the map run's id below it. */
  readonly resultsPrefix: string;
  /** Shard invocations running at once. @default 40 */
  readonly maxConcurrency?: number;
  /** Shards per invocation. @default 1 (a shard is already sized to keep one Lambda busy for minutes) */
  readonly shardsPerBatch?: number;
}

export function buildShardedAuditDefinition(scope: Construct, props: ShardedAuditDefinitionProps): sfn.IChainable {
  const maxConcurrency = props.maxConcurrency ?? DEFAULT_SHARD_CONCURRENCY;
  const shardsPerBatch = props.shardsPerBatch ?? DEFAULT_SHARDS_PER_BATCH;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > 10_000) {
    throw new Error(`buildShardedAuditDefinition: maxConcurrency must be an integer from 1 to 10000, got ${maxConcurrency}`);
  }
  if (!Number.isInteger(shardsPerBatch) || shardsPerBatch < 1 || shardsPerBatch > 100) {
    throw new Error(`buildShardedAuditDefinition: shardsPerBatch must be an integer from 1 to 100, got ${shardsPerBatch}`);
  }
  const S = SHARDED_AUDIT_STATES;

  const plan = lambdaTask(scope, S.plan, props.plan, { comment: 'Pins the corpus version, writes the job and the plan of shards', resultPath: '$.planned' });

  const map = new NoFailureToleratedMap(scope, S.scanShards, {
    queryLanguage: sfn.QueryLanguage.JSON_PATH,
    comment: 'Pass 1 of every shard, in parallel',
    itemReader: new sfn.S3JsonItemReader({ bucket: props.workBucket, key: sfn.JsonPath.stringAt('$.planned.plan.key') }),
    itemBatcher: new sfn.ItemBatcher({ maxItemsPerBatch: shardsPerBatch, batchInput: { 'job.$': '$.planned.job' } }),
    maxConcurrency,
    // Standard children: a shard may scan for up to the function's 15 minutes (Express children stop at 5).
    mapExecutionType: sfn.StateMachineType.STANDARD,
    // Without a ResultWriter the children's outputs would come back inline, past 256 KiB for a few thousand shards.
    ...(FeatureFlags.of(scope).isEnabled(STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2)
      ? { resultWriterV2: new sfn.ResultWriterV2({ bucket: props.workBucket, prefix: props.resultsPrefix }) }
      : { resultWriter: new sfn.ResultWriter({ bucket: props.workBucket, prefix: props.resultsPrefix }) }),
    resultPath: '$.map',
  });
  const scan = lambdaTask(scope, S.scanShard, props.shard, { comment: 'Parses, checks and hashes the rows of its shards' });
  // A shard's own failure (a broken S3 read) is worth two more tries before it fails the audit.
  scan.addRetry({ errors: ['States.TaskFailed'], interval: Duration.seconds(5), maxAttempts: 2, backoffRate: 3, jitterStrategy: sfn.JitterType.FULL });
  map.itemProcessor(scan);

  const reduce = lambdaTask(scope, S.reduce, props.reduce, {
    comment: 'Decides duplicates, leakage and label noise across shards, writes the artifacts, the verdict and Corpus Audited',
    payload: sfn.TaskInput.fromObject({ 'planned.$': '$.planned', 'map.$': '$.map' }),
  });

  return plan.next(map).next(reduce);
}

/**
 * A Distributed Map that states ToleratedFailurePercentage 0 in its ASL. It is Step Functions' default, but CDK
 * renders the field only when it is not 0, and this audit's correctness rests on it: written down, it survives a
 * later default change and is visible to whoever reads the definition.
 */
class NoFailureToleratedMap extends sfn.DistributedMap {
  override toStateJson(stateMachineQueryLanguage?: sfn.QueryLanguage): object {
    return { ...super.toStateJson(stateMachineQueryLanguage), ToleratedFailurePercentage: 0 };
  }
}
