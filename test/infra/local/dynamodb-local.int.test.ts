import { describe, expect, it } from 'vitest';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '../../../infra/local/dynamodb-local';

describe('DynamoDB Local', () => {
  it('starts on a free port, serves real requests, and stops', async () => {
    const local = await startDynamoDbLocal();
    const client = new DynamoDBClient({
      endpoint: local.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'any', secretAccessKey: 'any' },
      maxAttempts: 1,
    });
    try {
      expect(local.endpoint).toBe(`http://127.0.0.1:${local.port}`);
      await client.send(
        new CreateTableCommand({
          TableName: 'items',
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        }),
      );
      await client.send(new PutItemCommand({ TableName: 'items', Item: { pk: { S: 'a' }, n: { N: '1' } } }));
      const got = await client.send(new GetItemCommand({ TableName: 'items', Key: { pk: { S: 'a' } } }));
      expect(got.Item).toEqual({ pk: { S: 'a' }, n: { N: '1' } });

      // One shared database: other credentials and regions see the same tables.
      const other = new DynamoDBClient({ endpoint: local.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
      expect((await other.send(new ListTablesCommand({}))).TableNames).toEqual(['items']);
      other.destroy();
    } finally {
      await local.stop();
    }
    await expect(client.send(new ListTablesCommand({}))).rejects.toThrow();
    client.destroy();
  });
});
