import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient } from './aws-clients';
import type { JudgeCache } from '../gates/judge-cache';

export const DEFAULT_JUDGE_CACHE_TTL_SECONDS = 90 * 24 * 3600;

export interface DynamoJudgeCacheOptions {
  /** How long a judgement stays cached. @default 90 days */
  ttlSeconds?: number;
  now?: () => number;
}

/**
 * The judge cache in DynamoDB: pk = key, `result` = the judgement as JSON text, `expiresAt` = epoch seconds (the
 * table's TTL attribute). TTL deletion lags by up to days, so expiry is also checked on read and on write.
 */
export class DynamoJudgeCache implements JudgeCache {
  private readonly ttlSeconds: number;
  private readonly now: () => number;

  constructor(
    private readonly tableName: string,
    options: DynamoJudgeCacheOptions = {},
  ) {
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_JUDGE_CACHE_TTL_SECONDS;
    this.now = options.now ?? Date.now;
  }

  async get(key: string): Promise<unknown> {
    const out = await dynamoDocumentClient().send(new GetCommand({ TableName: this.tableName, Key: { pk: key } }));
    const item = out.Item;
    if (!item || typeof item.result !== 'string') return undefined;
    if (typeof item.expiresAt === 'number' && item.expiresAt <= this.nowSeconds()) return undefined;
    return JSON.parse(item.result);
  }

  async put(key: string, result: unknown): Promise<boolean> {
    const json = JSON.stringify(result);
    if (json === undefined) throw new Error('judge cache: a judgement must be JSON-serialisable');
    const now = this.nowSeconds();
    try {
      await dynamoDocumentClient().send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: key, result: json, createdAt: new Date(this.now()).toISOString(), expiresAt: now + this.ttlSeconds },
          // First answer wins; an expired entry TTL has not yet removed counts as absent.
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
          ExpressionAttributeValues: { ':now': now },
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  private nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }
}
