import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export const DEFAULT_EVENT_BUS_NAME = 'finegate';

/** Table settings a caller may change; keys and TTL attributes are part of the runtime contract and fixed. */
export type FinegateTableProps = Omit<dynamodb.TableProps, 'partitionKey' | 'sortKey' | 'timeToLiveAttribute' | 'tableName'>;

export interface StorageProps {
  /** Use this bucket for corpora. It must have EventBridge notifications enabled. Not with `corporaBucketProps`. */
  readonly existingCorporaBucket?: s3.IBucket;
  /** Overrides merged over the corpora bucket defaults. Not with `existingCorporaBucket`. */
  readonly corporaBucketProps?: s3.BucketProps;
  /** Use this bucket for reports, clean and quarantine corpora. Not with `artifactsBucketProps`. */
  readonly existingArtifactsBucket?: s3.IBucket;
  /** Overrides merged over the artifacts bucket defaults. Not with `existingArtifactsBucket`. */
  readonly artifactsBucketProps?: s3.BucketProps;
  /** Server access logs of the buckets created here go to this bucket. Not with `accessLogsBucketProps`. */
  readonly existingAccessLogsBucket?: s3.IBucket;
  /** Overrides merged over the access-log bucket defaults. Not with `existingAccessLogsBucket`. */
  readonly accessLogsBucketProps?: s3.BucketProps;
  /** Publish finegate events on this bus. Not with `eventBusName`. */
  readonly existingEventBus?: events.IEventBus;
  /** Name of the bus created for finegate events. @default 'finegate' */
  readonly eventBusName?: string;
  /** Overrides merged over the defaults of every table. */
  readonly tableProps?: FinegateTableProps;
  /** Removal policy of the buckets and tables (the data), and of a key created here. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Encrypt the corpora and artifacts buckets created here and every table with this customer managed KMS key.
   * Not with `customerManagedKey`. @default AWS managed encryption (SSE-S3, DynamoDB's AWS managed key)
   */
  readonly encryptionKey?: kms.IKey;
  /** Create a customer managed KMS key (yearly rotation) for the buckets and tables. Not with `encryptionKey`. @default false */
  readonly customerManagedKey?: boolean;
}

/**
 * The state every finegate stage shares: corpora and artifacts buckets (plus their access-log bucket),
 * the verdicts, runs, judge-cache and idempotency tables, and the bus finegate publishes on.
 */
export class Storage extends Construct {
  public readonly corporaBucket: s3.IBucket;
  public readonly artifactsBucket: s3.IBucket;
  /** Undefined when every bucket was passed in and no access-log bucket was needed or given. */
  public readonly accessLogsBucket?: s3.IBucket;
  public readonly verdictsTable: dynamodb.Table;
  public readonly runsTable: dynamodb.Table;
  public readonly judgeCacheTable: dynamodb.Table;
  public readonly idempotencyTable: dynamodb.Table;
  public readonly eventBus: events.IEventBus;
  /**
   * The customer managed key of the data, when one was given or created. Functions that read or write the tables need
   * it granted besides the table (`grantTableKey`); bucket grants through the bucket's own methods include it.
   */
  public readonly encryptionKey?: kms.IKey;

  constructor(scope: Construct, id: string, props: StorageProps = {}) {
    super(scope, id);
    exclusive('existingCorporaBucket', props.existingCorporaBucket, 'corporaBucketProps', props.corporaBucketProps);
    exclusive('existingArtifactsBucket', props.existingArtifactsBucket, 'artifactsBucketProps', props.artifactsBucketProps);
    exclusive('existingAccessLogsBucket', props.existingAccessLogsBucket, 'accessLogsBucketProps', props.accessLogsBucketProps);
    exclusive('existingEventBus', props.existingEventBus, 'eventBusName', props.eventBusName);
    if (props.encryptionKey !== undefined && props.customerManagedKey) {
      throw new Error('Storage: pass either encryptionKey or customerManagedKey, not both');
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.encryptionKey =
      props.encryptionKey ??
      (props.customerManagedKey
        ? new kms.Key(this, 'EncryptionKey', {
            description: 'finegate data: corpora, audit and run artifacts, verdicts, runs, judge cache, idempotency records',
            enableKeyRotation: true,
            removalPolicy,
          })
        : undefined);
    const key = this.encryptionKey;

    const needsLogBucket = !props.existingCorporaBucket || !props.existingArtifactsBucket;
    this.accessLogsBucket =
      props.existingAccessLogsBucket ??
      (needsLogBucket ? this.createAccessLogsBucket(removalPolicy, props.accessLogsBucketProps) : undefined);

    this.corporaBucket = props.existingCorporaBucket ?? this.createCorporaBucket(removalPolicy, key, props.corporaBucketProps);

    this.artifactsBucket =
      props.existingArtifactsBucket ??
      new s3.Bucket(this, 'ArtifactsBucket', {
        ...dataBucketDefaults(removalPolicy, this.accessLogsBucket, 'artifacts-bucket/', key),
        ...props.artifactsBucketProps,
      });

    const table = (tableId: string, keys: Pick<dynamodb.TableProps, 'partitionKey' | 'sortKey' | 'timeToLiveAttribute'>) =>
      new dynamodb.Table(this, tableId, {
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        ...(key
          ? { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: key }
          : { encryption: dynamodb.TableEncryption.AWS_MANAGED }),
        removalPolicy,
        ...props.tableProps,
        ...keys,
      });
    const stringKey = (name: string) => ({ name, type: dynamodb.AttributeType.STRING });

    this.verdictsTable = table('VerdictsTable', { partitionKey: stringKey('pk'), sortKey: stringKey('sk') });
    this.runsTable = table('RunsTable', { partitionKey: stringKey('pk'), sortKey: stringKey('sk') });
    this.judgeCacheTable = table('JudgeCacheTable', { partitionKey: stringKey('pk'), timeToLiveAttribute: 'expiresAt' });
    // Key and TTL attribute names are the ones Powertools' idempotency persistence layer uses by default.
    this.idempotencyTable = table('IdempotencyTable', { partitionKey: stringKey('id'), timeToLiveAttribute: 'expiration' });

    this.eventBus =
      props.existingEventBus ??
      new events.EventBus(this, 'EventBus', { eventBusName: validBusName(props.eventBusName ?? DEFAULT_EVENT_BUS_NAME) });
  }

  /**
   * Grants a function the use of the tables' customer managed key, if there is one: `read` decrypts items, `write`
   * also encrypts them. Only through DynamoDB (kms:ViaService), and only exact actions (no `kms:ReEncrypt*`).
   */
  public grantTableKey(grantee: iam.IGrantable, use: 'read' | 'write'): void {
    if (!this.encryptionKey) return;
    const actions = use === 'read' ? ['kms:Decrypt', 'kms:DescribeKey'] : ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'];
    const stack = Stack.of(this);
    iam.Grant.addToPrincipal({
      grantee,
      actions,
      resourceArns: [this.encryptionKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${stack.region}.${stack.urlSuffix}` } },
    });
  }

  private createCorporaBucket(removalPolicy: RemovalPolicy, key: kms.IKey | undefined, overrides?: s3.BucketProps): s3.Bucket {
    if (overrides?.eventBridgeEnabled === false) {
      throw new Error('Storage: the corpora bucket needs EventBridge notifications; corporaBucketProps.eventBridgeEnabled cannot be false');
    }
    const bucket = new s3.Bucket(this, 'CorporaBucket', {
      ...dataBucketDefaults(removalPolicy, this.accessLogsBucket, 'corpora-bucket/', key),
      ...overrides,
      // Set on the CloudFormation resource below instead: the L2 flag deploys a custom-resource Lambda to do it.
      eventBridgeEnabled: false,
    });
    // The corpus audit is triggered by S3 "Object Created" events, which S3 sends to the default bus only
    // when EventBridge notifications are on.
    const cfn = bucket.node.defaultChild as s3.CfnBucket;
    cfn.notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
    return bucket;
  }

  private createAccessLogsBucket(removalPolicy: RemovalPolicy, overrides?: s3.BucketProps): s3.Bucket {
    // Needs no log bucket of its own: cdk-nag (S1) accepts a bucket that is the access-log target of another.
    return new s3.Bucket(this, 'AccessLogsBucket', {
      // Server access logging delivers only to buckets encrypted with SSE-S3.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // Object ownership is left to CDK: log delivery by bucket policy (the recommended feature flag) keeps the
      // S3 default of BucketOwnerEnforced, the legacy ACL delivery needs ObjectWriter.
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy,
      ...overrides,
    });
  }
}

/**
 * Grants a function the use of a bucket's KMS key for its objects, if the bucket has one: `read` decrypts, `write` also
 * generates the data keys new objects (and multipart parts) are encrypted under. Exact actions, only through S3; CDK's
 * own bucket and key grants add `kms:ReEncrypt*` and `kms:GenerateDataKey*`, which no finegate function needs.
 */
export function grantObjectKey(bucket: s3.IBucket, grantee: iam.IGrantable, use: 'read' | 'write'): void {
  const key = bucket.encryptionKey;
  if (!key) return;
  const stack = Stack.of(bucket);
  iam.Grant.addToPrincipal({
    grantee,
    actions: use === 'read' ? ['kms:Decrypt'] : ['kms:Decrypt', 'kms:GenerateDataKey'],
    resourceArns: [key.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.${stack.urlSuffix}` } },
  });
}

function dataBucketDefaults(removalPolicy: RemovalPolicy, logs: s3.IBucket | undefined, logPrefix: string, key: kms.IKey | undefined): s3.BucketProps {
  return {
    // An S3 Bucket Key cuts the KMS requests (and their cost) of a large corpus to one per bucket key, not per object.
    ...(key ? { encryption: s3.BucketEncryption.KMS, encryptionKey: key, bucketKeyEnabled: true } : { encryption: s3.BucketEncryption.S3_MANAGED }),
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    // A verdict names the object version it judged; versions keep that object retrievable.
    versioned: true,
    // Clean and quarantine corpora are written as multipart uploads; a crashed writer must not leave parts behind.
    lifecycleRules: [{ id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) }],
    removalPolicy,
    ...(logs ? { serverAccessLogsBucket: logs, serverAccessLogsPrefix: logPrefix } : {}),
  };
}

function exclusive(existingName: string, existing: unknown, propsName: string, props: unknown): void {
  if (existing !== undefined && props !== undefined) {
    throw new Error(`Storage: pass either ${existingName} or ${propsName}, not both`);
  }
}

function validBusName(name: string): string {
  if (Token.isUnresolved(name)) return name;
  // EventBridge's own constraints; "default" names the account's default bus, which cannot be created.
  if (!/^[\w.\-/]{1,256}$/.test(name) || name === 'default') {
    throw new Error(`Storage: invalid event bus name "${name}" (1-256 of [A-Za-z0-9._-/], not "default")`);
  }
  return name;
}
