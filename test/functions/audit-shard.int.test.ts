import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CORPUS_AUDITED, corpusAuditedDetailSchema } from '../../events/corpus-audited';
import { handler as planHandler } from '../../functions/audit-plan';
import { handler as reduceHandler } from '../../functions/audit-reduce';
import { handler as shardHandler } from '../../functions/audit-shard';
import { parseAuditConfig } from '../../functions/audit/audit-config';
import { auditCorpus } from '../../functions/audit/audit-corpus';
import { corpusSubject, corpusVerdictKey } from '../../functions/audit/corpus-identity';
import { shardedAuditHandoff } from '../../functions/audit/shard-handoff';
import { resetAwsClients } from '../../functions/stores/aws-clients';
import { DynamoVerdictStore } from '../../functions/stores/dynamo-verdict-store';
import { FileArtifactSink } from '../../functions/stores/file-artifact-sink';
import { FileCorpusSource } from '../../functions/stores/file-corpus-source';
import { parseS3Uri } from '../../functions/stores/s3-uri';
import { plantedCorpus } from '../../infra/demo/synthetic-corpus';
import { LocalRuntimeControl } from '../support/local-runtime-control';
import { stackOutput, useLocalServices, type LocalRuntimeConnection } from '../support/local-services';

/*
 * The sharded audit's plan, shard and reduce handlers over the embedded S3, DynamoDB and EventBridge. The local ASL
 * interpreter has no Distributed Map, so this test plays its part: it reads the plan's items as the ItemReader would,
 * calls the shard handler with ItemBatcher-shaped batches, and writes the ResultWriter's manifest and result file
 * the reduce reads. The outcome must equal the single audit of the same corpus.
 */

let local: LocalRuntimeConnection;
let control: LocalRuntimeControl;
let s3: S3Client;
let corpora: string;
let artifacts: string;

beforeAll(() => {
  local = useLocalServices();
  resetAwsClients();
  control = new LocalRuntimeControl(local);
  s3 = new S3Client({ forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  corpora = stackOutput(local, 'CorporaBucketName');
  artifacts = stackOutput(local, 'ArtifactsBucketName');
  process.env.VERDICTS_TABLE = stackOutput(local, 'VerdictsTableName');
  process.env.EVENT_BUS_NAME = stackOutput(local, 'EventBusName');
});

afterAll(() => s3?.destroy());

async function get(bucket: string, key: string): Promise<Buffer> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

function lambdaContext(name: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 900_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

async function runSharded(body: Buffer, gzip: boolean) {
  const corpus = plantedCorpus({ rows: 700, seed: 41 });
  // The events of this corpus only (its key is unique).
  const heldoutKey = `heldout/${randomUUID()}.jsonl`;
  await s3.send(new PutObjectCommand({ Bucket: corpora, Key: heldoutKey, Body: corpus.heldout.join('\n') + '\n' }));
  // Outside the corpus prefix: an upload there would also start the local runtime's single audit of it.
  const key = `sharded-int/${randomUUID()}/big.jsonl${gzip ? '.gz' : ''}`;
  const put = await s3.send(new PutObjectCommand({ Bucket: corpora, Key: key, Body: body }));
  const config = parseAuditConfig({ leakage: { heldoutUri: `s3://${corpora}/${heldoutKey}` } });
  const object = { bucket: corpora, key, etag: put.ETag, versionId: put.VersionId };
  const verdictKey = corpusVerdictKey(object);
  const handoff = shardedAuditHandoff({
    auditId: randomUUID(),
    now: new Date(),
    subject: corpusSubject(corpora, key),
    verdictKey,
    corpus: object,
    artifacts: { bucket: artifacts, prefix: `audits/${corpora}/${key}/${verdictKey.replace(/^\w+#/, '')}/` },
    config,
    sharding: { targetBytes: Math.ceil(body.length / (gzip ? 1 : 4)) },
  });

  const planned = await planHandler(handoff.input);
  expect(planned.shards).toBeGreaterThanOrEqual(gzip ? 1 : 4);
  // The ItemReader: the plan's JSON array; the ItemBatcher: two items per batch, the job as BatchInput.
  const items = JSON.parse((await get(planned.plan.bucket, planned.plan.key)).toString()) as unknown[];
  expect(items).toHaveLength(planned.shards);
  const children = [];
  for (let i = 0; i < items.length; i += 2) {
    const batch = { BatchInput: { job: planned.job }, Items: items.slice(i, i + 2) };
    const output = await shardHandler(batch);
    children.push({ ExecutionArn: `arn:aws:states:us-east-1:000000000000:execution:x/${i}`, Input: JSON.stringify(batch), Output: JSON.stringify(output), Status: 'SUCCEEDED' });
  }
  // The ResultWriter: children's outputs in SUCCEEDED_0.json, listed by manifest.json.
  const resultsPrefix = `audits/sharded-audit-results/${randomUUID()}/`;
  await s3.send(new PutObjectCommand({ Bucket: artifacts, Key: `${resultsPrefix}SUCCEEDED_0.json`, Body: JSON.stringify(children) }));
  const manifest = { DestinationBucket: artifacts, MapRunArn: 'arn:aws:states:us-east-1:000000000000:mapRun:x/m:1', ResultFiles: { FAILED: [], PENDING: [], SUCCEEDED: [{ Key: `${resultsPrefix}SUCCEEDED_0.json`, Size: 1 }] } };
  await s3.send(new PutObjectCommand({ Bucket: artifacts, Key: `${resultsPrefix}manifest.json`, Body: JSON.stringify(manifest) }));

  const detail = await reduceHandler({ planned, map: { MapRunArn: manifest.MapRunArn, ResultWriterDetails: { Bucket: artifacts, Key: `${resultsPrefix}manifest.json` } } }, lambdaContext('reduce'));

  // The single audit of the same bytes, from files.
  const dir = mkdtempSync(join(tmpdir(), 'finegate-sharded-int-'));
  writeFileSync(join(dir, 'corpus'), body);
  writeFileSync(join(dir, 'heldout.jsonl'), corpus.heldout.join('\n') + '\n');
  const sink = new FileArtifactSink(join(dir, 'out'));
  const single = await auditCorpus({ auditId: 'single', source: new FileCorpusSource(join(dir, 'corpus')), heldout: new FileCorpusSource(join(dir, 'heldout.jsonl')), sink, config });
  return { detail, single, sinkDir: sink.dir, key, verdictKey };
}

describe('sharded audit handlers over the local S3', () => {
  const corpus = plantedCorpus({ rows: 700, seed: 41 });
  // Rows of the first shard repeated at the end: their duplicates are found across shards.
  const lines = [...corpus.train, corpus.train[3]!, corpus.train[20]!];
  const plain = Buffer.from(lines.join('\n') + '\n');

  for (const gzip of [false, true]) {
    it(`audits a ${gzip ? 'gzip' : 'plain'} corpus in shards exactly as the single audit does, then records the verdict and the event`, async () => {
      const { detail, single, sinkDir, key, verdictKey } = await runSharded(gzip ? gzipSync(plain) : plain, gzip);
      for (const artifact of ['findings', 'quarantine', 'clean'] as const) {
        const shardedText = gunzipSync(await get(parseS3Uri(detail.artifacts[artifact]).bucket, parseS3Uri(detail.artifacts[artifact]).key)).toString();
        expect(shardedText, artifact).toBe(gunzipSync(readFileSync(join(sinkDir, `${artifact}.jsonl.gz`))).toString());
      }
      expect(detail.verdict).toBe(single.report.verdict);
      expect(detail.counts).toEqual({ input: single.report.counts.rows, clean: single.report.counts.clean, quarantined: single.report.counts.quarantined, warned: single.report.counts.warned });
      expect(detail.findingsByCheck).toEqual(single.report.findingsByCheck);
      const duplicates = [...single.findings.entries()].filter(([, e]) => e.findings.some((f) => f.rule === 'duplicate.exact'));
      expect(duplicates.map(([line]) => line)).toEqual(expect.arrayContaining([lines.length - 1, lines.length]));

      const verdict = await new DynamoVerdictStore(process.env.VERDICTS_TABLE!).get(corpusSubject(corpora, key), verdictKey);
      expect(verdict).toMatchObject({ kind: 'corpus-audit', verdict: single.report.verdict, configHash: single.report.configHash });
      const report = JSON.parse((await get(parseS3Uri(detail.artifacts.report).bucket, parseS3Uri(detail.artifacts.report).key)).toString());
      expect(report.counts).toEqual(single.report.counts);
      expect(report.rules).toEqual(single.report.rules);
      const events = (await control.events()).filter((e) => e.event['detail-type'] === CORPUS_AUDITED && (e.event.detail as { corpus?: { key?: string } }).corpus?.key === key);
      expect(events).toHaveLength(1);
      expect(corpusAuditedDetailSchema.parse(events[0]!.event.detail).auditId).toBe(detail.auditId);
    });
  }
});
