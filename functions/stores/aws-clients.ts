import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { SFNClient } from '@aws-sdk/client-sfn';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/*
 * One place that builds SDK clients. Endpoints come from the SDK's own AWS_ENDPOINT_URL_<SERVICE>
 * variables, so the same adapters talk to AWS or to the embedded services of the local runtime.
 */

let s3: S3Client | undefined;
let ddb: DynamoDBDocumentClient | undefined;
let eventBridge: EventBridgeClient | undefined;
let bedrockRuntime: BedrockRuntimeClient | undefined;
let sfn: SFNClient | undefined;
let ddbRaw: DynamoDBClient | undefined;
let lambda: LambdaClient | undefined;
let sqs: SQSClient | undefined;
let cloudWatch: CloudWatchClient | undefined;

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

/** The plain DynamoDB client, for libraries that take one (Powertools idempotency). */
export function dynamoClient(): DynamoDBClient {
  ddbRaw ??= new DynamoDBClient({});
  return ddbRaw;
}

export function dynamoDocumentClient(): DynamoDBDocumentClient {
  ddb ??= DynamoDBDocumentClient.from(dynamoClient(), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });
  return ddb;
}

export function eventBridgeClient(): EventBridgeClient {
  eventBridge ??= new EventBridgeClient({});
  return eventBridge;
}

/**
 * Bedrock callers retry themselves, with backoff and budgets of their own (bedrock-embedder.ts): SDK retries on top
 * would multiply the attempts, so this client makes exactly one. HTTP/1.1: the client's HTTP/2 default exists for
 * bidirectional streaming, which finegate does not use, and fails behind proxies that do not speak HTTP/2
 * ("http2 request did not get a response", aws-sdk-js-v3#7041). The endpoint comes from AWS_ENDPOINT_URL_BEDROCK_RUNTIME.
 */
export function bedrockRuntimeClient(): BedrockRuntimeClient {
  bedrockRuntime ??= new BedrockRuntimeClient({ maxAttempts: 1, requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000 }) });
  return bedrockRuntime;
}

/** Step Functions; the endpoint comes from AWS_ENDPOINT_URL_SFN. */
export function sfnClient(): SFNClient {
  sfn ??= new SFNClient({});
  return sfn;
}

/** Lambda control plane (aliases, versions, configuration); the endpoint comes from AWS_ENDPOINT_URL_LAMBDA. */
export function lambdaClient(): LambdaClient {
  lambda ??= new LambdaClient({});
  return lambda;
}

/** SQS; the endpoint comes from AWS_ENDPOINT_URL_SQS. */
export function sqsClient(): SQSClient {
  sqs ??= new SQSClient({});
  return sqs;
}

/** CloudWatch (alarms, metric data); the endpoint comes from AWS_ENDPOINT_URL_CLOUDWATCH. */
export function cloudWatchClient(): CloudWatchClient {
  cloudWatch ??= new CloudWatchClient({});
  return cloudWatch;
}

/** Tests and the local runtime re-point endpoints; cached clients must then be rebuilt. */
export function resetAwsClients(): void {
  s3?.destroy();
  ddb?.destroy();
  eventBridge?.destroy();
  bedrockRuntime?.destroy();
  sfn?.destroy();
  lambda?.destroy();
  sqs?.destroy();
  cloudWatch?.destroy();
  s3 = undefined;
  ddb = undefined;
  ddbRaw = undefined;
  eventBridge = undefined;
  bedrockRuntime = undefined;
  sfn = undefined;
  lambda = undefined;
  sqs = undefined;
  cloudWatch = undefined;
}
