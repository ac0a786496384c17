import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAuditConfig } from '../../functions/audit/audit-config';
import { runAuditJob } from '../../functions/audit/audit-job';
import type { AuditReport } from '../../functions/audit/audit-report';
import { resetAwsClients } from '../../functions/stores/aws-clients';
import { S3ArtifactSink } from '../../functions/stores/s3-artifact-sink';
import { S3CorpusSource } from '../../functions/stores/s3-corpus-source';
import { getBytes, getTextIfExists, putObject } from '../../functions/stores/s3-objects';
import { plantedCorpus } from '../../infra/demo/synthetic-corpus';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { stackOutput, useLocalServices, type LocalRuntimeConnection } from '../support/local-services';

/*
 * S3 throttling during the corpus audit: the audit job runs in this process over the real S3 client, whose endpoint
 * is a fault proxy in front of the local S3 server. Bursts of 503 SlowDown on GetObject and PutObject are absorbed by
 * the SDK's retries and the outputs are byte for byte those of an unfaulted run; a storm that outlasts the retries
 * fails the audit closed (no report claiming a complete corpus), and the event source's retry then completes it.
 */

let local: LocalRuntimeConnection;
let proxy: FaultProxy;
let corpora: string;
let artifacts: string;
let corpusKey: string;
let heldoutKey: string;
let baseline: AuditOutputs;

interface AuditOutputs {
  report: AuditReport;
  clean: string;
  quarantine: string;
  findings: string;
}

const corpus = plantedCorpus({ rows: 300, seed: 71 });

beforeAll(async () => {
  local = useLocalServices();
  corpora = stackOutput(local, 'CorporaBucketName');
  artifacts = stackOutput(local, 'ArtifactsBucketName');
  proxy = await startFaultProxy(local.endpoints.s3);
  process.env.AWS_ENDPOINT_URL_S3 = proxy.url;
  resetAwsClients();
  const id = randomUUID();
  corpusKey = `corpora/faults/${id}/train.jsonl`;
  heldoutKey = `heldout/faults/${id}.jsonl`;
  await putObject(corpora, heldoutKey, corpus.heldout.join('\n') + '\n');
  await putObject(corpora, corpusKey, corpus.train.join('\n') + '\n');
  baseline = await audit('baseline');
  expect(baseline.report.counts.rows).toBe(300);
});

afterAll(async () => {
  process.env.AWS_ENDPOINT_URL_S3 = local.endpoints.s3;
  resetAwsClients();
  await proxy?.close();
});

async function audit(run: string): Promise<AuditOutputs> {
  const config = parseAuditConfig({ leakage: { heldoutUri: `s3://${corpora}/${heldoutKey}` } });
  const source = new S3CorpusSource(corpora, corpusKey);
  await source.resolve();
  const heldout = new S3CorpusSource(corpora, heldoutKey);
  const sink = new S3ArtifactSink(artifacts, `audits/faults/${run}/`);
  const report = await runAuditJob({ auditId: run, source, heldout, sink, config });
  const gunzipText = async (uri: string | undefined) => (uri ? gunzipSync(await getBytes(uri)).toString('utf8') : '');
  return { report, clean: await gunzipText(report.artifacts.clean), quarantine: await gunzipText(report.artifacts.quarantine), findings: await gunzipText(report.artifacts.findings) };
}

/** What must not change between runs (ids, timings and artifact locations do). */
function outcome(report: AuditReport) {
  return { verdict: report.verdict, reasons: report.reasons, counts: report.counts, findingsByCheck: report.findingsByCheck, configHash: report.configHash };
}

function expectSameAsBaseline(outputs: AuditOutputs) {
  expect(outcome(outputs.report)).toEqual(outcome(baseline.report));
  expect(outputs.clean).toBe(baseline.clean);
  expect(outputs.quarantine).toBe(baseline.quarantine);
  expect(outputs.findings).toBe(baseline.findings);
  // Nothing lost: every input line is either clean or quarantined.
  expect(outputs.report.counts.clean + outputs.report.counts.quarantined).toBe(300);
}

describe('S3 throttling during the corpus audit', () => {
  it('absorbs 503 SlowDown bursts on reads and writes: the outputs equal the unfaulted run', async () => {
    const reads = proxy.add({ name: 'slowdown-get', method: 'GET', path: /\/faults\/.*(train|\.jsonl)/, times: 2, fault: { kind: 's3-slowdown' } });
    const writes = proxy.add({ name: 'slowdown-put', method: 'PUT', path: /\/audits\/faults\/throttled\//, times: 2, fault: { kind: 's3-slowdown' } });
    try {
      const outputs = await audit('throttled');
      expect(reads.faulted).toBe(2);
      expect(writes.faulted).toBe(2);
      expectSameAsBaseline(outputs);
    } finally {
      proxy.clear();
    }
  });

  it('fails closed when the clean corpus cannot be written, and the retry completes it', async () => {
    proxy.add({ name: 'slowdown-clean', method: 'PUT', path: /\/audits\/faults\/storm\/clean/, fault: { kind: 's3-slowdown' } });
    try {
      await expect(audit('storm')).rejects.toThrow();
    } finally {
      proxy.clear();
    }
    // No report exists that would present a partial clean corpus as a complete audit.
    expect(await getTextIfExists(`s3://${artifacts}/audits/faults/storm/report.json`)).toBeUndefined();
    // The event source redelivers the same object: the audit completes with the unfaulted outputs.
    expectSameAsBaseline(await audit('storm'));
  });

  it('fails closed on connection resets mid-read past the retries', async () => {
    proxy.add({ name: 'reset-get', method: 'GET', path: /\/faults\/.*\/train\.jsonl/, fault: { kind: 'reset' } });
    try {
      await expect(audit('resets')).rejects.toThrow();
    } finally {
      proxy.clear();
    }
    expect(await getTextIfExists(`s3://${artifacts}/audits/faults/resets/report.json`)).toBeUndefined();
  });
});
