import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import { unbundledApp } from '../../infra/synthesize-template';
import {
  buildCheckpointGateDefinition,
  CHECKPOINT_GATE_STATES as S,
  LAMBDA_SERVICE_ERRORS,
  type CheckpointGateDefinitionProps,
} from '../../state-machines/checkpoint-gate';

/*
 * The synthesized definition, with each function ARN (a Fn::GetAtt in the template) written as `fn:<id>` so
 * that tasks can be checked against the function they call. The arena's functions are given unless a test
 * builds the gate without them.
 */

type State = Record<string, any>;
type Definition = { StartAt: string; States: Record<string, State> } & Record<string, any>;

interface Synthesized {
  definition: Definition;
  ids: Record<string, string>;
  /** The same definition with real-looking Lambda ARNs, as the interpreter validates them. */
  runnable: Definition;
}

function synthesize(options: Partial<CheckpointGateDefinitionProps> = {}, { arena = true } = {}): Synthesized {
  const stack = new Stack(unbundledApp(), 'Test');
  const fn = (id: string, timeout?: Duration) =>
    new lambda.Function(stack, id, { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('//'), timeout });
  const functions: Record<string, lambda.Function> = {
    loadRun: fn('LoadRunFn', Duration.minutes(2)),
    scoreBatch: fn('ScoreBatchFn', Duration.minutes(15)),
    decide: fn('DecideFn', Duration.minutes(5)),
    record: fn('RecordFn', Duration.minutes(1)),
    ...(arena
      ? { arenaPlan: fn('ArenaPlanFn', Duration.minutes(2)), arenaBatch: fn('ArenaBatchFn', Duration.minutes(15)), arenaDecide: fn('ArenaDecideFn', Duration.minutes(5)) }
      : {}),
  };
  new sfn.StateMachine(stack, 'Gate', {
    queryLanguage: sfn.QueryLanguage.JSON_PATH,
    definitionBody: sfn.DefinitionBody.fromChainable(
      buildCheckpointGateDefinition(stack, { ...(functions as unknown as CheckpointGateDefinitionProps), ...options }),
    ),
  });
  const json = Template.fromStack(stack).toJSON();
  const machine = Object.values(json.Resources as Record<string, any>).find((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  const parts = machine.Properties.DefinitionString['Fn::Join'][1] as unknown[];
  const text = (arn: (id: string) => string) =>
    parts.map((p) => (typeof p === 'string' ? p : arn((p as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]))).join('');
  const ids = Object.fromEntries(Object.entries(functions).map(([k, f]) => [k, stack.getLogicalId(f.node.defaultChild as lambda.CfnFunction)]));
  return {
    definition: JSON.parse(text((id) => `fn:${id}`)),
    ids,
    runnable: JSON.parse(text((id) => `arn:aws:lambda:us-east-1:123456789012:function:${id}`)),
  };
}

/** Every state, including those inside Parallel branches and Map item processors. */
/** Every state, including those inside Parallel branches and Map item processors. */
function allStates(machine: { States: Record<string, State> }): Record<string, State> {
  const out: Record<string, State> = {};
  for (const [name, state] of Object.entries(machine.States)) {
    out[name] = state;
    for (const branch of state.Branches ?? []) Object.assign(out, allStates(branch));
    if (state.ItemProcessor) Object.assign(out, allStates(state.ItemProcessor));
  }
  return out;
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

const STAGE_2_STATES = [S.loadRun, S.scoreCheckpoint, S.decide, S.record, S.recordFailure, S.gateFailed];
const ARENA_STATES = [S.promotionCandidate, S.arenaPlan, S.arenaJudge, S.arenaDecide, S.extendArena, S.arenaRecord, S.recordArenaFailure, S.arenaFailed, S.done];
const EXECUTION = { 'name.$': '$$.Execution.Name', 'arn.$': '$$.Execution.Id' };

let definition: Definition;
let ids: Record<string, string>;
let states: Record<string, State>;

beforeAll(() => {
  ({ definition, ids } = synthesize());
  states = allStates(definition);
});

describe('checkpoint-gate definition', () => {
  it('has the states of the gate and of the arena, and nothing else', () => {
    expect(definition.StartAt).toBe(S.loadRun);
    expect(Object.keys(definition.States).sort()).toEqual([...STAGE_2_STATES, ...ARENA_STATES].sort());
    expect(Object.keys(states).sort()).toEqual(Object.values(S).sort());
  });

  it('chains LoadRun → ScoreCheckpoint → Decide → Record → PromotionCandidate, and the failure path to a Fail state', () => {
    expect(states[S.loadRun]!.Next).toBe(S.scoreCheckpoint);
    expect(states[S.scoreCheckpoint]!.Next).toBe(S.decide);
    expect(states[S.decide]!.Next).toBe(S.record);
    expect(states[S.record]!.Next).toBe(S.promotionCandidate);
    expect(states[S.record]!.End).toBeUndefined();
    expect(states[S.recordFailure]!.Next).toBe(S.gateFailed);
    expect(states[S.gateFailed]).toMatchObject({ Type: 'Fail', ErrorPath: '$.Error', CausePath: '$.Cause' });
  });

  it('goes on to the arena only when the decision promotes, and otherwise succeeds', () => {
    expect(states[S.promotionCandidate]).toMatchObject({ Type: 'Choice', Default: S.done });
    expect(states[S.promotionCandidate]!.Choices).toEqual([{ Variable: '$.decision.promote', BooleanEquals: true, Next: S.arenaPlan }]);
    expect(states[S.done]).toEqual({ Type: 'Succeed' });
  });

  it('chains ArenaPlan → ArenaJudge → ArenaDecide → ExtendArena, which loops back to ArenaPlan or goes on to ArenaRecord', () => {
    expect(states[S.arenaPlan]!.Next).toBe(S.arenaJudge);
    expect(states[S.arenaJudge]!.Next).toBe(S.arenaDecide);
    expect(states[S.arenaDecide]!.Next).toBe(S.extendArena);
    expect(states[S.extendArena]).toMatchObject({ Type: 'Choice', Default: S.arenaRecord });
    expect(states[S.extendArena]!.Choices).toEqual([{ Variable: '$.arenaDecision.extend', BooleanEquals: true, Next: S.arenaPlan }]);
    expect(states[S.arenaRecord]!.End).toBe(true);
    expect(states[S.recordArenaFailure]!.Next).toBe(S.arenaFailed);
    expect(states[S.arenaFailed]).toMatchObject({ Type: 'Fail', ErrorPath: '$.Error', CausePath: '$.Cause' });
  });

  it('reaches every state, names no missing one, and loops only through the arena extension', () => {
    for (const [name, state] of Object.entries(definition.States)) {
      for (const next of successors(state)) expect(definition.States[next], `${name} → ${next}`).toBeDefined();
    }
    expect([...reachable(definition, definition.StartAt)].sort()).toEqual(Object.keys(definition.States).sort());
    // An edge lies on a cycle when its source is reachable again from its target.
    const cyclic = Object.entries(definition.States).flatMap(([name, state]) =>
      successors(state).filter((next) => reachable(definition, next).has(name)).map((next) => `${name} → ${next}`),
    );
    expect(cyclic.sort()).toEqual(
      [`${S.arenaPlan} → ${S.arenaJudge}`, `${S.arenaJudge} → ${S.arenaDecide}`, `${S.arenaDecide} → ${S.extendArena}`, `${S.extendArena} → ${S.arenaPlan}`].sort(),
    );
    // The ends: the two Fail states, Done, and ArenaRecord.
    const ends = Object.entries(definition.States).filter(([, s]) => s.End === true || s.Type === 'Fail' || s.Type === 'Succeed').map(([n]) => n);
    expect(ends.sort()).toEqual([S.gateFailed, S.arenaFailed, S.done, S.arenaRecord].sort());
  });

  it('calls each function directly, so a task outputs the function payload itself', () => {
    const expected: Record<string, string> = {
      [S.loadRun]: ids.loadRun!,
      [S.scoreHeldoutBatch]: ids.scoreBatch!,
      [S.scoreDriftBatch]: ids.scoreBatch!,
      [S.decide]: ids.decide!,
      [S.record]: ids.record!,
      [S.recordFailure]: ids.record!,
      [S.arenaPlan]: ids.arenaPlan!,
      [S.arenaJudgeBatch]: ids.arenaBatch!,
      [S.arenaDecide]: ids.arenaDecide!,
      [S.arenaRecord]: ids.record!,
      [S.recordArenaFailure]: ids.record!,
    };
    const tasks = Object.entries(states).filter(([, s]) => s.Type === 'Task');
    expect(Object.fromEntries(tasks.map(([name, s]) => [name, s.Resource]))).toEqual(
      Object.fromEntries(Object.entries(expected).map(([name, id]) => [name, `fn:${id}`])),
    );
  });

  it('passes LoadRun the whole execution input and keeps its result beside it', () => {
    expect(states[S.loadRun]!.Parameters).toBeUndefined();
    expect(states[S.loadRun]!.InputPath).toBeUndefined();
    expect(states[S.loadRun]!.ResultPath).toBe('$.loaded');
  });

  it('scores held-out and drift batches in two Maps side by side, 8 at a time', () => {
    const parallel = states[S.scoreCheckpoint]!;
    expect(parallel.Type).toBe('Parallel');
    expect(parallel.Branches).toHaveLength(2);
    expect(parallel.ResultSelector).toEqual({ 'heldout.$': '$[0]', 'drift.$': '$[1]' });
    expect(parallel.ResultPath).toBe('$.scores');

    const cases = [
      [S.scoreHeldout, '$.loaded.heldoutBatches', S.scoreHeldoutBatch],
      [S.scoreDrift, '$.loaded.driftBatches', S.scoreDriftBatch],
    ] as const;
    cases.forEach(([mapName, itemsPath, taskName], i) => {
      const branch = parallel.Branches[i];
      expect(branch.StartAt).toBe(mapName);
      expect(branch.States[mapName]).toMatchObject({
        Type: 'Map',
        End: true,
        ItemsPath: itemsPath,
        MaxConcurrency: 8,
        ItemSelector: {
          'runId.$': '$.runId',
          'checkpoint.$': '$.checkpoint',
          'candidateModel.$': '$.candidateModel',
          'batch.$': '$$.Map.Item.Value',
        },
        ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: taskName },
      });
      expect(Object.keys(branch.States[mapName].ItemProcessor.States)).toEqual([taskName]);
    });
  });

  it('takes MaxConcurrency as an option for every Map and refuses nonsense', () => {
    const { definition: custom } = synthesize({ maxConcurrency: 3 });
    const maps = Object.entries(allStates(custom)).filter(([, s]) => s.Type === 'Map');
    expect(Object.fromEntries(maps.map(([name, m]) => [name, m.MaxConcurrency]))).toEqual({ [S.scoreHeldout]: 3, [S.scoreDrift]: 3, [S.arenaJudge]: 3 });
    for (const bad of [0, -1, 1.5, 1001]) expect(() => synthesize({ maxConcurrency: bad })).toThrow(/maxConcurrency must be an integer/);
  });

  it('gives Decide the run, the checkpoint and both lists of batch results', () => {
    expect(states[S.decide]!.Parameters).toEqual({
      'run.$': '$.loaded.run',
      'checkpoint.$': '$.loaded.checkpoint',
      'heldout.$': '$.scores.heldout',
      'drift.$': '$.scores.drift',
    });
    expect(states[S.decide]!.ResultPath).toBe('$.decision');
  });

  it('gives Record a decided outcome and RecordFailure a failed one, each naming the execution', () => {
    expect(states[S.record]!.Parameters).toEqual({
      outcome: 'decided',
      'run.$': '$.loaded.run',
      'checkpoint.$': '$.loaded.checkpoint',
      'decision.$': '$.decision',
      execution: EXECUTION,
    });
    // Record keeps the decision in the state: PromotionCandidate reads it next.
    expect(states[S.record]!.ResultPath).toBe('$.recorded');
    expect(states[S.recordFailure]!.Parameters).toEqual({
      outcome: 'failed',
      'checkpointReady.$': '$$.Execution.Input',
      'error.$': '$',
      execution: EXECUTION,
    });
    // The failure path keeps {Error, Cause} for the Fail state that follows.
    expect(states[S.recordFailure]!.ResultPath).toBeNull();
  });

  it('passes ArenaPlan the whole state, so that an extension reaches it with the previous arena decision', () => {
    expect(states[S.arenaPlan]!.Parameters).toBeUndefined();
    expect(states[S.arenaPlan]!.InputPath).toBeUndefined();
    expect(states[S.arenaPlan]!.ResultPath).toBe('$.arenaPlan');
  });

  it('judges the planned arena batches in a Map, 8 at a time, each item naming the run, checkpoint and candidate', () => {
    expect(states[S.arenaJudge]).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.arenaPlan.batches',
      MaxConcurrency: 8,
      ItemSelector: {
        'runId.$': '$.loaded.run.runId',
        'checkpoint.$': '$.loaded.checkpoint.checkpoint',
        'candidateModel.$': '$.loaded.checkpoint.candidateModel',
        'batch.$': '$$.Map.Item.Value',
      },
      ResultPath: '$.arenaBatches',
      ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: S.arenaJudgeBatch },
    });
    expect(Object.keys(states[S.arenaJudge]!.ItemProcessor.States)).toEqual([S.arenaJudgeBatch]);
    expect(states[S.arenaJudgeBatch]).toMatchObject({ End: true });
    expect(states[S.arenaJudgeBatch]!.Parameters).toBeUndefined();
  });

  it('gives ArenaDecide the run, the checkpoint, the plan and the judged batches', () => {
    expect(states[S.arenaDecide]!.Parameters).toEqual({
      'run.$': '$.loaded.run',
      'checkpoint.$': '$.loaded.checkpoint',
      'plan.$': '$.arenaPlan',
      'batches.$': '$.arenaBatches',
    });
    expect(states[S.arenaDecide]!.ResultPath).toBe('$.arenaDecision');
  });

  it('gives ArenaRecord an arena outcome and RecordArenaFailure a failed one of stage arena, each naming the execution', () => {
    expect(states[S.arenaRecord]!.Parameters).toEqual({
      outcome: 'arena',
      'run.$': '$.loaded.run',
      'checkpoint.$': '$.loaded.checkpoint',
      'decision.$': '$.arenaDecision',
      execution: EXECUTION,
    });
    expect(states[S.arenaRecord]!.ResultPath).toBe('$.arenaRecorded');
    expect(states[S.recordArenaFailure]!.Parameters).toEqual({
      outcome: 'failed',
      stage: 'arena',
      'checkpointReady.$': '$$.Execution.Input',
      'error.$': '$',
      execution: EXECUTION,
    });
    expect(states[S.recordArenaFailure]!.ResultPath).toBeNull();
  });

  it('routes any error of the gate to RecordFailure and any error of the arena to RecordArenaFailure, with the error as the state', () => {
    const caught = Object.fromEntries(Object.entries(states).filter(([, s]) => s.Catch !== undefined).map(([name, s]) => [name, s.Catch]));
    const to = (next: string) => [{ ErrorEquals: ['States.ALL'], Next: next }];
    expect(caught).toEqual({
      [S.loadRun]: to(S.recordFailure),
      [S.scoreCheckpoint]: to(S.recordFailure),
      [S.decide]: to(S.recordFailure),
      [S.record]: to(S.recordFailure),
      [S.arenaPlan]: to(S.recordArenaFailure),
      [S.arenaJudge]: to(S.recordArenaFailure),
      [S.arenaDecide]: to(S.recordArenaFailure),
      [S.arenaRecord]: to(S.recordArenaFailure),
    });
    // Inside the Maps a failure ends the Map, which catches it; the failure paths themselves are not caught.
    for (const name of [S.scoreHeldoutBatch, S.scoreDriftBatch, S.arenaJudgeBatch, S.recordFailure, S.recordArenaFailure]) expect(caught[name], name).toBeUndefined();
  });

  it('retries Lambda service errors and throttling with jittered backoff, and only those', () => {
    const tasks = Object.entries(states).filter(([, s]) => s.Type === 'Task');
    expect(tasks).toHaveLength(11);
    for (const [name, task] of tasks) {
      expect(task.Retry, name).toEqual([
        {
          ErrorEquals: [...LAMBDA_SERVICE_ERRORS],
          IntervalSeconds: 2,
          MaxAttempts: 6,
          BackoffRate: 2,
          MaxDelaySeconds: 60,
          JitterStrategy: 'FULL',
        },
      ]);
    }
    expect(LAMBDA_SERVICE_ERRORS).toContain('Lambda.TooManyRequestsException');
  });

  it('times each task out a minute after its function', () => {
    const timeouts = Object.fromEntries(Object.entries(states).filter(([, s]) => s.Type === 'Task').map(([name, s]) => [name, s.TimeoutSeconds]));
    expect(timeouts).toEqual({
      [S.loadRun]: 180,
      [S.scoreHeldoutBatch]: 960,
      [S.scoreDriftBatch]: 960,
      [S.decide]: 360,
      [S.record]: 120,
      [S.recordFailure]: 120,
      [S.arenaPlan]: 180,
      [S.arenaJudgeBatch]: 960,
      [S.arenaDecide]: 360,
      [S.arenaRecord]: 120,
      [S.recordArenaFailure]: 120,
    });
  });

  it('is JSONPath only', () => {
    expect(definition.QueryLanguage).toBe('JSONPath');
    const text = JSON.stringify(definition);
    expect(text).not.toContain('{%');
    for (const [name, state] of Object.entries(states)) {
      expect(state.QueryLanguage, name).toBeUndefined();
      for (const jsonataField of ['Arguments', 'Output', 'Assign', 'Items', 'Condition']) expect(state[jsonataField], `${name}.${jsonataField}`).toBeUndefined();
    }
  });
});

describe('checkpoint-gate definition without the arena functions', () => {
  it('ends at Record', () => {
    const { definition: gateOnly } = synthesize({}, { arena: false });
    expect(Object.keys(gateOnly.States).sort()).toEqual([...STAGE_2_STATES].sort());
    expect(gateOnly.States[S.record]!.End).toBe(true);
    expect(gateOnly.States[S.record]!.Next).toBeUndefined();
    expect(JSON.stringify(gateOnly)).not.toContain('arena');
  });
});

/*
 * The definition run in the ASL interpreter, each task answered by a local handler that records what it received:
 * the transitions, the loop and the payloads as an execution sees them, not only as the template spells them.
 */
describe('checkpoint-gate executions', () => {
  const READY = { runId: 'run-1', checkpoint: 'step-100', step: 100, candidateModel: 'local:echo#family=meta', final: true, executionName: 'run-1-step-100' };
  const LOADED = {
    run: { runId: 'run-1', configHash: 'h1' },
    checkpoint: { runId: 'run-1', checkpoint: 'step-100', step: 100, candidateModel: 'local:echo#family=meta', final: true },
    heldoutBatches: [{ start: 0, count: 2 }],
    driftBatches: [{ start: 0, count: 1 }],
  };

  type Call = { state: string; input: any };
  type Handler = (input: any, calls: Call[]) => unknown;

  class TaskFailure extends Error {
    constructor(name: string, message: string) {
      super(message);
      this.name = name;
    }
  }

  async function execute(handlers: Partial<Record<string, Handler>>): Promise<{ calls: Call[]; status: 'SUCCEEDED' | 'FAILED'; output?: any; error?: Error }> {
    const { runnable } = synthesize();
    const calls: Call[] = [];
    const tasks = Object.entries(allStates(runnable)).filter(([, s]) => s.Type === 'Task').map(([name]) => name);
    const local = Object.fromEntries(
      tasks.map((name) => [
        name,
        async (input: any) => {
          calls.push({ state: name, input });
          const handler = handlers[name];
          if (!handler) throw new TaskFailure('Unexpected', `no handler for ${name}`);
          return (await handler(input, calls)) as never;
        },
      ]),
    );
    const machine = new StateMachine(runnable as unknown as StateMachineDefinition);
    const execution = machine.run(READY, {
      overrides: { taskResourceLocalHandlers: local },
      context: { Execution: { Id: 'arn:aws:states:us-east-1:123456789012:execution:gate:run-1-step-100', Name: 'run-1-step-100', Input: READY } as never },
    });
    try {
      return { calls, status: 'SUCCEEDED', output: await execution.result };
    } catch (error) {
      if (!(error instanceof ExecutionError)) throw error;
      return { calls, status: 'FAILED', error: error.cause as Error };
    }
  }

  const decision = (promote: boolean) => ({ verdict: promote ? 'PASS' : 'WARN', reasons: [], promote, reportUri: 's3://a/decision.json', scores: {}, recommendations: {} });
  const stage2 = (promote: boolean): Partial<Record<string, Handler>> => ({
    [S.loadRun]: () => LOADED,
    [S.scoreHeldoutBatch]: (input) => ({ uri: `s3://a/heldout-${input.batch.start}.jsonl` }),
    [S.scoreDriftBatch]: (input) => ({ uri: `s3://a/drift-${input.batch.start}.jsonl` }),
    [S.decide]: () => decision(promote),
    [S.record]: () => ({ verdict: promote ? 'PASS' : 'WARN', created: true }),
  });
  const plan = (n: number) => ({ n, drawn: n, available: 500, invalid: 0, seed: 7, positions: 'both', batches: [{ start: 0, count: 25, n }, { start: 25, count: n - 25, n }] });
  const arenaDecision = (extend: boolean, n: number) => ({
    verdict: extend ? 'INCONCLUSIVE' : 'PASS',
    reasons: [`${n} pairs`],
    promote: !extend,
    extend,
    ...(extend ? { nextSampleSize: n * 2 } : {}),
    reportUri: 's3://a/arena.json',
    scores: { wins: n },
  });
  const names = (calls: Call[]) => calls.map((c) => c.state);

  it('ends at Done without the arena when the decision does not promote', async () => {
    const run = await execute(stage2(false));
    expect(run.status).toBe('SUCCEEDED');
    expect(names(run.calls).filter((n) => (ARENA_STATES as string[]).includes(n) || n === S.arenaJudgeBatch)).toEqual([]);
    expect(run.output).toMatchObject({ ...READY, loaded: LOADED, decision: decision(false), recorded: { verdict: 'WARN', created: true } });
    expect(run.output.arenaPlan).toBeUndefined();
  });

  it('runs the arena after a promoting PASS, extends an INCONCLUSIVE round once, and records the final decision', async () => {
    const run = await execute({
      ...stage2(true),
      [S.arenaPlan]: (input) => plan(input.arenaDecision?.nextSampleSize ?? 40),
      [S.arenaJudgeBatch]: (input) => ({ uri: `s3://a/pairs-${input.batch.n}-${input.batch.start}.jsonl`, pairs: input.batch.count, errors: 0 }),
      [S.arenaDecide]: (input) => arenaDecision(input.plan.n === 40, input.plan.n),
      [S.arenaRecord]: () => ({ verdict: 'PASS', created: true }),
    });
    expect(run.status).toBe('SUCCEEDED');
    const arenaCalls = run.calls.filter((c) => c.state.startsWith('Arena'));
    expect(names(arenaCalls)).toEqual([
      S.arenaPlan, S.arenaJudgeBatch, S.arenaJudgeBatch, S.arenaDecide,
      S.arenaPlan, S.arenaJudgeBatch, S.arenaJudgeBatch, S.arenaDecide,
      S.arenaRecord,
    ]);
    const [firstPlan, secondPlan] = run.calls.filter((c) => c.state === S.arenaPlan);
    // The first round has no arena decision; the extension carries the one that asked for more pairs.
    expect(firstPlan!.input.arenaDecision).toBeUndefined();
    expect(firstPlan!.input).toMatchObject({ ...READY, loaded: LOADED, decision: decision(true) });
    expect(secondPlan!.input.arenaDecision).toEqual(arenaDecision(true, 40));
    const batches = run.calls.filter((c) => c.state === S.arenaJudgeBatch).map((c) => c.input);
    expect(batches.slice(2).sort((a, b) => a.batch.start - b.batch.start)).toEqual([
      { runId: 'run-1', checkpoint: 'step-100', candidateModel: 'local:echo#family=meta', batch: { start: 0, count: 25, n: 80 } },
      { runId: 'run-1', checkpoint: 'step-100', candidateModel: 'local:echo#family=meta', batch: { start: 25, count: 55, n: 80 } },
    ]);
    const decides = run.calls.filter((c) => c.state === S.arenaDecide).map((c) => c.input);
    expect(decides[1]).toEqual({
      run: LOADED.run,
      checkpoint: LOADED.checkpoint,
      plan: plan(80),
      batches: [
        { uri: 's3://a/pairs-80-0.jsonl', pairs: 25, errors: 0 },
        { uri: 's3://a/pairs-80-25.jsonl', pairs: 55, errors: 0 },
      ],
    });
    const record = run.calls.find((c) => c.state === S.arenaRecord)!;
    expect(record.input).toEqual({
      outcome: 'arena',
      run: LOADED.run,
      checkpoint: LOADED.checkpoint,
      decision: arenaDecision(false, 80),
      execution: { name: 'run-1-step-100', arn: 'arn:aws:states:us-east-1:123456789012:execution:gate:run-1-step-100' },
    });
    expect(run.calls.filter((c) => c.state === S.record).map((c) => c.input.outcome)).toEqual(['decided']);
    expect(run.output).toMatchObject({ arenaDecision: arenaDecision(false, 80), arenaRecorded: { verdict: 'PASS', created: true } });
  });

  it('records an arena failure as stage arena with the original event and error, then fails with that error', async () => {
    const run = await execute({
      ...stage2(true),
      [S.arenaPlan]: () => plan(40),
      [S.arenaJudgeBatch]: () => {
        throw new TaskFailure('JudgeError', 'the judge answered nothing');
      },
      [S.recordArenaFailure]: () => ({ verdict: 'INCONCLUSIVE', created: true }),
    });
    expect(run.status).toBe('FAILED');
    expect(run.error).toMatchObject({ name: 'JudgeError', message: 'the judge answered nothing' });
    expect(names(run.calls)).not.toContain(S.arenaDecide);
    expect(names(run.calls)).not.toContain(S.arenaRecord);
    expect(names(run.calls)).not.toContain(S.recordFailure);
    const failure = run.calls.filter((c) => c.state === S.recordArenaFailure);
    expect(failure.map((c) => c.input)).toEqual([
      {
        outcome: 'failed',
        stage: 'arena',
        checkpointReady: READY,
        error: { Error: 'JudgeError', Cause: 'the judge answered nothing' },
        execution: { name: 'run-1-step-100', arn: 'arn:aws:states:us-east-1:123456789012:execution:gate:run-1-step-100' },
      },
    ]);
  });

  it('records a failure of the gate itself through RecordFailure, not as an arena failure', async () => {
    const run = await execute({
      ...stage2(true),
      [S.decide]: () => {
        throw new TaskFailure('DecideError', 'no batch results');
      },
      [S.recordFailure]: () => ({ verdict: 'INCONCLUSIVE', created: true }),
    });
    expect(run.status).toBe('FAILED');
    expect(run.error).toMatchObject({ name: 'DecideError' });
    expect(names(run.calls).filter((n) => n === S.recordFailure || n === S.recordArenaFailure || n === S.arenaPlan)).toEqual([S.recordFailure]);
    expect(run.calls.find((c) => c.state === S.recordFailure)!.input).toMatchObject({ outcome: 'failed', checkpointReady: READY, error: { Error: 'DecideError' } });
    expect(run.calls.find((c) => c.state === S.recordFailure)!.input.stage).toBeUndefined();
  });
});

describe('arena functions', () => {
  it('must be given all three or none', async () => {
    const { App, Stack } = await import('aws-cdk-lib');
    const lambda = await import('aws-cdk-lib/aws-lambda');
    const { buildCheckpointGateDefinition } = await import('../../state-machines/checkpoint-gate');
    const stack = new Stack(new App(), 'Partial');
    const fn = (id: string) => lambda.Function.fromFunctionArn(stack, id, `arn:aws:lambda:us-east-1:111122223333:function:${id}`);
    expect(() =>
      buildCheckpointGateDefinition(stack, { loadRun: fn('l'), scoreBatch: fn('s'), decide: fn('d'), record: fn('r'), arenaPlan: fn('p') }),
    ).toThrow(/all three arena functions/);
  });
});
