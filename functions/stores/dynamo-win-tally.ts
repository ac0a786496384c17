import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient } from './aws-clients';
import type { WinCounts, WinTally } from '../canary/win-tally';

export const DEFAULT_WIN_TALLY_TTL_SECONDS = 90 * 24 * 3600;

/**
 * The win tally in a DynamoDB table keyed by `pk` alone (the judge cache table fits: its keys are sha256 hex, a tally's
 * start with `canary-tally#`): one item per canary, counted with UpdateItem ADD so concurrent scorers never lose a
 * pair. `expiresAt` (the table's TTL attribute) is pushed forward on every addition.
 */
export class DynamoWinTally implements WinTally {
  constructor(
    private readonly tableName: string,
    private readonly ttlSeconds = DEFAULT_WIN_TALLY_TTL_SECONDS,
    private readonly now: () => number = Date.now,
  ) {}

  async add(key: string, counts: WinCounts): Promise<WinCounts> {
    const out = await dynamoDocumentClient().send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: key },
        UpdateExpression: 'ADD wins :w, losses :l, ties :t SET expiresAt = :e',
        ExpressionAttributeValues: { ':w': counts.wins, ':l': counts.losses, ':t': counts.ties, ':e': Math.floor(this.now() / 1000) + this.ttlSeconds },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const item = out.Attributes ?? {};
    return { wins: Number(item.wins ?? 0), losses: Number(item.losses ?? 0), ties: Number(item.ties ?? 0) };
  }
}
