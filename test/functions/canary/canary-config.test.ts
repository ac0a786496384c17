import { describe, expect, it } from 'vitest';
import { CanaryConfigError, canaryConfigHash, canaryPolicy, judgeFamilyProblem, parseCanaryConfig, winRateConfig, withJudge, type JudgedCanaryConfig } from '../../../functions/canary/canary-config';

describe('canary config', () => {
  it('fills the defaults: 5-minute periods, 6 windows held (30 min), weights 5% then 10%, a 2-point drop, floor 0.5', () => {
    const config = parseCanaryConfig('{"judgeModel": "OpenAI:gpt-4o"}');
    expect(config).toMatchObject({
      judgeModel: 'openai:gpt-4o',
      rubrics: [],
      periodSeconds: 300,
      holdWindows: 6,
      weights: [0.05, 0.1],
      rubricDrop: { window: 6, dropPoints: 2, datapointsToAlarm: 3, evaluationPeriods: 5, treatMissingData: 'missing' },
      winRate: { floor: 0.5, alpha: 0.05 },
    });
    expect(canaryPolicy(config)).toEqual({ holdWindows: 6, minDecidedPairs: 100, minRubricSamples: 30, rubrics: [] });
    expect(winRateConfig(config)).toEqual({ floor: 0.5, alpha: 0.05, priorConcentration: 100 });
  });

  it.each([
    [{ judgeModel: 'openai:gpt-4o', holdWindow: 3 }, /holdWindow: unknown|Unrecognized key.*holdWindow/],
    [{ judgeModel: 'gpt-4o' }, /judgeModel: invalid model reference/],
    [{ judgeModel: 'openai:gpt-4o', weights: [0.1, 0.05] }, /weights: weights must increase/],
    [{ judgeModel: 'openai:gpt-4o', weights: [1] }, /weights\.0/],
    [{ judgeModel: 'openai:gpt-4o', periodSeconds: 90 }, /periodSeconds/],
    [{ judgeModel: 'openai:gpt-4o', rubricDrop: { datapointsToAlarm: 6, evaluationPeriods: 5 } }, /rubricDrop\.datapointsToAlarm/],
    [{ judgeModel: 'openai:gpt-4o', rubrics: [{ name: 'Rubric A', check: { rubric: 'refusal-detection' } }] }, /rubrics\.0\.name/],
    [{ judgeModel: 'openai:gpt-4o', rubrics: [{ name: 'x', check: { rubric: 'no-such-rubric' } }] }, /rubrics\.0\.check: unknown rubric "no-such-rubric"/],
    [
      { judgeModel: 'openai:gpt-4o', rubrics: [{ name: 'x', check: { rubric: 'refusal-detection' } }, { name: 'x', check: { rubric: 'json-valid' } }] },
      /rubrics\.1\.name: rubric name x is used twice/,
    ],
  ])('refuses %j naming the field', (input, message) => {
    expect(() => parseCanaryConfig(input)).toThrow(CanaryConfigError);
    expect(() => parseCanaryConfig(input)).toThrow(message);
  });

  it('refuses text that is not JSON', () => {
    expect(() => parseCanaryConfig('judgeModel: openai:gpt-4o')).toThrow(/not JSON/);
  });

  it('hashes the resolved configuration: spellings and key order of one configuration share a hash, a changed threshold does not', () => {
    const a = canaryConfigHash(parseCanaryConfig({ judgeModel: 'openai:gpt-4o', holdWindows: 6 }));
    const b = canaryConfigHash(parseCanaryConfig({ holdWindows: 6, judgeModel: 'OPENAI:gpt-4o' }));
    expect(a).toBe(b);
    expect(canaryConfigHash(parseCanaryConfig({ judgeModel: 'openai:gpt-4o', holdWindows: 4 }))).not.toBe(a);
  });

  it('takes the judge from the configuration, else from the run’s pinned configuration', async () => {
    const runJudge = async (runId: string) => (runId === 'support-bot-7' ? 'OpenAI:gpt-4o' : undefined);
    expect((await withJudge(parseCanaryConfig({}), 'support-bot-7', runJudge))?.judgeModel).toBe('openai:gpt-4o');
    expect((await withJudge(parseCanaryConfig({ judgeModel: 'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0' }), 'support-bot-7', runJudge))?.judgeModel).toBe('bedrock:anthropic.claude-3-5-haiku-20241022-v1:0');
    expect(await withJudge(parseCanaryConfig({}), 'unregistered', runJudge)).toBeUndefined();
    expect(await withJudge(parseCanaryConfig({}), 'support-bot-7')).toBeUndefined();
  });

  it('a judge must be of another known family than both models', () => {
    const config = parseCanaryConfig({ judgeModel: 'openai:gpt-4o' }) as JudgedCanaryConfig;
    expect(judgeFamilyProblem(config, 'bedrock:meta.llama3-1-8b-instruct-v1:0', 'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0')).toBeUndefined();
    expect(judgeFamilyProblem(config, 'bedrock:meta.llama3-1-8b-instruct-v1:0', 'openai:ft:gpt-4o-mini:acme::abc')).toMatch(/candidate model/);
    expect(judgeFamilyProblem(config, 'bedrock:arn:aws:bedrock:us-east-1:123456789012:imported-model/abc', 'bedrock:meta.llama3-1-8b-instruct-v1:0')).toMatch(/current model/);
  });
});
