import { type CfnElement, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { checkpointReadyPattern } from '../../events/checkpoint-ready';
import { registerRunPattern } from '../../events/run-registered';
import { corpusUploadedPattern } from '../../events/s3-object-created';
import { Canary, CANARY_ENTRIES } from '../../infra/canary';
import { CHECKPOINT_GATE_ENTRIES, CheckpointGate } from '../../infra/checkpoint-gate';
import { CORPUS_AUDIT_ENTRY, CorpusAudit, validPrefix } from '../../infra/corpus-audit';
import { FineTuneGate, type FineTuneGateProps } from '../../infra/fine-tune-gate';
import { FinegateFunction } from '../../infra/finegate-function';
import { Storage } from '../../infra/storage';
import { unbundledApp } from '../../infra/synthesize-template';

function newStack(): Stack {
  return new Stack(unbundledApp(), 'Test');
}

function gateTemplate(props: FineTuneGateProps = {}): { gate: FineTuneGate; stack: Stack; json: Record<string, any> } {
  const stack = newStack();
  const gate = new FineTuneGate(stack, 'Gate', props);
  return { gate, stack, json: Template.fromStack(stack).toJSON() };
}

function entriesOf(json: Record<string, any>, type: string): [string, any][] {
  return Object.entries(json.Resources as Record<string, any>).filter(([, r]) => r.Type === type);
}

function resourcesOf(json: Record<string, any>, type: string): any[] {
  return entriesOf(json, type).map(([, r]) => r);
}

/** The logical id of the one function whose `finegate:entry` metadata is `entry`. */
function functionId(json: Record<string, any>, entry: string): string {
  const ids = entriesOf(json, 'AWS::Lambda::Function')
    .filter(([, r]) => r.Metadata?.['finegate:entry'] === entry)
    .map(([id]) => id);
  expect(ids, `function with entry ${entry}`).toHaveLength(1);
  return ids[0]!;
}

function auditFunction(json: Record<string, any>): any {
  return json.Resources[functionId(json, CORPUS_AUDIT_ENTRY)];
}

function auditEnvironment(json: Record<string, any>): Record<string, unknown> {
  return auditFunction(json).Properties.Environment.Variables;
}

/** Statements of the policies attached to a function's execution role. */
function functionStatements(json: Record<string, any>, fnId: string): any[] {
  const roleId = json.Resources[fnId].Properties.Role['Fn::GetAtt'][0];
  return resourcesOf(json, 'AWS::IAM::Policy')
    .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

function auditStatements(json: Record<string, any>): any[] {
  return functionStatements(json, functionId(json, CORPUS_AUDIT_ENTRY));
}

/** The one rule that delivers to the audit function. */
function auditRule(json: Record<string, any>): any {
  const arn = JSON.stringify({ 'Fn::GetAtt': [functionId(json, CORPUS_AUDIT_ENTRY), 'Arn'] });
  const rules = resourcesOf(json, 'AWS::Events::Rule').filter((r) => r.Properties.Targets.some((t: any) => JSON.stringify(t.Arn) === arn));
  expect(rules).toHaveLength(1);
  return rules[0];
}

describe('FineTuneGate', () => {
  it('exposes what it creates', () => {
    const { gate } = gateTemplate();
    expect(gate.storage).toBeInstanceOf(Storage);
    expect(gate.storage.corporaBucket).toBeInstanceOf(s3.Bucket);
    expect(gate.storage.accessLogsBucket).toBeInstanceOf(s3.Bucket);
    expect(gate.corpusAudit).toBeInstanceOf(CorpusAudit);
    expect(gate.corpusAudit.function).toBeInstanceOf(FinegateFunction);
    expect(gate.corpusAudit.rule).toBeInstanceOf(events.Rule);
    expect(gate.corpusAudit.deadLetterQueue).toBeInstanceOf(sqs.Queue);
    expect(gate.corpusAudit.corpusPrefix).toBe('corpora/');
    expect(gate.corpusAudit.artifactsPrefix).toBe('audits/');
    expect(gate.checkpointGate).toBeInstanceOf(CheckpointGate);
    expect(gate.registerRun).toBeInstanceOf(FinegateFunction);
    expect(gate.registerRun.entrySource).toBe('functions/register-run.ts');
  });

  it('uses the prefixes it is given in the rule, the environment and the IAM resources', () => {
    const { gate, stack, json } = gateTemplate({ corpusPrefix: 'datasets/train/', artifactsPrefix: 'reports/' });
    const rule = auditRule(json);
    expect(rule.Properties.EventPattern).toEqual(
      stack.resolve(corpusUploadedPattern(gate.storage.corporaBucket.bucketName, 'datasets/train/')),
    );
    expect(auditEnvironment(json)).toMatchObject({ CORPUS_PREFIX: 'datasets/train/', ARTIFACTS_PREFIX: 'reports/' });
    const resources = JSON.stringify(auditStatements(json).map((s) => s.Resource));
    expect(resources).toContain('"/datasets/train/*"');
    expect(resources).toContain('"/reports/*"');
    expect(resources).not.toContain('"/corpora/*"');
  });

  it('an empty corpus prefix audits the whole bucket', () => {
    const { json } = gateTemplate({ corpusPrefix: '' });
    const rule = auditRule(json);
    expect(rule.Properties.EventPattern.detail.object).toEqual({ key: [{ exists: true }] });
    const read = auditStatements(json).find((s) => s.Sid === 'ReadCorpora');
    expect(read.Resource['Fn::Join'][1][1]).toBe('/*');
  });

  it('audits an existing corpora bucket without creating or modifying one', () => {
    const stack = newStack();
    const existing = s3.Bucket.fromBucketName(stack, 'Existing', 'team-corpora');
    const gate = new FineTuneGate(stack, 'Gate', { existingCorporaBucket: existing });
    const json = Template.fromStack(stack).toJSON();

    expect(gate.storage.corporaBucket).toBe(existing);
    // Artifacts bucket and its access-log bucket only.
    expect(resourcesOf(json, 'AWS::S3::Bucket')).toHaveLength(2);
    const rule = auditRule(json);
    expect(rule.Properties.EventPattern).toEqual(corpusUploadedPattern('team-corpora', 'corpora/'));
    const read = auditStatements(json).find((s) => s.Sid === 'ReadCorpora');
    expect(stack.resolve(read.Resource)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::team-corpora/corpora/*']],
    });
  });

  it('passes auditConfig JSON-encoded in AUDIT_CONFIG, and omits it when not given', () => {
    const config = { nearDuplicate: { threshold: 0.85 }, checks: ['pii', 'secrets'] };
    expect(JSON.parse(auditEnvironment(gateTemplate({ auditConfig: config }).json).AUDIT_CONFIG as string)).toEqual(config);
    expect(auditEnvironment(gateTemplate().json)).not.toHaveProperty('AUDIT_CONFIG');
  });

  it('may read exactly the held-out object the audit config names', () => {
    const { json } = gateTemplate({ auditConfig: { leakage: { heldoutUri: 's3://evals/sets/heldout.jsonl' } } });
    const read = auditStatements(json).find((s) => s.Sid === 'ReadHeldout');
    expect(read.Action).toBe('s3:GetObject');
    expect(read.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::evals/sets/heldout.jsonl']] });
    expect(auditStatements(gateTemplate().json).find((s) => s.Sid === 'ReadHeldout')).toBeUndefined();
  });

  it('merges auditFunctionProps over the defaults, but keeps the contract environment', () => {
    const { json } = gateTemplate({
      auditFunctionProps: {
        memorySize: 2048,
        environment: { POWERTOOLS_LOG_LEVEL: 'DEBUG', VERDICTS_TABLE: 'not-this-one' },
      },
    });
    const fn = auditFunction(json);
    expect(fn.Properties.MemorySize).toBe(2048);
    expect(fn.Properties.Timeout).toBe(900);
    const env = auditEnvironment(json);
    expect(env.POWERTOOLS_LOG_LEVEL).toBe('DEBUG');
    expect(env.VERDICTS_TABLE).toEqual({ Ref: expect.stringContaining('VerdictsTable') });
  });

  it('applies removalPolicy to buckets and tables', () => {
    const { json } = gateTemplate({ removalPolicy: RemovalPolicy.DESTROY });
    for (const type of ['AWS::S3::Bucket', 'AWS::DynamoDB::Table']) {
      for (const resource of resourcesOf(json, type)) expect(resource.DeletionPolicy).toBe('Delete');
    }
  });

  it('names the bus as asked', () => {
    const { json } = gateTemplate({ eventBusName: 'ml-platform' });
    expect(resourcesOf(json, 'AWS::Events::EventBus')[0].Properties.Name).toBe('ml-platform');
  });

  it('publishes on an existing bus without creating one', () => {
    const stack = newStack();
    const bus = events.EventBus.fromEventBusName(stack, 'Bus', 'shared-bus');
    const gate = new FineTuneGate(stack, 'Gate', { existingEventBus: bus });
    const json = Template.fromStack(stack).toJSON();
    expect(resourcesOf(json, 'AWS::Events::EventBus')).toEqual([]);
    expect(auditEnvironment(json).EVENT_BUS_NAME).toBe('shared-bus');
    const id = (fn: FinegateFunction) => stack.getLogicalId(fn.node.defaultChild as CfnElement);
    expect(json.Resources[id(gate.registerRun)].Properties.Environment.Variables.EVENT_BUS_NAME).toBe('shared-bus');
    expect(json.Resources[id(gate.checkpointGate.functions.record)].Properties.Environment.Variables.EVENT_BUS_NAME).toBe('shared-bus');
    // The rules on the finegate bus listen on the existing one instead.
    const onBus = resourcesOf(json, 'AWS::Events::Rule').filter((r) => r.Properties.EventBusName !== undefined);
    expect(onBus.map((r) => [r.Properties.EventBusName, r.Properties.EventPattern])).toEqual(
      expect.arrayContaining([
        ['shared-bus', registerRunPattern()],
        ['shared-bus', checkpointReadyPattern()],
      ]),
    );
    expect(onBus).toHaveLength(2);
  });
});

describe('FineTuneGate canary', () => {
  const CANARY_TYPES = ['Custom::FinegateCanaryAlias', 'AWS::Lambda::Url', 'AWS::Lambda::Version', 'AWS::SQS::Queue', 'AWS::CloudWatch::Alarm'];
  const bedrockStatements = (json: Record<string, any>, entry: string) =>
    functionStatements(json, functionId(json, entry)).filter((s) => [s.Action].flat().some((a: string) => a.startsWith('bedrock:')));

  it('is not created without the canary prop', () => {
    const { gate, json } = gateTemplate();
    expect(gate.canary).toBeUndefined();
    for (const type of CANARY_TYPES.filter((t) => t !== 'AWS::SQS::Queue')) expect(resourcesOf(json, type), type).toEqual([]);
    for (const entry of Object.values(CANARY_ENTRIES)) expect(entriesOf(json, 'AWS::Lambda::Function').some(([, r]) => r.Metadata?.['finegate:entry'] === entry), entry).toBe(false);
  });

  it('is created over the gate’s storage when given, serving its current model', () => {
    const { gate, stack, json } = gateTemplate({ canary: { currentModel: 'local:echo', trafficPercent: 5 } });
    expect(gate.canary).toBeInstanceOf(Canary);
    expect(gate.canary!.settings.trafficPercent).toBe(5);
    for (const type of CANARY_TYPES) expect(resourcesOf(json, type).length, type).toBeGreaterThan(0);
    const router = json.Resources[functionId(json, CANARY_ENTRIES.router)].Properties.Environment.Variables;
    expect(router.MODEL_REF).toBe('local:echo');
    const rollout = json.Resources[functionId(json, CANARY_ENTRIES.rolloutStep)].Properties.Environment.Variables;
    expect(rollout.VERDICTS_TABLE).toEqual({ Ref: stack.getLogicalId(gate.storage.verdictsTable.node.defaultChild as CfnElement) });
    // The rollout starts from the gate's own bus.
    expect(json.Resources[stack.getLogicalId(gate.canary!.rolloutRule.node.defaultChild as CfnElement)].Properties.EventBusName).toEqual({
      Ref: stack.getLogicalId(gate.storage.eventBus.node.defaultChild as CfnElement),
    });
  });

  it('may call the gate’s Bedrock models unless its own are given', () => {
    const gateModels = ['bedrock:meta.llama3-1-8b-instruct-v1:0', 'openai:gpt-4o'];
    const shared = gateTemplate({ gateModels, canary: { currentModel: 'bedrock:meta.llama3-1-8b-instruct-v1:0' } });
    const gateResources = JSON.stringify(bedrockStatements(shared.json, CHECKPOINT_GATE_ENTRIES.scoreBatch).map((s) => s.Resource));
    for (const entry of [CANARY_ENTRIES.router, CANARY_ENTRIES.scorer]) {
      const statements = bedrockStatements(shared.json, entry);
      expect(statements, entry).toHaveLength(1);
      expect(JSON.stringify(statements[0].Resource), entry).toContain('foundation-model/meta.llama3-1-8b-instruct-v1:0');
      expect(gateResources).toContain('foundation-model/meta.llama3-1-8b-instruct-v1:0');
    }
    const own = 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0';
    const separate = gateTemplate({ gateModels, canary: { currentModel: 'local:echo', bedrockModelArns: [own] } });
    expect(bedrockStatements(separate.json, CANARY_ENTRIES.router).map((s) => s.Resource)).toEqual([own]);
  });
});

describe('invalid props', () => {
  it('rejects both an existing corpora bucket and corpora bucket props', () => {
    const stack = newStack();
    const existingCorporaBucket = s3.Bucket.fromBucketName(stack, 'Existing', 'team-corpora');
    expect(() => new FineTuneGate(stack, 'Gate', { existingCorporaBucket, corporaBucketProps: { versioned: true } })).toThrow(
      /either existingCorporaBucket or corporaBucketProps, not both/,
    );
  });

  it('rejects both an existing artifacts bucket and artifacts bucket props', () => {
    const stack = newStack();
    const existingArtifactsBucket = s3.Bucket.fromBucketName(stack, 'Existing', 'team-artifacts');
    expect(() => new FineTuneGate(stack, 'Gate', { existingArtifactsBucket, artifactsBucketProps: {} })).toThrow(
      /either existingArtifactsBucket or artifactsBucketProps/,
    );
  });

  it('rejects both an existing bus and a bus name', () => {
    const stack = newStack();
    const existingEventBus = events.EventBus.fromEventBusName(stack, 'Bus', 'shared');
    expect(() => new FineTuneGate(stack, 'Gate', { existingEventBus, eventBusName: 'finegate' })).toThrow(
      /either existingEventBus or eventBusName/,
    );
  });

  it('rejects both an existing dead-letter queue and queue props', () => {
    const stack = newStack();
    const storage = new Storage(stack, 'Storage');
    const existingDeadLetterQueue = sqs.Queue.fromQueueArn(stack, 'Q', 'arn:aws:sqs:eu-west-1:123456789012:dlq');
    expect(
      () => new CorpusAudit(stack, 'Audit', { storage, existingDeadLetterQueue, deadLetterQueueProps: {} }),
    ).toThrow(/either existingDeadLetterQueue or deadLetterQueueProps/);
  });

  it.each([
    ['corpora', "must end with '/'"],
    ['/corpora/', "must not start with '/'"],
    ['corpora//train/', 'empty'],
    ['corpora/../etc/', "'..'"],
    ['corpora/*/', "'*' or '?'"],
    ['a?/', "'*' or '?'"],
    ['line\nbreak/', 'control characters'],
    [`${'x'.repeat(1024)}/`, 'at most 1024 bytes'],
  ])('rejects the corpus prefix %j', (corpusPrefix, reason) => {
    expect(() => new FineTuneGate(newStack(), 'Gate', { corpusPrefix })).toThrow(reason);
    expect(() => new FineTuneGate(newStack(), 'Gate', { corpusPrefix })).toThrow(/Invalid corpusPrefix/);
  });

  it('rejects an invalid artifacts prefix', () => {
    expect(() => new FineTuneGate(newStack(), 'Gate', { artifactsPrefix: 'audits' })).toThrow(/Invalid artifactsPrefix "audits"/);
  });

  it('rejects a prefix that is a token', () => {
    const corpusPrefix = Lazy.string({ produce: () => 'corpora/' });
    expect(() => new FineTuneGate(newStack(), 'Gate', { corpusPrefix })).toThrow(/must be a literal string/);
  });

  it('rejects overlapping prefixes in one bucket, which would audit the audit output', () => {
    const stack = newStack();
    const bucket = s3.Bucket.fromBucketName(stack, 'Shared', 'shared');
    expect(
      () =>
        new FineTuneGate(stack, 'Gate', {
          existingCorporaBucket: bucket,
          existingArtifactsBucket: bucket,
          corpusPrefix: 'ml/',
          artifactsPrefix: 'ml/audits/',
        }),
    ).toThrow(/overlap in the same bucket/);
  });

  it('rejects the whole shared bucket as corpus prefix', () => {
    const stack = newStack();
    const bucket = s3.Bucket.fromBucketName(stack, 'Shared', 'shared');
    expect(
      () => new FineTuneGate(stack, 'Gate', { existingCorporaBucket: bucket, existingArtifactsBucket: bucket, corpusPrefix: '' }),
    ).toThrow(/overlap in the same bucket/);
  });

  it('accepts disjoint prefixes in one bucket', () => {
    const stack = newStack();
    const bucket = s3.Bucket.fromBucketName(stack, 'Shared', 'shared');
    expect(
      () => new FineTuneGate(stack, 'Gate', { existingCorporaBucket: bucket, existingArtifactsBucket: bucket }),
    ).not.toThrow();
  });

  it('refuses to turn off EventBridge notifications on the corpora bucket', () => {
    expect(() => new FineTuneGate(newStack(), 'Gate', { corporaBucketProps: { eventBridgeEnabled: false } })).toThrow(
      /needs EventBridge notifications/,
    );
  });

  it.each(['default', 'has space', ''])('rejects the bus name %j', (eventBusName) => {
    expect(() => new FineTuneGate(newStack(), 'Gate', { eventBusName })).toThrow(/invalid event bus name/);
  });

  it('rejects a held-out URI that is not s3://bucket/key', () => {
    const auditConfig = { leakage: { heldoutUri: 'https://example.com/heldout.jsonl' } };
    expect(() => new FineTuneGate(newStack(), 'Gate', { auditConfig })).toThrow(/heldoutUri must be s3:\/\/bucket\/key/);
  });

  it('rejects an audit config too large for the function environment', () => {
    const auditConfig = { blob: 'x'.repeat(4000) };
    expect(() => new FineTuneGate(newStack(), 'Gate', { auditConfig })).toThrow(/auditConfig is \d+ bytes/);
  });
});

describe('validPrefix', () => {
  it.each(['', 'corpora/', 'a/b/c/', 'team-1/2025.01/'])('accepts %j', (prefix) => {
    expect(validPrefix('p', prefix)).toBe(prefix);
  });
});

describe('Bedrock models named in the audit configuration', () => {
  it('may invoke exactly those models', () => {
    const stack = new Stack(unbundledApp(), 'BedrockGrants', { env: { account: '111122223333', region: 'us-east-1' } });
    new FineTuneGate(stack, 'Gate', {
      auditConfig: { labelNoise: { judgeModel: 'bedrock:us.anthropic.claude-3-5-haiku-20241022-v1:0' }, paraphrase: { model: 'bedrock:amazon.titan-embed-text-v2:0' } },
    });
    const statements = Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, any>)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => r.Properties.PolicyDocument.Statement);
    const invoke = statements.find((s: any) => s.Sid === 'InvokeConfiguredModels');
    // The audit's models are the audit's (the single-Lambda audit and the sharded audit's reduce, which runs the same
    // label-noise and paraphrase checks): the checkpoint gate gets none from the audit configuration.
    expect(statements.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('bedrock:')))).toEqual([invoke, invoke]);
    expect(invoke.Action).toBe('bedrock:InvokeModel');
    expect(JSON.stringify(invoke.Resource)).toContain('inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0');
    expect(JSON.stringify(invoke.Resource)).toContain('foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0');
    expect(JSON.stringify(invoke.Resource)).toContain('foundation-model/amazon.titan-embed-text-v2:0');
  });
});

describe('Bedrock models the checkpoint gate may call (gateModels)', () => {
  const profile = 'us.anthropic.claude-3-5-haiku-20241022-v1:0';

  function gateModelsTemplate(gateModels: string[]) {
    const stack = new Stack(unbundledApp(), 'GateModels', { env: { account: '111122223333', region: 'us-east-1' } });
    const gate = new FineTuneGate(stack, 'Gate', { gateModels });
    const json = Template.fromStack(stack).toJSON();
    const roleOf = (fn: FinegateFunction) => stack.getLogicalId(fn.role!.node.defaultChild as CfnElement);
    // Every statement naming a Bedrock action, with the role it is attached to.
    const bedrock = resourcesOf(json, 'AWS::IAM::Policy').flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as any[])
        .filter((s) => [s.Action].flat().some((a: string) => a.startsWith('bedrock:')))
        .map((statement) => ({ roles: p.Properties.Roles.map((r: any) => r.Ref), statement })),
    );
    const { scoreBatch, arenaBatch } = gate.checkpointGate.functions;
    return { gate, json, bedrock, scoreBatchRole: roleOf(scoreBatch), arenaBatchRole: roleOf(arenaBatch) };
  }

  it('grants the score and arena batch functions InvokeModel on exactly the inference profile and the foundation model it routes to', () => {
    const { bedrock, scoreBatchRole, arenaBatchRole } = gateModelsTemplate([`bedrock:${profile}`, 'openai:gpt-4o']);
    const statement = { Sid: 'InvokeBedrockModels', Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: expect.any(Array) };
    // Stage 2 scores with the gate models; the arena's candidate, base and judge are among them too.
    expect(bedrock).toEqual(expect.arrayContaining([{ roles: [scoreBatchRole], statement }, { roles: [arenaBatchRole], statement }]));
    expect(bedrock).toHaveLength(2);
    for (const { statement: granted } of bedrock) {
      // The profile in the stack's own account and region; the model in every region the profile routes to.
      expect([...granted.Resource].sort()).toEqual([
        'arn:aws:bedrock:*::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0',
        `arn:aws:bedrock:us-east-1:111122223333:inference-profile/${profile}`,
      ]);
    }
  });

  it('grants nothing for an OpenAI model, which IAM does not govern', () => {
    const { json, bedrock } = gateModelsTemplate(['openai:gpt-4o']);
    expect(bedrock).toEqual([]);
    expect(JSON.stringify(resourcesOf(json, 'AWS::IAM::Policy'))).not.toContain('gpt-4o');
  });

  it('grants nothing by default', () => {
    expect(gateModelsTemplate([]).bedrock).toEqual([]);
  });
});
