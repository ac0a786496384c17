import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient } from './aws-clients';
import type { VerdictRecord, VerdictStore } from './verdict-store';

/** Verdicts in DynamoDB: pk = subject, sk = key. Written with a condition, so a verdict is never overwritten. */
export class DynamoVerdictStore implements VerdictStore {
  constructor(private readonly tableName: string) {}

  async putOnce(record: VerdictRecord): Promise<boolean> {
    const { subject, key, ...rest } = record;
    try {
      await dynamoDocumentClient().send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: subject, sk: key, ...rest, config: JSON.stringify(rest.config) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async markPublished(subject: string, key: string, at: string = new Date().toISOString()): Promise<void> {
    await dynamoDocumentClient().send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: subject, sk: key },
        // Only the publication is recorded, once; a missing verdict is an error, not an item created here.
        UpdateExpression: 'SET publishedAt = if_not_exists(publishedAt, :at)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':at': at },
      }),
    );
  }

  async get(subject: string, key: string): Promise<VerdictRecord | undefined> {
    const out = await dynamoDocumentClient().send(new GetCommand({ TableName: this.tableName, Key: { pk: subject, sk: key }, ConsistentRead: true }));
    return out.Item ? fromItem(out.Item) : undefined;
  }

  async list(subject: string): Promise<VerdictRecord[]> {
    const items: VerdictRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await dynamoDocumentClient().send(
        new QueryCommand({ TableName: this.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': subject }, ExclusiveStartKey: start }),
      );
      for (const item of out.Items ?? []) items.push(fromItem(item));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }
}

function fromItem(item: Record<string, unknown>): VerdictRecord {
  const { pk, sk, config, ...rest } = item;
  return { subject: String(pk), key: String(sk), ...(rest as Omit<VerdictRecord, 'subject' | 'key' | 'config'>), config: typeof config === 'string' ? JSON.parse(config) : config };
}
