import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import type { Construct } from 'constructs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { registerRunPattern } from '../../events/run-registered';
import { corpusUploadedPattern } from '../../events/s3-object-created';
import { CHECKPOINT_GATE_ENTRIES } from '../../infra/checkpoint-gate';
import { CORPUS_AUDIT_ENTRY } from '../../infra/corpus-audit';
import { PROJECT_ROOT, type FinegateFunctionProps } from '../../infra/finegate-function';
import { synthesizeTemplate } from '../../infra/synthesize-template';

// The props each FinegateFunction was built with, by entry: bundling hooks never reach an unbundled template.
const functionProps = vi.hoisted(() => new Map<string, FinegateFunctionProps>());
vi.mock('../../infra/finegate-function', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../infra/finegate-function')>();
  class RecordingFunction extends actual.FinegateFunction {
    constructor(scope: Construct, id: string, props: FinegateFunctionProps) {
      super(scope, id, props);
      functionProps.set(this.entrySource, props);
    }
  }
  return { ...actual, FinegateFunction: RecordingFunction };
});

type Resource = { Type: string; Properties: Record<string, any>; Metadata?: Record<string, unknown> };

const REGISTER_RUN_ENTRY = 'functions/register-run.ts';

let json: Record<string, any>;
let template: Template;

beforeAll(() => {
  json = synthesizeTemplate();
  template = Template.fromJSON(json);
});

function resourcesOf(type: string): [string, Resource][] {
  return Object.entries(json.Resources as Record<string, Resource>).filter(([, r]) => r.Type === type);
}

/** The logical id of the one resource of `type` whose id contains `hint`. */
function logicalId(type: string, hint: string): string {
  const ids = resourcesOf(type)
    .map(([id]) => id)
    .filter((id) => id.includes(hint));
  expect(ids, `${type} matching ${hint}`).toHaveLength(1);
  return ids[0]!;
}

/** The logical id of the one function whose `finegate:entry` metadata is `entry`. */
function functionId(entry: string): string {
  const ids = resourcesOf('AWS::Lambda::Function')
    .filter(([, r]) => r.Metadata?.['finegate:entry'] === entry)
    .map(([id]) => id);
  expect(ids, `function with entry ${entry}`).toHaveLength(1);
  return ids[0]!;
}

/** The rules that deliver to a function. */
function rulesTargeting(fnId: string): [string, Resource][] {
  return resourcesOf('AWS::Events::Rule').filter(([, r]) =>
    (r.Properties.Targets as any[]).some((t) => JSON.stringify(t.Arn) === JSON.stringify({ 'Fn::GetAtt': [fnId, 'Arn'] })),
  );
}

/** Statements of the policies attached to a function's execution role. */
function functionStatements(fnId: string): any[] {
  const roleId = json.Resources[fnId].Properties.Role['Fn::GetAtt'][0];
  return resourcesOf('AWS::IAM::Policy')
    .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
}

function bucketPolicyStatements(bucketId: string): any[] {
  const policies = resourcesOf('AWS::S3::BucketPolicy').filter(([, r]) => r.Properties.Bucket?.Ref === bucketId);
  expect(policies).toHaveLength(1);
  return policies[0]![1].Properties.PolicyDocument.Statement;
}

describe('buckets', () => {
  it.each(['CorporaBucket', 'ArtifactsBucket'])('%s is encrypted, private, versioned and logged', (name) => {
    const id = logicalId('AWS::S3::Bucket', name);
    const logsId = logicalId('AWS::S3::Bucket', 'AccessLogsBucket');
    expect(json.Resources[id]).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        VersioningConfiguration: { Status: 'Enabled' },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LoggingConfiguration: { DestinationBucketName: { Ref: logsId } },
      },
    });
  });

  it.each(['CorporaBucket', 'ArtifactsBucket', 'AccessLogsBucket'])('%s denies requests without TLS 1.2', (name) => {
    const id = logicalId('AWS::S3::Bucket', name);
    const statements = bucketPolicyStatements(id);
    const objectsAndBucket = [{ 'Fn::GetAtt': [id, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [id, 'Arn'] }, '/*']] }];
    expect(statements).toContainEqual({
      Action: 's3:*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Resource: objectsAndBucket,
    });
    expect(statements).toContainEqual({
      Action: 's3:*',
      Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Resource: objectsAndBucket,
    });
  });

  it('the corpora bucket sends its events to EventBridge without a custom resource', () => {
    const id = logicalId('AWS::S3::Bucket', 'CorporaBucket');
    expect(json.Resources[id].Properties.NotificationConfiguration).toEqual({
      EventBridgeConfiguration: { EventBridgeEnabled: true },
    });
    expect(resourcesOf('Custom::S3BucketNotifications')).toEqual([]);
  });

  it('the access-log bucket is SSE-S3 encrypted and private, and S3 logging may write each bucket\'s prefix', () => {
    const id = logicalId('AWS::S3::Bucket', 'AccessLogsBucket');
    const props = json.Resources[id].Properties;
    expect(props.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    expect(props.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(props.AccessControl).toBeUndefined();
    const delivery = bucketPolicyStatements(id).filter((s) => s.Principal?.Service === 'logging.s3.amazonaws.com');
    expect(delivery.map((s) => [s.Action, s.Resource['Fn::Join'][1][1]])).toEqual([
      ['s3:PutObject', '/corpora-bucket/*'],
      ['s3:PutObject', '/artifacts-bucket/*'],
    ]);
  });
});

describe('tables', () => {
  const cases = [
    { name: 'VerdictsTable', keys: [['pk', 'HASH'], ['sk', 'RANGE']], ttl: undefined },
    { name: 'RunsTable', keys: [['pk', 'HASH'], ['sk', 'RANGE']], ttl: undefined },
    { name: 'JudgeCacheTable', keys: [['pk', 'HASH']], ttl: 'expiresAt' },
    { name: 'IdempotencyTable', keys: [['id', 'HASH']], ttl: 'expiration' },
  ] as const;

  it.each(cases)('$name has its contract keys, on-demand billing, PITR and encryption', ({ name, keys, ttl }) => {
    const id = logicalId('AWS::DynamoDB::Table', name);
    const table = json.Resources[id];
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties.KeySchema).toEqual(keys.map(([AttributeName, KeyType]) => ({ AttributeName, KeyType })));
    expect(table.Properties.AttributeDefinitions).toEqual(
      keys.map(([AttributeName]) => ({ AttributeName, AttributeType: 'S' })),
    );
    expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true });
    expect(table.Properties.TimeToLiveSpecification).toEqual(
      ttl === undefined ? undefined : { AttributeName: ttl, Enabled: true },
    );
  });

  it('there are exactly the four contract tables', () => {
    expect(resourcesOf('AWS::DynamoDB::Table')).toHaveLength(4);
  });
});

describe('event bus', () => {
  it('is a custom bus named finegate', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'finegate' });
  });
});

describe('corpus upload rule', () => {
  it('matches exactly corpusUploadedPattern(corpora bucket, "corpora/") on the default bus', () => {
    const bucketId = logicalId('AWS::S3::Bucket', 'CorporaBucket');
    const rule = json.Resources[logicalId('AWS::Events::Rule', 'CorpusAuditCorpusUploadedRule')];
    const expected = JSON.parse(
      JSON.stringify(corpusUploadedPattern('__BUCKET__', 'corpora/')).replace('"__BUCKET__"', JSON.stringify({ Ref: bucketId })),
    );
    expect(rule.Properties.EventPattern).toEqual(expected);
    expect(rule.Properties.EventBusName).toBeUndefined();
  });

  it('is the only rule that delivers to the audit function', () => {
    const fnId = functionId(CORPUS_AUDIT_ENTRY);
    expect(rulesTargeting(fnId).map(([id]) => id)).toEqual([logicalId('AWS::Events::Rule', 'CorpusAuditCorpusUploadedRule')]);
  });

  it('targets the audit function with a retry policy and an encrypted, TLS-only dead-letter queue', () => {
    const fnId = functionId(CORPUS_AUDIT_ENTRY);
    const queueId = logicalId('AWS::SQS::Queue', 'CorpusAuditDeadLetterQueue');
    const ruleId = logicalId('AWS::Events::Rule', 'CorpusAuditCorpusUploadedRule');
    const rule = json.Resources[ruleId];
    expect(rule.Properties.Targets).toEqual([
      {
        Id: 'Target0',
        Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 14_400 },
      },
    ]);

    expect(json.Resources[queueId].Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
    const queuePolicies = resourcesOf('AWS::SQS::QueuePolicy').filter(([, p]) => p.Properties.Queues.some((q: any) => q.Ref === queueId));
    expect(queuePolicies).toHaveLength(1);
    const statements = queuePolicies[0]![1].Properties.PolicyDocument.Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Principal: { Service: 'events.amazonaws.com' },
        Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
      }),
    );
  });

  it('EventBridge may invoke the function, for this rule only', () => {
    const fnId = functionId(CORPUS_AUDIT_ENTRY);
    const permissions = resourcesOf('AWS::Lambda::Permission').filter(
      ([, p]) => JSON.stringify(p.Properties.FunctionName) === JSON.stringify({ 'Fn::GetAtt': [fnId, 'Arn'] }),
    );
    expect(permissions.map(([, p]) => p.Properties)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [logicalId('AWS::Events::Rule', 'CorpusAuditCorpusUploadedRule'), 'Arn'] },
      },
    ]);
  });
});

describe('corpus-audit function', () => {
  it('runs Node.js 24 on arm64 with 4096 MB, 15 minutes, active tracing and its own log group', () => {
    const fnId = functionId(CORPUS_AUDIT_ENTRY);
    const logGroupId = logicalId('AWS::Logs::LogGroup', 'CorpusAuditFunctionLogGroup');
    const props = json.Resources[fnId].Properties;
    expect(props).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 4096,
      Timeout: 900,
      Handler: 'index.handler',
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogGroup: { Ref: logGroupId } },
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [logicalId('AWS::SQS::Queue', 'CorpusAuditDeadLetterQueue'), 'Arn'] } },
    });
    expect(json.Resources[logGroupId]).toMatchObject({ Properties: { RetentionInDays: 90 }, DeletionPolicy: 'Retain' });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fnId },
      MaximumRetryAttempts: 2,
    });
  });

  it('gets the contract environment, with Refs to the resources', () => {
    const fnId = functionId(CORPUS_AUDIT_ENTRY);
    expect(json.Resources[fnId].Properties.Environment.Variables).toEqual({
      ARTIFACTS_BUCKET: { Ref: logicalId('AWS::S3::Bucket', 'ArtifactsBucket') },
      ARTIFACTS_PREFIX: 'audits/',
      VERDICTS_TABLE: { Ref: logicalId('AWS::DynamoDB::Table', 'VerdictsTable') },
      IDEMPOTENCY_TABLE: { Ref: logicalId('AWS::DynamoDB::Table', 'IdempotencyTable') },
      EVENT_BUS_NAME: { Ref: logicalId('AWS::Events::EventBus', 'EventBus') },
      CORPUS_PREFIX: 'corpora/',
      HELDOUT_PREFIX: 'heldout/',
      POWERTOOLS_SERVICE_NAME: 'finegate',
      POWERTOOLS_METRICS_NAMESPACE: 'finegate',
      NODE_OPTIONS: '--enable-source-maps',
      // Corpora above 1 GiB go to the sharded audit.
      SHARDED_AUDIT_STATE_MACHINE_ARN: { Ref: logicalId('AWS::StepFunctions::StateMachine', 'ShardedAuditStateMachine') },
      AUDIT_SHARD_THRESHOLD_BYTES: String(1024 ** 3),
    });
  });

  it('every function carries the entry and handler metadata the local runtime imports', () => {
    const byId = Object.fromEntries(resourcesOf('AWS::Lambda::Function').map(([id, r]) => [id, r.Metadata]));
    const expected: Record<string, string> = {
      CorpusAuditFunction: 'functions/corpus-audit.ts',
      RegisterRunFunction: 'functions/register-run.ts',
      CheckpointGateStartFunction: 'functions/gate-start.ts',
      CheckpointGateLoadRunFunction: 'functions/gate-load-run.ts',
      CheckpointGateScoreBatchFunction: 'functions/gate-score-batch.ts',
      CheckpointGateDecideFunction: 'functions/gate-decide.ts',
      CheckpointGateRecordFunction: 'functions/gate-record-verdict.ts',
      CheckpointGateArenaPlanFunction: 'functions/arena-plan.ts',
      CheckpointGateArenaBatchFunction: 'functions/arena-batch.ts',
      CheckpointGateArenaDecideFunction: 'functions/arena-decide.ts',
      ShardedAuditPlanFunction: 'functions/audit-plan.ts',
      ShardedAuditShardFunction: 'functions/audit-shard.ts',
      ShardedAuditReduceFunction: 'functions/audit-reduce.ts',
    };
    expect(Object.keys(byId)).toHaveLength(13);
    for (const [hint, entry] of Object.entries(expected)) {
      expect(byId[logicalId('AWS::Lambda::Function', `FineTuneGate${hint}`)], hint).toEqual({ 'finegate:entry': entry, 'finegate:handler': 'handler' });
    }
    // The gate's entries are its construct's defaults, not copies that could drift.
    expect(Object.values(CHECKPOINT_GATE_ENTRIES).sort()).toEqual(Object.values(expected).filter((e) => /\/(gate|arena)-/.test(e)).sort());
  });
});

describe('IAM', () => {
  const policyStatements = (): any[] => {
    const roleId = logicalId('AWS::IAM::Role', 'CorpusAuditFunctionServiceRole');
    const policies = resourcesOf('AWS::IAM::Policy').filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleId));
    expect(policies).toHaveLength(1);
    return policies[0]![1].Properties.PolicyDocument.Statement;
  };
  const arn = (type: string, hint: string) => ({ 'Fn::GetAtt': [logicalId(type, hint), 'Arn'] });
  const objects = (hint: string, prefix: string) => ({
    'Fn::Join': ['', [arn('AWS::S3::Bucket', hint), `/${prefix}*`]],
  });
  const actions = (s: any): string[] => [s.Action].flat();

  it('the execution role has no AWS managed policy and trusts only Lambda', () => {
    const roleId = logicalId('AWS::IAM::Role', 'CorpusAuditFunctionServiceRole');
    const role = json.Resources[roleId].Properties;
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
    ]);
  });

  it('grants exactly the least-privilege statements', () => {
    const statements = policyStatements();
    const summary = statements.map((s) => ({ actions: actions(s).sort(), resource: s.Resource, condition: s.Condition }));
    expect(summary).toEqual(
      expect.arrayContaining([
        { actions: ['s3:GetObject', 's3:GetObjectVersion'], resource: objects('CorporaBucket', 'corpora/'), condition: undefined },
        { actions: ['s3:GetObject', 's3:GetObjectVersion'], resource: objects('CorporaBucket', 'heldout/'), condition: undefined },
        {
          actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
          resource: objects('ArtifactsBucket', 'audits/'),
          condition: undefined,
        },
        {
          actions: ['s3:ListBucket'],
          resource: arn('AWS::S3::Bucket', 'ArtifactsBucket'),
          condition: { StringLike: { 's3:prefix': ['audits/*'] } },
        },
        {
          actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
          resource: arn('AWS::DynamoDB::Table', 'VerdictsTable'),
          condition: undefined,
        },
        {
          actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
          resource: arn('AWS::DynamoDB::Table', 'IdempotencyTable'),
          condition: undefined,
        },
        { actions: ['events:PutEvents'], resource: arn('AWS::Events::EventBus', 'EventBus'), condition: undefined },
        { actions: ['sqs:SendMessage'], resource: arn('AWS::SQS::Queue', 'CorpusAuditDeadLetterQueue'), condition: undefined },
        {
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resource: arn('AWS::Logs::LogGroup', 'CorpusAuditFunctionLogGroup'),
          condition: undefined,
        },
        { actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], resource: '*', condition: undefined },
        // The handoff of a corpus above the shard threshold.
        { actions: ['states:StartExecution'], resource: { Ref: logicalId('AWS::StepFunctions::StateMachine', 'ShardedAuditStateMachine') }, condition: undefined },
      ]),
    );
    expect(summary).toHaveLength(11);
  });

  it('no statement allows a data action on "*" or a wildcard action', () => {
    // Actions without resource-level permissions: X-Ray tracing, and (state machine only) log delivery set-up.
    const tracing = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
    const stateMachineTracingAndLogDelivery = [
      'logs:CreateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:DescribeLogGroups',
      'logs:DescribeResourcePolicies',
      'logs:GetLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:UpdateLogDelivery',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
      ...tracing,
    ].sort();
    const stateMachineRoleIds = [logicalId('AWS::IAM::Role', 'CheckpointGateStateMachineRole'), logicalId('AWS::IAM::Role', 'ShardedAuditStateMachineRole')];
    const policies = resourcesOf('AWS::IAM::Policy');
    // One per function role (audit, register-run, eight gate functions, three sharded-audit functions), one per state
    // machine (the gate's, the sharded audit's), and the sharded audit's Distributed Map policy.
    expect(policies).toHaveLength(16);
    for (const [id, policy] of policies) {
      const onStateMachineRole = policy.Properties.Roles.some((r: any) => stateMachineRoleIds.includes(r.Ref));
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        expect(actions(statement).filter((a) => a.includes('*')), id).toEqual([]);
        if ([statement.Resource].flat().includes('*')) {
          expect(actions(statement).sort(), id).toEqual(onStateMachineRole ? stateMachineTracingAndLogDelivery : tracing);
        }
      }
    }
  });

  it('the corpora bucket is read-only to the audit', () => {
    const corporaArn = JSON.stringify(arn('AWS::S3::Bucket', 'CorporaBucket'));
    const onCorpora = policyStatements().filter((s) => JSON.stringify(s.Resource).includes(corporaArn));
    expect(onCorpora.flatMap(actions).every((a) => a.startsWith('s3:Get'))).toBe(true);
  });
});

describe('register-run function', () => {
  const ref = (type: string, hint: string) => ({ Ref: logicalId(type, hint) });
  const arn = (type: string, hint: string) => ({ 'Fn::GetAtt': [logicalId(type, hint), 'Arn'] });

  it('imports functions/register-run.ts and gets exactly the tables and bus it uses', () => {
    const fnId = functionId(REGISTER_RUN_ENTRY);
    const fn = json.Resources[fnId];
    expect(fn.Metadata).toEqual({ 'finegate:entry': REGISTER_RUN_ENTRY, 'finegate:handler': 'handler' });
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Handler: 'index.handler', TracingConfig: { Mode: 'Active' } });
    expect(fn.Properties.Environment.Variables).toEqual({
      RUNS_TABLE: ref('AWS::DynamoDB::Table', 'RunsTable'),
      VERDICTS_TABLE: ref('AWS::DynamoDB::Table', 'VerdictsTable'),
      EVENT_BUS_NAME: ref('AWS::Events::EventBus', 'EventBus'),
      POWERTOOLS_SERVICE_NAME: 'finegate',
      POWERTOOLS_METRICS_NAMESPACE: 'finegate',
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it('is started by exactly registerRunPattern() on the finegate bus, by that rule only', () => {
    const fnId = functionId(REGISTER_RUN_ENTRY);
    const ruleId = logicalId('AWS::Events::Rule', 'RegisterRunRule');
    expect(rulesTargeting(fnId).map(([id]) => id)).toEqual([ruleId]);
    const rule = json.Resources[ruleId].Properties;
    expect(rule.EventPattern).toEqual(registerRunPattern());
    expect(rule.EventBusName).toEqual(ref('AWS::Events::EventBus', 'EventBus'));
    expect(rule.State).toBe('ENABLED');
    // A registration that fails every attempt is kept with the checkpoint gate's dead letters.
    expect(rule.Targets).toEqual([
      {
        Id: 'Target0',
        Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 4 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId('AWS::SQS::Queue', 'CheckpointGateDeadLetterQueue'), 'Arn'] } },
      },
    ]);
    const permissions = resourcesOf('AWS::Lambda::Permission').filter(
      ([, p]) => JSON.stringify(p.Properties.FunctionName) === JSON.stringify({ 'Fn::GetAtt': [fnId, 'Arn'] }),
    );
    expect(permissions.map(([, p]) => p.Properties)).toEqual([
      { Action: 'lambda:InvokeFunction', FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] }, Principal: 'events.amazonaws.com', SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] } },
    ]);
  });

  it('may write runs, read verdicts and publish on the finegate bus, and nothing more', () => {
    const fnId = functionId(REGISTER_RUN_ENTRY);
    const summary = functionStatements(fnId).map((s) => ({ actions: [s.Action].flat().sort(), resource: s.Resource, condition: s.Condition }));
    expect(summary).toEqual(
      expect.arrayContaining([
        // Registration is a TransactWriteItems of puts; a refusal reads what is already there.
        { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resource: arn('AWS::DynamoDB::Table', 'RunsTable'), condition: undefined },
        // The corpus audit the run names, by version or among the corpus's audits.
        { actions: ['dynamodb:GetItem', 'dynamodb:Query'], resource: arn('AWS::DynamoDB::Table', 'VerdictsTable'), condition: undefined },
        { actions: ['events:PutEvents'], resource: arn('AWS::Events::EventBus', 'EventBus'), condition: undefined },
        { actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resource: arn('AWS::Logs::LogGroup', 'RegisterRunFunctionLogGroup'), condition: undefined },
        { actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], resource: '*', condition: undefined },
      ]),
    );
    expect(summary).toHaveLength(5);
  });
});

describe('arena functions', () => {
  const ref = (type: string, hint: string) => ({ Ref: logicalId(type, hint) });
  const arn = (type: string, hint: string) => ({ 'Fn::GetAtt': [logicalId(type, hint), 'Arn'] });
  const objects = (hint: string, prefix: string) => ({ 'Fn::Join': ['', [arn('AWS::S3::Bucket', hint), `/${prefix}*`]] });
  const summary = (entry: string) =>
    functionStatements(functionId(entry))
      .map((s) => ({ actions: [s.Action].flat().sort(), resource: s.Resource, condition: s.Condition }))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  const sorted = (statements: object[]) => [...statements].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  // Built once the template is synthesized (beforeAll), not when the suite is collected.
  const runs = () => ({ actions: ['dynamodb:GetItem'], resource: arn('AWS::DynamoDB::Table', 'RunsTable'), condition: undefined });
  const readHeldout = () => ({ actions: ['s3:GetObject', 's3:GetObjectVersion'], resource: objects('CorporaBucket', 'heldout/'), condition: undefined });
  const listHeldout = () => ({ actions: ['s3:ListBucket'], resource: arn('AWS::S3::Bucket', 'CorporaBucket'), condition: { StringLike: { 's3:prefix': ['heldout/*'] } } });
  const listRuns = () => ({ actions: ['s3:ListBucket'], resource: arn('AWS::S3::Bucket', 'ArtifactsBucket'), condition: { StringLike: { 's3:prefix': ['runs/*'] } } });
  const logs = (hint: string) => ({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resource: arn('AWS::Logs::LogGroup', hint), condition: undefined });
  const tracing = { actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], resource: '*', condition: undefined };

  it('carry the gate environment, production inputs read beside the held-out sets', () => {
    for (const entry of [CHECKPOINT_GATE_ENTRIES.arenaPlan, CHECKPOINT_GATE_ENTRIES.arenaBatch, CHECKPOINT_GATE_ENTRIES.arenaDecide]) {
      const fn = json.Resources[functionId(entry)];
      expect(fn.Properties, entry).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Handler: 'index.handler', TracingConfig: { Mode: 'Active' } });
      expect(fn.Properties.Environment.Variables, entry).toEqual({
        RUNS_TABLE: ref('AWS::DynamoDB::Table', 'RunsTable'),
        VERDICTS_TABLE: ref('AWS::DynamoDB::Table', 'VerdictsTable'),
        JUDGE_CACHE_TABLE: ref('AWS::DynamoDB::Table', 'JudgeCacheTable'),
        ARTIFACTS_BUCKET: ref('AWS::S3::Bucket', 'ArtifactsBucket'),
        RUNS_PREFIX: 'runs/',
        CORPORA_BUCKET: ref('AWS::S3::Bucket', 'CorporaBucket'),
        HELDOUT_PREFIX: 'heldout/',
        EVENT_BUS_NAME: ref('AWS::Events::EventBus', 'EventBus'),
        POWERTOOLS_SERVICE_NAME: 'finegate',
        POWERTOOLS_METRICS_NAMESPACE: 'finegate',
        NODE_OPTIONS: '--enable-source-maps',
      });
      // Invoked by the state machine only: no rule delivers to them.
      expect(rulesTargeting(functionId(entry)), entry).toEqual([]);
    }
  });

  it('ArenaPlan may read the run and the production inputs, and nothing more', () => {
    expect(summary(CHECKPOINT_GATE_ENTRIES.arenaPlan)).toEqual(sorted([runs(), readHeldout(), listHeldout(), logs('ArenaPlanFunctionLogGroup'), tracing]));
  });

  it('ArenaBatch may also use the judge cache and write its pairs under runs/, and nothing more', () => {
    expect(summary(CHECKPOINT_GATE_ENTRIES.arenaBatch)).toEqual(
      sorted([
        runs(),
        { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resource: arn('AWS::DynamoDB::Table', 'JudgeCacheTable'), condition: undefined },
        readHeldout(),
        listHeldout(),
        { actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'], resource: objects('ArtifactsBucket', 'runs/'), condition: undefined },
        listRuns(),
        logs('ArenaBatchFunctionLogGroup'),
        tracing,
      ]),
    );
  });

  it('ArenaDecide may read the run and the pairs and write arena.json under runs/, and nothing more', () => {
    expect(summary(CHECKPOINT_GATE_ENTRIES.arenaDecide)).toEqual(
      sorted([
        runs(),
        { actions: ['s3:GetObject', 's3:PutObject'], resource: objects('ArtifactsBucket', 'runs/'), condition: undefined },
        listRuns(),
        logs('ArenaDecideFunctionLogGroup'),
        tracing,
      ]),
    );
  });
});

describe('checkpoint gate bundles', () => {
  const SUITE_READERS = [CHECKPOINT_GATE_ENTRIES.loadRun, CHECKPOINT_GATE_ENTRIES.scoreBatch];

  /** The commands a function's bundling runs after esbuild, for a given input (project root) and output directory. */
  const afterBundling = (entry: string): string[] => {
    const props = functionProps.get(entry);
    expect(props, entry).toBeDefined();
    return props!.bundling?.commandHooks?.afterBundling('/project', '/bundle') ?? [];
  };

  it('the load-run and score-batch bundles carry suites/ beside the handler; no other bundle does', () => {
    expect(SUITE_READERS).toEqual(['functions/gate-load-run.ts', 'functions/gate-score-batch.ts']);
    const entries = resourcesOf('AWS::Lambda::Function').map(([, r]) => r.Metadata?.['finegate:entry'] as string);
    expect(entries).toEqual(expect.arrayContaining(SUITE_READERS));
    for (const entry of entries) {
      // functions/stores/drift-suite-files.ts looks for ./suites/ beside the bundled handler.
      expect(afterBundling(entry), entry).toEqual(SUITE_READERS.includes(entry) ? ['cp -r "/project/suites" "/bundle/suites"'] : []);
    }
  });

  it('copies from the repository root, where the frozen drift suite lives', () => {
    expect(existsSync(join(PROJECT_ROOT, 'suites', 'drift', 'v1', 'manifest.json'))).toBe(true);
  });
});

describe('outputs', () => {
  it('name each bucket, table and the bus under stable keys', () => {
    const ref = (type: string, hint: string) => ({ Ref: logicalId(type, hint) });
    expect(json.Outputs).toEqual({
      CorporaBucketName: { Value: ref('AWS::S3::Bucket', 'CorporaBucket') },
      ArtifactsBucketName: { Value: ref('AWS::S3::Bucket', 'ArtifactsBucket') },
      VerdictsTableName: { Value: ref('AWS::DynamoDB::Table', 'VerdictsTable') },
      RunsTableName: { Value: ref('AWS::DynamoDB::Table', 'RunsTable') },
      JudgeCacheTableName: { Value: ref('AWS::DynamoDB::Table', 'JudgeCacheTable') },
      IdempotencyTableName: { Value: ref('AWS::DynamoDB::Table', 'IdempotencyTable') },
      EventBusName: { Value: ref('AWS::Events::EventBus', 'EventBus') },
      CheckpointGateStateMachineArn: { Value: ref('AWS::StepFunctions::StateMachine', 'CheckpointGateStateMachine') },
      // What `finegate dlq list|redrive` reads and sends dead letters back to.
      CorpusAuditDeadLetterQueueUrl: { Value: ref('AWS::SQS::Queue', 'CorpusAuditDeadLetterQueue') },
      CorpusAuditFunctionName: { Value: { Ref: functionId('functions/corpus-audit.ts') } },
      CheckpointGateDeadLetterQueueUrl: { Value: ref('AWS::SQS::Queue', 'CheckpointGateDeadLetterQueue') },
      CheckpointGateStartFunctionName: { Value: { Ref: functionId('functions/gate-start.ts') } },
      CheckpointGateRecordFunctionName: { Value: { Ref: functionId('functions/gate-record-verdict.ts') } },
      RegisterRunFunctionName: { Value: { Ref: functionId(REGISTER_RUN_ENTRY) } },
    });
  });
});

describe('with a canary', () => {
  it('adds the canary and its outputs; the default stack has neither', () => {
    const withCanary = synthesizeTemplate({ canary: { currentModel: 'local:echo' } });
    const resources = Object.entries(withCanary.Resources as Record<string, Resource>);
    const [urlId] = resources.find(([, r]) => r.Type === 'AWS::Lambda::Url')!;
    const machines = resources.filter(([id, r]) => r.Type === 'AWS::StepFunctions::StateMachine' && id.includes('CanaryRolloutStateMachine')).map(([id]) => id);
    expect(machines).toHaveLength(1);
    const functionId = (entry: string) => resources.find(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.['finegate:entry'] === entry)![0];
    expect(withCanary.Outputs).toMatchObject({
      CanaryFunctionUrl: { Value: { 'Fn::GetAtt': [urlId, 'FunctionUrl'] } },
      CanaryRolloutStateMachineArn: { Value: { Ref: machines[0] } },
      // What `finegate canary status|rollback|promote` reads and calls.
      CanaryRouterFunctionName: { Value: { Ref: functionId('functions/canary-router.ts') } },
      CanaryRollbackFunctionName: { Value: { Ref: functionId('functions/canary-rollback.ts') } },
      CanaryRolloutStepFunctionName: { Value: { Ref: functionId('functions/canary-rollout-step.ts') } },
      CanaryAlarmNamePrefix: { Value: 'finegate-canary-' },
    });
    const canaryOutputs = [
      'CanaryFunctionUrl',
      'CanaryRolloutStateMachineArn',
      'CanaryRouterFunctionName',
      'CanaryRollbackFunctionName',
      'CanaryRolloutStepFunctionName',
      'CanaryAlarmNamePrefix',
      'CanaryDeadLetterQueueUrl',
      'CanaryShadowQueueUrl',
      'CanaryShadowDeadLetterQueueUrl',
    ];
    expect(Object.keys(withCanary.Outputs).sort()).toEqual([...Object.keys(json.Outputs), ...canaryOutputs].sort());
    expect(resourcesOf('AWS::Lambda::Url')).toEqual([]);
    expect(resourcesOf('Custom::FinegateCanaryAlias')).toEqual([]);
  });
});

describe('snapshot', () => {
  it('matches the reviewed template (asset keys sanitized)', () => {
    const sanitized = JSON.parse(JSON.stringify(json), (key, value) =>
      key === 'S3Key' && typeof value === 'string' ? '<asset>.zip' : value,
    );
    expect(sanitized).toMatchSnapshot();
  });
});
