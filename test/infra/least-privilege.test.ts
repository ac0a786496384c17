import { Stack, Validations } from 'aws-cdk-lib';
import { Template as Assertions } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { FineTuneGate } from '../../infra/fine-tune-gate';
import { FinegateStack, type FinegateStackProps } from '../../infra/finegate-stack';
import { flattenReference } from '../../infra/nag-suppressions';
import { FINEGATE_STACK_ID, synthesizeTemplate, unbundledApp } from '../../infra/synthesize-template';

/*
 * Every function's role, read from the synthesized template: its statements rendered as `actions on resource`, with
 * each resource named by the logical id it references (hash and FineTuneGate prefix dropped), e.g.
 * `dynamodb:GetItem,dynamodb:PutItem on StorageVerdictsTable.Arn`. The tables below are the contract: a new
 * permission fails here until it is written down with the function that needs it.
 */

type Resource = { Type: string; Properties: Record<string, any>; Metadata?: Record<string, unknown> };
type Template = { Resources: Record<string, Resource> };

const TRACING = 'xray:PutTelemetryRecords,xray:PutTraceSegments on *';
const logs = (fn: string) => `logs:CreateLogStream,logs:PutLogEvents on ${fn}LogGroup.Arn`;

/** The exact statements of each function of the default stack, by handler entry. */
const DEFAULT_STACK: Record<string, string[]> = {
  // The sharded audit: plan and shards read the corpus and write their work objects beside the audit's artifacts;
  // the reduce also reads the held-out set, and records and announces the verdict.
  'functions/audit-plan.ts': [
    TRACING,
    logs('ShardedAuditPlanFunction'),
    's3:GetObject,s3:GetObjectVersion on StorageCorporaBucket.Arn/corpora/*',
    's3:AbortMultipartUpload,s3:GetObject,s3:PutObject on StorageArtifactsBucket.Arn/audits/*',
  ],
  'functions/audit-shard.ts': [
    TRACING,
    logs('ShardedAuditShardFunction'),
    's3:GetObject,s3:GetObjectVersion on StorageCorporaBucket.Arn/corpora/*',
    's3:AbortMultipartUpload,s3:GetObject,s3:PutObject on StorageArtifactsBucket.Arn/audits/*',
  ],
  'functions/audit-reduce.ts': [
    TRACING,
    logs('ShardedAuditReduceFunction'),
    's3:GetObject,s3:GetObjectVersion on StorageCorporaBucket.Arn/corpora/*',
    's3:GetObject,s3:GetObjectVersion on StorageCorporaBucket.Arn/heldout/*',
    's3:AbortMultipartUpload,s3:GetObject,s3:PutObject on StorageArtifactsBucket.Arn/audits/*',
    'dynamodb:GetItem,dynamodb:PutItem,dynamodb:UpdateItem on StorageVerdictsTable.Arn',
    'events:PutEvents on StorageEventBus.Arn',
  ],
  'functions/corpus-audit.ts': [
    'sqs:SendMessage on CorpusAuditDeadLetterQueue.Arn',
    // Corpora above the shard threshold are handed to the sharded audit.
    'states:StartExecution on ShardedAuditStateMachine',
    TRACING,
    logs('CorpusAuditFunction'),
    's3:GetObject,s3:GetObjectVersion on StorageCorporaBucket.Arn/corpora/*',
    's3:GetObject,s3:GetObjectVersion on StorageCorporaBucket.Arn/heldout/*',
    's3:AbortMultipartUpload,s3:GetObject,s3:PutObject on StorageArtifactsBucket.Arn/audits/*',
    's3:ListBucket on StorageArtifactsBucket.Arn if s3:prefix audits/*',
    'dynamodb:GetItem,dynamodb:PutItem,dynamodb:UpdateItem on StorageVerdictsTable.Arn',
    'dynamodb:DeleteItem,dynamodb:GetItem,dynamodb:PutItem,dynamodb:UpdateItem on StorageIdempotencyTable.Arn',
    'events:PutEvents on StorageEventBus.Arn',
  ],
  'functions/gate-start.ts': [
    'sqs:SendMessage on CheckpointGateDeadLetterQueue.Arn',
    TRACING,
    logs('CheckpointGateStartFunction'),
    'states:StartExecution on CheckpointGateStateMachine',
    'dynamodb:GetItem,dynamodb:Query on StorageRunsTable.Arn',
  ],
  'functions/gate-load-run.ts': [
    TRACING,
    logs('CheckpointGateLoadRunFunction'),
    'dynamodb:GetItem on StorageRunsTable.Arn',
    's3:GetObject,s3:GetObjectVersion on StorageCorporaBucket.Arn/heldout/*',
    's3:ListBucket on StorageCorporaBucket.Arn if s3:prefix heldout/*',
  ],
  'functions/gate-score-batch.ts': [
    TRACING,
    logs('CheckpointGateScoreBatchFunction'),
    'dynamodb:GetItem on StorageRunsTable.Arn',
    'dynamodb:GetItem,dynamodb:PutItem on StorageJudgeCacheTable.Arn',
    's3:GetObject,s3:GetObjectVersion on StorageCorporaBucket.Arn/heldout/*',
    's3:ListBucket on StorageCorporaBucket.Arn if s3:prefix heldout/*',
    's3:AbortMultipartUpload,s3:GetObject,s3:PutObject on StorageArtifactsBucket.Arn/runs/*',
    's3:ListBucket on StorageArtifactsBucket.Arn if s3:prefix runs/*',
  ],
  'functions/gate-decide.ts': [
    TRACING,
    logs('CheckpointGateDecideFunction'),
    'dynamodb:BatchGetItem,dynamodb:GetItem,dynamodb:Query on StorageRunsTable.Arn',
    's3:GetObject,s3:PutObject on StorageArtifactsBucket.Arn/runs/*',
    's3:ListBucket on StorageArtifactsBucket.Arn if s3:prefix runs/*',
  ],
  'functions/gate-record-verdict.ts': [
    TRACING,
    logs('CheckpointGateRecordFunction'),
    'dynamodb:GetItem,dynamodb:PutItem,dynamodb:UpdateItem on StorageVerdictsTable.Arn',
    'dynamodb:GetItem,dynamodb:PutItem,dynamodb:Query on StorageRunsTable.Arn',
    's3:GetObject,s3:PutObject on StorageArtifactsBucket.Arn/runs/*',
    's3:ListBucket on StorageArtifactsBucket.Arn if s3:prefix runs/*',
    'events:PutEvents on StorageEventBus.Arn',
  ],
  'functions/arena-plan.ts': [
    TRACING,
    logs('CheckpointGateArenaPlanFunction'),
    'dynamodb:GetItem on StorageRunsTable.Arn',
    's3:GetObject,s3:GetObjectVersion on StorageCorporaBucket.Arn/heldout/*',
    's3:ListBucket on StorageCorporaBucket.Arn if s3:prefix heldout/*',
  ],
  'functions/arena-batch.ts': [
    TRACING,
    logs('CheckpointGateArenaBatchFunction'),
    'dynamodb:GetItem on StorageRunsTable.Arn',
    'dynamodb:GetItem,dynamodb:PutItem on StorageJudgeCacheTable.Arn',
    's3:GetObject,s3:GetObjectVersion on StorageCorporaBucket.Arn/heldout/*',
    's3:ListBucket on StorageCorporaBucket.Arn if s3:prefix heldout/*',
    's3:AbortMultipartUpload,s3:GetObject,s3:PutObject on StorageArtifactsBucket.Arn/runs/*',
    's3:ListBucket on StorageArtifactsBucket.Arn if s3:prefix runs/*',
  ],
  'functions/arena-decide.ts': [
    TRACING,
    logs('CheckpointGateArenaDecideFunction'),
    'dynamodb:GetItem on StorageRunsTable.Arn',
    's3:GetObject,s3:PutObject on StorageArtifactsBucket.Arn/runs/*',
    's3:ListBucket on StorageArtifactsBucket.Arn if s3:prefix runs/*',
  ],
  'functions/register-run.ts': [
    TRACING,
    logs('RegisterRunFunction'),
    'dynamodb:GetItem,dynamodb:PutItem on StorageRunsTable.Arn',
    'dynamodb:GetItem,dynamodb:Query on StorageVerdictsTable.Arn',
    'events:PutEvents on StorageEventBus.Arn',
  ],
};

const ROUTER_VERSIONS = 'CanaryRouterFunction.Arn:*';
const ALIAS = 'CanaryRouterFunction.Arn,CanaryRouterFunction.Arn:live';

/** The canary's functions, added to the default stack's when the canary is deployed. */
const CANARY: Record<string, string[]> = {
  'functions/canary-router.ts': [TRACING, logs('CanaryRouterFunction'), 'sqs:SendMessage on CanaryShadowQueue.Arn'],
  'functions/canary-scorer.ts': [
    TRACING,
    logs('CanaryScorerFunction'),
    'sqs:ChangeMessageVisibility,sqs:DeleteMessage,sqs:GetQueueAttributes,sqs:GetQueueUrl,sqs:ReceiveMessage on CanaryShadowQueue.Arn',
    'dynamodb:GetItem on StorageRunsTable.Arn',
    'dynamodb:GetItem,dynamodb:PutItem,dynamodb:UpdateItem on StorageJudgeCacheTable.Arn',
  ],
  'functions/canary-rollout-step.ts': [
    TRACING,
    logs('CanaryRolloutStepFunction'),
    'lambda:GetFunctionConfiguration,lambda:PublishVersion,lambda:UpdateFunctionConfiguration on CanaryRouterFunction.Arn',
    `lambda:GetFunctionConfiguration on ${ROUTER_VERSIONS}`,
    `lambda:GetAlias,lambda:UpdateAlias on ${ALIAS}`,
    'cloudwatch:DescribeAlarms on arn:AWS::Partition:cloudwatch:AWS::Region:AWS::AccountId:alarm:finegate-canary-*',
    'cloudwatch:GetMetricData on *',
    'dynamodb:GetItem on StorageRunsTable.Arn',
    'dynamodb:GetItem,dynamodb:PutItem,dynamodb:UpdateItem on StorageVerdictsTable.Arn',
    'events:PutEvents on StorageEventBus.Arn',
  ],
  'functions/canary-rollback.ts': [
    'sqs:SendMessage on CanaryDeadLetterQueue.Arn',
    TRACING,
    logs('CanaryRollbackFunction'),
    `lambda:GetAlias,lambda:UpdateAlias on ${ALIAS}`,
    `lambda:GetFunctionConfiguration on ${ROUTER_VERSIONS}`,
    'states:DescribeExecution,states:StopExecution on arn:AWS::Partition:states:AWS::Region:AWS::AccountId:execution:CanaryRolloutStateMachine.Name:*',
    'dynamodb:GetItem,dynamodb:PutItem,dynamodb:UpdateItem on StorageVerdictsTable.Arn',
    'events:PutEvents on StorageEventBus.Arn',
  ],
  // The AwsCustomResource that creates the `live` alias once, at deployment.
  'custom resource: CanaryAliasCreator': [logs('CanaryAliasCreator'), `lambda:CreateAlias on ${ALIAS}`],
};

/** Actions that support no resource-level permissions, the only ones allowed on `*`. */
const UNSCOPED_ACTIONS = new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'cloudwatch:GetMetricData']);

/** What a role's scoped resources may be: finegate's own named resources of these types. */
const SCOPED_TYPES = new Set([
  'AWS::DynamoDB::Table',
  'AWS::S3::Bucket',
  'AWS::Events::EventBus',
  'AWS::SQS::Queue',
  'AWS::StepFunctions::StateMachine',
  'AWS::Logs::LogGroup',
  'AWS::Lambda::Function',
  'AWS::KMS::Key',
  'AWS::SecretsManager::Secret',
]);

interface FunctionRole {
  /** Handler entry, or `custom resource: <id>` for a function CDK provides. */
  name: string;
  roleId: string;
  statements: { actions: string[]; resources: unknown[]; condition?: unknown }[];
}

function functionRoles(template: Template): FunctionRole[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
    .map(([id, r]) => {
      const roleId: string = r.Properties.Role['Fn::GetAtt'][0];
      const role = template.Resources[roleId]!;
      expect(role.Properties.ManagedPolicyArns, `${id}: managed policies`).toBeUndefined();
      expect(role.Properties.Policies, `${id}: inline policies`).toBeUndefined();
      const statements = Object.values(template.Resources)
        .filter((p) => p.Type === 'AWS::IAM::Policy' && p.Properties.Roles.some((ref: { Ref?: string }) => ref.Ref === roleId))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as Record<string, unknown>[])
        .map((s) => {
          expect(s.Effect).toBe('Allow');
          return {
            actions: ([] as string[]).concat(s.Action as string | string[]).sort(),
            resources: ([] as unknown[]).concat(s.Resource),
            ...(s.Condition !== undefined ? { condition: s.Condition } : {}),
          };
        });
      const entry = r.Metadata?.['finegate:entry'];
      const name = typeof entry === 'string' ? entry : `custom resource: ${shortName(roleId).replace(/Role$/, '')}`;
      return { name, roleId, statements };
    });
}

/** A logical id without the FineTuneGate prefix and the 8-character hash CDK appends. */
function shortName(logicalId: string): string {
  return logicalId.replace(/^FineTuneGate/, '').replace(/[0-9A-F]{8}$/, '');
}

function renderResource(value: unknown): string {
  return flattenReference(value).replace(/<([^>.]+)(\.[^>]+)?>/g, (_, id: string, attr = '') => `${id.startsWith('AWS::') ? id : shortName(id)}${attr}`);
}

function render(statement: FunctionRole['statements'][number]): string {
  const condition = statement.condition as { StringLike?: Record<string, string[]> } | undefined;
  const like = condition?.StringLike ? ` if ${Object.entries(condition.StringLike).map(([k, v]) => `${k} ${v.join('|')}`).join(', ')}` : '';
  return `${statement.actions.join(',')} on ${statement.resources.map(renderResource).join(',')}${like}`;
}

/** The AwsSolutions findings acknowledged on a role, with their reasons, read from the construct tree. */
function acknowledgements(stack: Stack, roleId: string): Map<string, string> {
  const role = stack.node.findAll().find((c) => c.node.defaultChild && stack.getLogicalId(c.node.defaultChild as never) === roleId) as IConstruct;
  expect(role, `role ${roleId}`).toBeDefined();
  const entries = role.node.metadata
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.entries(m.data as Record<string, string>))
    // Recorded with the plugin namespace in front of the finding id.
    .map(([id, reason]) => [id.replace(/^.*::(?=AwsSolutions-)/, ''), reason] as const);
  return new Map(entries);
}

/** Every reference (Ref / Fn::GetAtt) inside a resource expression. */
function referencedIds(value: unknown): string[] {
  if (value === null || typeof value !== 'object') return [];
  const node = value as Record<string, unknown>;
  if (typeof node.Ref === 'string') return [node.Ref];
  if (Array.isArray(node['Fn::GetAtt'])) return [node['Fn::GetAtt'][0] as string];
  return Object.values(node).flatMap((v) => (Array.isArray(v) ? v.flatMap(referencedIds) : referencedIds(v)));
}

const SCENARIOS: [string, FinegateStackProps | undefined, Record<string, string[]>][] = [
  ['the default stack', undefined, DEFAULT_STACK],
  ['the stack with the canary', { canary: { currentModel: 'local:echo' } }, { ...DEFAULT_STACK, ...CANARY }],
];

describe.each(SCENARIOS)('least privilege in %s', (_, props, expected) => {
  const template = synthesizeTemplate(props) as Template;
  // The same stack as a construct tree: acknowledgements are construct metadata, not template content.
  const stack = new FinegateStack(unbundledApp(), FINEGATE_STACK_ID, props);
  const roles = functionRoles(template);

  it('has a table entry for every function and no entry for a function it lacks', () => {
    expect(roles.map((r) => r.name).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.keys(expected))('%s has exactly the statements it needs', (name) => {
    const role = roles.find((r) => r.name === name)!;
    expect(role.statements.map(render).sort()).toEqual([...expected[name]!].sort());
  });

  it('grants no wildcard action', () => {
    for (const role of roles) for (const s of role.statements) for (const a of s.actions) expect(a, role.name).not.toContain('*');
  });

  it('scopes every resource to a named finegate resource, or to `*` only for actions without resource-level permissions', () => {
    for (const role of roles) {
      for (const s of role.statements) {
        for (const resource of s.resources) {
          if (resource === '*') {
            for (const a of s.actions) expect(UNSCOPED_ACTIONS, `${role.name}: ${a} on *`).toContain(a);
            continue;
          }
          // A literal ARN (an alarm prefix, a model) names the service and resource type; a reference names one resource.
          for (const id of referencedIds(resource).filter((id) => !id.startsWith('AWS::'))) {
            expect(SCOPED_TYPES, `${role.name}: ${id}`).toContain(template.Resources[id]?.Type);
          }
          expect(renderResource(resource), role.name).not.toMatch(/^arn:[^:]*:[^:]*:[^:]*:[^:]*:\*$/);
        }
      }
    }
  });

  it('justifies every wildcard resource by an acknowledgement on that role for that exact resource', () => {
    for (const role of roles) {
      const acknowledged = acknowledgements(stack, role.roleId);
      for (const s of role.statements) {
        for (const resource of s.resources) {
          const rendered = flattenReference(resource);
          if (!rendered.includes('*')) continue;
          const id = `AwsSolutions-IAM5[Resource::${rendered}]`;
          expect([...acknowledged.keys()], `${role.name}: ${id}`).toContain(id);
          // A reason that says why, not a placeholder.
          expect(acknowledged.get(id)!.length, `${role.name}: reason for ${id}`).toBeGreaterThan(40);
        }
      }
    }
  });
});

/** Functions that call models, and so read the API key; by handler entry. */
const MODEL_CALLERS = [
  'functions/audit-reduce.ts','functions/corpus-audit.ts', 'functions/gate-score-batch.ts', 'functions/arena-batch.ts', 'functions/canary-router.ts', 'functions/canary-scorer.ts'];
/** How each function uses the tables, hence their key: reads decrypt, writes also encrypt. */
const TABLE_KEY_USE: Record<string, 'read' | 'write'> = {
  'functions/audit-reduce.ts': 'write',
  'functions/corpus-audit.ts': 'write',
  'functions/register-run.ts': 'write',
  'functions/gate-start.ts': 'read',
  'functions/gate-load-run.ts': 'read',
  'functions/gate-score-batch.ts': 'write',
  'functions/gate-decide.ts': 'read',
  'functions/gate-record-verdict.ts': 'write',
  'functions/arena-plan.ts': 'read',
  'functions/arena-batch.ts': 'write',
  'functions/arena-decide.ts': 'read',
  'functions/canary-scorer.ts': 'write',
  'functions/canary-rollout-step.ts': 'write',
  'functions/canary-rollback.ts': 'write',
};
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:finegate/openai-AbCdEf';

describe('least privilege with a customer managed key and the API key in Secrets Manager', () => {
  // FinegateStack's FineTuneGate in a stack that first imports the secret by ARN.
  const stack = new Stack(unbundledApp(), FINEGATE_STACK_ID);
  const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'OpenAiKey', SECRET_ARN);
  new FineTuneGate(stack, 'FineTuneGate', { customerManagedKey: true, openAiApiKeySecret: secret, canary: { currentModel: 'local:echo' } });
  const template = Assertions.fromStack(stack).toJSON() as Template;
  const roles = functionRoles(template);
  const keyStatements = (role: FunctionRole, service: string) =>
    role.statements
      .filter((s) => JSON.stringify(s.condition ?? {}).includes(`"${service}.`))
      .map((s) => `${s.actions.join(',')} on ${s.resources.map(renderResource).join(',')}`);

  it('gives each function exactly its use of the tables\u2019 key, through DynamoDB only', () => {
    for (const role of roles) {
      const use = TABLE_KEY_USE[role.name];
      const expected = use === undefined ? [] : [`kms:Decrypt,kms:DescribeKey${use === 'write' ? ',kms:Encrypt,kms:GenerateDataKey' : ''} on StorageEncryptionKey.Arn`];
      expect(keyStatements(role, 'dynamodb'), role.name).toEqual(expected);
    }
  });

  it('lets exactly the model callers read exactly the API key secret, named in their environment', () => {
    for (const role of roles) {
      const secretStatements = role.statements.filter((s) => s.actions.some((a) => a.startsWith('secretsmanager:'))).map(render);
      const fn = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.['finegate:entry'] === role.name);
      const variables = (fn?.Properties.Environment?.Variables ?? {}) as Record<string, unknown>;
      expect(variables.OPENAI_API_KEY, role.name).toBeUndefined();
      if (MODEL_CALLERS.includes(role.name)) {
        expect(secretStatements, role.name).toEqual([`secretsmanager:GetSecretValue on ${SECRET_ARN}`]);
        expect(variables.OPENAI_API_KEY_SECRET_ARN, role.name).toBe(SECRET_ARN);
      } else {
        expect(secretStatements, role.name).toEqual([]);
        expect(variables.OPENAI_API_KEY_SECRET_ARN, role.name).toBeUndefined();
      }
    }
  });

  // Fails today: corpus-audit.ts and checkpoint-gate.ts grant the buckets' key with CDK's grantEncryptDecrypt
  // (kms:ReEncrypt*, kms:GenerateDataKey*). Becomes it() once they call grantObjectKey (infra/storage.ts).
  it('grants no wildcard action (bucket key grants included)', () => {
    for (const role of roles) for (const s of role.statements) for (const a of s.actions) expect(a, role.name).not.toContain('*');
  });
});
