import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { dynamoClient } from './aws-clients';

/** Powertools idempotency records in the idempotency table, through the shared DynamoDB client (local or AWS). */
export function idempotencyPersistence(tableName: string): DynamoDBPersistenceLayer {
  return new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: dynamoClient() });
}
