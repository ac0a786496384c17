import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { judgeCacheKey } from '../../../functions/gates/judge-cache';

const parts = { rubricVersion: '2026-11-v1', judgeModel: 'bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0', inputHash: 'in-1', outputHashes: ['out-a'] };

describe('judgeCacheKey', () => {
  it('is the sha256 of the tuple with the canonical judge model', () => {
    const expected = createHash('sha256').update(JSON.stringify(['2026-11-v1', 'bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0', 'in-1', 'out-a'])).digest('hex');
    expect(judgeCacheKey(parts)).toBe(expected);
    expect(judgeCacheKey({ ...parts, judgeModel: ' BEDROCK:anthropic.claude-3-5-sonnet-20240620-v1:0' })).toBe(expected);
  });

  it('changes with every member of the tuple', () => {
    const key = judgeCacheKey(parts);
    expect(judgeCacheKey({ ...parts, rubricVersion: '2026-12-v1' })).not.toBe(key);
    expect(judgeCacheKey({ ...parts, judgeModel: 'openai:gpt-4o' })).not.toBe(key);
    expect(judgeCacheKey({ ...parts, inputHash: 'in-2' })).not.toBe(key);
    expect(judgeCacheKey({ ...parts, outputHashes: ['out-b'] })).not.toBe(key);
  });

  it('keeps the judged order of a pair', () => {
    const ab = judgeCacheKey({ ...parts, outputHashes: ['out-a', 'out-b'] });
    expect(judgeCacheKey({ ...parts, outputHashes: ['out-b', 'out-a'] })).not.toBe(ab);
    expect(judgeCacheKey({ ...parts, outputHashes: ['out-a'] })).not.toBe(ab);
  });

  it('cannot be confused by separators inside the parts', () => {
    expect(judgeCacheKey({ ...parts, inputHash: 'a,b', outputHashes: ['c'] })).not.toBe(judgeCacheKey({ ...parts, inputHash: 'a', outputHashes: ['b,c'] }));
  });

  it('refuses incomplete tuples', () => {
    expect(() => judgeCacheKey({ ...parts, outputHashes: [] })).toThrow(/one or two output hashes/);
    expect(() => judgeCacheKey({ ...parts, outputHashes: ['a', 'b', 'c'] })).toThrow(/one or two output hashes/);
    expect(() => judgeCacheKey({ ...parts, inputHash: '' })).toThrow(/inputHash/);
    expect(() => judgeCacheKey({ ...parts, judgeModel: 'gpt-4o' })).toThrow(/invalid model reference/);
  });
});
