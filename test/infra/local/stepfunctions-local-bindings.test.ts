import { describe, expect, it } from 'vitest';
import { planLocalRun, UnsupportedDefinitionError } from '../../../infra/local/stepfunctions-local-bindings';

const lambda = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

const definition = {
  StartAt: 'Load',
  States: {
    Load: {
      Type: 'Task',
      Resource: lambda('load'),
      Retry: [{ ErrorEquals: ['Lambda.ServiceException'], IntervalSeconds: 2 }, { ErrorEquals: ['States.ALL'] }],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$', Next: 'Failed' }],
      ResultPath: '$',
      Next: 'Fan',
    },
    Fan: {
      Type: 'Parallel',
      Next: 'Pause',
      Branches: [
        {
          StartAt: 'Each',
          States: {
            Each: {
              Type: 'Map',
              End: true,
              ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'Score', States: { Score: { Type: 'Task', Resource: lambda('score'), TimeoutSeconds: 30, End: true } } },
            },
          },
        },
        { StartAt: 'Invoke', States: { Invoke: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: lambda('x') }, End: true } } },
      ],
    },
    Pause: { Type: 'Wait', Seconds: 3600, Next: 'Later' },
    Later: { Type: 'Wait', TimestampPath: '$.when', End: true },
    Failed: { Type: 'Fail' },
  },
};

describe('planLocalRun', () => {
  const plan = planLocalRun(definition, { scale: 0.01, maxMs: 500 });

  it('binds every Task, in branches and item processors too', () => {
    expect(plan.tasks).toEqual([
      { stateName: 'Load', resource: lambda('load') },
      { stateName: 'Score', resource: lambda('score') },
      { stateName: 'Invoke', resource: 'arn:aws:states:::lambda:invoke' },
    ]);
  });

  it('scales retry intervals and waits, within the bound', () => {
    expect(plan.retryIntervalOverrides).toEqual({ Load: [20, 10] });
    expect(plan.waitTimeOverrides).toEqual({ Pause: 500, Later: 500 });
  });

  it('writes ResultPath "$" the way the interpreter reads it, and gives tasks without a timeout none', () => {
    const load = (plan.definition.States as Record<string, any>).Load;
    expect(load.ResultPath).toBeUndefined();
    expect(load.Catch[0].ResultPath).toBeUndefined();
    expect(load.TimeoutSeconds).toBe(2_000_000);
    const score = (plan.definition.States as any).Fan.Branches[0].States.Each.ItemProcessor.States.Score;
    expect(score.TimeoutSeconds).toBe(30);
    // The source is left as it was.
    expect((definition.States.Load as Record<string, unknown>).ResultPath).toBe('$');
  });

  it.each([
    ['JSONata', { QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }, /JSONata/],
    ['a JSONata state', { StartAt: 'A', States: { A: { Type: 'Pass', QueryLanguage: 'JSONata', End: true } } }, /state "A" uses JSONata/],
    [
      'a name used twice',
      {
        StartAt: 'P',
        States: { P: { Type: 'Parallel', End: true, Branches: [{ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }] } },
      },
      /"P" is used more than once/,
    ],
    [
      'a distributed map',
      { StartAt: 'M', States: { M: { Type: 'Map', End: true, ItemReader: {}, ItemProcessor: { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } } } } },
      /distributed map/,
    ],
    [
      'a map in DISTRIBUTED mode',
      { StartAt: 'M', States: { M: { Type: 'Map', End: true, ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED' }, StartAt: 'A', States: { A: { Type: 'Pass', End: true } } } } } },
      /only INLINE/,
    ],
  ])('refuses %s', (_what, source, message) => {
    expect(() => planLocalRun(source as Record<string, unknown>)).toThrow(UnsupportedDefinitionError);
    expect(() => planLocalRun(source as Record<string, unknown>)).toThrow(message);
  });
});
