import { Duration, Stack, type App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { arenaPromotionPattern } from '../../events/arena-promotion';
import { canaryAlarmPattern } from '../../events/cloudwatch-alarm-state-change';
import { gateVerdictPattern } from '../../events/gate-verdict';
import { CANARY_ALIAS_NAME, CANARY_ENTRIES, Canary, type CanaryFunctionName, type CanaryProps } from '../../infra/canary';
import { parseCanaryConfig } from '../../functions/canary/canary-config';
import { FinegateFunction } from '../../infra/finegate-function';
import { Storage } from '../../infra/storage';
import { unbundledApp } from '../../infra/synthesize-template';
import { CANARY_ROLLOUT_STATES, CANARY_START_STATES } from '../../state-machines/canary-rollout';
import { FIXTURE_ENTRIES } from './fixtures/canary/entries';

// The construct is built over fixture handlers: the real ones live in functions/ and are tested there.

type Resource = { Type: string; Properties: Record<string, any>; Metadata?: Record<string, unknown>; DependsOn?: string[]; DeletionPolicy?: string };

interface Built {
  app: App;
  stack: Stack;
  storage: Storage;
  canary: Canary;
  json: { Resources: Record<string, Resource> };
  id(construct: { node: { defaultChild?: unknown } } | CfnElement): string;
}

function build(props: Partial<CanaryProps> = {}, setup?: (stack: Stack) => Partial<CanaryProps>): Built {
  const app = unbundledApp();
  const stack = new Stack(app, 'Test');
  const storage = new Storage(stack, 'Storage');
  const canary = new Canary(stack, 'Canary', { storage, currentModel: 'local:echo', entries: FIXTURE_ENTRIES, ...setup?.(stack), ...props });
  const json = Template.fromStack(stack).toJSON() as Built['json'];
  const id = (construct: { node: { defaultChild?: unknown } } | CfnElement) =>
    stack.getLogicalId(('node' in construct && construct.node.defaultChild ? construct.node.defaultChild : construct) as CfnElement);
  return { app, stack, storage, canary, json, id };
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

/** A role's statements without the log-group and X-Ray ones every function gets. */
function dataStatements(json: Built['json'], roleId: string): any[] {
  return roleStatements(json, roleId).filter((s) => !actionsOf(s).every((a) => a.startsWith('xray:') || a === 'logs:CreateLogStream' || a === 'logs:PutLogEvents'));
}

const actionsOf = (statement: any): string[] => [statement.Action].flat();
const ALL_FUNCTIONS: CanaryFunctionName[] = ['router', 'scorer', 'rollback', 'rolloutStep'];

/** CloudFormation values rendered as text: `<Id.Attr>` for GetAtt, `{Id}` for Ref, joins concatenated. */
function flat(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(flat).join(',');
  const node = value as Record<string, any>;
  if (node['Fn::GetAtt']) return `<${node['Fn::GetAtt'][0]}.${node['Fn::GetAtt'][1]}>`;
  if (node.Ref) return `{${node.Ref}}`;
  if (node['Fn::Join']) return (node['Fn::Join'][1] as unknown[]).map(flat).join(node['Fn::Join'][0]);
  return JSON.stringify(value);
}

function definitionOf(built: Built, machine: sfn.StateMachine): { States: Record<string, any> } & Record<string, any> {
  return JSON.parse(flat(built.json.Resources[built.id(machine)]!.Properties.DefinitionString));
}

describe('Canary', () => {
  const built = build();
  const { canary, json } = built;
  const routerId = built.id(canary.functions.router);
  const roleOf = (name: CanaryFunctionName) => built.id(canary.functions[name].role as iam.Role);

  it('exposes what it creates', () => {
    expect(Object.keys(canary.functions).sort()).toEqual([...ALL_FUNCTIONS].sort());
    for (const fn of Object.values(canary.functions)) expect(fn).toBeInstanceOf(FinegateFunction);
    expect(canary.initialVersion).toBeInstanceOf(lambda.Version);
    expect(canary.alias.aliasName).toBe('live');
    expect(canary.functionUrl).toBeInstanceOf(lambda.FunctionUrl);
    expect(canary.shadowQueue).toBeInstanceOf(sqs.Queue);
    expect(canary.shadowDeadLetterQueue).toBeInstanceOf(sqs.Queue);
    expect(canary.deadLetterQueue).toBeInstanceOf(sqs.Queue);
    expect(Object.keys(canary.rubricDropAlarms)).toEqual(['helpfulness']);
    expect(canary.shadowWinRateAlarm).toBeInstanceOf(cloudwatch.Alarm);
    expect(canary.winRateSequentialAlarm).toBeInstanceOf(cloudwatch.Alarm);
    expect(canary.rollbackRule).toBeInstanceOf(events.Rule);
    expect(canary.rolloutRule).toBeInstanceOf(events.Rule);
    expect(canary.stateMachine).toBeInstanceOf(sfn.StateMachine);
    expect(canary.starter).toBeInstanceOf(sfn.StateMachine);
    expect(canary.logGroup).toBeInstanceOf(logs.LogGroup);
    expect(canary.logGroupKey).toBeDefined();
    expect(canary.settings).toEqual({ trafficPercent: 10, holdSeconds: 2700, holdWindows: 1, maxHoldWindows: 4 });
    expect(canary.alarmNamePrefix).toBe('finegate-canary-');
    expect(canary.alarmNames).toEqual([
      'finegate-canary-rubric-helpfulness-drop',
      'finegate-canary-shadow-win-rate',
      'finegate-canary-win-rate-sequential',
      'finegate-canary-candidate-error-rate',
      'finegate-canary-candidate-p99-latency',
    ]);
  });

  it('defaults to the functions/canary-*.ts handlers and uses the entries it is given', () => {
    expect(CANARY_ENTRIES).toEqual({
      router: 'functions/canary-router.ts',
      scorer: 'functions/canary-scorer.ts',
      rollback: 'functions/canary-rollback.ts',
      rolloutStep: 'functions/canary-rollout-step.ts',
    });
    for (const name of ALL_FUNCTIONS) {
      expect(json.Resources[built.id(canary.functions[name])]!.Metadata, name).toMatchObject({ 'finegate:entry': FIXTURE_ENTRIES[name], 'finegate:handler': 'handler' });
    }
  });

  it('sizes each function for its work', () => {
    const expected: Record<CanaryFunctionName, { Timeout: number; MemorySize: number }> = {
      router: { Timeout: 120, MemorySize: 1024 },
      scorer: { Timeout: 300, MemorySize: 1024 },
      rollback: { Timeout: 60, MemorySize: 256 },
      rolloutStep: { Timeout: 120, MemorySize: 512 },
    };
    for (const name of ALL_FUNCTIONS) {
      const { Timeout, MemorySize, Description } = json.Resources[built.id(canary.functions[name])]!.Properties;
      expect({ Timeout, MemorySize }, name).toEqual(expected[name]);
      expect(Description, name).toMatch(/^finegate stage 4: /);
    }
  });

  it('gives each function the contract environment', () => {
    const env = (name: CanaryFunctionName) => json.Resources[built.id(canary.functions[name])]!.Properties.Environment.Variables;
    const ref = (c: unknown) => ({ Ref: built.id(c as never) });
    // The house variables every FinegateFunction gets, and each function's own.
    const own = (name: CanaryFunctionName) => {
      const { POWERTOOLS_SERVICE_NAME, NODE_OPTIONS, ...rest } = env(name);
      expect({ POWERTOOLS_SERVICE_NAME, NODE_OPTIONS }, name).toEqual({ POWERTOOLS_SERVICE_NAME: 'finegate', NODE_OPTIONS: '--enable-source-maps' });
      return rest;
    };
    // RUN_ID and OTHER_MODEL_REF are set by the rollout when it publishes a version, never by the template.
    expect(own('router')).toEqual({
      MODEL_REF: 'local:echo',
      COHORT: 'current',
      SHADOW_QUEUE_URL: ref(canary.shadowQueue),
      SHADOW_FRACTION: '0.1',
      POWERTOOLS_METRICS_NAMESPACE: 'finegate/canary',
    });
    const canaryConfig = JSON.stringify(canary.runtimeConfig);
    expect(own('scorer')).toEqual({
      RUNS_TABLE: ref(built.storage.runsTable),
      JUDGE_CACHE_TABLE: ref(built.storage.judgeCacheTable),
      CANARY_CONFIG: canaryConfig,
      POWERTOOLS_METRICS_NAMESPACE: 'finegate/canary',
    });
    expect(own('rollback')).toEqual({
      ROUTER_FUNCTION_NAME: { Ref: routerId },
      ALIAS_NAME: 'live',
      VERDICTS_TABLE: ref(built.storage.verdictsTable),
      EVENT_BUS_NAME: ref(built.storage.eventBus),
      ROLLOUT_STATE_MACHINE_ARN: { Ref: built.id(canary.stateMachine) },
      ALARM_NAME_PREFIX: 'finegate-canary-',
      CANARY_CONFIG: canaryConfig,
      POWERTOOLS_METRICS_NAMESPACE: 'finegate',
    });
    expect(own('rolloutStep')).toEqual({
      ROUTER_FUNCTION_NAME: { Ref: routerId },
      ALIAS_NAME: 'live',
      VERDICTS_TABLE: ref(built.storage.verdictsTable),
      EVENT_BUS_NAME: ref(built.storage.eventBus),
      ALARM_NAME_PREFIX: 'finegate-canary-',
      CANARY_CONFIG: canaryConfig,
      RUNS_TABLE: ref(built.storage.runsTable),
      POWERTOOLS_METRICS_NAMESPACE: 'finegate',
    });
  });

  it('gives the scorer, the rollback and the rollout step one CANARY_CONFIG that parses, with the alarms’ numbers', () => {
    const texts = (['scorer', 'rollback', 'rolloutStep'] as const).map((name) => json.Resources[built.id(canary.functions[name])]!.Properties.Environment.Variables.CANARY_CONFIG);
    expect(new Set(texts).size).toBe(1);
    const config = parseCanaryConfig(texts[0]);
    expect(config).toMatchObject({
      winRate: { floor: 0.5, alpha: 0.05 },
      rubricDrop: { window: 1, dropPoints: 2, datapointsToAlarm: 3, evaluationPeriods: 5, treatMissingData: 'notBreaching' },
      periodSeconds: 300,
      // One 45-minute hold window in 5-minute periods.
      holdWindows: 9,
      weights: [0.1],
    });
    expect(config.judgeModel).toBeUndefined();
  });

  describe('live alias', () => {
    it('is never an AWS::Lambda::Alias: CloudFormation would reset its version and weights on update', () => {
      expect(resourcesOf(json, 'AWS::Lambda::Alias')).toEqual([]);
    });

    it('is created once, from a code-independent initial version, by a custom resource with no update or delete call', () => {
      const versionId = built.id(canary.initialVersion);
      const version = json.Resources[versionId]!;
      // Only the function name: no CodeSha256, so no deploy ever replaces the version.
      expect(version.Properties).toEqual({ FunctionName: { Ref: routerId }, Description: expect.any(String) });
      expect(version.DeletionPolicy).toBe('Retain');

      const [[creatorId, creator]] = resourcesOf(json, 'Custom::FinegateCanaryAlias') as [[string, Resource]];
      expect(creatorId).toBe(built.id(canary.aliasCreator as never));
      expect(Object.keys(creator.Properties).sort()).toEqual(['Create', 'InstallLatestAwsSdk', 'ServiceToken']);
      expect(creator.Properties.InstallLatestAwsSdk).toBe(false);
      const create = JSON.parse(flat(creator.Properties.Create));
      expect(create).toEqual({
        service: 'Lambda',
        action: 'CreateAlias',
        parameters: { FunctionName: `{${routerId}}`, Name: 'live', FunctionVersion: `<${versionId}.Version>`, Description: expect.any(String) },
        physicalResourceId: { id: `<${routerId}.Arn>:live` },
        // A re-created custom resource adopts the alias as it stands.
        ignoreErrorCodesMatching: 'ResourceConflictException',
      });
      expect(create.parameters.RoutingConfig).toBeUndefined();
    });

    it('is created by a role that may create this alias and write its own log group, with no managed policy', () => {
      const [[, creator]] = resourcesOf(json, 'Custom::FinegateCanaryAlias') as [[string, Resource]];
      const providerId = creator.Properties.ServiceToken['Fn::GetAtt'][0];
      const roleId = json.Resources[providerId]!.Properties.Role['Fn::GetAtt'][0];
      expect(json.Resources[roleId]!.Properties.ManagedPolicyArns).toBeUndefined();
      const statements = roleStatements(json, roleId);
      expect(statements.filter((s) => actionsOf(s).some((a) => a.startsWith('lambda:')))).toEqual([
        {
          Sid: 'CreateLiveAlias',
          Effect: 'Allow',
          Action: 'lambda:CreateAlias',
          Resource: [{ 'Fn::GetAtt': [routerId, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [routerId, 'Arn'] }, ':live']] }],
        },
      ]);
      expect(statements.flatMap(actionsOf).sort()).toEqual(['lambda:CreateAlias', 'logs:CreateLogStream', 'logs:PutLogEvents']);
      expect(json.Resources[providerId]!.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: expect.stringMatching(/^CanaryAliasCreatorLogGroup/) } });
    });

    it('has an IAM-authenticated Function URL on the alias, created after the alias exists, with no public permission', () => {
      const [[urlId, url]] = resourcesOf(json, 'AWS::Lambda::Url') as [[string, Resource]];
      expect(urlId).toBe(built.id(canary.functionUrl));
      expect(url.Properties).toEqual({ AuthType: 'AWS_IAM', Qualifier: CANARY_ALIAS_NAME, TargetFunctionArn: { 'Fn::GetAtt': [routerId, 'Arn'] } });
      expect(url.DependsOn).toContain(built.id(canary.aliasCreator as never));
      const urlPermissions = resourcesOf(json, 'AWS::Lambda::Permission').filter(([, p]) => p.Properties.FunctionUrlAuthType !== undefined || p.Properties.Principal === '*');
      expect(urlPermissions).toEqual([]);
    });

    it('lets a granted principal invoke the URL of the live alias only', () => {
      const stack = new Stack(unbundledApp(), 'Grant');
      const canary = new Canary(stack, 'Canary', { storage: new Storage(stack, 'Storage'), currentModel: 'local:echo', entries: FIXTURE_ENTRIES });
      const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
      canary.grantInvokeUrl(caller);
      const statements = roleStatements(Template.fromStack(stack).toJSON() as Built['json'], stack.getLogicalId(caller.node.defaultChild as CfnElement));
      const router = stack.getLogicalId(canary.functions.router.node.defaultChild as CfnElement);
      const alias = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [router, 'Arn'] }, ':live']] };
      // Lambda authorizes a Function URL call as InvokeFunctionUrl, and the invocation behind it as InvokeFunction.
      expect(statements).toEqual([
        { Effect: 'Allow', Action: 'lambda:InvokeFunctionUrl', Resource: alias, Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } } },
        { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: alias, Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': true } } },
      ]);
    });
  });

  describe('shadow pairs', () => {
    it('go through an encrypted, TLS-only queue that redrives to a dead-letter queue after five receives', () => {
      const queueId = built.id(canary.shadowQueue as sqs.Queue);
      const dlqId = built.id(canary.shadowDeadLetterQueue as sqs.Queue);
      expect(json.Resources[queueId]!.Properties).toEqual({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 86_400,
        // Six times the scorer's five minutes.
        VisibilityTimeout: 1800,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 },
      });
      expect(json.Resources[dlqId]!.Properties).toEqual({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
      for (const id of [queueId, dlqId]) {
        const [[, policy]] = resourcesOf(json, 'AWS::SQS::QueuePolicy').filter(([, p]) => p.Properties.Queues[0].Ref === id) as [[string, Resource]];
        expect(policy.Properties.PolicyDocument.Statement).toEqual([
          expect.objectContaining({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]);
      }
    });

    it('feed the scorer ten at a time, reporting partial batch failures', () => {
      const [[, mapping]] = resourcesOf(json, 'AWS::Lambda::EventSourceMapping') as [[string, Resource]];
      expect(mapping.Properties).toEqual({
        BatchSize: 10,
        EventSourceArn: { 'Fn::GetAtt': [built.id(canary.shadowQueue as sqs.Queue), 'Arn'] },
        FunctionName: { Ref: built.id(canary.functions.scorer) },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    });
  });

  describe('alarms', () => {
    const alarms: Record<string, Record<string, any>> = Object.fromEntries(resourcesOf(json, 'AWS::CloudWatch::Alarm').map(([, a]) => [a.Properties.AlarmName, a.Properties]));
    const cohort = (value: string) => ({
      MetricStat: { Metric: { Dimensions: [{ Name: 'Cohort', Value: value }], MetricName: 'Rubric_helpfulness', Namespace: 'finegate/canary' }, Period: 300, Stat: 'Average' },
      ReturnData: false,
    });

    it('are the rubric drop, the shadow win rate and the sequential test in the template; the version alarms belong to the rollout', () => {
      expect(Object.keys(alarms).sort()).toEqual(['finegate-canary-rubric-helpfulness-drop', 'finegate-canary-shadow-win-rate', 'finegate-canary-win-rate-sequential']);
      for (const alarm of Object.values(alarms)) {
        expect(alarm.TreatMissingData).toBe('notBreaching');
        // Alarm state changes reach EventBridge whatever the actions; none are configured.
        expect(alarm.AlarmActions).toBeUndefined();
        expect(alarm.ActionsEnabled).toBeUndefined();
      }
    });

    it('raise a rubric drop on current − candidate ≥ 2 points of the window means, 3 of 5 datapoints', () => {
      const alarm = alarms['finegate-canary-rubric-helpfulness-drop']!;
      expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanOrEqualToThreshold', Threshold: 2, DatapointsToAlarm: 3, EvaluationPeriods: 5 });
      expect(alarm.Metrics).toEqual([
        { Expression: 'current - candidate', Id: 'expr_1', Label: expect.any(String), ReturnData: true },
        { Id: 'current', ...cohort('current') },
        { Id: 'candidate', ...cohort('candidate') },
      ]);
    });

    it('raise the shadow win rate below the floor on wins / (wins + losses), 3 of 5 datapoints', () => {
      const alarm = alarms['finegate-canary-shadow-win-rate']!;
      expect(alarm).toMatchObject({ ComparisonOperator: 'LessThanThreshold', Threshold: 0.5, DatapointsToAlarm: 3, EvaluationPeriods: 5 });
      const sum = (MetricName: string) => ({ MetricStat: { Metric: { MetricName, Namespace: 'finegate/canary' }, Period: 300, Stat: 'Sum' }, ReturnData: false });
      expect(alarm.Metrics).toEqual([
        {
          Expression: 'IF(FILL(wins, 0) + FILL(losses, 0) > 0, FILL(wins, 0) / (FILL(wins, 0) + FILL(losses, 0)), 1)',
          Id: 'expr_1',
          Label: expect.any(String),
          ReturnData: true,
        },
        { Id: 'wins', ...sum('ShadowWin') },
        { Id: 'losses', ...sum('ShadowLoss') },
      ]);
    });

    it('raise the sequential test at its first crossing of log10(1/alpha)', () => {
      expect(alarms['finegate-canary-win-rate-sequential']).toMatchObject({
        Namespace: 'finegate/canary',
        MetricName: 'WinRateBelowFloorEValue',
        Statistic: 'Maximum',
        Period: 300,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: Math.log10(20),
        DatapointsToAlarm: 1,
        EvaluationPeriods: 1,
      });
      expect(alarms['finegate-canary-win-rate-sequential']!.Dimensions).toBeUndefined();
    });

    it('on the candidate version are written by the rollout for the router and its live alias, 3 of 5 datapoints', () => {
      const mOfN = { periodSeconds: 300, evaluationPeriods: 5, datapointsToAlarm: 3 };
      expect(canary.versionAlarms).toEqual([
        { alarmName: 'finegate-canary-candidate-error-rate', description: expect.any(String), kind: 'errorRate', threshold: 0.05, ...mOfN },
        { alarmName: 'finegate-canary-candidate-p99-latency', description: expect.any(String), kind: 'p99Latency', threshold: 30_000, ...mOfN },
      ]);
      const states = definitionOf(built, canary.stateMachine).States;
      const latency = states[CANARY_ROLLOUT_STATES.watchLatency];
      expect(latency.Parameters.Dimensions).toEqual([
        { Name: 'FunctionName', Value: `{${routerId}}` },
        { Name: 'Resource', Value: `{${routerId}}:live` },
        { Name: 'ExecutedVersion', 'Value.$': '$.published.candidateVersion' },
      ]);
      expect(states[CANARY_ROLLOUT_STATES.watchErrorRate].Parameters.AlarmName).toBe('finegate-canary-candidate-error-rate');
      expect(states[CANARY_ROLLOUT_STATES.check].Parameters.alarmNames).toEqual(canary.alarmNames);
    });
  });

  describe('rules', () => {
    const rules = Object.fromEntries(resourcesOf(json, 'AWS::Events::Rule').map(([id, r]) => [id, r.Properties]));
    const dlq = { Arn: { 'Fn::GetAtt': [built.id(canary.deadLetterQueue as sqs.Queue), 'Arn'] } };

    it('roll back from the default bus when an alarm named finegate-canary-… enters ALARM', () => {
      const rule = rules[built.id(canary.rollbackRule)]!;
      expect(rule.EventBusName).toBeUndefined();
      expect(rule.EventPattern).toEqual({
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { alarmName: [{ prefix: 'finegate-canary-' }], state: { value: ['ALARM'] } },
      });
      expect(rule.EventPattern).toEqual(canaryAlarmPattern());
      expect(rule.Targets).toEqual([
        expect.objectContaining({
          Arn: { 'Fn::GetAtt': [built.id(canary.functions.rollback), 'Arn'] },
          DeadLetterConfig: dlq,
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 14_400 },
        }),
      ]);
    });

    it('roll back from the default bus when a rollout execution fails, times out or is aborted', () => {
      const rule = rules[built.id(canary.rolloutEndedRule)]!;
      expect(rule.EventBusName).toBeUndefined();
      expect(rule.EventPattern).toEqual({
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [{ Ref: built.id(canary.stateMachine) }], status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
      });
      expect(rule.Targets).toEqual([
        expect.objectContaining({
          Arn: { 'Fn::GetAtt': [built.id(canary.functions.rollback), 'Arn'] },
          DeadLetterConfig: dlq,
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 14_400 },
        }),
      ]);
    });

    it('start the rollout from Gate Verdict (arena, PASS, promote) on the finegate bus, through the starter', () => {
      const rule = rules[built.id(canary.rolloutRule)]!;
      expect(rule.EventBusName).toEqual({ Ref: built.id(built.storage.eventBus as never) });
      expect(rule.EventPattern).toEqual(arenaPromotionPattern());
      expect(arenaPromotionPattern()).toEqual(gateVerdictPattern({ stage: 'arena', verdicts: ['PASS'], promote: true }));
      expect(rule.EventPattern).toEqual({ source: ['finegate.gate'], 'detail-type': ['Gate Verdict'], detail: { stage: ['arena'], verdict: ['PASS'], promote: [true] } });
      expect(rule.Targets).toEqual([
        expect.objectContaining({ Arn: { Ref: built.id(canary.starter) }, DeadLetterConfig: dlq, RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 14_400 } }),
      ]);
      const eventsRole = rule.Targets[0].RoleArn['Fn::GetAtt'][0];
      expect(roleStatements(json, eventsRole)).toEqual([{ Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: built.id(canary.starter) } }]);
    });

    it('park rollbacks that failed every async attempt in the dead-letter queue', () => {
      const rollback = json.Resources[built.id(canary.functions.rollback)]!;
      expect(rollback.Properties.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [built.id(canary.deadLetterQueue as sqs.Queue), 'Arn'] } });
    });
  });

  describe('grants', () => {
    const fnArn = { 'Fn::GetAtt': [routerId, 'Arn'] };
    const aliasResources = [fnArn, { 'Fn::Join': ['', [fnArn, ':live']] }];
    const tableArn = (table: unknown) => ({ 'Fn::GetAtt': [built.id(table as never), 'Arn'] });
    const alarmArn = (name: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:alarm:${name}`]],
    });
    const { judgeCacheTable, runsTable, verdictsTable, eventBus } = built.storage;
    const sortActions = (statements: any[]) => statements.map((s) => ({ ...s, Action: Array.isArray(s.Action) ? [...s.Action].sort() : s.Action }));

    it('let the router send shadow pairs, nothing else', () => {
      expect(dataStatements(json, roleOf('router'))).toEqual([
        { Sid: 'SendShadowPairs', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [built.id(canary.shadowQueue as sqs.Queue), 'Arn'] } },
      ]);
    });

    it('let the scorer consume the shadow queue, read the run, and use the judge cache and the win tally in it', () => {
      expect(sortActions(dataStatements(json, roleOf('scorer')))).toEqual([
        {
          Effect: 'Allow',
          Action: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
          Resource: { 'Fn::GetAtt': [built.id(canary.shadowQueue as sqs.Queue), 'Arn'] },
        },
        { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: tableArn(runsTable) },
        { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], Resource: tableArn(judgeCacheTable) },
      ]);
    });

    it('let the rollback move the live alias, read what a version pins, stop rollout executions, record once and publish', () => {
      const machine = built.id(canary.stateMachine);
      expect(sortActions(dataStatements(json, roleOf('rollback')))).toEqual([
        { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [built.id(canary.deadLetterQueue as sqs.Queue), 'Arn'] } },
        { Sid: 'RollBackLiveAlias', Effect: 'Allow', Action: ['lambda:GetAlias', 'lambda:UpdateAlias'], Resource: aliasResources },
        { Sid: 'ReadRouterVersions', Effect: 'Allow', Action: 'lambda:GetFunctionConfiguration', Resource: { 'Fn::Join': ['', [fnArn, ':*']] } },
        {
          Sid: 'StopRollout',
          Effect: 'Allow',
          Action: ['states:DescribeExecution', 'states:StopExecution'],
          Resource: {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':states:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':execution:', { 'Fn::GetAtt': [machine, 'Name'] }, ':*'],
            ],
          },
        },
        { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], Resource: tableArn(verdictsTable) },
        { Effect: 'Allow', Action: 'events:PutEvents', Resource: tableArn(eventBus) },
      ]);
    });

    it('let the rollout step publish router versions, move the alias, read the canary alarms and metrics, and record', () => {
      expect(sortActions(dataStatements(json, roleOf('rolloutStep')))).toEqual([
        { Sid: 'PublishRouterVersions', Effect: 'Allow', Action: ['lambda:GetFunctionConfiguration', 'lambda:PublishVersion', 'lambda:UpdateFunctionConfiguration'], Resource: fnArn },
        { Sid: 'ReadRouterVersions', Effect: 'Allow', Action: 'lambda:GetFunctionConfiguration', Resource: { 'Fn::Join': ['', [fnArn, ':*']] } },
        { Sid: 'MoveLiveAlias', Effect: 'Allow', Action: ['lambda:GetAlias', 'lambda:UpdateAlias'], Resource: aliasResources },
        { Sid: 'ReadCanaryAlarms', Effect: 'Allow', Action: 'cloudwatch:DescribeAlarms', Resource: alarmArn('finegate-canary-*') },
        { Sid: 'ReadCanaryMetrics', Effect: 'Allow', Action: 'cloudwatch:GetMetricData', Resource: '*' },
        // The run's pinned judge.
        { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: tableArn(runsTable) },
        { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], Resource: tableArn(verdictsTable) },
        { Effect: 'Allow', Action: 'events:PutEvents', Resource: tableArn(eventBus) },
      ]);
    });

    it('let only the rollback and the rollout step move the alias, only the router send shadow pairs, and no function call Bedrock by default', () => {
      for (const name of ALL_FUNCTIONS) {
        const actions = dataStatements(json, roleOf(name)).flatMap(actionsOf);
        expect(actions.includes('lambda:UpdateAlias'), name).toBe(name === 'rollback' || name === 'rolloutStep');
        const sendsShadowPairs = dataStatements(json, roleOf(name)).some(
          (s) => actionsOf(s).includes('sqs:SendMessage') && JSON.stringify(s.Resource) === JSON.stringify({ 'Fn::GetAtt': [built.id(canary.shadowQueue as sqs.Queue), 'Arn'] }),
        );
        expect(sendsShadowPairs, name).toBe(name === 'router');
        expect(actions.some((a) => a.startsWith('bedrock:')), name).toBe(false);
      }
    });

    it('let the rollout invoke the step function and write exactly the two version alarms; the starter start only the rollout', () => {
      const rolloutRole = built.id(canary.stateMachine.role as iam.Role);
      const stepArn = { 'Fn::GetAtt': [built.id(canary.functions.rolloutStep), 'Arn'] };
      const statements = roleStatements(json, rolloutRole).filter((s) => !actionsOf(s).some((a) => a.startsWith('logs:') || a.startsWith('xray:')));
      expect(statements).toEqual([
        { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: [stepArn, { 'Fn::Join': ['', [stepArn, ':*']] }] },
        { Effect: 'Allow', Action: 'cloudwatch:PutMetricAlarm', Resource: [alarmArn('finegate-canary-candidate-error-rate'), alarmArn('finegate-canary-candidate-p99-latency')] },
      ]);
      const starterRole = built.id(canary.starter.role as iam.Role);
      const starts = roleStatements(json, starterRole).filter((s) => !actionsOf(s).some((a) => a.startsWith('logs:') || a.startsWith('xray:')));
      expect(starts).toEqual([{ Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: built.id(canary.stateMachine) } }]);
    });

    it('let the router and the scorer call the Bedrock models given, and no function any by default', () => {
      const model = 'arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-8b-instruct-v1:0';
      const withModel = build({ bedrockModelArns: [model, model] });
      for (const name of ALL_FUNCTIONS) {
        const bedrock = dataStatements(withModel.json, withModel.id(withModel.canary.functions[name].role as iam.Role)).filter((s) =>
          actionsOf(s).some((a) => a.startsWith('bedrock:')),
        );
        expect(bedrock, name).toEqual(name === 'router' || name === 'scorer' ? [{ Sid: 'InvokeBedrockModels', Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: model }] : []);
      }
    });
  });

  describe('state machines', () => {
    it('run the rollout STANDARD and the starter EXPRESS, both traced and logging everything to one KMS-encrypted group', () => {
      const logGroupId = built.id(canary.logGroup as logs.LogGroup);
      const machine = (m: sfn.StateMachine) => json.Resources[built.id(m)]!.Properties;
      for (const [m, type] of [
        [canary.stateMachine, 'STANDARD'],
        [canary.starter, 'EXPRESS'],
      ] as const) {
        expect(machine(m)).toMatchObject({
          StateMachineType: type,
          TracingConfiguration: { Enabled: true },
          LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true, Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logGroupId, 'Arn'] } } }] },
        });
      }
      const logGroup = json.Resources[logGroupId]!;
      expect(logGroup.Properties).toMatchObject({ KmsKeyId: { 'Fn::GetAtt': [built.id(canary.logGroupKey as never), 'Arn'] }, RetentionInDays: 90 });
      expect(logGroup.Properties.LogGroupName).toMatch(/^\/aws\/vendedlogs\/states\//);
    });

    it('give the rollout no execution timeout and the starter five minutes', () => {
      expect(definitionOf(built, canary.stateMachine).TimeoutSeconds).toBeUndefined();
      expect(definitionOf(built, canary.starter).TimeoutSeconds).toBe(300);
    });

    it('start the rollout with the Gate Verdict and the settings, and hold for the hold window from the input', () => {
      const start = definitionOf(built, canary.starter).States[CANARY_START_STATES.startRollout];
      expect(start.Parameters).toMatchObject({
        StateMachineArn: `{${built.id(canary.stateMachine)}}`,
        Input: { 'gateVerdict.$': '$.detail', rollout: { trafficPercent: 10, holdSeconds: 2700, holdWindows: 1, maxHoldWindows: 4 } },
      });
      expect(definitionOf(built, canary.stateMachine).States[CANARY_ROLLOUT_STATES.hold].SecondsPath).toBe('$.rollout.holdSeconds');
    });

    it('call the rollout-step function from every step task', () => {
      const states = definitionOf(built, canary.stateMachine).States;
      const step = `<${built.id(canary.functions.rolloutStep)}.Arn>`;
      const lambdaTasks = Object.entries(states).filter(([, s]) => s.Type === 'Task' && s.Resource === step);
      expect(lambdaTasks.map(([n]) => n).sort()).toEqual(
        (['publish', 'weight', 'check', 'promote', 'rollback', 'rollbackOnError'] as const).map((s) => CANARY_ROLLOUT_STATES[s]).sort(),
      );
      for (const [, task] of lambdaTasks) expect(task.TimeoutSeconds).toBe(180);
    });
  });
});

describe('Canary props', () => {
  it('takes 5 to 10 percent, a 30 to 60 minute hold window and the rubrics it is given', () => {
    const built = build({ trafficPercent: 5, holdWindow: Duration.minutes(30), rubrics: [{ name: 'helpfulness', check: { rubric: 'judge:task-completion' } }, { name: 'factual_accuracy', check: { rubric: 'judge:groundedness' } }], rubricDropPoints: 3, winRateFloor: 0.45 });
    expect(built.canary.settings).toEqual({ trafficPercent: 5, holdSeconds: 1800, holdWindows: 1, maxHoldWindows: 4 });
    const alarms = resourcesOf(built.json, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const drops = alarms.filter((a) => String(a.AlarmName).endsWith('-drop'));
    expect(drops.map((a) => a.AlarmName).sort()).toEqual(['finegate-canary-rubric-factual_accuracy-drop', 'finegate-canary-rubric-helpfulness-drop']);
    for (const drop of drops) expect(drop.Threshold).toBe(3);
    const accuracy = drops.find((a) => a.AlarmName.includes('factual_accuracy'))!;
    expect(accuracy.Metrics.slice(1).map((m: any) => m.MetricStat.Metric.MetricName)).toEqual(['Rubric_factual_accuracy', 'Rubric_factual_accuracy']);
    expect(alarms.find((a) => a.AlarmName === 'finegate-canary-shadow-win-rate')!.Threshold).toBe(0.45);
  });

  it('passes the props to CANARY_CONFIG, so the rollout’s check judges by the alarms’ numbers', () => {
    const props = {
      trafficPercent: 5,
      holdWindow: Duration.minutes(50),
      holdWindows: 2,
      windowPeriod: Duration.minutes(10),
      datapointsToAlarm: 2,
      evaluationPeriods: 4,
      rubricDropPoints: 3.5,
      winRateFloor: 0.45,
      winRateAlpha: 0.01,
    };
    const built = build(props);
    const env = (name: CanaryFunctionName) => built.json.Resources[built.id(built.canary.functions[name])]!.Properties.Environment.Variables.CANARY_CONFIG;
    for (const name of ['scorer', 'rollback', 'rolloutStep'] as const) {
      expect(parseCanaryConfig(env(name)), name).toMatchObject({
        winRate: { floor: props.winRateFloor, alpha: props.winRateAlpha },
        rubricDrop: { window: 1, dropPoints: props.rubricDropPoints, datapointsToAlarm: props.datapointsToAlarm, evaluationPeriods: props.evaluationPeriods },
        periodSeconds: 600,
        // Two 50-minute hold windows are 100 minutes: 10 periods of 10 minutes.
        holdWindows: 10,
        weights: [0.05],
        // The scorer grades what the drop alarms watch: the default rubric, a judged check.
        rubrics: [{ name: 'helpfulness', check: { rubric: 'judge:task-completion' } }],
        minDecidedPairs: 100,
        minRubricSamples: 30,
      });
    }
    const alarms = Object.fromEntries(resourcesOf(built.json, 'AWS::CloudWatch::Alarm').map(([, a]) => [a.Properties.AlarmName, a.Properties]));
    const config = parseCanaryConfig(env('rolloutStep'));
    expect(alarms['finegate-canary-rubric-helpfulness-drop']).toMatchObject({ Threshold: config.rubricDrop.dropPoints, DatapointsToAlarm: config.rubricDrop.datapointsToAlarm, EvaluationPeriods: config.rubricDrop.evaluationPeriods, TreatMissingData: 'notBreaching' });
    expect(alarms['finegate-canary-shadow-win-rate']!.Threshold).toBe(config.winRate.floor);
    expect(alarms['finegate-canary-win-rate-sequential']).toMatchObject({ Period: config.periodSeconds, Threshold: Math.log10(1 / config.winRate.alpha) });
  });

  it('rounds a hold that is not a whole number of periods up', () => {
    const built = build({ holdWindow: Duration.minutes(45), windowPeriod: Duration.minutes(10), evaluationPeriods: 4, datapointsToAlarm: 2 });
    expect(built.canary.runtimeConfig).toMatchObject({ periodSeconds: 600, holdWindows: 5 });
  });

  it('applies the window period, M of N and thresholds to every alarm', () => {
    const built = build({
      windowPeriod: Duration.minutes(2),
      datapointsToAlarm: 2,
      evaluationPeriods: 4,
      errorRateThreshold: 0.02,
      latencyP99Threshold: Duration.seconds(12),
      winRateAlpha: 0.01,
    });
    const alarms = Object.fromEntries(resourcesOf(built.json, 'AWS::CloudWatch::Alarm').map(([, a]) => [a.Properties.AlarmName, a.Properties]));
    for (const name of ['finegate-canary-rubric-helpfulness-drop', 'finegate-canary-shadow-win-rate']) {
      expect(alarms[name], name).toMatchObject({ DatapointsToAlarm: 2, EvaluationPeriods: 4 });
      for (const m of alarms[name]!.Metrics.slice(1)) expect(m.MetricStat.Period, name).toBe(120);
    }
    expect(alarms['finegate-canary-win-rate-sequential']).toMatchObject({ Period: 120, Threshold: 2 });
    expect(built.canary.versionAlarms.map((a) => [a.threshold, a.periodSeconds, a.datapointsToAlarm, a.evaluationPeriods])).toEqual([
      [0.02, 120, 2, 4],
      [12_000, 120, 2, 4],
    ]);
  });

  it('names the alarms and matches the rollback rule under the prefix it is given', () => {
    const built = build({ alarmNamePrefix: 'finegate-canary-staging-' });
    expect(built.canary.alarmNames.every((n) => n.startsWith('finegate-canary-staging-'))).toBe(true);
    const names = resourcesOf(built.json, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties.AlarmName);
    expect(names.every((n) => n.startsWith('finegate-canary-staging-'))).toBe(true);
    const rule = built.json.Resources[built.id(built.canary.rollbackRule)]!;
    expect(rule.Properties.EventPattern.detail.alarmName).toEqual([{ prefix: 'finegate-canary-staging-' }]);
  });

  it('merges function props: all, then per function, and keeps the contract environment', () => {
    const built = build({
      functionProps: { memorySize: 2048, environment: { POWERTOOLS_LOG_LEVEL: 'DEBUG', MODEL_REF: 'not-this-one' } },
      functionPropsByName: { scorer: { timeout: Duration.minutes(10), environment: { MODEL_CONCURRENCY: '4' } } },
    });
    const props = (name: CanaryFunctionName) => built.json.Resources[built.id(built.canary.functions[name])]!.Properties;
    expect(props('rollback').MemorySize).toBe(2048);
    expect(props('router').Environment.Variables).toMatchObject({ POWERTOOLS_LOG_LEVEL: 'DEBUG', MODEL_REF: 'local:echo' });
    expect(props('scorer')).toMatchObject({ Timeout: 600, Environment: { Variables: { MODEL_CONCURRENCY: '4', POWERTOOLS_LOG_LEVEL: 'DEBUG' } } });
    // The shadow queue's visibility follows the scorer's timeout.
    expect(built.json.Resources[built.id(built.canary.shadowQueue as sqs.Queue)]!.Properties.VisibilityTimeout).toBe(3600);
  });

  it('uses an existing shadow queue without creating one or its dead-letter queue', () => {
    const built = build({}, (stack) => ({ existingShadowQueue: sqs.Queue.fromQueueArn(stack, 'Shadow', 'arn:aws:sqs:us-east-1:123456789012:team-shadow') }));
    const queues = resourcesOf(built.json, 'AWS::SQS::Queue').map(([id]) => id);
    expect(queues).toEqual([built.id(built.canary.deadLetterQueue as sqs.Queue)]);
    expect(built.canary.shadowDeadLetterQueue).toBeUndefined();
    const send = dataStatements(built.json, built.id(built.canary.functions.router.role as iam.Role)).find((s) => s.Sid === 'SendShadowPairs');
    expect(send.Resource).toBe('arn:aws:sqs:us-east-1:123456789012:team-shadow');
  });

  it('uses an existing dead-letter queue and log group without creating them', () => {
    const built = build({}, (stack) => ({
      existingDeadLetterQueue: sqs.Queue.fromQueueArn(stack, 'Dlq', 'arn:aws:sqs:us-east-1:123456789012:team-dlq'),
      existingStateMachineLogGroup: logs.LogGroup.fromLogGroupName(stack, 'Logs', 'team-canary-logs'),
    }));
    expect(resourcesOf(built.json, 'AWS::SQS::Queue')).toHaveLength(2);
    expect(resourcesOf(built.json, 'AWS::KMS::Key')).toEqual([]);
    expect(built.canary.logGroupKey).toBeUndefined();
    for (const [, rule] of resourcesOf(built.json, 'AWS::Events::Rule')) {
      expect(rule.Properties.Targets[0].DeadLetterConfig).toEqual({ Arn: 'arn:aws:sqs:us-east-1:123456789012:team-dlq' });
    }
  });

  describe('rejects', () => {
    const stack = new Stack(unbundledApp(), 'Bad');
    const storage = new Storage(stack, 'Storage');
    let n = 0;
    const make = (props: Partial<CanaryProps>) => () => new Canary(stack, `C${n++}`, { storage, currentModel: 'local:echo', entries: FIXTURE_ENTRIES, ...props });

    it('a share of traffic outside 5 to 10 percent', () => {
      expect(make({ trafficPercent: 20 })).toThrow(/trafficPercent must be from 5 to 10, got 20/);
      expect(make({ trafficPercent: 4 })).toThrow(/trafficPercent must be from 5 to 10, got 4/);
      expect(make({ trafficPercent: Number.NaN })).toThrow(/trafficPercent must be a literal finite number/);
    });

    it('a hold window outside 30 to 60 minutes', () => {
      expect(make({ holdWindow: Duration.minutes(20) })).toThrow(/holdWindow must be from 30 to 60 minutes, got 20 minutes/);
      expect(make({ holdWindow: Duration.minutes(90) })).toThrow(/holdWindow must be from 30 to 60 minutes, got 90 minutes/);
    });

    it('both an existing resource and props for a new one', () => {
      const queue = sqs.Queue.fromQueueArn(stack, 'Q', 'arn:aws:sqs:us-east-1:1:q');
      expect(make({ existingShadowQueue: queue, shadowQueueProps: {} })).toThrow(/either existingShadowQueue or shadowQueueProps/);
      expect(make({ existingDeadLetterQueue: queue, deadLetterQueueProps: {} })).toThrow(/either existingDeadLetterQueue or deadLetterQueueProps/);
      expect(make({ existingStateMachineLogGroup: logs.LogGroup.fromLogGroupName(stack, 'L', 'l'), stateMachineLogGroupProps: {} })).toThrow(
        /either existingStateMachineLogGroup or stateMachineLogGroupProps/,
      );
    });

    it('alarms that could not decide within a hold window, or M above N', () => {
      expect(make({ windowPeriod: Duration.minutes(10), evaluationPeriods: 5 })).toThrow(/evaluationPeriods × windowPeriod \(50 minutes\) must fit in the holdWindow \(45 minutes\)/);
      expect(make({ datapointsToAlarm: 6 })).toThrow(/datapointsToAlarm must be an integer from 1 to evaluationPeriods \(5\), got 6/);
      expect(make({ windowPeriod: Duration.seconds(90) })).toThrow(/windowPeriod must be whole minutes/);
    });

    it('nonsense shares, thresholds, windows and names', () => {
      expect(make({ shadowFraction: 1.5 })).toThrow(/shadowFraction must be from 0 to 1/);
      expect(make({ winRateFloor: 1 })).toThrow(/winRateFloor must be between 0 and 1/);
      expect(make({ winRateAlpha: 0 })).toThrow(/winRateAlpha must be between 0 and 1/);
      expect(make({ rubricDropPoints: 0 })).toThrow(/rubricDropPoints must be above 0/);
      expect(make({ holdWindows: 3, maxHoldWindows: 2 })).toThrow(/maxHoldWindows must be an integer from holdWindows \(3\) to 24, got 2/);
      expect(make({ rubrics: [] })).toThrow(/rubrics must name at least one rubric/);
      expect(make({ rubrics: [{ name: 'a b', check: { rubric: 'refusal-detection' } }] })).toThrow(/rubric "a b" must be letters, digits/);
      expect(make({ rubrics: ['helpfulness'] })).toThrow(/rubric "helpfulness": unknown rubric "helpfulness" \(a plain name must be a rubric id/);
      expect(make({ rubrics: [{ name: 'tone', check: { rubric: 'no-such-rubric' } }] })).toThrow(/rubric "tone": unknown rubric/);
      expect(make({ rubrics: ['refusal-detection', { name: 'refusal-detection', check: { rubric: 'judge:task-completion' } }] })).toThrow(/rubrics must be distinct/);
      expect(make({ alarmNamePrefix: 'canary-' })).toThrow(/alarmNamePrefix must start with 'finegate-canary-'/);
      expect(make({ alarmNamePrefix: 'finegate-canary-x' })).toThrow(/alarmNamePrefix must start with 'finegate-canary-', end with '-'/);
      expect(make({ scorerBatchSize: 11 })).toThrow(/scorerBatchSize must be an integer from 1 to 10/);
      expect(make({ currentModel: 'gpt-4o' })).toThrow(/currentModel is not a model reference/);
    });
  });
});

describe('Canary and cdk-nag', () => {
  const findings = (app: App) => {
    app.synth();
    return new AwsSolutionsChecks(app).validateScope(app).violations.map((v) => v.ruleName);
  };

  it('reports no unacknowledged finding', () => {
    expect(findings(build().app)).toEqual([]);
  });

  it('stays clean with Bedrock models, the foundation model of a cross-region profile included', () => {
    expect(
      findings(
        build({
          bedrockModelArns: [
            'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0',
            'arn:aws:bedrock:*::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0',
          ],
        }).app,
      ),
    ).toEqual([]);
  });

  it('acknowledges the exact wildcards it writes, not new ones', () => {
    const built = build();
    const router = built.canary.functions.router;
    // The rollback and the rollout step may read the router's versions; the scorer may not.
    built.canary.functions.scorer.addToRolePolicy(new iam.PolicyStatement({ actions: ['lambda:GetFunctionConfiguration'], resources: [`${router.functionArn}:*`] }));
    expect(findings(built.app)).toEqual([`AwsSolutions-IAM5[Resource::<${built.id(router)}.Arn>:*]`]);
  });
});
