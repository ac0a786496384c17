import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
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
 * that tasks can be checked against the function they call.
 */

type State = Record<string, any>;

function synthesize(options: Partial<CheckpointGateDefinitionProps> = {}): { definition: Record<string, any>; ids: Record<string, string> } {
  const stack = new Stack(unbundledApp(), 'Test');
  const fn = (id: string, timeout?: Duration) =>
    new lambda.Function(stack, id, { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('//'), timeout });
  const functions = {
    loadRun: fn('LoadRunFn', Duration.minutes(2)),
    scoreBatch: fn('ScoreBatchFn', Duration.minutes(15)),
    decide: fn('DecideFn', Duration.minutes(5)),
    record: fn('RecordFn', Duration.minutes(1)),
  };
  new sfn.StateMachine(stack, 'Gate', {
    queryLanguage: sfn.QueryLanguage.JSON_PATH,
    definitionBody: sfn.DefinitionBody.fromChainable(buildCheckpointGateDefinition(stack, { ...functions, ...options })),
  });
  const json = Template.fromStack(stack).toJSON();
  const machine = Object.values(json.Resources as Record<string, any>).find((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  const parts = machine.Properties.DefinitionString['Fn::Join'][1] as unknown[];
  const text = parts.map((p) => (typeof p === 'string' ? p : `fn:${(p as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]}`)).join('');
  const ids = Object.fromEntries(Object.entries(functions).map(([k, f]) => [k, stack.getLogicalId(f.node.defaultChild as lambda.CfnFunction)]));
  return { definition: JSON.parse(text), ids };
}

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

let definition: Record<string, any>;
let ids: Record<string, string>;
let states: Record<string, State>;

beforeAll(() => {
  ({ definition, ids } = synthesize());
  states = allStates(definition as { States: Record<string, State> });
});

describe('checkpoint-gate definition', () => {
  it('has the states of the gate and nothing else', () => {
    expect(definition.StartAt).toBe(S.loadRun);
    expect(Object.keys(definition.States).sort()).toEqual(
      [S.loadRun, S.scoreCheckpoint, S.decide, S.record, S.recordFailure, S.gateFailed].sort(),
    );
    expect(Object.keys(states).sort()).toEqual(Object.values(S).sort());
  });

  it('chains LoadRun → ScoreCheckpoint → Decide → Record, and the failure path to a Fail state', () => {
    expect(states[S.loadRun]!.Next).toBe(S.scoreCheckpoint);
    expect(states[S.scoreCheckpoint]!.Next).toBe(S.decide);
    expect(states[S.decide]!.Next).toBe(S.record);
    expect(states[S.record]!.End).toBe(true);
    expect(states[S.recordFailure]!.Next).toBe(S.gateFailed);
    expect(states[S.gateFailed]).toMatchObject({ Type: 'Fail', ErrorPath: '$.Error', CausePath: '$.Cause' });
  });

  it('calls each function directly, so a task outputs the function payload itself', () => {
    const expected: Record<string, string> = {
      [S.loadRun]: ids.loadRun!,
      [S.scoreHeldoutBatch]: ids.scoreBatch!,
      [S.scoreDriftBatch]: ids.scoreBatch!,
      [S.decide]: ids.decide!,
      [S.record]: ids.record!,
      [S.recordFailure]: ids.record!,
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

  it('takes MaxConcurrency as an option and refuses nonsense', () => {
    const { definition: custom } = synthesize({ maxConcurrency: 3 });
    const maps = Object.values(allStates(custom as { States: Record<string, State> })).filter((s) => s.Type === 'Map');
    expect(maps.map((m) => m.MaxConcurrency)).toEqual([3, 3]);
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
    const execution = { 'name.$': '$$.Execution.Name', 'arn.$': '$$.Execution.Id' };
    expect(states[S.record]!.Parameters).toEqual({
      outcome: 'decided',
      'run.$': '$.loaded.run',
      'checkpoint.$': '$.loaded.checkpoint',
      'decision.$': '$.decision',
      execution,
    });
    expect(states[S.recordFailure]!.Parameters).toEqual({
      outcome: 'failed',
      'checkpointReady.$': '$$.Execution.Input',
      'error.$': '$',
      execution,
    });
    // The failure path keeps {Error, Cause} for the Fail state that follows.
    expect(states[S.recordFailure]!.ResultPath).toBeNull();
  });

  it('routes any error of the flow to RecordFailure, with the error as the state', () => {
    for (const name of [S.loadRun, S.scoreCheckpoint, S.decide, S.record]) {
      expect(states[name]!.Catch, name).toEqual([{ ErrorEquals: ['States.ALL'], Next: S.recordFailure }]);
    }
    // Inside the Maps a failure ends the Map, and so the Parallel, which catches it.
    for (const name of [S.scoreHeldoutBatch, S.scoreDriftBatch, S.recordFailure]) expect(states[name]!.Catch, name).toBeUndefined();
  });

  it('retries Lambda service errors and throttling with jittered backoff, and only those', () => {
    const tasks = Object.entries(states).filter(([, s]) => s.Type === 'Task');
    expect(tasks).toHaveLength(6);
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
    expect(states[S.loadRun]!.TimeoutSeconds).toBe(180);
    expect(states[S.scoreHeldoutBatch]!.TimeoutSeconds).toBe(960);
    expect(states[S.decide]!.TimeoutSeconds).toBe(360);
    expect(states[S.record]!.TimeoutSeconds).toBe(120);
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
