import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Context } from 'aws-lambda';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { corpusSubject } from '../../functions/audit/corpus-identity';
import { handler as corpusAudit } from '../../functions/corpus-audit';
import { resetAwsClients, s3Client } from '../../functions/stores/aws-clients';
import { DynamoVerdictStore } from '../../functions/stores/dynamo-verdict-store';
import { syntheticCorpus } from '../../infra/demo/synthetic-corpus';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-http-server';
import { stackOutput, useLocalServices, type LocalRuntimeConnection } from '../support/local-services';

/*
 * A corpus above the shard threshold is handed to the sharded audit instead of being audited in the Lambda: the
 * corpus-audit handler (in this process, against the embedded S3 and DynamoDB) starts the sharded-audit state machine
 * once per corpus version, with the job the reduce will finish, and writes no verdict itself. Step Functions is a local
 * server checking the StartExecution request the real SFN client sends (the local interpreter has no Distributed Map).
 */

const MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:finegate-sharded-audit';
let local: LocalRuntimeConnection;
let sfn: ScriptedServer;
const saved = { ...process.env };

beforeAll(async () => {
  local = useLocalServices();
  sfn = await startScriptedServer((request) => {
    const name = (request.json as { name: string }).name;
    // The second start of the same name is what Step Functions answers a redelivery with.
    const seen = sfn.requests.filter((r) => (r.json as { name: string }).name === name).length;
    return seen > 1
      ? { status: 400, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: { __type: 'ExecutionAlreadyExists', message: `Execution Already Exists: '${name}'` } }
      : { status: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: { executionArn: `${MACHINE.replace(':stateMachine:', ':execution:')}:${name}`, startDate: 1795730000 } };
  });
  Object.assign(process.env, {
    ARTIFACTS_BUCKET: stackOutput(local, 'ArtifactsBucketName'),
    ARTIFACTS_PREFIX: 'audits/',
    VERDICTS_TABLE: stackOutput(local, 'VerdictsTableName'),
    IDEMPOTENCY_TABLE: stackOutput(local, 'IdempotencyTableName'),
    EVENT_BUS_NAME: stackOutput(local, 'EventBusName'),
    CORPUS_PREFIX: 'handoff-corpora/',
    POWERTOOLS_METRICS_DISABLED: 'true',
    AUDIT_SHARD_THRESHOLD_BYTES: '20000',
    SHARDED_AUDIT_STATE_MACHINE_ARN: MACHINE,
    AWS_ENDPOINT_URL_SFN: sfn.url,
  });
  resetAwsClients();
});

afterAll(async () => {
  process.env = saved;
  resetAwsClients();
  await sfn.close();
});

const context = { getRemainingTimeInMillis: () => 600_000, awsRequestId: randomUUID(), functionName: 'corpus-audit' } as unknown as Context;

function uploadEvent(bucket: string, key: string, etag: string) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '000000000000',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: { version: '0', bucket: { name: bucket }, object: { key, size: 1, etag }, 'request-id': 'r', requester: '000000000000', reason: 'PutObject' },
  };
}

describe('corpus audit: the handoff to the sharded audit', () => {
  it('starts the sharded audit for a corpus above the threshold, once per version, and audits nothing itself', async () => {
    const bucket = stackOutput(local, 'CorporaBucketName');
    const key = `handoff-corpora/${randomUUID()}.jsonl`;
    const body = [...syntheticCorpus({ rows: 60, seed: 5, rowChars: 500 })].join('\n') + '\n';
    expect(body.length).toBeGreaterThan(20_000);
    const put = await s3Client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    const event = uploadEvent(bucket, key, put.ETag!.replace(/"/g, ''));

    const outcome = await corpusAudit(event, context);
    expect(outcome).toMatchObject({ shardedAudit: { executionArn: expect.stringContaining(':execution:finegate-sharded-audit:'), size: body.length } });
    const [start] = sfn.requests;
    expect(start!.headers['x-amz-target']).toBe('AWSStepFunctions.StartExecution');
    const request = start!.json as { stateMachineArn: string; name: string; input: string };
    expect(request.stateMachineArn).toBe(MACHINE);
    const input = JSON.parse(request.input) as { corpus: { bucket: string; key: string }; artifacts: { bucket: string; prefix: string }; work: { prefix: string } };
    expect(input.corpus).toMatchObject({ bucket, key });
    expect(input.artifacts.prefix).toMatch(new RegExp(`^audits/${bucket}/${key.replace(/[.]/g, '\\.')}/`));
    expect(input.work.prefix).toBe(`${input.artifacts.prefix}shards-work/`);

    // The reduce writes the verdict, not this handler.
    expect(await new DynamoVerdictStore(stackOutput(local, 'VerdictsTableName')).list(corpusSubject(bucket, key))).toEqual([]);

    // A redelivery outlives the idempotency record only in time; a new event id for the same version starts nothing new.
    const again = await corpusAudit({ ...event, id: randomUUID() }, context);
    expect(again).toMatchObject({ shardedAudit: { executionArn: (outcome as { shardedAudit: { executionArn: string } }).shardedAudit.executionArn } });
    expect(new Set(sfn.requests.map((r) => (r.json as { name: string }).name)).size).toBe(1);
  });
});
