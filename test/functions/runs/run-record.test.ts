import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../../functions/runs/run-config';
import { configDifferences, RunConflictError } from '../../../functions/runs/run-record';

const config = parseRunConfig({
  runId: 'r1',
  baseModel: 'bedrock:meta.llama3-1-8b-instruct-v1:0',
  judgeModel: 'openai:gpt-4o',
  rubricVersion: 'v1',
  heldout: { uri: 'heldout.jsonl', rubric: 'exact-match' },
  corpusAudit: { uri: 's3://b/k.jsonl' },
});

describe('configDifferences', () => {
  it('is empty for equal configurations, whatever the key order', () => {
    const reordered = Object.fromEntries(Object.entries(config).reverse());
    expect(configDifferences(config, reordered)).toEqual([]);
  });

  it('names each differing leaf by its dotted path', () => {
    const lowered = { ...config, drift: { ...config.drift, failPoints: 8 }, errorBudget: { maxErrorRate: 0.1 } };
    expect(configDifferences(config, lowered)).toEqual(['drift.failPoints', 'errorBudget.maxErrorRate']);
  });

  it('names fields present on one side only, and compares arrays whole', () => {
    const withAxes = { ...config, study: 's', drift: { ...config.drift, axes: ['math', 'code'] } };
    expect(configDifferences(config, withAxes)).toEqual(['drift.axes', 'study']);
    expect(configDifferences(withAxes, { ...withAxes, drift: { ...withAxes.drift, axes: ['code', 'math'] } })).toEqual(['drift.axes']);
  });
});

describe('RunConflictError', () => {
  it('lists the differing fields in its message', () => {
    const error = new RunConflictError('r1', ['drift.failPoints', 'arena.effectFloor']);
    expect(error.message).toBe('run r1 is already registered with a different configuration; differing fields: drift.failPoints, arena.effectFloor');
    expect(error.fields).toEqual(['drift.failPoints', 'arena.effectFloor']);
  });
});
