import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Context } from 'aws-lambda';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { CORPUS_AUDITED } from '../../events/corpus-audited';
import { corpusSubject, corpusVerdictKey } from '../../functions/audit/corpus-identity';
import { handler as corpusAudit } from '../../functions/corpus-audit';
import { resetAwsClients, s3Client } from '../../functions/stores/aws-clients';
import { DynamoVerdictStore } from '../../functions/stores/dynamo-verdict-store';
import { getTextIfExists } from '../../functions/stores/s3-objects';
import { plantedCorpus } from '../../infra/demo/synthetic-corpus';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { LocalRuntimeControl } from '../support/local-runtime-control';
import { stackOutput, useLocalServices, waitFor, type LocalRuntimeConnection } from '../support/local-services';

/*
 * A Lambda timeout mid-audit: the corpus-audit handler runs in this process with a Lambda context whose deadline is
 * two seconds away, its S3 writes held by a fault proxy so the invocation cannot finish; it is abandoned at the
 * deadline as Lambda abandons it. No verdict, no event and no report claim the corpus audited; a duplicate delivered
 * while it runs is refused (idempotency record in progress); the retry after the deadline (record expired) completes
 * once, through throttled idempotency-table writes; a later duplicate changes nothing.
 */

let local: LocalRuntimeConnection;
let control: LocalRuntimeControl;
let s3: FaultProxy;
let dynamo: FaultProxy;
let bucket: string;
let idempotencyTable: string;
const abandoned: Array<Promise<unknown>> = [];

beforeAll(async () => {
  local = useLocalServices();
  control = new LocalRuntimeControl(local);
  // The artifacts bucket sends no notifications: the shared runtime does not audit this corpus on its own.
  bucket = stackOutput(local, 'ArtifactsBucketName');
  idempotencyTable = stackOutput(local, 'IdempotencyTableName');
  s3 = await startFaultProxy(local.endpoints.s3);
  dynamo = await startFaultProxy(local.endpoints.dynamodb);
  process.env.AWS_ENDPOINT_URL_S3 = s3.url;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.url;
  Object.assign(process.env, {
    ARTIFACTS_BUCKET: bucket,
    ARTIFACTS_PREFIX: 'audits/faults-timeout/',
    VERDICTS_TABLE: stackOutput(local, 'VerdictsTableName'),
    IDEMPOTENCY_TABLE: idempotencyTable,
    EVENT_BUS_NAME: stackOutput(local, 'EventBusName'),
    CORPUS_PREFIX: 'fault-corpora/',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  resetAwsClients();
});

afterAll(async () => {
  process.env.AWS_ENDPOINT_URL_S3 = local.endpoints.s3;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = local.endpoints.dynamodb;
  resetAwsClients();
  await s3?.close();
  await dynamo?.close();
  await Promise.allSettled(abandoned);
});

function lambdaContext(timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'corpus-audit',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:corpus-audit',
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/corpus-audit',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Runs the handler as Lambda would: past the deadline the invocation is abandoned (a timeout), not awaited. */
async function invoke(event: unknown, timeoutMs: number): Promise<{ outcome: 'success'; result: unknown } | { outcome: 'error'; error: unknown } | { outcome: 'timeout' }> {
  const running = Promise.resolve(corpusAudit(event, lambdaContext(timeoutMs)));
  running.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  try {
    const first = await Promise.race([running.then((result) => ({ outcome: 'success' as const, result }), (error: unknown) => ({ outcome: 'error' as const, error })), timeout]);
    if (first === 'timeout') {
      abandoned.push(running.catch(() => undefined));
      return { outcome: 'timeout' };
    }
    return first;
  } finally {
    clearTimeout(timer);
  }
}

describe('a Lambda timeout mid-audit', () => {
  it('leaves no verdict and nothing claimed complete; the retry completes once', async () => {
    const key = `fault-corpora/${randomUUID()}.jsonl`;
    const body = plantedCorpus({ rows: 200, seed: 5 }).train.join('\n') + '\n';
    const put = await s3Client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    const object = { key, size: Buffer.byteLength(body), etag: put.ETag!.replace(/"/g, ''), ...(put.VersionId ? { 'version-id': put.VersionId } : {}) };
    const event = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Object Created',
      source: 'aws.s3',
      account: '000000000000',
      time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: 'us-east-1',
      resources: [`arn:aws:s3:::${bucket}`],
      detail: { version: '0', bucket: { name: bucket }, object, 'request-id': 'r', requester: '000000000000', reason: 'PutObject' },
    };
    const subject = corpusSubject(bucket, key);
    const verdictKey = corpusVerdictKey({ versionId: put.VersionId ?? undefined, etag: object.etag });
    const verdicts = new DynamoVerdictStore(stackOutput(local, 'VerdictsTableName'));
    const audited = async () => (await control.events()).filter((e) => e.event['detail-type'] === CORPUS_AUDITED && (e.event.detail as { corpus?: { key?: string } }).corpus?.key === key);

    // The report upload never answers: the invocation is still running at its two-second deadline.
    const hang = s3.add({ name: 'hang-report', method: 'PUT', path: /report\.json/, fault: { kind: 'hang' } });
    const first = invoke(event, 2_000);
    // A duplicate delivered while it runs finds the idempotency record in progress and is refused.
    await waitFor(() => hang.faulted > 0 || undefined, { timeoutMs: 2_000, description: 'the audit reaching its report' });
    const duplicate = await invoke({ ...event, id: randomUUID() }, 2_000);
    expect(duplicate.outcome).toBe('error');
    expect(String((duplicate as { error: Error }).error.name)).toMatch(/IdempotencyAlreadyInProgressError/);
    // middy answers just before the deadline with a TimeoutError; the audit itself is still running, as in Lambda.
    const ended = await first;
    if (ended.outcome !== 'timeout') expect(ended).toMatchObject({ outcome: 'error', error: { name: 'TimeoutError' } });
    hang.remove();

    expect(await verdicts.get(subject, verdictKey)).toBeUndefined();
    expect(await audited()).toEqual([]);

    // Lambda's retry after the timeout: the in-progress record has expired with the deadline. The idempotency
    // table throttles twice on the way; the SDK retries.
    const throttle = dynamo.add({ target: 'PutItem', body: new RegExp(idempotencyTable), times: 2, fault: { kind: 'dynamodb-throughput-exceeded' } });
    const retry = await invoke(event, 60_000);
    dynamo.clear();
    expect(retry.outcome).toBe('success');
    expect(throttle.faulted).toBe(2);
    const verdict = await verdicts.get(subject, verdictKey);
    expect(verdict).toBeDefined();
    const detail = (retry as { result: { counts: { input: number; clean: number; quarantined: number }; artifacts: { report: string } } }).result;
    expect(detail.counts.clean + detail.counts.quarantined).toBe(200);
    expect(await getTextIfExists(detail.artifacts.report)).toContain('"verdict"');

    // A later duplicate: the same answer, no second verdict, no second event.
    const again = await invoke({ ...event, id: randomUUID() }, 60_000);
    expect(again).toMatchObject({ outcome: 'success', result: { auditId: (detail as unknown as { auditId: string }).auditId } });
    expect(await verdicts.list(subject)).toHaveLength(1);
    const events = await waitFor(async () => ((await audited()).length > 0 ? audited() : undefined), { timeoutMs: 5_000, description: 'Corpus Audited' });
    expect(events).toHaveLength(1);
  });
});
