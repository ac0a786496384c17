import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { judgeCacheKey } from '../../../functions/gates/judge-cache';
import { resetAwsClients } from '../../../functions/stores/aws-clients';
import { DynamoJudgeCache } from '../../../functions/stores/dynamo-judge-cache';
import { stackOutput, useLocalServices } from '../../support/local-services';

let table: string;

beforeAll(() => {
  const local = useLocalServices();
  resetAwsClients();
  table = stackOutput(local, 'JudgeCacheTableName');
});

const key = () => judgeCacheKey({ rubricVersion: 'v1', judgeModel: 'openai:gpt-4o', inputHash: randomUUID(), outputHashes: [randomUUID()] });

describe('DynamoJudgeCache', () => {
  it('returns what was stored, and nothing for an unknown key', async () => {
    const cache = new DynamoJudgeCache(table);
    const k = key();
    const judgement = { score: 0.75, label: 'mostly', rationale: 'covers 3 of 4 points', raw: [1, null, 'x'] };
    expect(await cache.get(k)).toBeUndefined();
    expect(await cache.put(k, judgement)).toBe(true);
    expect(await cache.get(k)).toEqual(judgement);
  });

  it('keeps the first judgement of a key', async () => {
    const cache = new DynamoJudgeCache(table);
    const k = key();
    expect(await cache.put(k, { winner: 'A' })).toBe(true);
    expect(await cache.put(k, { winner: 'B' })).toBe(false);
    expect(await cache.get(k)).toEqual({ winner: 'A' });
  });

  it('treats an expired entry as absent before TTL removes it', async () => {
    let now = Date.parse('2026-11-12T00:00:00Z');
    const cache = new DynamoJudgeCache(table, { ttlSeconds: 60, now: () => now });
    const k = key();
    await cache.put(k, { score: 1 });
    now += 59_000;
    expect(await cache.get(k)).toEqual({ score: 1 });
    now += 2_000;
    expect(await cache.get(k)).toBeUndefined();
    expect(await cache.put(k, { score: 0 })).toBe(true);
    expect(await cache.get(k)).toEqual({ score: 0 });
  });
});
