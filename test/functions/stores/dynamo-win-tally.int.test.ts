import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { winTallyKey } from '../../../functions/canary/win-tally';
import { resetAwsClients } from '../../../functions/stores/aws-clients';
import { DynamoWinTally } from '../../../functions/stores/dynamo-win-tally';
import { stackOutput, useLocalServices } from '../../support/local-services';

let table: string;

beforeAll(() => {
  const local = useLocalServices();
  resetAwsClients();
  // The tally lives in the judge cache table by default (pk-only keys; a tally's start with canary-tally#).
  table = stackOutput(local, 'JudgeCacheTableName');
});

describe('DynamoWinTally', () => {
  it('adds counts and returns the totals after each addition', async () => {
    const tally = new DynamoWinTally(table);
    const key = winTallyKey(`run-${randomUUID().slice(0, 8)}`, 'bedrock:meta.llama3-1-8b-instruct-v1:0');
    expect(await tally.add(key, { wins: 1, losses: 0, ties: 0 })).toEqual({ wins: 1, losses: 0, ties: 0 });
    expect(await tally.add(key, { wins: 0, losses: 2, ties: 1 })).toEqual({ wins: 1, losses: 2, ties: 1 });
  });

  it('loses no pair under concurrent additions', async () => {
    const tally = new DynamoWinTally(table);
    const key = winTallyKey(`run-${randomUUID().slice(0, 8)}`, 'openai:gpt-4o-mini');
    await Promise.all(Array.from({ length: 40 }, (_, i) => tally.add(key, { wins: i % 2, losses: 1 - (i % 2), ties: 0 })));
    expect(await tally.add(key, { wins: 0, losses: 0, ties: 0 })).toEqual({ wins: 20, losses: 20, ties: 0 });
  });
});
