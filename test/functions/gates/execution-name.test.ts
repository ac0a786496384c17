import { describe, expect, it } from 'vitest';
import { executionName, MAX_EXECUTION_NAME_LENGTH } from '../../../functions/gates/execution-name';

const VALID = /^[A-Za-z0-9_-]{1,80}$/;

describe('executionName', () => {
  it('reads as <runId>-<checkpoint> with a hash suffix, and is deterministic', () => {
    const name = executionName('support-bot-7', 'checkpoint-1200');
    expect(name).toMatch(/^support-bot-7-checkpoint-1200-[0-9a-f]{8}$/);
    expect(executionName('support-bot-7', 'checkpoint-1200')).toBe(name);
  });

  it('tells apart pairs that join to the same text', () => {
    expect(executionName('a-b', 'c')).not.toBe(executionName('a', 'b-c'));
  });

  it('replaces characters Step Functions names should not carry, without merging distinct checkpoints', () => {
    const dotted = executionName('run', 'ckpt.1+a');
    expect(dotted).toMatch(VALID);
    expect(dotted.startsWith('run-ckpt-1-a-')).toBe(true);
    expect(executionName('run', 'ckpt-1-a')).not.toBe(dotted);
  });

  it('truncates long names to 80 characters, keeping them distinct', () => {
    const runId = 'r'.repeat(64);
    const a = executionName(runId, `${'c'.repeat(100)}-1`);
    const b = executionName(runId, `${'c'.repeat(100)}-2`);
    expect(a).toHaveLength(MAX_EXECUTION_NAME_LENGTH);
    expect(a).toMatch(VALID);
    expect(a).not.toBe(b);
    expect(a.slice(0, 71)).toBe(b.slice(0, 71));
  });

  it('stays valid for names made only of replaced characters', () => {
    for (const [r, c] of [['+', '.'], ['r', '..'], ['__', '-']] as const) expect(executionName(r, c)).toMatch(VALID);
  });

  it('refuses an empty run or checkpoint', () => {
    expect(() => executionName('', 'c')).toThrow();
    expect(() => executionName('r', '')).toThrow();
  });
});
