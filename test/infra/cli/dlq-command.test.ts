import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { dlqCommand, parseDlqArgs, resolveQueues } from '../../../infra/cli/dlq-command';
import { writeLocalState } from '../../../infra/cli/local-state';
import { freePort } from '../../../infra/local/free-port';
import { LOCAL_CREDENTIALS } from '../../../infra/local/local-aws-environment';
import { LocalQueues } from '../../../infra/local/sqs-queues';
import { localQueueUrl, startSqsServer, type LocalSqsServer } from '../../../infra/local/sqs-server';
import { eventBusOfRule, originOf } from '../../../functions/stores/dead-letter-queues';
import { resetAwsClients } from '../../../functions/stores/aws-clients';
import { startScriptedServer, type RecordedRequest, type ScriptedServer } from '../../support/scripted-http-server';

/*
 * `finegate dlq` against real wire protocols: the local SQS server holds the dead-letter queues, with the messages
 * AWS would put there (EventBridge's and Lambda's attributes); a scripted server answers EventBridge PutEvents,
 * Lambda Invoke and the local runtime's control API, and records what the command sent.
 */

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const NAMES = { corpus: 'corpus-dlq', gate: 'gate-dlq', shadow: 'shadow-dlq', shadowSource: 'shadow-queue' };

let sqsServer: LocalSqsServer;
let queues: LocalQueues;
let aws: ScriptedServer;
let stateDir: string;
let outputs: Record<string, string>;
/** Functions whose Invoke the scripted Lambda refuses. */
const broken = new Set<string>();
let output = '';

const arn = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;

beforeAll(async () => {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  queues = new LocalQueues({
    queues: Object.values(NAMES).map((name) => ({ name, arn: arn(name), url: localQueueUrl(endpoint, arn(name), name) })),
    region: REGION,
  });
  sqsServer = await startSqsServer({ queues, port });
  aws = await startScriptedServer((request) => reply(request));
  stateDir = await mkdtemp(join(tmpdir(), 'finegate-dlq-'));
  outputs = {
    CorpusAuditDeadLetterQueueUrl: sqsServer.queueUrl(NAMES.corpus),
    CorpusAuditFunctionName: 'corpus-audit',
    CheckpointGateDeadLetterQueueUrl: sqsServer.queueUrl(NAMES.gate),
    CheckpointGateStartFunctionName: 'gate-start',
    CheckpointGateRecordFunctionName: 'gate-record',
    CanaryShadowDeadLetterQueueUrl: sqsServer.queueUrl(NAMES.shadow),
    CanaryShadowQueueUrl: sqsServer.queueUrl(NAMES.shadowSource),
  };
  const environment = {
    set: {
      AWS_ENDPOINT_URL_SQS: sqsServer.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: aws.url,
      AWS_ENDPOINT_URL_LAMBDA: aws.url,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_REGION: REGION,
    },
    unset: ['AWS_PROFILE', 'AWS_SESSION_TOKEN'],
  };
  await writeLocalState(stateDir, {
    pid: process.pid,
    runtimePid: process.pid,
    controlUrl: `${aws.url}/control`,
    startedAt: new Date().toISOString(),
    logPath: '',
    region: REGION,
    endpoints: {} as never,
    environment,
    outputs,
    resources: {} as never,
  });
});

afterAll(async () => {
  resetAwsClients();
  await sqsServer?.stop();
  queues?.close();
  await aws?.close();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

beforeEach(() => {
  output = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    output += String(chunk);
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  for (const name of Object.values(NAMES)) queues.purge(name);
  aws.requests.length = 0;
  broken.clear();
});

function reply(request: RecordedRequest) {
  if (request.url.startsWith('/control/info')) return { status: 200, body: {} };
  if (request.headers['x-amz-target'] === 'AWSEvents.PutEvents') return { status: 200, body: { FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] } };
  const invoke = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(request.url);
  if (invoke) {
    const name = decodeURIComponent(invoke[1]!);
    if (broken.has(name)) return { status: 500, headers: { 'x-amzn-errortype': 'ServiceException' }, body: { Type: 'Service', message: 'Lambda is unavailable' } };
    return { status: 202, body: '' };
  }
  return { status: 400, body: { message: `unexpected request ${request.method} ${request.url}` } };
}

function put(queue: string, body: unknown, attributes: Record<string, string> = {}) {
  queues.send(queue, {
    body: typeof body === 'string' ? body : JSON.stringify(body),
    messageAttributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }])),
  });
}

const s3Event = { version: '0', id: 'ev-1', source: 'aws.s3', 'detail-type': 'Object Created', time: '2026-01-01T00:00:00Z', resources: [], detail: { bucket: { name: 'corpora' }, object: { key: 'corpora/a.jsonl' } } };
const checkpointEvent = { version: '0', id: 'ev-2', source: 'finegate.training', 'detail-type': 'Checkpoint Ready', time: '2026-01-01T00:00:00Z', resources: [], detail: { runId: 'run-1', checkpoint: 'ckpt-1' } };
const statusEvent = { version: '0', id: 'ev-3', source: 'aws.states', 'detail-type': 'Step Functions Execution Status Change', detail: { name: 'x', status: 'FAILED' } };
const eventBridgeAttributes = (rule: string, target: string) => ({
  ERROR_CODE: 'SDK_CLIENT_ERROR',
  ERROR_MESSAGE: 'Unable to invoke Lambda function',
  RULE_ARN: rule,
  TARGET_ARN: target,
});

async function run(...args: string[]): Promise<number> {
  return dlqCommand([...args, '--local', '--state-dir', stateDir]);
}

describe('dead-letter messages', () => {
  it('are told apart by the attributes AWS adds', () => {
    expect(originOf({ attributes: eventBridgeAttributes('arn:aws:events:us-east-1:1:rule/bus/r', 't') }).kind).toBe('eventbridge');
    expect(originOf({ attributes: { RequestID: 'r', ErrorCode: '200', ErrorMessage: 'boom' } })).toEqual({ kind: 'lambda-async', requestId: 'r', errorCode: '200', errorMessage: 'boom' });
    expect(originOf({ attributes: {} }).kind).toBe('sqs-source');
  });

  it('name their bus in the rule ARN: rule/<bus>/<name>, or the default bus', () => {
    expect(eventBusOfRule('arn:aws:events:us-east-1:1:rule/finegate-bus/gate-rule')).toBe('finegate-bus');
    expect(eventBusOfRule('arn:aws:events:us-east-1:1:rule/audit-rule')).toBe('default');
    expect(eventBusOfRule('not an arn')).toBeUndefined();
  });
});

describe('finegate dlq list', () => {
  it('shows counts and the first messages reasons, and leaves every message in place', async () => {
    put(NAMES.corpus, s3Event, eventBridgeAttributes(`arn:aws:events:${REGION}:${ACCOUNT}:rule/audit-rule`, fnArn('corpus-audit')));
    put(NAMES.gate, checkpointEvent, { RequestID: 'req-7', ErrorCode: '200', ErrorMessage: 'run run-1 is not registered' });
    expect(await run('list')).toBe(0);
    expect(output).toMatch(/corpus-audit\s+1\s+0/);
    expect(output).toMatch(/checkpoint-gate\s+1\s+0/);
    expect(output).toMatch(/Object Created corpora\/a\.jsonl/);
    expect(output).toMatch(/SDK_CLIENT_ERROR: Unable to invoke Lambda function/);
    expect(output).toMatch(/Checkpoint Ready run-1\/ckpt-1/);
    expect(output).toMatch(/req-7 failed: run run-1 is not registered/);
    expect(queues.counts(NAMES.corpus).visible).toBe(1);
    expect(queues.counts(NAMES.gate).visible).toBe(1);
  });

  it('refuses an unknown queue, and a stack without dead-letter queue outputs', () => {
    expect(() => resolveQueues(outputs, 'nope')).toThrow(/unknown queue "nope"/);
    expect(() => resolveQueues({ EventBusName: 'bus' })).toThrow(/CorpusAuditDeadLetterQueueUrl/);
    expect(() => parseDlqArgs(['purge'])).toThrow(/'list' or 'redrive'/);
    expect(() => parseDlqArgs(['redrive', '--max', '0'])).toThrow(/--max/);
  });
});

describe('finegate dlq redrive', () => {
  it('re-publishes an event to its bus, re-invokes a failed async invocation, and sends an AWS event to its target', async () => {
    put(NAMES.gate, checkpointEvent, eventBridgeAttributes(`arn:aws:events:${REGION}:${ACCOUNT}:rule/finegate-bus/gate-rule`, fnArn('gate-start')));
    put(NAMES.gate, statusEvent, { RequestID: 'req-1', ErrorCode: '200', ErrorMessage: 'DynamoDB throttled' });
    put(NAMES.corpus, s3Event, eventBridgeAttributes(`arn:aws:events:${REGION}:${ACCOUNT}:rule/audit-rule`, fnArn('corpus-audit')));

    expect(await run('redrive')).toBe(0);

    const putEvents = aws.requests.filter((r) => r.headers['x-amz-target'] === 'AWSEvents.PutEvents');
    expect(putEvents).toHaveLength(1);
    const entry = (putEvents[0]!.json as { Entries: Array<Record<string, string>> }).Entries[0]!;
    expect(entry).toMatchObject({ EventBusName: 'finegate-bus', Source: 'finegate.training', DetailType: 'Checkpoint Ready' });
    expect(JSON.parse(entry.Detail!)).toEqual(checkpointEvent.detail);

    const invokes = aws.requests.filter((r) => r.url.includes('/invocations'));
    expect(invokes.map((r) => [decodeURIComponent(r.url.split('/')[3]!), r.headers['x-amz-invocation-type']])).toEqual([
      [fnArn('corpus-audit'), 'Event'],
      ['gate-record', 'Event'],
    ]);
    expect(invokes.map((r) => r.json)).toEqual([s3Event, statusEvent]);
    expect(queues.counts(NAMES.gate).visible + queues.counts(NAMES.gate).inFlight).toBe(0);
    expect(queues.counts(NAMES.corpus).visible + queues.counts(NAMES.corpus).inFlight).toBe(0);
    expect(output).toMatch(/checkpoint-gate: 2 redriven, 0 left/);
  });

  it('never deletes a message it failed to redrive', async () => {
    broken.add('gate-start');
    put(NAMES.gate, checkpointEvent, { RequestID: 'req-2', ErrorCode: '200', ErrorMessage: 'boom' });
    put(NAMES.gate, statusEvent, { RequestID: 'req-3', ErrorCode: '200', ErrorMessage: 'boom' });
    expect(await run('redrive', '--queue', 'checkpoint-gate')).toBe(1);
    expect(output).toMatch(/1 redriven, 1 left in the queue/);
    expect(output).toMatch(/KEPT/);
    const left = queues.peek(NAMES.gate);
    expect(left).toHaveLength(1);
    expect(JSON.parse(left[0]!.body)).toEqual(checkpointEvent);
  });

  it('moves the shadow queue dead letters back to the shadow queue (receive, send, delete without a move task)', async () => {
    put(NAMES.shadow, { requestId: 'a' });
    put(NAMES.shadow, { requestId: 'b' });
    expect(await run('redrive', '--queue', 'canary-shadow')).toBe(0);
    expect(queues.peek(NAMES.shadow)).toHaveLength(0);
    expect(queues.peek(NAMES.shadowSource).map((m) => JSON.parse(m.body).requestId).sort()).toEqual(['a', 'b']);
  });
});
