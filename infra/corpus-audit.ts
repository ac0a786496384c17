import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { corpusUploadedPattern } from '../events/s3-object-created';
import { parseS3Uri } from '../functions/stores/s3-uri';
import { FinegateFunction, type FinegateFunctionProps } from './finegate-function';
import { acknowledgeCrossRegionModel, acknowledgePrefixObjects } from './nag-suppressions';
import { grantObjectKey, type Storage } from './storage';

export const CORPUS_AUDIT_ENTRY = 'functions/corpus-audit.ts';
export const DEFAULT_CORPUS_PREFIX = 'corpora/';
export const DEFAULT_ARTIFACTS_PREFIX = 'audits/';
export const DEFAULT_HELDOUT_PREFIX = 'heldout/';

/** Function settings a caller may change; the handler entry is fixed. */
export type AuditFunctionProps = Omit<FinegateFunctionProps, 'entry' | 'handler'>;

export interface CorpusAuditProps {
  readonly storage: Storage;
  /** Key prefix of the corpora to audit, '' for the whole bucket. @default 'corpora/' */
  readonly corpusPrefix?: string;
  /**
   * Key prefix, in the corpora bucket, of held-out sets a corpus names with `x-amz-meta-finegate-heldout`
   * (read only, never audited themselves). @default 'heldout/'
   */
  readonly heldoutPrefix?: string;
  /** Key prefix the audit writes its artifacts under. @default 'audits/' */
  readonly artifactsPrefix?: string;
  /** Overrides merged over the function defaults (4096 MB, 15 minutes). */
  readonly functionProps?: AuditFunctionProps;
  /** Audit configuration, passed JSON-encoded in AUDIT_CONFIG. */
  readonly auditConfig?: Record<string, unknown>;
  /** Send undeliverable and failed audit events here. Not with `deadLetterQueueProps`. */
  readonly existingDeadLetterQueue?: sqs.IQueue;
  /** Overrides merged over the dead-letter queue defaults. Not with `existingDeadLetterQueue`. */
  readonly deadLetterQueueProps?: sqs.QueueProps;
  /** How often EventBridge retries delivering an upload event to the function. @default 8 */
  readonly retryAttempts?: number;
  /** How long EventBridge keeps retrying before the event goes to the dead-letter queue. @default 4 hours */
  readonly maxEventAge?: Duration;
}

/**
 * Stage 1: an S3 "Object Created" event for a corpus under the prefix runs the corpus-audit function, which
 * writes the report, clean and quarantine corpora, a verdict and a "Corpus Audited" event.
 */
export class CorpusAudit extends Construct {
  public readonly function: FinegateFunction;
  public readonly rule: events.Rule;
  /** Receives the upload events EventBridge could not deliver and those whose audits failed every attempt. */
  public readonly deadLetterQueue: sqs.IQueue;
  public readonly corpusPrefix: string;
  public readonly heldoutPrefix: string;
  public readonly artifactsPrefix: string;

  constructor(scope: Construct, id: string, props: CorpusAuditProps) {
    super(scope, id);
    if (props.existingDeadLetterQueue && props.deadLetterQueueProps) {
      throw new Error('CorpusAudit: pass either existingDeadLetterQueue or deadLetterQueueProps, not both');
    }
    const { storage } = props;
    this.corpusPrefix = validPrefix('corpusPrefix', props.corpusPrefix ?? DEFAULT_CORPUS_PREFIX);
    this.artifactsPrefix = validPrefix('artifactsPrefix', props.artifactsPrefix ?? DEFAULT_ARTIFACTS_PREFIX);
    this.heldoutPrefix = validPrefix('heldoutPrefix', props.heldoutPrefix ?? DEFAULT_HELDOUT_PREFIX);
    if (
      storage.corporaBucket === storage.artifactsBucket &&
      (this.artifactsPrefix.startsWith(this.corpusPrefix) || this.corpusPrefix.startsWith(this.artifactsPrefix))
    ) {
      // Artifacts written under the corpus prefix would be audited in turn, without end.
      throw new Error(
        `CorpusAudit: corpusPrefix "${this.corpusPrefix}" and artifactsPrefix "${this.artifactsPrefix}" overlap in the same bucket`,
      );
    }

    this.deadLetterQueue =
      props.existingDeadLetterQueue ??
      new sqs.Queue(this, 'DeadLetterQueue', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
        ...props.deadLetterQueueProps,
      });

    const { environment, ...functionOverrides } = props.functionProps ?? {};
    this.function = new FinegateFunction(this, 'Function', {
      description: 'finegate stage 1: audits an uploaded fine-tuning corpus',
      memorySize: 4096,
      timeout: Duration.minutes(15),
      // A failed audit is retried by Lambda's async invocation, then parked with the original event for redrive.
      retryAttempts: 2,
      deadLetterQueue: this.deadLetterQueue,
      ...functionOverrides,
      entry: CORPUS_AUDIT_ENTRY,
      handler: 'handler',
      environment: {
        ...environment,
        ARTIFACTS_BUCKET: storage.artifactsBucket.bucketName,
        ARTIFACTS_PREFIX: this.artifactsPrefix,
        VERDICTS_TABLE: storage.verdictsTable.tableName,
        IDEMPOTENCY_TABLE: storage.idempotencyTable.tableName,
        EVENT_BUS_NAME: storage.eventBus.eventBusName,
        CORPUS_PREFIX: this.corpusPrefix,
        HELDOUT_PREFIX: this.heldoutPrefix,
        ...(props.auditConfig !== undefined ? { AUDIT_CONFIG: auditConfigJson(this, props.auditConfig) } : {}),
      },
    });

    this.grantAuditAccess(storage);
    this.grantHeldoutRead(props.auditConfig);
    this.grantBedrockModels(props.auditConfig);

    this.rule = new events.Rule(this, 'CorpusUploadedRule', {
      description: 'Starts a corpus audit when a corpus is uploaded under the corpus prefix',
      eventPattern: corpusUploadedPattern(storage.corporaBucket.bucketName, this.corpusPrefix) as events.EventPattern,
      targets: [
        new targets.LambdaFunction(this.function, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: props.retryAttempts ?? 8,
          maxEventAge: props.maxEventAge ?? Duration.hours(4),
        }),
      ],
    });
  }

  /** InvokeModel on exactly the Bedrock models the configuration names (label judge, paraphrase embeddings). */
  private grantBedrockModels(auditConfig: Record<string, unknown> | undefined): void {
    const refs = [nested(auditConfig, 'labelNoise', 'judgeModel'), nested(auditConfig, 'paraphrase', 'model')].filter(
      (ref): ref is string => typeof ref === 'string' && ref.startsWith('bedrock:'),
    );
    if (refs.length === 0) return;
    const stack = Stack.of(this);
    const resources = refs.flatMap((ref) => bedrockModelArns(stack, ref.slice('bedrock:'.length).replace(/#.*$/, '')));
    this.function.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'InvokeConfiguredModels', actions: ['bedrock:InvokeModel'], resources: [...new Set(resources)] }),
    );
    const role = this.function.role;
    if (role) for (const arn of resources.filter((a) => a.includes(':bedrock:*::'))) acknowledgeCrossRegionModel(role, arn);
  }

  /** Read access to exactly the one held-out object the configuration names, if any. */
  private grantHeldoutRead(auditConfig: Record<string, unknown> | undefined): void {
    const heldout = heldoutObject(auditConfig);
    if (!heldout) return;
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadHeldout',
        actions: ['s3:GetObject'],
        resources: [
          Stack.of(this).formatArn({ service: 's3', region: '', account: '', resource: heldout.bucket, resourceName: heldout.key }),
        ],
      }),
    );
  }

  private grantAuditAccess(storage: Storage): void {
    const fn = this.function;
    const corpusObjects = storage.corporaBucket.arnForObjects(`${this.corpusPrefix}*`);
    const heldoutObjects = storage.corporaBucket.arnForObjects(`${this.heldoutPrefix}*`);
    const artifactObjects = storage.artifactsBucket.arnForObjects(`${this.artifactsPrefix}*`);

    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadCorpora',
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [corpusObjects],
      }),
    );
    // Held-out sets a corpus names in its metadata live beside the corpora, outside the audited prefix.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadHeldoutSets',
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [heldoutObjects],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadWriteArtifacts',
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
        resources: [artifactObjects],
      }),
    );
    // Without ListBucket a missing artifact answers 403 instead of 404; the listing is limited to the prefix.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ListArtifacts',
        actions: ['s3:ListBucket'],
        resources: [storage.artifactsBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${this.artifactsPrefix}*`] } },
      }),
    );
    // A customer-managed key: exactly Decrypt (and GenerateDataKey to write), through S3 only.
    grantObjectKey(storage.corporaBucket, fn, 'read');
    grantObjectKey(storage.artifactsBucket, fn, 'write');

    // GetItem: a verdict already written is the answer to a redelivered upload event.
    storage.verdictsTable.grant(fn, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    // The actions Powertools' DynamoDB idempotency persistence layer calls.
    storage.idempotencyTable.grant(
      fn,
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    );
    storage.eventBus.grantPutEventsTo(fn);

    if (fn.role) {
      acknowledgePrefixObjects(fn.role, corpusObjects, 'uploaded corpora');
      acknowledgePrefixObjects(fn.role, artifactObjects, 'audit artifacts');
      acknowledgePrefixObjects(fn.role, heldoutObjects, 'held-out sets');
    }
  }
}

// Lambda caps all environment variables of a function at 4 KB together.
const MAX_AUDIT_CONFIG_BYTES = 3072;

function auditConfigJson(scope: Construct, config: Record<string, unknown>): string {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new Error('CorpusAudit: auditConfig must be a plain object');
  }
  const bytes = Buffer.byteLength(JSON.stringify(config), 'utf8');
  if (bytes > MAX_AUDIT_CONFIG_BYTES) {
    throw new Error(
      `CorpusAudit: auditConfig is ${bytes} bytes as JSON; at most ${MAX_AUDIT_CONFIG_BYTES} fit in the function environment`,
    );
  }
  // toJsonString keeps tokens (e.g. a bucket name) resolvable inside the JSON.
  return Stack.of(scope).toJsonString(config);
}

/** The held-out corpus the leakage check compares against, named by `auditConfig.leakage.heldoutUri`. */
function heldoutObject(config: Record<string, unknown> | undefined): { bucket: string; key: string } | undefined {
  const leakage = config?.leakage;
  if (leakage === null || typeof leakage !== 'object') return undefined;
  const uri = (leakage as Record<string, unknown>).heldoutUri;
  if (uri === undefined) return undefined;
  if (typeof uri !== 'string') throw new Error('CorpusAudit: auditConfig.leakage.heldoutUri must be a string');
  try {
    return parseS3Uri(uri);
  } catch {
    throw new Error(`CorpusAudit: auditConfig.leakage.heldoutUri must be s3://bucket/key, got "${uri}"`);
  }
}

/**
 * A key prefix as S3 and IAM see it: '' (the whole bucket) or segments ending in '/', without a leading '/',
 * empty segments, '.'/'..' segments, or the IAM wildcard characters '*' and '?'.
 */
export function validPrefix(name: string, prefix: string): string {
  if (Token.isUnresolved(prefix)) {
    throw new Error(`${name} must be a literal string, not a token: it is checked and written into IAM policies`);
  }
  if (prefix === '') return prefix;
  const problems: string[] = [];
  if (!prefix.endsWith('/')) problems.push("must end with '/'");
  if (prefix.startsWith('/')) problems.push("must not start with '/'");
  if (/[*?]/.test(prefix)) problems.push("must not contain '*' or '?'");
  const segments = prefix.replace(/^\/+/, '').replace(/\/$/, '').split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) problems.push("must not contain empty, '.' or '..' segments");
  if (/\p{Cc}/u.test(prefix)) problems.push('must not contain control characters');
  if (Buffer.byteLength(prefix, 'utf8') > 1024) problems.push('must be at most 1024 bytes');
  if (problems.length > 0) throw new Error(`Invalid ${name} "${prefix}": ${problems.join('; ')}`);
  return prefix;
}

function nested(config: Record<string, unknown> | undefined, section: string, key: string): unknown {
  const value = config?.[section];
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * The ARNs a Bedrock model id is invoked through: an ARN as given; a cross-region inference profile
 * (`us.`/`eu.`/`apac.`/`global.` prefix) and the foundation models it routes to in any region; or a foundation model.
 */
export function bedrockModelArns(stack: Stack, modelId: string): string[] {
  if (modelId.startsWith('arn:')) return [modelId];
  const profile = /^(us|eu|apac|global|us-gov|ca|jp|au)\.(.+)$/.exec(modelId);
  if (profile) {
    return [
      stack.formatArn({ service: 'bedrock', resource: 'inference-profile', resourceName: modelId }),
      `arn:${stack.partition}:bedrock:*::foundation-model/${profile[2]}`,
    ];
  }
  return [`arn:${stack.partition}:bedrock:${stack.region}::foundation-model/${modelId}`];
}
