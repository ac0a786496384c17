import { createHash } from 'node:crypto';
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import { unbundledApp } from '../../infra/synthesize-template';
import { LAMBDA_SERVICE_ERRORS } from '../../state-machines/checkpoint-gate';
import {
  buildCanaryRolloutDefinition,
  buildCanaryStartDefinition,
  CANARY_ROLLOUT_STATES as S,
  CANARY_START_STATES as START,
  canaryExecutionName,
  EXECUTION_ALREADY_EXISTS,
  putMetricAlarmParameters,
  type CanaryRolloutDefinitionProps,
  type RolloutSettings,
  type VersionAlarm,
} from '../../state-machines/canary-rollout';

/*
 * The synthesized definitions, with each function ARN written as `fn:<logical id>` and each other reference as
 * `{<logical id>}`, so that tasks can be checked against what they call. `runnable` is the same text with real-looking
 * ARNs, as the ASL interpreter validates them.
 */

type State = Record<string, any>;
type Definition = { StartAt: string; States: Record<string, State> } & Record<string, any>;

const ROUTER = 'canary-router';
const VERSION_ALARMS: VersionAlarm[] = [
  { alarmName: 'finegate-canary-candidate-error-rate', description: 'errors', kind: 'errorRate', threshold: 0.05, periodSeconds: 300, evaluationPeriods: 5, datapointsToAlarm: 3 },
  { alarmName: 'finegate-canary-candidate-p99-latency', description: 'latency', kind: 'p99Latency', threshold: 30_000, periodSeconds: 300, evaluationPeriods: 5, datapointsToAlarm: 3 },
];
const ALARM_NAMES = ['finegate-canary-rubric-helpfulness-drop', 'finegate-canary-shadow-win-rate', 'finegate-canary-win-rate-sequential', ...VERSION_ALARMS.map((a) => a.alarmName)];
const SETTINGS: RolloutSettings = { trafficPercent: 10, holdSeconds: 2700, holdWindows: 1, maxHoldWindows: 4 };

interface Synthesized {
  rollout: Definition;
  start: Definition;
  runnableRollout: Definition;
  runnableStart: Definition;
  stepId: string;
  rolloutId: string;
  machines: Record<string, any>;
}

function synthesize(overrides: Partial<CanaryRolloutDefinitionProps> = {}): Synthesized {
  const stack = new Stack(unbundledApp(), 'Test');
  const step = new lambda.Function(stack, 'StepFn', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('//'),
    timeout: Duration.minutes(2),
  });
  const rollout = new sfn.StateMachine(stack, 'Rollout', {
    queryLanguage: sfn.QueryLanguage.JSON_PATH,
    definitionBody: sfn.DefinitionBody.fromChainable(
      buildCanaryRolloutDefinition(stack, { step, routerFunctionName: ROUTER, aliasName: 'live', alarmNames: ALARM_NAMES, versionAlarms: VERSION_ALARMS, ...overrides }),
    ),
  });
  new sfn.StateMachine(stack, 'Start', {
    stateMachineType: sfn.StateMachineType.EXPRESS,
    queryLanguage: sfn.QueryLanguage.JSON_PATH,
    definitionBody: sfn.DefinitionBody.fromChainable(buildCanaryStartDefinition(stack, { rollout, settings: SETTINGS })),
  });
  const json = Template.fromStack(stack).toJSON();
  const machines = Object.fromEntries(Object.entries(json.Resources as Record<string, any>).filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine'));
  const stepId = stack.getLogicalId(step.node.defaultChild as lambda.CfnFunction);
  const rolloutId = stack.getLogicalId(rollout.node.defaultChild as sfn.CfnStateMachine);
  const text = (id: string, arn: (ref: string, getAtt: boolean) => string) =>
    (machines[id].Properties.DefinitionString['Fn::Join'][1] as unknown[])
      .map((p) => {
        if (typeof p === 'string') return p;
        const part = p as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
        return part.Ref ? arn(part.Ref, false) : arn(part['Fn::GetAtt']![0], true);
      })
      .join('');
  const readable = (ref: string, getAtt: boolean) => (getAtt ? `fn:${ref}` : `{${ref}}`);
  const real = (ref: string, getAtt: boolean) =>
    ref === 'AWS::Partition' ? 'aws' : getAtt ? `arn:aws:lambda:us-east-1:123456789012:function:${ref}` : `arn:aws:states:us-east-1:123456789012:stateMachine:${ref}`;
  const startId = Object.keys(machines).find((id) => id !== rolloutId)!;
  return {
    rollout: JSON.parse(text(rolloutId, readable)),
    start: JSON.parse(text(startId, readable)),
    runnableRollout: JSON.parse(text(rolloutId, real)),
    runnableStart: JSON.parse(text(startId, real)),
    stepId,
    rolloutId,
    machines,
  };
}

/** The states a state may go to next: Next, a Choice's rules and Default, and its catchers. */
function successors(state: State): string[] {
  return [state.Next, ...(state.Choices ?? []).map((c: State) => c.Next), state.Default, ...(state.Catch ?? []).map((c: State) => c.Next)].filter(
    (n): n is string => typeof n === 'string',
  );
}

function reachable(machine: Definition, from: string): Set<string> {
  const seen = new Set<string>();
  const queue = [from];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    queue.push(...successors(machine.States[name]!));
  }
  return seen;
}

const EXECUTION = { 'name.$': '$$.Execution.Name', 'arn.$': '$$.Execution.Id' };
const STEP_TASKS = [S.publish, S.weight, S.check, S.promote, S.rollback, S.rollbackOnError];

let built: Synthesized;
let states: Record<string, State>;

beforeAll(() => {
  built = synthesize();
  states = built.rollout.States;
});

describe('canary-rollout definition', () => {
  it('has the rollout states and nothing else, starting at Publish', () => {
    expect(built.rollout.StartAt).toBe(S.publish);
    expect(Object.keys(states).sort()).toEqual(Object.values(S).sort());
  });

  it('publishes, points the version alarms at the candidate, weights, then holds and checks', () => {
    expect(states[S.publish]!.Next).toBe(S.watchErrorRate);
    expect(states[S.watchErrorRate]!.Next).toBe(S.watchLatency);
    expect(states[S.watchLatency]!.Next).toBe(S.weight);
    expect(states[S.weight]!.Next).toBe(S.startHold);
    expect(states[S.startHold]).toMatchObject({ Type: 'Pass', Result: { count: 0 }, ResultPath: '$.window', Next: S.hold });
    expect(states[S.hold]).toMatchObject({ Type: 'Wait', SecondsPath: '$.rollout.holdSeconds', Next: S.countWindow });
    expect(states[S.hold]!.Seconds).toBeUndefined();
    expect(states[S.countWindow]).toMatchObject({
      Type: 'Pass',
      Parameters: { 'count.$': 'States.MathAdd($.window.count, 1)' },
      ResultPath: '$.window',
      Next: S.check,
    });
    expect(states[S.check]!.Next).toBe(S.decide);
  });

  it('decides: no action or rollback rolls back, promote promotes, hold loops only under maxHoldWindows', () => {
    expect(states[S.decide]).toEqual({
      Type: 'Choice',
      Comment: expect.any(String),
      Choices: [
        { Not: { Variable: '$.decision.action', IsPresent: true }, Next: S.rollback },
        { Variable: '$.decision.action', StringEquals: 'promote', Next: S.promote },
        {
          And: [
            { Variable: '$.decision.action', StringEquals: 'hold' },
            { Variable: '$.window.count', NumericLessThanPath: '$.rollout.maxHoldWindows' },
          ],
          Next: S.hold,
        },
      ],
      Default: S.rollback,
    });
    expect(states[S.promote]!.Next).toBe(S.promoted);
    expect(states[S.rollback]!.Next).toBe(S.rolledBack);
    expect(states[S.promoted]).toMatchObject({ Type: 'Succeed' });
    expect(states[S.rolledBack]).toMatchObject({ Type: 'Succeed' });
    expect(states[S.rollbackOnError]!.Next).toBe(S.rolloutFailed);
    expect(states[S.rolloutFailed]).toMatchObject({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
  });

  it('reaches every state, and loops only through the hold window', () => {
    for (const [name, state] of Object.entries(states)) {
      for (const next of successors(state)) expect(states[next], `${name} → ${next}`).toBeDefined();
    }
    expect([...reachable(built.rollout, built.rollout.StartAt)].sort()).toEqual(Object.keys(states).sort());
    const cyclic = Object.entries(states).flatMap(([name, state]) =>
      successors(state).filter((next) => reachable(built.rollout, next).has(name)).map((next) => `${name} → ${next}`),
    );
    expect(cyclic.sort()).toEqual([`${S.hold} → ${S.countWindow}`, `${S.countWindow} → ${S.check}`, `${S.check} → ${S.decide}`, `${S.decide} → ${S.hold}`].sort());
    const ends = Object.entries(states).filter(([, s]) => s.End === true || s.Type === 'Fail' || s.Type === 'Succeed').map(([n]) => n);
    expect(ends.sort()).toEqual([S.promoted, S.rolledBack, S.rolloutFailed].sort());
  });

  it('calls the rollout-step function directly from every step task, a minute past its timeout', () => {
    const tasks = Object.entries(states).filter(([, s]) => s.Type === 'Task');
    const lambdaTasks = tasks.filter(([, s]) => String(s.Resource).startsWith('fn:'));
    expect(lambdaTasks.map(([n]) => n).sort()).toEqual([...STEP_TASKS].sort());
    for (const [name, task] of lambdaTasks) {
      expect(task.Resource, name).toBe(`fn:${built.stepId}`);
      expect(task.TimeoutSeconds, name).toBe(180);
    }
  });

  it('gives each step its action, the Gate Verdict and the execution, and keeps each result beside the input', () => {
    const base = { 'gateVerdict.$': '$.gateVerdict', execution: EXECUTION };
    expect(states[S.publish]!.Parameters).toEqual({ action: 'publish', ...base });
    expect(states[S.publish]!.ResultPath).toBe('$.published');
    expect(states[S.weight]!.Parameters).toEqual({ action: 'weight', ...base, 'published.$': '$.published', 'trafficPercent.$': '$.rollout.trafficPercent' });
    expect(states[S.weight]!.ResultPath).toBe('$.weighted');
    expect(states[S.check]!.Parameters).toEqual({
      action: 'check',
      ...base,
      'published.$': '$.published',
      'elapsedWindows.$': '$.window.count',
      'holdWindows.$': '$.rollout.holdWindows',
      'maxHoldWindows.$': '$.rollout.maxHoldWindows',
      alarmNames: ALARM_NAMES,
    });
    expect(states[S.check]!.ResultPath).toBe('$.decision');
    expect(states[S.promote]!.Parameters).toEqual({ action: 'promote', ...base, 'published.$': '$.published', 'decision.$': '$.decision' });
    expect(states[S.promote]!.ResultPath).toBe('$.promoted');
    expect(states[S.rollback]!.Parameters).toEqual({
      action: 'rollback',
      ...base,
      'published.$': '$.published',
      'decision.$': '$.decision',
      'elapsedWindows.$': '$.window.count',
    });
    expect(states[S.rollback]!.ResultPath).toBe('$.rolledBack');
    expect(states[S.rollbackOnError]!.Parameters).toEqual({ action: 'rollback', ...base, 'state.$': '$', 'error.$': '$.error' });
    // The failure path keeps the state, error included, for the Fail state that follows.
    expect(states[S.rollbackOnError]!.ResultPath).toBeNull();
  });

  it('rolls back on any error of any step but the error path itself, keeping the state beside the error', () => {
    const caught = Object.fromEntries(Object.entries(states).filter(([, s]) => s.Catch !== undefined).map(([name, s]) => [name, s.Catch]));
    const toRollback = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: S.rollbackOnError }];
    expect(caught).toEqual(Object.fromEntries([S.publish, S.watchErrorRate, S.watchLatency, S.weight, S.check, S.promote, S.rollback].map((n) => [n, toRollback])));
  });

  it('retries Lambda service errors with jittered backoff on step tasks, and failed CloudWatch calls three times', () => {
    for (const name of STEP_TASKS) {
      expect(states[name]!.Retry, name).toEqual([
        { ErrorEquals: [...LAMBDA_SERVICE_ERRORS], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' },
      ]);
    }
    for (const name of [S.watchErrorRate, S.watchLatency]) {
      expect(states[name]!.Retry, name).toEqual([{ ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: 'FULL' }]);
    }
  });

  it('writes the error-rate alarm on the candidate version: Errors / Invocations of the live alias, M of N, missing not breaching', () => {
    const watch = states[S.watchErrorRate]!;
    expect(watch.Resource).toBe('arn:{AWS::Partition}:states:::aws-sdk:cloudwatch:putMetricAlarm');
    expect(watch.ResultPath).toBeNull();
    const dims = [
      { Name: 'FunctionName', Value: ROUTER },
      { Name: 'Resource', Value: `${ROUTER}:live` },
      { Name: 'ExecutedVersion', 'Value.$': '$.published.candidateVersion' },
    ];
    const stat = (MetricName: string) => ({ Metric: { Namespace: 'AWS/Lambda', MetricName, Dimensions: dims }, Period: 300, Stat: 'Sum' });
    expect(watch.Parameters).toEqual({
      AlarmName: 'finegate-canary-candidate-error-rate',
      AlarmDescription: 'errors',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 0.05,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
      Metrics: [
        { Id: 'errors', MetricStat: stat('Errors'), ReturnData: false },
        { Id: 'invocations', MetricStat: stat('Invocations'), ReturnData: false },
        { Id: 'errorRate', Expression: 'FILL(errors, 0) / invocations', Label: 'Error rate of the candidate version', ReturnData: true },
      ],
    });
  });

  it('writes the latency alarm on the candidate version: the p99 of Duration on the live alias', () => {
    expect(states[S.watchLatency]!.Parameters).toEqual({
      AlarmName: 'finegate-canary-candidate-p99-latency',
      AlarmDescription: 'latency',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 30_000,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
      Namespace: 'AWS/Lambda',
      MetricName: 'Duration',
      Dimensions: [
        { Name: 'FunctionName', Value: ROUTER },
        { Name: 'Resource', Value: `${ROUTER}:live` },
        { Name: 'ExecutedVersion', 'Value.$': '$.published.candidateVersion' },
      ],
      ExtendedStatistic: 'p99',
      Period: 300,
      Unit: 'Milliseconds',
    });
    expect(putMetricAlarmParameters(VERSION_ALARMS[1]!, ROUTER, 'live')).toEqual(states[S.watchLatency]!.Parameters);
  });

  it('is JSONPath only, with no execution timeout (every loop is bounded and every task times out)', () => {
    expect(built.rollout.QueryLanguage).toBe('JSONPath');
    expect(built.rollout.TimeoutSeconds).toBeUndefined();
    const text = JSON.stringify(built.rollout);
    expect(text).not.toContain('{%');
    for (const [name, state] of Object.entries(states)) {
      expect(state.QueryLanguage, name).toBeUndefined();
      for (const jsonataField of ['Arguments', 'Output', 'Assign', 'Items', 'Condition']) expect(state[jsonataField], `${name}.${jsonataField}`).toBeUndefined();
    }
  });

  it('refuses version alarms that are not one error-rate and one latency alarm, or that the check would not read', () => {
    expect(() => synthesize({ versionAlarms: [VERSION_ALARMS[0]!] })).toThrow(/exactly one errorRate and one p99Latency/);
    expect(() => synthesize({ versionAlarms: [VERSION_ALARMS[0]!, VERSION_ALARMS[0]!] })).toThrow(/exactly one errorRate and one p99Latency/);
    expect(() => synthesize({ alarmNames: ALARM_NAMES.slice(0, 3) })).toThrow(/must read the version alarm finegate-canary-candidate-error-rate/);
  });
});

describe('canary-start definition', () => {
  it('starts the rollout (request-response) under a name hashed from runId and checkpoint, with the verdict and the settings', () => {
    expect(built.start.StartAt).toBe(START.startRollout);
    expect(Object.keys(built.start.States).sort()).toEqual(Object.values(START).sort());
    const start = built.start.States[START.startRollout]!;
    expect(start.Resource).toBe('arn:{AWS::Partition}:states:::states:startExecution');
    expect(start.Parameters).toEqual({
      StateMachineArn: `{${built.rolloutId}}`,
      'Name.$': "States.Format('canary-{}', States.Hash(States.JsonToString(States.Array($.detail.runId, $.detail.checkpoint)), 'SHA-256'))",
      Input: { 'gateVerdict.$': '$.detail', rollout: SETTINGS },
    });
    expect(start.End).toBe(true);
  });

  it('treats a name already used as a duplicate: never retried, ended as a success; retries anything else', () => {
    const start = built.start.States[START.startRollout]!;
    expect(start.Retry).toEqual([
      { ErrorEquals: [EXECUTION_ALREADY_EXISTS], MaxAttempts: 0 },
      { ErrorEquals: ['States.ALL'], IntervalSeconds: 2, MaxAttempts: 5, BackoffRate: 2, JitterStrategy: 'FULL' },
    ]);
    expect(start.Catch).toEqual([{ ErrorEquals: [EXECUTION_ALREADY_EXISTS], Next: START.alreadyStarted }]);
    expect(built.start.States[START.alreadyStarted]).toMatchObject({ Type: 'Succeed' });
  });

  it('names executions canary-<sha256 of ["runId","checkpoint"]>, distinct where a dash-joined name would not be', () => {
    const name = canaryExecutionName('run-1', 'step-100');
    expect(name).toBe(`canary-${createHash('sha256').update('["run-1","step-100"]').digest('hex')}`);
    expect(name).toMatch(/^canary-[0-9a-f]{64}$/);
    expect(name.length).toBeLessThanOrEqual(80);
    expect(canaryExecutionName('a-b', 'c')).not.toBe(canaryExecutionName('a', 'b-c'));
  });
});

/*
 * The definitions run in the ASL interpreter, each task answered by a local handler that records what it received:
 * the transitions, the hold loop and the payloads as an execution sees them.
 */
describe('canary-rollout executions', () => {
  const VERDICT = { runId: 'run-1', checkpoint: 'step-100', stage: 'arena', verdict: 'PASS', promote: true, candidateModel: 'local:echo', baseModel: 'local:base' };
  const PUBLISHED = { currentVersion: '7', candidateVersion: '8' };
  const EXECUTION_ARN = 'arn:aws:states:us-east-1:123456789012:execution:rollout:canary-x';

  type Call = { state: string; input: any };
  type Handler = (input: any, calls: Call[]) => unknown;

  class TaskFailure extends Error {
    constructor(name: string, message: string) {
      super(message);
      this.name = name;
    }
  }

  async function execute(
    handlers: Partial<Record<string, Handler>>,
    settings: Partial<RolloutSettings> = {},
  ): Promise<{ calls: Call[]; status: 'SUCCEEDED' | 'FAILED'; output?: any; error?: Error }> {
    const calls: Call[] = [];
    const defaults: Partial<Record<string, Handler>> = {
      [S.publish]: () => PUBLISHED,
      [S.watchErrorRate]: () => ({}),
      [S.watchLatency]: () => ({}),
      [S.weight]: (input) => ({ weights: { [input.published.candidateVersion]: input.trafficPercent / 100 } }),
      [S.promote]: () => ({ verdict: 'PASS' }),
      [S.rollback]: () => ({ verdict: 'FAIL' }),
      [S.rollbackOnError]: () => ({ verdict: 'INCONCLUSIVE' }),
    };
    const tasks = Object.entries(built.runnableRollout.States).filter(([, s]) => s.Type === 'Task').map(([name]) => name);
    const local = Object.fromEntries(
      tasks.map((name) => [
        name,
        async (input: any) => {
          calls.push({ state: name, input });
          const handler = handlers[name] ?? defaults[name];
          if (!handler) throw new TaskFailure('Unexpected', `no handler for ${name}`);
          return (await handler(input, calls)) as never;
        },
      ]),
    );
    const input = { gateVerdict: VERDICT, rollout: { ...SETTINGS, ...settings } };
    const machine = new StateMachine(built.runnableRollout as unknown as StateMachineDefinition);
    const execution = machine.run(input, {
      overrides: { taskResourceLocalHandlers: local, waitTimeOverrides: { [S.hold]: 0 }, retryIntervalOverrides: { [S.watchErrorRate]: 0, [S.watchLatency]: 0 } },
      context: { Execution: { Id: EXECUTION_ARN, Name: 'canary-x', Input: input } as never },
    });
    try {
      return { calls, status: 'SUCCEEDED', output: await execution.result };
    } catch (error) {
      if (!(error instanceof ExecutionError)) throw error;
      return { calls, status: 'FAILED', error: error.cause as Error };
    }
  }

  const names = (calls: Call[]) => calls.map((c) => c.state);
  const decision = (action: string) => ({ action, reasons: [`${action} because`] });
  const execution = { name: 'canary-x', arn: EXECUTION_ARN };

  it('publishes, points both alarms at the candidate version, weights, holds one window and promotes', async () => {
    const run = await execute({ [S.check]: () => decision('promote') });
    expect(run.status).toBe('SUCCEEDED');
    expect(names(run.calls)).toEqual([S.publish, S.watchErrorRate, S.watchLatency, S.weight, S.check, S.promote]);
    // The alarms name the version just published.
    const errorAlarm = run.calls.find((c) => c.state === S.watchErrorRate)!.input;
    expect(errorAlarm.Metrics[0].MetricStat.Metric.Dimensions).toEqual([
      { Name: 'FunctionName', Value: ROUTER },
      { Name: 'Resource', Value: `${ROUTER}:live` },
      { Name: 'ExecutedVersion', Value: '8' },
    ]);
    expect(run.calls.find((c) => c.state === S.watchLatency)!.input.Dimensions[2]).toEqual({ Name: 'ExecutedVersion', Value: '8' });
    expect(run.calls.find((c) => c.state === S.weight)!.input).toEqual({ action: 'weight', gateVerdict: VERDICT, published: PUBLISHED, trafficPercent: 10, execution });
    expect(run.calls.find((c) => c.state === S.check)!.input).toEqual({
      action: 'check',
      gateVerdict: VERDICT,
      published: PUBLISHED,
      elapsedWindows: 1,
      holdWindows: 1,
      maxHoldWindows: 4,
      alarmNames: ALARM_NAMES,
      execution,
    });
    expect(run.calls.find((c) => c.state === S.promote)!.input).toEqual({ action: 'promote', gateVerdict: VERDICT, published: PUBLISHED, decision: decision('promote'), execution });
    expect(run.output).toMatchObject({ published: PUBLISHED, window: { count: 1 }, decision: decision('promote'), promoted: { verdict: 'PASS' } });
  });

  it('holds window after window, counting them, until the check promotes', async () => {
    const run = await execute({ [S.check]: (input) => decision(input.elapsedWindows < input.holdWindows ? 'hold' : 'promote') }, { holdWindows: 3 });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.calls.filter((c) => c.state === S.check).map((c) => c.input.elapsedWindows)).toEqual([1, 2, 3]);
    expect(names(run.calls).slice(-1)).toEqual([S.promote]);
    expect(run.output.window).toEqual({ count: 3 });
  });

  it('rolls back a check that still holds after maxHoldWindows windows', async () => {
    const run = await execute({ [S.check]: () => decision('hold') }, { maxHoldWindows: 2 });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.calls.filter((c) => c.state === S.check)).toHaveLength(2);
    expect(names(run.calls).slice(-1)).toEqual([S.rollback]);
    expect(run.calls.find((c) => c.state === S.rollback)!.input).toEqual({
      action: 'rollback',
      gateVerdict: VERDICT,
      published: PUBLISHED,
      decision: decision('hold'),
      elapsedWindows: 2,
      execution,
    });
    expect(run.output.rolledBack).toEqual({ verdict: 'FAIL' });
  });

  it('rolls back on a rollback decision, and on a decision with no action', async () => {
    const decided = await execute({ [S.check]: () => decision('rollback') });
    expect(names(decided.calls)).toEqual([S.publish, S.watchErrorRate, S.watchLatency, S.weight, S.check, S.rollback]);
    expect(decided.status).toBe('SUCCEEDED');
    const silent = await execute({ [S.check]: () => ({ reasons: [] }) });
    expect(names(silent.calls).slice(-1)).toEqual([S.rollback]);
    expect(silent.status).toBe('SUCCEEDED');
    const unknown = await execute({ [S.check]: () => decision('wait') });
    expect(names(unknown.calls).slice(-1)).toEqual([S.rollback]);
  });

  it('rolls back through RollbackOnError when a step fails, with the state so far, then fails with the original error', async () => {
    const run = await execute({
      [S.check]: () => {
        throw new TaskFailure('CheckError', 'no metrics');
      },
    });
    expect(run.status).toBe('FAILED');
    expect(run.error).toMatchObject({ name: 'CheckError', message: 'no metrics' });
    expect(names(run.calls).slice(-2)).toEqual([S.check, S.rollbackOnError]);
    const rollback = run.calls.find((c) => c.state === S.rollbackOnError)!.input;
    expect(rollback).toMatchObject({ action: 'rollback', gateVerdict: VERDICT, error: { Error: 'CheckError', Cause: 'no metrics' }, execution });
    // Whatever was published reaches the rollback, so it knows which version to drop.
    expect(rollback.state).toMatchObject({ published: PUBLISHED, window: { count: 1 } });
  });

  it('rolls back before any traffic when a version alarm cannot be written', async () => {
    const run = await execute({
      [S.watchLatency]: () => {
        throw new TaskFailure('CloudWatch.LimitExceededException', 'too many alarms');
      },
    });
    expect(run.status).toBe('FAILED');
    // Tried once and retried three times.
    expect(run.calls.filter((c) => c.state === S.watchLatency)).toHaveLength(4);
    expect(names(run.calls)).not.toContain(S.weight);
    expect(names(run.calls).slice(-1)).toEqual([S.rollbackOnError]);
  });

  it('rolls back through RollbackOnError when the promotion itself fails', async () => {
    const run = await execute({
      [S.check]: () => decision('promote'),
      [S.promote]: () => {
        throw new TaskFailure('PromoteError', 'alias update refused');
      },
    });
    expect(run.status).toBe('FAILED');
    expect(names(run.calls).slice(-2)).toEqual([S.promote, S.rollbackOnError]);
  });
});

describe('canary-start executions', () => {
  const EVENT = {
    version: '0',
    id: 'e-1',
    'detail-type': 'Gate Verdict',
    source: 'finegate.gate',
    detail: { runId: 'support-bot-7', checkpoint: 'checkpoint-1200', stage: 'arena', verdict: 'PASS', promote: true, candidateModel: 'local:echo' },
  };

  async function start(handler: (input: any) => unknown): Promise<{ inputs: any[]; output?: any; error?: Error }> {
    const inputs: any[] = [];
    const machine = new StateMachine(built.runnableStart as unknown as StateMachineDefinition);
    const execution = machine.run(EVENT, {
      overrides: {
        taskResourceLocalHandlers: {
          [START.startRollout]: async (input: any) => {
            inputs.push(input);
            return (await handler(input)) as never;
          },
        },
        retryIntervalOverrides: { [START.startRollout]: 0 },
      },
    });
    try {
      return { inputs, output: await execution.result };
    } catch (error) {
      if (!(error instanceof ExecutionError)) throw error;
      return { inputs, error: error.cause as Error };
    }
  }

  it('names the execution exactly as canaryExecutionName does, and passes the verdict and the settings', async () => {
    const run = await start(() => ({ ExecutionArn: 'arn:x', StartDate: 'now' }));
    expect(run.inputs).toEqual([
      {
        StateMachineArn: `arn:aws:states:us-east-1:123456789012:stateMachine:${built.rolloutId}`,
        Name: canaryExecutionName('support-bot-7', 'checkpoint-1200'),
        Input: { gateVerdict: EVENT.detail, rollout: SETTINGS },
      },
    ]);
  });

  it('ends successfully, without retrying, when the name was already used', async () => {
    const run = await start(() => {
      const error = new Error('Execution already exists');
      error.name = EXECUTION_ALREADY_EXISTS;
      throw error;
    });
    expect(run.error).toBeUndefined();
    expect(run.inputs).toHaveLength(1);
  });

  it('retries any other failure five times, then fails', async () => {
    const run = await start(() => {
      const error = new Error('throttled');
      error.name = 'StepFunctions.SfnException';
      throw error;
    });
    expect(run.inputs).toHaveLength(6);
    expect(run.error).toMatchObject({ name: 'StepFunctions.SfnException' });
  });
});
