import { beforeAll, describe, expect, it } from 'vitest';
import { readTemplate, type LocalEnvironment, type TemplateModel } from '../../../infra/local/template-model';
import { synthesizeTemplate } from '../../../infra/synthesize-template';
import { compileEventPattern } from '../../../infra/local/event-pattern';

const env: LocalEnvironment = { stackName: 'finegate-local', account: '000000000000', region: 'us-east-1', partition: 'aws' };

describe('the synthesized finegate template', () => {
  let model: TemplateModel;

  beforeAll(() => {
    model = readTemplate(synthesizeTemplate(), env);
  });

  const byLogicalPrefix = <T extends { logicalId?: string }>(items: T[], prefix: string): T => {
    const found = items.find((item) => item.logicalId?.startsWith(prefix));
    if (!found) throw new Error(`no resource ${prefix}*`);
    return found;
  };

  it('finds the buckets, with EventBridge notifications and versioning on the corpora bucket', () => {
    const corpora = byLogicalPrefix(model.buckets, 'FineTuneGateStorageCorporaBucket');
    const artifacts = byLogicalPrefix(model.buckets, 'FineTuneGateStorageArtifactsBucket');
    expect(corpora).toMatchObject({ eventBridgeEnabled: true, versioned: true });
    expect(artifacts.eventBridgeEnabled).toBe(false);
    expect(corpora.name).toMatch(/^finegate-local-finetunegatestoragecorporabucket[0-9a-f]{8}$/);
    expect(corpora.arn).toBe(`arn:aws:s3:::${corpora.name}`);
  });

  it('finds the tables with their keys and TTL attributes', () => {
    const verdicts = byLogicalPrefix(model.tables, 'FineTuneGateStorageVerdictsTable');
    expect(verdicts.keySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(verdicts.billingMode).toBe('PAY_PER_REQUEST');
    expect(byLogicalPrefix(model.tables, 'FineTuneGateStorageJudgeCacheTable').ttlAttribute).toBe('expiresAt');
    const idempotency = byLogicalPrefix(model.tables, 'FineTuneGateStorageIdempotencyTable');
    expect(idempotency.keySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(idempotency.ttlAttribute).toBe('expiration');
  });

  it('lists the default bus and the finegate bus', () => {
    expect(model.buses.map((b) => b.name)).toEqual(['default', 'finegate']);
    expect(model.buses[1]!.arn).toBe('arn:aws:events:us-east-1:000000000000:event-bus/finegate');
  });

  it('reads the corpus upload rule on the default bus, its pattern resolved to the local bucket name', () => {
    const corpora = byLogicalPrefix(model.buckets, 'FineTuneGateStorageCorporaBucket');
    const rule = byLogicalPrefix(model.rules, 'FineTuneGateCorpusAuditCorpusUploadedRule');
    const fn = byLogicalPrefix(model.functions, 'FineTuneGateCorpusAuditFunction');
    const dlq = byLogicalPrefix(model.queues, 'FineTuneGateCorpusAuditDeadLetterQueue');
    expect(rule.eventBusName).toBe('default');
    expect(rule.state).toBe('ENABLED');
    expect(rule.eventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: [corpora.name] }, object: { key: [{ prefix: 'corpora/' }] } },
    });
    expect(() => compileEventPattern(rule.eventPattern)).not.toThrow();
    expect(rule.targets).toEqual([
      {
        id: 'Target0',
        arn: fn.arn,
        kind: 'lambda',
        functionLogicalId: fn.logicalId,
        retryPolicy: { maximumRetryAttempts: 8, maximumEventAgeSeconds: 14_400 },
        deadLetterArn: dlq.arn,
      },
    ]);
  });

  it('reads the corpus-audit function: entry, resolved environment, timeout, async retries and DLQ', () => {
    const fn = byLogicalPrefix(model.functions, 'FineTuneGateCorpusAuditFunction');
    const name = (prefix: string) => byLogicalPrefix([...model.buckets, ...model.tables], prefix).name;
    expect(fn.entry).toBe('functions/corpus-audit.ts');
    expect(fn.handlerExport).toBe('handler');
    expect(fn.environment).toMatchObject({
      ARTIFACTS_BUCKET: name('FineTuneGateStorageArtifactsBucket'),
      ARTIFACTS_PREFIX: 'audits/',
      VERDICTS_TABLE: name('FineTuneGateStorageVerdictsTable'),
      IDEMPOTENCY_TABLE: name('FineTuneGateStorageIdempotencyTable'),
      EVENT_BUS_NAME: 'finegate',
      CORPUS_PREFIX: 'corpora/',
      POWERTOOLS_SERVICE_NAME: 'finegate',
      POWERTOOLS_METRICS_NAMESPACE: 'finegate',
    });
    expect(fn.timeoutSeconds).toBe(900);
    expect(fn.memorySize).toBe(4096);
    expect(fn.asyncRetryAttempts).toBe(2);
    expect(fn.deadLetterArn).toBe(byLogicalPrefix(model.queues, 'FineTuneGateCorpusAuditDeadLetterQueue').arn);
  });

  it('resolves every output by its key', () => {
    const name = (prefix: string) => byLogicalPrefix([...model.buckets, ...model.tables], prefix).name;
    expect(model.outputs).toEqual({
      CorporaBucketName: name('FineTuneGateStorageCorporaBucket'),
      ArtifactsBucketName: name('FineTuneGateStorageArtifactsBucket'),
      VerdictsTableName: name('FineTuneGateStorageVerdictsTable'),
      RunsTableName: name('FineTuneGateStorageRunsTable'),
      JudgeCacheTableName: name('FineTuneGateStorageJudgeCacheTable'),
      IdempotencyTableName: name('FineTuneGateStorageIdempotencyTable'),
      EventBusName: 'finegate',
      CheckpointGateStateMachineArn: expect.stringMatching(/^arn:aws:states:us-east-1:000000000000:stateMachine:finegate-local-FineTuneGateCheckpointGateStateMachine/),
      CorpusAuditDeadLetterQueueUrl: expect.stringMatching(/^https:\/\/sqs\.us-east-1\.amazonaws\.com\/000000000000\/finegate-local-FineTuneGateCorpusAuditDeadLetterQueue/),
      CheckpointGateDeadLetterQueueUrl: expect.stringMatching(/^https:\/\/sqs\.us-east-1\.amazonaws\.com\/000000000000\/finegate-local-FineTuneGateCheckpointGateDeadLetterQueue/),
      CorpusAuditFunctionName: expect.stringMatching(/^finegate-local-FineTuneGateCorpusAudit/),
      CheckpointGateStartFunctionName: expect.stringMatching(/^finegate-local-FineTuneGateCheckpointGateStartFunction/),
      CheckpointGateRecordFunctionName: expect.stringMatching(/^finegate-local-FineTuneGateCheckpointGateRecordFunction/),
      RegisterRunFunctionName: expect.stringMatching(/^finegate-local-FineTuneGateRegisterRunFunction/),
    });
  });
});

describe('template reading with intrinsics', () => {
  const template = {
    Parameters: { Stage: { Type: 'String', Default: 'dev' } },
    Conditions: {
      IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] },
      NotProd: { 'Fn::Not': [{ Condition: 'IsProd' }] },
    },
    Mappings: { Sizes: { dev: { memory: 256 }, prod: { memory: 1024 } } },
    Resources: {
      Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: { 'Fn::Sub': 'bus-${Stage}' } } },
      Named: { Type: 'AWS::S3::Bucket', Properties: { BucketName: { 'Fn::Join': ['-', ['data', { Ref: 'AWS::Region' }]] } } },
      Plain: { Type: 'AWS::S3::Bucket' },
      ProdOnly: { Type: 'AWS::S3::Bucket', Condition: 'IsProd' },
      Notifications: {
        Type: 'Custom::S3BucketNotifications',
        Properties: { BucketName: { Ref: 'Plain' }, NotificationConfiguration: { EventBridgeConfiguration: {} } },
      },
      Queue: { Type: 'AWS::SQS::Queue' },
      Fn: {
        Type: 'AWS::Lambda::Function',
        Metadata: { 'finegate:entry': 'functions/x.ts' },
        Properties: {
          FunctionName: 'explicit-fn',
          Environment: {
            Variables: {
              SUB: { 'Fn::Sub': ['${Named}/${AWS::AccountId}/${Queue.Arn}/${!Literal}/${X}', { X: 'x' }] },
              SELECT: { 'Fn::Select': [1, { 'Fn::Split': [',', 'a,b,c'] }] },
              IF: { 'Fn::If': ['NotProd', 'not-prod', 'prod'] },
              MAP: { 'Fn::FindInMap': ['Sizes', { Ref: 'Stage' }, 'memory'] },
              GONE: { 'Fn::If': ['IsProd', 'value', { Ref: 'AWS::NoValue' }] },
              BUS_ARN: { 'Fn::GetAtt': ['Bus', 'Arn'] },
            },
          },
        },
      },
      Rule: {
        Type: 'AWS::Events::Rule',
        Properties: {
          EventBusName: { 'Fn::GetAtt': ['Bus', 'Arn'] },
          EventPattern: { source: ['finegate.corpus'] },
          Targets: [
            { Id: 'q', Arn: { 'Fn::GetAtt': ['Queue', 'Arn'] }, InputPath: '$.detail' },
            {
              Id: 'f',
              Arn: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Fn', 'Arn'] }, ':live']] },
              InputTransformer: { InputPathsMap: { v: '$.detail.verdict' }, InputTemplate: '{"verdict": <v>}' },
            },
          ],
        },
      },
    },
    Outputs: { QueueUrl: { Value: { Ref: 'Queue' } }, ProdBucket: { Value: { Ref: 'ProdOnly' }, Condition: 'IsProd' } },
  };

  it('resolves names, conditions, maps, Sub, Join, Select/Split and NoValue', () => {
    const model = readTemplate(template, env);
    expect(model.buses.map((b) => b.name)).toEqual(['default', 'bus-dev']);
    expect(model.buckets.map((b) => [b.name, b.eventBridgeEnabled])).toEqual([
      ['data-us-east-1', false],
      ['finegate-local-plain', true],
    ]);
    const fn = model.functions[0]!;
    expect(fn.name).toBe('explicit-fn');
    expect(fn.environment).toEqual({
      SUB: 'data-us-east-1/000000000000/arn:aws:sqs:us-east-1:000000000000:finegate-local-Queue/${Literal}/x',
      SELECT: 'b',
      IF: 'not-prod',
      MAP: '256',
      BUS_ARN: 'arn:aws:events:us-east-1:000000000000:event-bus/bus-dev',
    });
    expect(fn.timeoutSeconds).toBe(3);
    expect(fn.asyncRetryAttempts).toBe(2);
    expect(model.outputs).toEqual({ QueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/finegate-local-Queue' });
  });

  it('takes parameter overrides and drops resources whose condition is false', () => {
    const model = readTemplate(template, { ...env, parameters: { Stage: 'prod' } });
    expect(model.buckets.map((b) => b.logicalId)).toContain('ProdOnly');
    expect(model.buses[1]!.name).toBe('bus-prod');
    expect(model.outputs.ProdBucket).toBe('finegate-local-prodonly');
  });

  it('reads a rule on a custom bus given by ARN, with SQS and aliased Lambda targets', () => {
    const rule = readTemplate(template, env).rules[0]!;
    expect(rule.eventBusName).toBe('bus-dev');
    expect(rule.arn).toBe('arn:aws:events:us-east-1:000000000000:rule/bus-dev/finegate-local-Rule');
    expect(rule.targets.map((t) => [t.kind, t.functionLogicalId ?? t.queueLogicalId])).toEqual([
      ['sqs', 'Queue'],
      ['lambda', 'Fn'],
    ]);
    expect(rule.targets[0]!.inputPath).toBe('$.detail');
    expect(rule.targets[1]!.inputTransformer).toEqual({ inputPathsMap: { v: '$.detail.verdict' }, inputTemplate: '{"verdict": <v>}' });
    expect(rule.targets[0]!.retryPolicy).toEqual({ maximumRetryAttempts: 185, maximumEventAgeSeconds: 86_400 });
  });

  it('names what it cannot resolve', () => {
    const broken = {
      Resources: {
        Fn: { Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: { A: { Ref: 'Missing' } } } } },
      },
    };
    expect(() => readTemplate(broken, env)).toThrow(/Fn\.Environment\.Variables\.A.*no resource or parameter named Missing/);
    const badAttribute = {
      Resources: {
        Q: { Type: 'AWS::SQS::Queue' },
        Fn: { Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: { A: { 'Fn::GetAtt': ['Q', 'Nope'] } } } } },
      },
    };
    expect(() => readTemplate(badAttribute, env)).toThrow(/Fn\.Environment\.Variables\.A\.Fn::GetAtt: GetAtt\(Q\.Nope\): attribute not known/);
  });
});
