import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';

/*
 * One place that builds SDK clients. Endpoints come from the SDK's own AWS_ENDPOINT_URL_<SERVICE>
 * variables, so the same adapters talk to AWS or to the embedded services of the local runtime.
 */

let s3: S3Client | undefined;
let ddb: DynamoDBDocumentClient | undefined;
let eventBridge: EventBridgeClient | undefined;

export function s3Client(): S3Client {
  s3 ??= new S3Client({
    // S3-compatible servers (the local one included) need path-style addressing.
    forcePathStyle: process.env.FINEGATE_S3_FORCE_PATH_STYLE === 'true',
    // Flexible checksums on every request are not understood by S3-compatible servers; AWS accepts either.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return s3;
}

export function dynamoDocumentClient(): DynamoDBDocumentClient {
  ddb ??= DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });
  return ddb;
}

export function eventBridgeClient(): EventBridgeClient {
  eventBridge ??= new EventBridgeClient({});
  return eventBridge;
}

/** Tests and the local runtime re-point endpoints; cached clients must then be rebuilt. */
export function resetAwsClients(): void {
  s3?.destroy();
  ddb?.destroy();
  eventBridge?.destroy();
  s3 = undefined;
  ddb = undefined;
  eventBridge = undefined;
}
