import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { shardResultsOf, succeededResultKeys } from '../../functions/audit/map-result-manifest';
import { ShardPlanner } from '../../functions/audit/shard-plan';
import { shardPlanItemSchema } from '../../functions/audit/shard-plan-schema';
import { reduceInputSchema, shardBatchSchema } from '../../functions/audit/sharded-audit-job';
import { SHARD_THRESHOLD_ENV, SHARDED_AUDIT_STATE_MACHINE_ENV } from '../../functions/audit/shard-handoff';
import { FinegateFunction } from '../../infra/finegate-function';
import { MAP_RESULTS_SUFFIX, ShardedAudit } from '../../infra/sharded-audit';
import { Storage } from '../../infra/storage';
import { unbundledApp } from '../../infra/synthesize-template';
import { buildShardedAuditDefinition, SHARDED_AUDIT_STATES as S } from '../../state-machines/sharded-audit';

/*
 * The sharded audit's state machine and its construct, from the synthesized template. The local ASL interpreter
 * (aws-local-stepfunctions) has no Distributed Map, so the Map itself is not executed here: instead the item
 * handling around it is checked against the definition: the items the ItemReader would produce from a plan, the
 * batch a ScanShard invocation receives from the ItemBatcher, and the ResultWriter manifest the Reduce reads.
 */

type State = Record<string, any>;

function synthesize() {
  const stack = new Stack(unbundledApp(), 'Test');
  const storage = new Storage(stack, 'Storage');
  const audit = new ShardedAudit(stack, 'ShardedAudit', { storage, maxConcurrency: 25 });
  const corpusAudit = new FinegateFunction(stack, 'CorpusAuditFn', { entry: 'functions/corpus-audit.ts' });
  audit.connectHandoff(corpusAudit, 5_000_000);
  const template = Template.fromStack(stack);
  const machine = Object.values(template.toJSON().Resources as Record<string, any>).find((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  const parts = machine.Properties.DefinitionString['Fn::Join'][1] as unknown[];
  // Tokens inside the definition string, written as `ref:<id>`, `fn:<id>` or the pseudo-parameter's name.
  const token = (p: Record<string, any>) => (p.Ref ? `ref:${p.Ref}` : p['Fn::GetAtt'] ? `fn:${p['Fn::GetAtt'][0]}` : 'token');
  const definition = JSON.parse(parts.map((p) => (typeof p === 'string' ? p : token(p as Record<string, any>))).join('')) as { StartAt: string; States: Record<string, State> };
  return { stack, template, definition, audit, storage, corpusAudit };
}

describe('the sharded-audit state machine', () => {
  const { template, definition, audit, stack, corpusAudit } = synthesize();
  const map = definition.States[S.scanShards]!;

  it('plans, scans the shards in a Distributed Map, then reduces', () => {
    expect(definition.StartAt).toBe(S.plan);
    expect(definition.States[S.plan]).toMatchObject({ Type: 'Task', ResultPath: '$.planned', Next: S.scanShards });
    expect(map).toMatchObject({ Type: 'Map', ResultPath: '$.map', Next: S.reduce, MaxConcurrency: 25, ToleratedFailurePercentage: 0 });
    expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(map.ItemProcessor.States[S.scanShard]).toMatchObject({ Type: 'Task', End: true });
    expect(map.ItemProcessor.States[S.scanShard].Retry.map((r: State) => r.ErrorEquals)).toContainEqual(['States.TaskFailed']);
    expect(definition.States[S.reduce]).toMatchObject({ Type: 'Task', End: true, Parameters: { 'planned.$': '$.planned', 'map.$': '$.map' } });
  });

  it('reads the items from the plan JSON in the artifacts bucket, batches them with the job, and writes the results to S3', () => {
    expect(map.ItemReader.Resource).toMatch(/:states:::s3:getObject$/);
    expect(map.ItemReader.ReaderConfig).toEqual({ InputType: 'JSON' });
    expect(map.ItemReader.Parameters['Key.$']).toBe('$.planned.plan.key');
    expect(map.ItemReader.Parameters.Bucket).toContain(stack.getLogicalId(audit.node.scope!.node.findChild('Storage').node.findChild('ArtifactsBucket').node.defaultChild as s3.CfnBucket));
    expect(map.ItemBatcher).toEqual({ MaxItemsPerBatch: 1, BatchInput: { 'job.$': '$.planned.job' } });
    expect(map.ResultWriter.Resource).toMatch(/:states:::s3:putObject$/);
    expect(map.ResultWriter.Parameters.Prefix).toBe(`audits/${MAP_RESULTS_SUFFIX}`);
  });

  it('gives the state machine what a Distributed Map needs: start its own children, read the plan, write results, invoke the functions', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.Roles).includes(stack.getLogicalId(audit.stateMachine.role.node.defaultChild as any)),
    );
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as State[]);
    const actions = (s: State) => [s.Action].flat() as string[];
    const allows = (action: string) => statements.filter((s) => actions(s).includes(action));
    expect(allows('states:StartExecution').length).toBeGreaterThan(0);
    expect(allows('states:DescribeExecution').length + allows('states:StopExecution').length).toBeGreaterThan(0);
    expect(allows('s3:GetObject').length).toBeGreaterThan(0);
    expect(allows('s3:PutObject').length).toBeGreaterThan(0);
    const invoked = JSON.stringify(allows('lambda:InvokeFunction'));
    for (const fn of Object.values(audit.functions)) expect(invoked).toContain(stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction));
  });

  it('logs executions and traces them', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
    });
  });

  it('lets the corpus-audit function hand corpora over: its environment names the machine and the threshold, and it may start executions', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [SHARD_THRESHOLD_ENV]: '5000000', [SHARDED_AUDIT_STATE_MACHINE_ENV]: { Ref: stack.getLogicalId(audit.stateMachine.node.defaultChild as sfn.CfnStateMachine) } }) },
    });
    const role = stack.getLogicalId(corpusAudit.role!.node.defaultChild as any);
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(role))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as State[]);
    expect(statements.some((s) => [s.Action].flat().includes('states:StartExecution'))).toBe(true);
  });

  it('gives the reduce the verdicts table and the event bus, and the shards only S3', () => {
    const policyOf = (fn: FinegateFunction) =>
      JSON.stringify(Object.values(template.findResources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p.Properties.Roles).includes(stack.getLogicalId(fn.role!.node.defaultChild as any))));
    expect(policyOf(audit.functions.reduce)).toContain('dynamodb:PutItem');
    expect(policyOf(audit.functions.reduce)).toContain('events:PutEvents');
    expect(policyOf(audit.functions.shard)).not.toContain('dynamodb:');
    expect(policyOf(audit.functions.shard)).not.toContain('events:PutEvents');
    expect(policyOf(audit.functions.shard)).toContain('s3:GetObjectVersion');
  });

  it('refuses settings the Map cannot run with', () => {
    const stack2 = new Stack(unbundledApp(), 'Bad');
    const fn = (id: string) => new lambda.Function(stack2, id, { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('//') });
    const base = { plan: fn('P'), shard: fn('S'), reduce: fn('R'), workBucket: new s3.Bucket(stack2, 'B'), resultsPrefix: 'r/' };
    expect(() => buildShardedAuditDefinition(stack2, { ...base, maxConcurrency: 0 })).toThrow(/maxConcurrency/);
    expect(() => buildShardedAuditDefinition(stack2, { ...base, shardsPerBatch: 101 })).toThrow(/shardsPerBatch/);
    expect(() => audit.connectHandoff(corpusAudit, 0)).toThrow(/thresholdBytes/);
  });
});

describe('the items around the Distributed Map (what the local interpreter cannot run)', () => {
  const { definition } = synthesize();
  const map = definition.States[S.scanShards]!;
  // A plan as audit-plan.ts writes it: the JSON array the ItemReader reads, one item per shard.
  const planner = new ShardPlanner({ compressed: false, targetBytes: 40 });
  planner.push(Buffer.from(Array.from({ length: 20 }, (_, i) => `{"prompt":"p${i}","completion":"c${i}"}`).join('\n') + '\n'));
  const planJson = JSON.stringify(planner.finish().shards);
  const state = { planned: { job: 's3://artifacts/audits/c/job.json', plan: { bucket: 'artifacts', key: 'audits/c/plan.json' }, shards: 0, mode: 'bytes', bytes: 0, lines: 20 } };

  it('the ItemReader yields valid shard items from the plan', () => {
    const items = JSON.parse(planJson) as unknown[];
    expect(items.length).toBeGreaterThan(3);
    for (const item of items) expect(shardPlanItemSchema.parse(item)).toEqual(item);
  });

  it('a ScanShard invocation receives the batch the ItemBatcher builds: BatchInput from the state, Items from the plan', () => {
    const items = JSON.parse(planJson) as unknown[];
    const size = map.ItemBatcher.MaxItemsPerBatch as number;
    const batchInput = Object.fromEntries(Object.entries(map.ItemBatcher.BatchInput as Record<string, string>).map(([k, path]) => [k.replace(/\.\$$/, ''), path === '$.planned.job' ? state.planned.job : undefined]));
    for (let i = 0; i < items.length; i += size) {
      const batch = shardBatchSchema.parse({ BatchInput: batchInput, Items: items.slice(i, i + size) });
      expect(batch.BatchInput.job).toBe(state.planned.job);
      expect(batch.Items).toHaveLength(Math.min(size, items.length - i));
    }
  });

  it('the Reduce reads the ResultWriter manifest and every shard result once', () => {
    const shards = (JSON.parse(planJson) as unknown[]).length;
    const output = (index: number) => JSON.stringify({ shards: [{ index, summary: `s3://a/w/${index}.summary.json`, shingles: `s3://a/w/${index}.shingles.bin`, labelTexts: `s3://a/w/${index}.labels.json`, rows: 5 }] });
    // The shapes Step Functions writes: manifest.json, and SUCCEEDED_0.json with one entry per child execution.
    const manifest = { DestinationBucket: 'artifacts', MapRunArn: 'arn:aws:states:us-east-1:1:mapRun:m/r:1', ResultFiles: { FAILED: [], PENDING: [], SUCCEEDED: [{ Key: 'audits/sharded-audit-results/r/SUCCEEDED_0.json', Size: 100 }] } };
    const succeeded = Array.from({ length: shards }, (_, i) => ({ ExecutionArn: `arn:x:${i}`, Input: '{}', Name: `${i}`, Output: output(shards - 1 - i), Status: 'SUCCEEDED' }));
    expect(succeededResultKeys(manifest)).toEqual({ bucket: 'artifacts', keys: ['audits/sharded-audit-results/r/SUCCEEDED_0.json'] });
    expect(shardResultsOf([succeeded], shards).map((r) => r.index)).toEqual(Array.from({ length: shards }, (_, i) => i));
    expect(reduceInputSchema.parse({ planned: { ...state.planned, shards }, map: { MapRunArn: 'x', ResultWriterDetails: { Bucket: 'artifacts', Key: 'audits/sharded-audit-results/r/manifest.json' } } }).map.ResultWriterDetails.Key).toMatch(/manifest\.json$/);

    expect(() => succeededResultKeys({ ...manifest, ResultFiles: { ...manifest.ResultFiles, FAILED: [{ Key: 'FAILED_0.json' }] } })).toThrow(/1 failed/);
    expect(() => shardResultsOf([succeeded.slice(1)], shards)).toThrow(/no result for shard/);
    expect(() => shardResultsOf([succeeded, succeeded.slice(0, 1)], shards)).toThrow(/reported twice/);
    expect(() => shardResultsOf([[{ ...succeeded[0], Status: 'FAILED' }]], shards)).toThrow(/ended FAILED/);
  });
});

describe('AwsSolutionsChecks on the sharded audit', () => {
  it('reports no unacknowledged error or warning, with a customer-managed key, Bedrock models and a held-out object configured', async () => {
    const { AwsSolutionsChecks } = await import('cdk-nag');
    const app = unbundledApp();
    const stack = new Stack(app, 'Nag');
    const storage = new Storage(stack, 'Storage', { customerManagedKey: true });
    const audit = new ShardedAudit(stack, 'ShardedAudit', {
      storage,
      auditConfig: { labelNoise: { judgeModel: 'bedrock:us.anthropic.claude-3-5-haiku-20241022-v1:0' }, leakage: { heldoutUri: 's3://team-heldout/sets/eval.jsonl' } },
    });
    audit.connectHandoff(new FinegateFunction(stack, 'CorpusAuditFn', { entry: 'functions/corpus-audit.ts' }));
    app.synth();
    const violations = new AwsSolutionsChecks(app).validateScope(app).violations.map((v) => ({ rule: v.ruleName, paths: v.violatingResources.map((r) => r.constructPath ?? '') }));
    expect(violations).toEqual([]);
  });
});
