import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { RUN_REGISTERED, runRegisteredDetailSchema } from '../../events/run-registered';
import { corpusSubject } from '../../functions/audit/corpus-identity';
import { resetAwsClients } from '../../functions/stores/aws-clients';
import { DynamoRunStore } from '../../functions/stores/dynamo-run-store';
import { DynamoVerdictStore } from '../../functions/stores/dynamo-verdict-store';
import type { VerdictRecord } from '../../functions/stores/verdict-store';
import { LocalRuntimeControl } from '../support/local-runtime-control';
import { stackOutput, useLocalServices, waitFor } from '../support/local-services';

/*
 * The register-run handler against the running template's tables (DynamoDB Local) and bus: the corpus gate reads
 * real verdicts, the run is pinned with the real conditional write, Run Registered goes through the real client.
 */

const sample = JSON.parse(readFileSync(new URL('../../events/samples/register-run.json', import.meta.url), 'utf8'));

let control: LocalRuntimeControl;
let verdicts: DynamoVerdictStore;
let runs: DynamoRunStore;
let handler: (typeof import('../../functions/register-run'))['handler'];

const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'register-run',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:register-run',
  memoryLimitInMB: '512',
  awsRequestId: 'test',
  logGroupName: '/aws/lambda/register-run',
  logStreamName: 'test',
  getRemainingTimeInMillis: () => 60_000,
} as Context;

beforeAll(async () => {
  const local = useLocalServices();
  Object.assign(process.env, {
    RUNS_TABLE: stackOutput(local, 'RunsTableName'),
    VERDICTS_TABLE: stackOutput(local, 'VerdictsTableName'),
    EVENT_BUS_NAME: stackOutput(local, 'EventBusName'),
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  resetAwsClients();
  control = new LocalRuntimeControl(local);
  verdicts = new DynamoVerdictStore(stackOutput(local, 'VerdictsTableName'));
  runs = new DynamoRunStore(stackOutput(local, 'RunsTableName'));
  // Imported once the log level is set: the handler's logger reads it when the module loads.
  ({ handler } = await import('../../functions/register-run'));
});

/** A corpus with a stored audit verdict, and a Register Run event for a new run training on it. */
async function auditedCorpus(verdict: VerdictRecord['verdict']) {
  const key = `corpora/${randomUUID()}.jsonl`;
  const versionId = randomUUID();
  await verdicts.putOnce({
    subject: corpusSubject('corpora', key),
    key: `version#${versionId}`,
    kind: 'corpus-audit',
    verdict,
    reasons: verdict === 'FAIL' ? ['secrets: 4 rows quarantined'] : [],
    configHash: 'cafe',
    config: {},
    summary: {},
    reportUri: `s3://artifacts/audits/${key}/report.json`,
    createdAt: new Date().toISOString(),
  });
  const runId = `run-${randomUUID()}`;
  return {
    runId,
    event: { ...sample, detail: { ...sample.detail, runId, trainingJob: undefined, corpusAudit: { uri: `s3://corpora/${key}`, versionId } } },
  };
}

async function runRegisteredEvents(runId: string) {
  return (await control.events()).filter((e) => e.event['detail-type'] === RUN_REGISTERED && (e.event.detail as { runId?: string }).runId === runId);
}

describe('register-run handler', () => {
  it('registers a run on a corpus audited PASS and publishes Run Registered', async () => {
    const { runId, event } = await auditedCorpus('PASS');
    const detail = await handler(event, context);
    expect(detail).toMatchObject({ runId, created: true, corpusAudit: { verdict: 'PASS' }, arena: { requiredSampleSize: 783 } });
    expect((await runs.get(runId))?.configHash).toBe(detail.configHash);
    const [published] = await waitFor(async () => {
      const found = await runRegisteredEvents(runId);
      return found.length > 0 ? found : undefined;
    }, { timeoutMs: 30_000, description: 'Run Registered event' });
    expect(runRegisteredDetailSchema.parse(published!.event.detail)).toEqual(detail);
  });

  it('accepts the identical registration again and refuses a lowered threshold', async () => {
    const { runId, event } = await auditedCorpus('WARN');
    const first = await handler(event, context);
    const again = await handler(JSON.parse(JSON.stringify(event)), context);
    expect(again).toMatchObject({ created: false, configHash: first.configHash, registeredAt: first.registeredAt });

    const lowered = { ...event, detail: { ...event.detail, drift: { ...event.detail.drift, failPoints: 10 } } };
    await expect(handler(lowered, context)).rejects.toThrow(`run ${runId} is already registered with a different configuration; differing fields: drift.failPoints`);
    expect((await runs.get(runId))?.config.drift.failPoints).toBe(5);
  });

  it('refuses a run on a corpus audited FAIL and registers nothing', async () => {
    const { runId, event } = await auditedCorpus('FAIL');
    await expect(handler(event, context)).rejects.toThrow(/is FAIL \(secrets: 4 rows quarantined\); training must not start on it/);
    expect(await runs.get(runId)).toBeUndefined();
    expect(await runRegisteredEvents(runId)).toEqual([]);
  });
});
