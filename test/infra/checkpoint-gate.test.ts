import { Duration, Stack, type App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { checkpointReadyPattern } from '../../events/checkpoint-ready';
import { bedrockCustomizationJobCompletedPattern, sagemakerTrainingJobCompletedPattern } from '../../events/training-job-state-change';
import { CHECKPOINT_GATE_ENTRIES, CheckpointGate, type CheckpointGateProps, type GateFunctionName } from '../../infra/checkpoint-gate';
import { FinegateFunction } from '../../infra/finegate-function';
import { Storage } from '../../infra/storage';
import { unbundledApp } from '../../infra/synthesize-template';
import { FIXTURE_ENTRIES } from './fixtures/checkpoint-gate/entries';

// The construct is built over fixture handlers: the real ones live in functions/ and are tested there.

type Resource = { Type: string; Properties: Record<string, any>; Metadata?: Record<string, unknown> };

interface Built {
  app: App;
  stack: Stack;
  storage: Storage;
  gate: CheckpointGate;
  json: { Resources: Record<string, Resource> };
  id(construct: { node: { defaultChild?: unknown } } | CfnElement): string;
}

function build(props: Partial<CheckpointGateProps> = {}, setup?: (stack: Stack) => Partial<CheckpointGateProps>): Built {
  const app = unbundledApp();
  const stack = new Stack(app, 'Test');
  const storage = new Storage(stack, 'Storage');
  const gate = new CheckpointGate(stack, 'Gate', { storage, entries: FIXTURE_ENTRIES, ...setup?.(stack), ...props });
  const json = Template.fromStack(stack).toJSON() as Built['json'];
  const id = (construct: { node: { defaultChild?: unknown } } | CfnElement) =>
    stack.getLogicalId(('node' in construct && construct.node.defaultChild ? construct.node.defaultChild : construct) as CfnElement);
  return { app, stack, storage, gate, json, id };
}

function resourcesOf(json: Built['json'], type: string): [string, Resource][] {
  return Object.entries(json.Resources).filter(([, r]) => r.Type === type);
}

/** Statements of the policies attached to a role. */
function roleStatements(json: Built['json'], roleId: string): any[] {
  return resourcesOf(json, 'AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
}

function functionRoleId(built: Built, name: GateFunctionName): string {
  return built.id(built.gate.functions[name].role as iam.Role);
}

const actionsOf = (statement: any): string[] => [statement.Action].flat();

const ALL_FUNCTIONS: GateFunctionName[] = ['start', 'loadRun', 'scoreBatch', 'decide', 'record', 'arenaPlan', 'arenaBatch', 'arenaDecide'];
/** The functions the state machine's tasks invoke: all but start, which starts it. */
const TASK_FUNCTIONS: GateFunctionName[] = ALL_FUNCTIONS.filter((n) => n !== 'start');
const ARENA_FUNCTIONS: GateFunctionName[] = ['arenaPlan', 'arenaBatch', 'arenaDecide'];

/** The deployed definition, each function ARN written as `fn:<logical id>`. */
function definitionOf(json: Built['json']): { States: Record<string, any> } {
  const [[, machine]] = resourcesOf(json, 'AWS::StepFunctions::StateMachine') as [[string, Resource]];
  const parts = machine.Properties.DefinitionString['Fn::Join'][1] as unknown[];
  return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : `fn:${(p as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]}`)).join(''));
}

/** Task states by name, from the top level and from Map item processors and Parallel branches. */
function taskStates(machine: { States: Record<string, any> }): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [name, state] of Object.entries(machine.States)) {
    if (state.Type === 'Task') out[name] = state;
    for (const branch of state.Branches ?? []) Object.assign(out, taskStates(branch));
    if (state.ItemProcessor) Object.assign(out, taskStates(state.ItemProcessor));
  }
  return out;
}

describe('CheckpointGate', () => {
  const built = build();
  const { gate, json } = built;

  it('exposes what it creates', () => {
    expect(Object.keys(gate.functions).sort()).toEqual([...ALL_FUNCTIONS].sort());
    for (const fn of Object.values(gate.functions)) expect(fn).toBeInstanceOf(FinegateFunction);
    expect(gate.stateMachine).toBeInstanceOf(sfn.StateMachine);
    expect(gate.logGroup).toBeInstanceOf(logs.LogGroup);
    expect(gate.logGroupKey).toBeDefined();
    expect(gate.deadLetterQueue).toBeInstanceOf(sqs.Queue);
    expect(gate.checkpointReadyRule).toBeInstanceOf(events.Rule);
    expect(gate.sageMakerRule).toBeInstanceOf(events.Rule);
    expect(gate.bedrockRule).toBeInstanceOf(events.Rule);
    expect(gate.runsPrefix).toBe('runs/');
    expect(gate.heldoutPrefix).toBe('heldout/');
  });

  it('defaults to the functions/gate-*.ts and functions/arena-*.ts handlers and uses the entries it is given', () => {
    expect(CHECKPOINT_GATE_ENTRIES).toEqual({
      start: 'functions/gate-start.ts',
      loadRun: 'functions/gate-load-run.ts',
      scoreBatch: 'functions/gate-score-batch.ts',
      decide: 'functions/gate-decide.ts',
      record: 'functions/gate-record-verdict.ts',
      arenaPlan: 'functions/arena-plan.ts',
      arenaBatch: 'functions/arena-batch.ts',
      arenaDecide: 'functions/arena-decide.ts',
    });
    expect(Object.keys(FIXTURE_ENTRIES).sort()).toEqual([...ALL_FUNCTIONS].sort());
    for (const [name, fn] of Object.entries(gate.functions)) {
      const resource = json.Resources[built.id(fn)]!;
      expect(resource.Metadata).toMatchObject({ 'finegate:entry': FIXTURE_ENTRIES[name as GateFunctionName], 'finegate:handler': 'handler' });
    }
  });

  it('runs a STANDARD state machine, traced, logging everything to its own KMS-encrypted log group', () => {
    const [[, machine]] = resourcesOf(json, 'AWS::StepFunctions::StateMachine') as [[string, Resource]];
    const logGroupId = built.id(gate.logGroup as logs.LogGroup);
    expect(machine.Properties).toMatchObject({
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logGroupId, 'Arn'] } } }],
      },
    });
    const keyId = built.id(gate.logGroupKey as unknown as { node: { defaultChild?: unknown } });
    const logGroup = json.Resources[logGroupId]!;
    expect(logGroup.Properties).toMatchObject({ KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] }, RetentionInDays: 90 });
    expect(logGroup.Properties.LogGroupName).toMatch(/^\/aws\/vendedlogs\/states\//);
    const key = json.Resources[keyId]!;
    expect(key.Properties.EnableKeyRotation).toBe(true);
    const logsStatement = key.Properties.KeyPolicy.Statement.find((s: any) => s.Sid === 'AllowCloudWatchLogs');
    expect(logsStatement.Principal.Service).toEqual({ 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] });
    expect(logsStatement.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn']).toBeDefined();
  });

  it('times a gate execution out after six hours by default', () => {
    const [[, machine]] = resourcesOf(json, 'AWS::StepFunctions::StateMachine') as [[string, Resource]];
    const text = JSON.stringify(machine.Properties.DefinitionString);
    expect(text).toContain('\\"TimeoutSeconds\\":21600');
  });

  it('sizes each function for its work', () => {
    const expected: Record<GateFunctionName, { Timeout: number; MemorySize: number; stage: string }> = {
      start: { Timeout: 30, MemorySize: 256, stage: 'stage 2' },
      loadRun: { Timeout: 120, MemorySize: 512, stage: 'stage 2' },
      scoreBatch: { Timeout: 900, MemorySize: 1024, stage: 'stage 2' },
      decide: { Timeout: 300, MemorySize: 1024, stage: 'stage 2' },
      // It records both stages' verdicts.
      record: { Timeout: 60, MemorySize: 512, stage: 'stages 2 and 3' },
      arenaPlan: { Timeout: 120, MemorySize: 512, stage: 'stage 3' },
      arenaBatch: { Timeout: 900, MemorySize: 1024, stage: 'stage 3' },
      arenaDecide: { Timeout: 300, MemorySize: 1024, stage: 'stage 3' },
    };
    for (const name of ALL_FUNCTIONS) {
      const { Timeout, MemorySize, Description } = json.Resources[built.id(gate.functions[name])]!.Properties;
      expect({ Timeout, MemorySize }, name).toEqual({ Timeout: expected[name].Timeout, MemorySize: expected[name].MemorySize });
      expect(Description, name).toMatch(new RegExp(`^finegate ${expected[name].stage}: `));
    }
  });

  it('sets the task timeouts from the function timeouts, a minute past each', () => {
    const tasks = taskStates(definitionOf(json));
    const byTask = Object.fromEntries(Object.entries(tasks).map(([name, t]) => [name, { Resource: t.Resource, TimeoutSeconds: t.TimeoutSeconds }]));
    const task = (fn: GateFunctionName, TimeoutSeconds: number) => ({ Resource: `fn:${built.id(gate.functions[fn])}`, TimeoutSeconds });
    expect(byTask).toEqual({
      LoadRun: task('loadRun', 180),
      ScoreHeldoutBatch: task('scoreBatch', 960),
      ScoreDriftBatch: task('scoreBatch', 960),
      Decide: task('decide', 360),
      Record: task('record', 120),
      RecordFailure: task('record', 120),
      ArenaPlan: task('arenaPlan', 180),
      ArenaJudgeBatch: task('arenaBatch', 960),
      ArenaDecide: task('arenaDecide', 360),
      ArenaRecord: task('record', 120),
      RecordArenaFailure: task('record', 120),
    });
  });

  it('gives every function the contract environment, and only the start function the state machine', () => {
    const machineId = built.id(gate.stateMachine);
    for (const [name, fn] of Object.entries(gate.functions)) {
      const env = json.Resources[built.id(fn)]!.Properties.Environment.Variables;
      expect(env, name).toMatchObject({
        RUNS_TABLE: { Ref: built.id(built.storage.runsTable) },
        VERDICTS_TABLE: { Ref: built.id(built.storage.verdictsTable) },
        JUDGE_CACHE_TABLE: { Ref: built.id(built.storage.judgeCacheTable) },
        ARTIFACTS_BUCKET: { Ref: built.id(built.storage.artifactsBucket as never) },
        RUNS_PREFIX: 'runs/',
        EVENT_BUS_NAME: { Ref: built.id(built.storage.eventBus as never) },
      });
      if (name === 'start') expect(env.STATE_MACHINE_ARN).toEqual({ Ref: machineId });
      else expect(env.STATE_MACHINE_ARN, name).toBeUndefined();
    }
    // The arena reads production inputs beside the held-out sets.
    for (const name of ARENA_FUNCTIONS) {
      expect(json.Resources[built.id(gate.functions[name])]!.Properties.Environment.Variables, name).toMatchObject({
        CORPORA_BUCKET: { Ref: built.id(built.storage.corporaBucket as never) },
        HELDOUT_PREFIX: 'heldout/',
      });
    }
  });

  it('starts the gate from Checkpoint Ready on the finegate bus, and from completed SageMaker and Bedrock jobs on the default bus', () => {
    const startArn = { 'Fn::GetAtt': [built.id(gate.functions.start), 'Arn'] };
    const rules = Object.fromEntries(resourcesOf(json, 'AWS::Events::Rule').map(([id, r]) => [id, r.Properties]));
    // The rules are built from the event modules' own patterns.
    expect(rules[built.id(gate.checkpointReadyRule)]).toMatchObject({
      EventBusName: { Ref: built.id(built.storage.eventBus as never) },
      EventPattern: checkpointReadyPattern(),
    });
    expect(rules[built.id(gate.sageMakerRule!)]!.EventPattern).toEqual(sagemakerTrainingJobCompletedPattern());
    expect(rules[built.id(gate.bedrockRule!)]!.EventPattern).toEqual(bedrockCustomizationJobCompletedPattern());
    expect(checkpointReadyPattern()).toEqual({ source: ['finegate.training'], 'detail-type': ['Checkpoint Ready'] });
    expect(sagemakerTrainingJobCompletedPattern()).toMatchObject({ source: ['aws.sagemaker'], detail: { TrainingJobStatus: ['Completed'] } });
    expect(bedrockCustomizationJobCompletedPattern()).toMatchObject({ source: ['aws.bedrock'], detail: { jobStatus: ['Completed'] } });
    for (const rule of [gate.sageMakerRule!, gate.bedrockRule!]) expect(rules[built.id(rule)]!.EventBusName).toBeUndefined();
    for (const rule of [gate.checkpointReadyRule, gate.sageMakerRule!, gate.bedrockRule!].map((r) => rules[built.id(r)]!)) {
      expect(rule.Targets).toEqual([
        expect.objectContaining({
          Arn: startArn,
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [built.id(gate.deadLetterQueue as sqs.Queue), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 14_400 },
        }),
      ]);
    }
  });

  it('parks start events that failed every async attempt in the dead-letter queue', () => {
    const start = json.Resources[built.id(gate.functions.start)]!;
    expect(start.Properties.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [built.id(gate.deadLetterQueue as sqs.Queue), 'Arn'] } });
  });

  it('lets only the start function start executions, of this state machine only', () => {
    const machineId = built.id(gate.stateMachine);
    for (const name of Object.keys(gate.functions) as GateFunctionName[]) {
      const starts = roleStatements(json, functionRoleId(built, name)).filter((s) => actionsOf(s).some((a) => a.startsWith('states:')));
      if (name === 'start') expect(starts).toEqual([expect.objectContaining({ Action: 'states:StartExecution', Resource: { Ref: machineId } })]);
      else expect(starts, name).toEqual([]);
    }
  });

  it('grants each function the table actions it needs and no more', () => {
    const tableActions = (name: GateFunctionName, table: CfnElement | { node: { defaultChild?: unknown } }) => {
      const arn = { 'Fn::GetAtt': [built.id(table), 'Arn'] };
      return roleStatements(json, functionRoleId(built, name))
        .filter((s) => JSON.stringify([s.Resource].flat()).includes(JSON.stringify(arn)))
        .flatMap(actionsOf)
        .sort();
    };
    const { runsTable, verdictsTable, judgeCacheTable, idempotencyTable } = built.storage;
    const get = 'dynamodb:GetItem';
    const put = 'dynamodb:PutItem';
    const query = 'dynamodb:Query';
    const expected: Record<GateFunctionName, { runs: string[]; verdicts: string[]; judgeCache: string[] }> = {
      start: { runs: [get, query], verdicts: [], judgeCache: [] },
      loadRun: { runs: [get], verdicts: [], judgeCache: [] },
      scoreBatch: { runs: [get], verdicts: [], judgeCache: [get, put] },
      decide: { runs: ['dynamodb:BatchGetItem', get, query], verdicts: [], judgeCache: [] },
      // UpdateItem marks a verdict's event published.
      record: { runs: [get, put, query], verdicts: [get, put, 'dynamodb:UpdateItem'], judgeCache: [] },
      // The arena reads the pinned run; only the batch judges, through the judge cache; record writes its verdict.
      arenaPlan: { runs: [get], verdicts: [], judgeCache: [] },
      arenaBatch: { runs: [get], verdicts: [], judgeCache: [get, put] },
      arenaDecide: { runs: [get], verdicts: [], judgeCache: [] },
    };
    for (const name of ALL_FUNCTIONS) {
      expect(
        { runs: tableActions(name, runsTable), verdicts: tableActions(name, verdictsTable), judgeCache: tableActions(name, judgeCacheTable) },
        name,
      ).toEqual(expected[name]);
      expect(tableActions(name, idempotencyTable), name).toEqual([]);
    }
  });

  it('limits artifact access to the runs/ prefix and held-out reads to heldout/', () => {
    const bucketId = (b: unknown) => built.id(b as { node: { defaultChild?: unknown } });
    const objects = (bucket: unknown, prefix: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId(bucket), 'Arn'] }, `/${prefix}*`]] });
    const s3Statements = (name: GateFunctionName) =>
      roleStatements(json, functionRoleId(built, name)).filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    const runs = objects(built.storage.artifactsBucket, 'runs/');
    const heldout = objects(built.storage.corporaBucket, 'heldout/');
    const readHeldout = { Sid: 'ReadHeldoutSets', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: heldout };
    const readWriteRuns = { Sid: 'ReadWriteRunArtifacts', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: runs };
    const writeResults = { ...readWriteRuns, Action: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'] };
    const listHeldout = {
      Sid: 'ListHeldoutSets',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: { 'Fn::GetAtt': [bucketId(built.storage.corporaBucket), 'Arn'] },
      Condition: { StringLike: { 's3:prefix': ['heldout/*'] } },
    };
    const listRuns = {
      Sid: 'ListRunArtifacts',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: { 'Fn::GetAtt': [bucketId(built.storage.artifactsBucket), 'Arn'] },
      Condition: { StringLike: { 's3:prefix': ['runs/*'] } },
    };
    const expected: Record<GateFunctionName, object[]> = {
      start: [],
      // LoadRun reads the held-out set only; its drift suite ships in the bundle.
      loadRun: [readHeldout, listHeldout],
      scoreBatch: [readHeldout, listHeldout, writeResults, listRuns],
      // Decide reads the batch results and writes decision.json, which record reads back for the run report.
      decide: [readWriteRuns, listRuns],
      record: [readWriteRuns, listRuns],
      // ArenaPlan draws production inputs; ArenaBatch draws them again and writes its pairs; ArenaDecide reads the
      // pairs and writes arena.json.
      arenaPlan: [readHeldout, listHeldout],
      arenaBatch: [readHeldout, listHeldout, writeResults, listRuns],
      arenaDecide: [readWriteRuns, listRuns],
    };
    const bySid = (a: any, b: any) => String(a.Sid).localeCompare(String(b.Sid));
    for (const name of ALL_FUNCTIONS) expect([...s3Statements(name)].sort(bySid), name).toEqual([...expected[name]].sort(bySid));
  });

  it('lets only the record function publish on the finegate bus', () => {
    for (const name of Object.keys(gate.functions) as GateFunctionName[]) {
      const puts = roleStatements(json, functionRoleId(built, name)).filter((s) => actionsOf(s).includes('events:PutEvents'));
      if (name === 'record') expect(puts).toEqual([expect.objectContaining({ Resource: { 'Fn::GetAtt': [built.id(built.storage.eventBus as never), 'Arn'] } })]);
      else expect(puts, name).toEqual([]);
    }
  });

  it('lets the state machine invoke the seven task functions, their versions, and nothing else', () => {
    const machineRole = built.id(gate.stateMachine.role as iam.Role);
    const invokes = roleStatements(json, machineRole).filter((s) => actionsOf(s).some((a) => a.startsWith('lambda:')));
    expect(invokes.flatMap(actionsOf).every((a) => a === 'lambda:InvokeFunction')).toBe(true);
    const invoked = invokes.flatMap((s) => [s.Resource].flat()).map((r: any) => JSON.stringify(r)).sort();
    const arn = (name: GateFunctionName) => ({ 'Fn::GetAtt': [built.id(gate.functions[name]), 'Arn'] });
    const expected = TASK_FUNCTIONS.flatMap((name) => [arn(name), { 'Fn::Join': ['', [arn(name), ':*']] }]).map((r) => JSON.stringify(r)).sort();
    expect(invoked).toEqual(expected);
  });

  it('may call the Bedrock models it is given from the score and arena batch functions only, and none by default', () => {
    const bedrock = (b: Built, name: GateFunctionName) =>
      roleStatements(b.json, functionRoleId(b, name)).filter((s) => actionsOf(s).some((a) => a.startsWith('bedrock:')));
    for (const name of ALL_FUNCTIONS) expect(bedrock(built, name), name).toEqual([]);
    const model = 'arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-8b-instruct-v1:0';
    const withModel = build({ bedrockModelArns: [model, model] });
    for (const name of ALL_FUNCTIONS) {
      const expected = name === 'scoreBatch' || name === 'arenaBatch' ? [{ Sid: 'InvokeBedrockModels', Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: model }] : [];
      expect(bedrock(withModel, name), name).toEqual(expected);
    }
  });
});

describe('CheckpointGate props', () => {
  it('merges function props: all, then per function, and keeps the contract environment', () => {
    const built = build({
      functionProps: { memorySize: 2048, environment: { POWERTOOLS_LOG_LEVEL: 'DEBUG', RUNS_TABLE: 'not-this-one' } },
      functionPropsByName: { scoreBatch: { memorySize: 3008, timeout: Duration.minutes(10), environment: { MODEL_CONCURRENCY: '4' } } },
    });
    const props = (name: GateFunctionName) => built.json.Resources[built.id(built.gate.functions[name])]!.Properties;
    expect(props('decide').MemorySize).toBe(2048);
    expect(props('scoreBatch').MemorySize).toBe(3008);
    expect(props('scoreBatch').Environment.Variables).toMatchObject({
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
      MODEL_CONCURRENCY: '4',
      RUNS_TABLE: { Ref: built.id(built.storage.runsTable) },
    });
    // The score task's timeout follows its function's.
    const [[, machine]] = resourcesOf(built.json, 'AWS::StepFunctions::StateMachine') as [[string, Resource]];
    expect(JSON.stringify(machine.Properties.DefinitionString)).toContain('\\"TimeoutSeconds\\":660');
  });

  it('logs to an existing log group without creating a group or key', () => {
    const built = build({}, (stack) => ({ existingStateMachineLogGroup: logs.LogGroup.fromLogGroupName(stack, 'Existing', 'team-gate-logs') }));
    expect(resourcesOf(built.json, 'AWS::Logs::LogGroup').filter(([id]) => id.includes('StateMachineLogGroup'))).toEqual([]);
    expect(resourcesOf(built.json, 'AWS::KMS::Key')).toEqual([]);
    expect(built.gate.logGroupKey).toBeUndefined();
  });

  it('uses an existing dead-letter queue', () => {
    const built = build({}, (stack) => ({ existingDeadLetterQueue: sqs.Queue.fromQueueArn(stack, 'Dlq', 'arn:aws:sqs:us-east-1:123456789012:team-dlq') }));
    expect(resourcesOf(built.json, 'AWS::SQS::Queue')).toEqual([]);
    const [rule] = resourcesOf(built.json, 'AWS::Events::Rule');
    expect(rule![1].Properties.Targets[0].DeadLetterConfig).toEqual({ Arn: 'arn:aws:sqs:us-east-1:123456789012:team-dlq' });
  });

  it('leaves out the SageMaker and Bedrock rules when asked', () => {
    const built = build({ sageMakerTrigger: false, bedrockTrigger: false });
    // Checkpoint Ready and the execution-ended rule remain.
    expect(resourcesOf(built.json, 'AWS::Events::Rule')).toHaveLength(2);
    expect(built.gate.sageMakerRule).toBeUndefined();
    expect(built.gate.bedrockRule).toBeUndefined();
  });

  it('uses the prefixes it is given', () => {
    const built = build({ runsPrefix: 'gate/runs/', heldoutPrefix: 'evals/' });
    const env = built.json.Resources[built.id(built.gate.functions.scoreBatch)]!.Properties.Environment.Variables;
    expect(env).toMatchObject({ RUNS_PREFIX: 'gate/runs/', HELDOUT_PREFIX: 'evals/' });
    const text = JSON.stringify(roleStatements(built.json, functionRoleId(built, 'scoreBatch')));
    expect(text).toContain('/gate/runs/*');
    expect(text).toContain('/evals/*');
    expect(text).not.toContain('"/runs/*"');
  });

  it('rejects contradictory or invalid props', () => {
    const stack = new Stack(unbundledApp(), 'Bad');
    const storage = new Storage(stack, 'Storage');
    const make = (id: string, props: Partial<CheckpointGateProps>) => () => new CheckpointGate(stack, id, { storage, entries: FIXTURE_ENTRIES, ...props });
    expect(make('A', { existingDeadLetterQueue: sqs.Queue.fromQueueArn(stack, 'Q', 'arn:aws:sqs:us-east-1:1:q'), deadLetterQueueProps: {} })).toThrow(
      /either existingDeadLetterQueue or deadLetterQueueProps/,
    );
    expect(make('B', { existingStateMachineLogGroup: logs.LogGroup.fromLogGroupName(stack, 'L', 'l'), stateMachineLogGroupProps: {} })).toThrow(
      /either existingStateMachineLogGroup or stateMachineLogGroupProps/,
    );
    expect(make('C', { runsPrefix: '' })).toThrow(/runsPrefix must not be empty/);
    expect(make('D', { runsPrefix: 'runs' })).toThrow(/Invalid runsPrefix "runs": must end with '\/'/);
    expect(make('E', { heldoutPrefix: '*/' })).toThrow(/Invalid heldoutPrefix/);
    expect(make('F', { maxConcurrency: 0 })).toThrow(/maxConcurrency must be an integer/);
  });
});

describe('CheckpointGate and cdk-nag', () => {
  const findings = (app: App) => {
    app.synth();
    return new AwsSolutionsChecks(app).validateScope(app).violations.map((v) => v.ruleName);
  };

  it('reports no unacknowledged finding', () => {
    expect(findings(build().app)).toEqual([]);
  });

  it('acknowledges the state machine role for the exact wildcards CDK writes, not for new ones', () => {
    const built = build();
    built.gate.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [`${built.gate.functions.start.functionArn}:*`] }),
    );
    expect(findings(built.app)).toEqual([`AwsSolutions-IAM5[Resource::<${built.id(built.gate.functions.start)}.Arn>:*]`]);
  });

  it('flags a wildcard data permission that nobody acknowledged', () => {
    const built = build();
    built.gate.functions.decide.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [built.storage.artifactsBucket.arnForObjects('*')] }),
    );
    expect(findings(built.app)).toEqual([`AwsSolutions-IAM5[Resource::<${built.id(built.storage.artifactsBucket as never)}.Arn>/*]`]);
  });
});

describe('executions that end outside the Catch', () => {
  it('are recorded by the record function from their status-change event', async () => {
    const { App, Stack } = await import('aws-cdk-lib');
    const { Template, Match } = await import('aws-cdk-lib/assertions');
    const { Storage } = await import('../../infra/storage');
    const { CheckpointGate } = await import('../../infra/checkpoint-gate');
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Ended');
    const gate = new CheckpointGate(stack, 'Gate', { storage: new Storage(stack, 'Storage') });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: stack.getLogicalId(gate.stateMachine.node.defaultChild as never) }] },
      },
      Targets: Match.arrayWith([Match.objectLike({ Arn: { 'Fn::GetAtt': [stack.getLogicalId(gate.functions.record.node.defaultChild as never), 'Arn'] }, DeadLetterConfig: Match.anyValue() })]),
    });
  });
});
