import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CORPUS_AUDITED, corpusAuditedDetailSchema } from '../../events/corpus-audited';
import { corpusSubject } from '../../functions/audit/corpus-identity';
import { resetAwsClients } from '../../functions/stores/aws-clients';
import { DynamoVerdictStore } from '../../functions/stores/dynamo-verdict-store';
import { parseS3Uri } from '../../functions/stores/s3-uri';
import { plantedCorpus } from '../../infra/demo/synthetic-corpus';
import { LocalRuntimeControl } from '../support/local-runtime-control';
import { stackOutput, useLocalServices, waitFor, type LocalRuntimeConnection } from '../support/local-services';

/*
 * Stage 1 end to end over real connections: a corpus put into the local S3 server triggers the corpus-audit
 * handler through the rule the synthesized template declares; the verdict is read back from DynamoDB Local and the
 * report from S3.
 */

let local: LocalRuntimeConnection;
let control: LocalRuntimeControl;
let s3: S3Client;
let bucket: string;

beforeAll(() => {
  local = useLocalServices();
  resetAwsClients();
  control = new LocalRuntimeControl(local);
  s3 = new S3Client({ forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  bucket = stackOutput(local, 'CorporaBucketName');
});

afterAll(() => s3?.destroy());

async function getObject(uri: string): Promise<Buffer> {
  const { bucket: b, key } = parseS3Uri(uri);
  const out = await s3.send(new GetObjectCommand({ Bucket: b, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

async function auditedEvents(key: string, since = 0) {
  return (await control.events({ since })).filter((e) => e.event['detail-type'] === CORPUS_AUDITED && (e.event.detail as { corpus?: { key?: string } }).corpus?.key === key);
}

describe('corpus audit triggered by an upload', () => {
  const corpus = plantedCorpus({ rows: 1200, seed: 33 });
  const key = `corpora/${randomUUID()}/support.jsonl.gz`;
  const heldoutKey = `heldout/${randomUUID()}.jsonl`;

  it('audits the upload, stores a FAIL verdict and writes the report', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: heldoutKey, Body: corpus.heldout.join('\n') + '\n' }));
    const put = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: gzipSync(corpus.train.join('\n') + '\n'), Metadata: { 'finegate-heldout': `s3://${bucket}/${heldoutKey}` } }),
    );
    const [event] = await waitFor(async () => {
      const found = await auditedEvents(key);
      return found.length > 0 ? found : undefined;
    }, { timeoutMs: 120_000, description: 'Corpus Audited event' });
    const detail = corpusAuditedDetailSchema.parse(event!.event.detail);
    expect(detail.verdict).toBe('FAIL');
    expect(detail.corpus.versionId).toBe(put.VersionId);
    expect(detail.counts.input).toBe(1200);
    expect(detail.counts.clean + detail.counts.quarantined).toBe(1200);

    const verdict = await new DynamoVerdictStore(stackOutput(local, 'VerdictsTableName')).get(corpusSubject(bucket, key), `version#${put.VersionId}`);
    expect(verdict).toMatchObject({ verdict: 'FAIL', kind: 'corpus-audit', configHash: detail.configHash });
    expect(verdict!.config).toMatchObject({ dedup: { threshold: 0.85 } });

    const report = JSON.parse((await getObject(detail.artifacts.report)).toString());
    expect(report.leakage.heldoutRows).toBe(corpus.heldout.length);
    for (const kind of ['secrets', 'pii', 'injection', 'duplicate', 'near_duplicate', 'leakage', 'topic', 'parse']) {
      expect(report.findingsByCheck[kind], kind).toBeGreaterThan(0);
    }
    expect((await getObject(detail.artifacts.reportHtml)).toString()).toContain('<span class="verdict" id="verdict">FAIL</span>');
    const quarantine = gunzipSync(await getObject(detail.artifacts.quarantine)).toString();
    expect(quarantine.split('\n').filter(Boolean)).toHaveLength(detail.counts.quarantined);
    expect(quarantine).not.toMatch(/AKIA[A-Z2-7]{16}|ghp_[A-Za-z0-9]{36}/);
    const clean = gunzipSync(await getObject(detail.artifacts.clean)).toString();
    expect(clean.split('\n').filter(Boolean)).toHaveLength(detail.counts.clean);
  });

  it('does not audit a redelivered event twice', async () => {
    const original = (await control.events({ bus: 'default' })).find((e) => (e.event.detail as { object?: { key?: string } }).object?.key === key);
    expect(original).toBeDefined();
    const since = await control.mark();
    const redelivered = await control.publish('default', { ...original!.event, id: randomUUID() });
    await control.waitForIdle(120_000);
    const invocations = (await control.invocations({ since })).filter((i) => i.eventId === redelivered.event.id);
    expect(invocations.map((i) => i.outcome)).toEqual(['success']);
    expect(await auditedEvents(key, since)).toEqual([]);
    expect(await auditedEvents(key)).toHaveLength(1);
  });

  it('fails closed on an event for an object that does not exist: retried, then dead-lettered, no verdict', async () => {
    const since = await control.mark();
    const missing = `corpora/${randomUUID()}.jsonl`;
    await control.publish('default', {
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: { version: '0', bucket: { name: bucket }, object: { key: missing, size: 10, etag: 'abc', 'version-id': 'v1' }, reason: 'PutObject' },
    });
    const dead = await waitFor(async () => (await control.deadLetters({ since })).find((d) => JSON.stringify(d).includes(missing)), { timeoutMs: 120_000, description: 'dead letter for the missing object' });
    expect(dead).toBeDefined();
    expect(await auditedEvents(missing)).toEqual([]);
  });
});
