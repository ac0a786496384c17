import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATE_VERDICT } from '../../events/gate-verdict';
import { handler as recordVerdict } from '../../functions/gate-record-verdict';
import { resetAwsClients } from '../../functions/stores/aws-clients';
import { DynamoVerdictStore } from '../../functions/stores/dynamo-verdict-store';
import type { VerdictRecord } from '../../functions/stores/verdict-store';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { uniqueRunId } from '../support/gate-scenario';
import { LocalRuntimeControl } from '../support/local-runtime-control';
import { stackOutput, useLocalServices, waitFor, type LocalRuntimeConnection } from '../support/local-services';

/*
 * DynamoDB throttling on the verdict write, and a crash between the verdict write and the event publish. The real
 * DynamoDB and EventBridge clients of this process reach DynamoDB Local and the runtime's EventBridge through fault
 * proxies. ProvisionedThroughputExceededException is retried by the SDK and the verdict is written once; a throttle
 * that outlasts the retries is an error, never taken for "already written"; a redelivery after the crash writes no
 * second verdict and the decision's Gate Verdict is published once.
 */

let local: LocalRuntimeConnection;
let control: LocalRuntimeControl;
let dynamo: FaultProxy;
let events: FaultProxy;
let verdictsTable: string;

beforeAll(async () => {
  local = useLocalServices();
  control = new LocalRuntimeControl(local);
  verdictsTable = stackOutput(local, 'VerdictsTableName');
  dynamo = await startFaultProxy(local.endpoints.dynamodb);
  events = await startFaultProxy(local.endpoints.eventbridge);
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.url;
  process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = events.url;
  Object.assign(process.env, {
    RUNS_TABLE: stackOutput(local, 'RunsTableName'),
    VERDICTS_TABLE: verdictsTable,
    JUDGE_CACHE_TABLE: stackOutput(local, 'JudgeCacheTableName'),
    ARTIFACTS_BUCKET: stackOutput(local, 'ArtifactsBucketName'),
    EVENT_BUS_NAME: stackOutput(local, 'EventBusName'),
  });
  resetAwsClients();
});

afterAll(async () => {
  process.env.AWS_ENDPOINT_URL_DYNAMODB = local.endpoints.dynamodb;
  process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = local.endpoints.eventbridge;
  resetAwsClients();
  await dynamo?.close();
  await events?.close();
});

function verdictRecord(subject: string): VerdictRecord {
  return { subject, key: 'checkpoint#c1#gate', kind: 'checkpoint-gate', verdict: 'PASS', reasons: [], configHash: 'h', config: { a: 1 }, summary: {}, reportUri: '', createdAt: new Date().toISOString() };
}

describe('DynamoDB throttling on the verdict write', () => {
  it('retries ProvisionedThroughputExceededException and writes the verdict once', async () => {
    const store = new DynamoVerdictStore(verdictsTable);
    const subject = `run#${uniqueRunId('ddb')}`;
    const throttle = dynamo.add({ target: 'PutItem', body: new RegExp(subject), times: 2, fault: { kind: 'dynamodb-throughput-exceeded' } });
    try {
      expect(await store.putOnce(verdictRecord(subject))).toBe(true);
      expect(throttle.faulted).toBe(2);
      // A redelivery, throttled too: the conditional write still refuses a second verdict.
      dynamo.add({ target: 'PutItem', body: new RegExp(subject), times: 1, fault: { kind: 'dynamodb-throughput-exceeded' } });
      expect(await store.putOnce({ ...verdictRecord(subject), verdict: 'FAIL' })).toBe(false);
    } finally {
      dynamo.clear();
    }
    const stored = await store.list(subject);
    expect(stored.map((v) => v.verdict)).toEqual(['PASS']);
  });

  it('reports a throttle that outlasts the retries as an error, not as a verdict already written', async () => {
    const store = new DynamoVerdictStore(verdictsTable);
    const subject = `run#${uniqueRunId('ddbstorm')}`;
    dynamo.add({ target: 'PutItem', body: new RegExp(subject), fault: { kind: 'dynamodb-throughput-exceeded' } });
    try {
      await expect(store.putOnce(verdictRecord(subject))).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
    } finally {
      dynamo.clear();
    }
    expect(await store.list(subject)).toEqual([]);
  });
});

describe('a crash between the verdict write and the event publish', () => {
  it('writes no second verdict on redelivery, and publishes the Gate Verdict once', async () => {
    const runId = uniqueRunId('crash');
    const input = {
      outcome: 'decided',
      run: { runId, configHash: 'cfg-1' },
      checkpoint: { runId, checkpoint: 'ckpt-1', step: 100, candidateModel: 'local:echo', final: false },
      decision: { verdict: 'FAIL', reasons: ['drift on refusal'], promote: false, reportUri: 's3://a/b', scores: { heldout: 40 }, recommendations: {} },
    };
    // The verdict write is throttled (retried), then every PutEvents fails: the invocation dies after the write.
    dynamo.add({ target: 'PutItem', body: new RegExp(runId), times: 1, fault: { kind: 'dynamodb-throughput-exceeded' } });
    events.add({ target: 'PutEvents', body: new RegExp(runId), fault: { kind: 'aws-json-internal-error' } });
    try {
      await expect(recordVerdict(input)).rejects.toThrow();
    } finally {
      dynamo.clear();
      events.clear();
    }
    const store = new DynamoVerdictStore(verdictsTable);
    expect((await store.list(`run#${runId}`)).map((v) => v.verdict)).toEqual(['FAIL']);

    // The task's retry (or the redriven event) runs the record step again.
    await recordVerdict(input);
    await recordVerdict(input);
    expect((await store.list(`run#${runId}`)).map((v) => v.verdict)).toEqual(['FAIL']);
    const published = async () =>
      (await control.events()).filter((e) => e.event['detail-type'] === GATE_VERDICT && (e.event.detail as { runId?: string }).runId === runId);
    // Nothing lost: the decision that was written is announced, once.
    const announced = await waitFor(async () => ((await published()).length > 0 ? await published() : undefined), { timeoutMs: 5_000, description: `Gate Verdict for ${runId}` });
    expect(announced).toHaveLength(1);
  });
});
