import { mkdtempSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { resetAwsClients, s3Client } from '../../../functions/stores/aws-clients';
import { main } from '../../../infra/cli/main';
import { plantedCorpus } from '../../../infra/demo/synthetic-corpus';
import { stackOutput, useLocalServices } from '../../support/local-services';

/* `finegate audit s3://…` reads the corpus and its held-out set from S3 (here the local S3 server) with the real client. */

let bucket: string;
beforeAll(() => {
  const local = useLocalServices();
  resetAwsClients();
  bucket = stackOutput(local, 'CorporaBucketName');
});
afterEach(() => vi.restoreAllMocks());

describe('finegate audit s3://…', () => {
  it('audits a corpus in S3 against a held-out set in S3', async () => {
    const corpus = plantedCorpus({ rows: 300, seed: 9 });
    const key = `cli/${randomUUID()}.jsonl`;
    const heldoutKey = `heldout/${randomUUID()}.jsonl`;
    await s3Client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: corpus.train.join('\n') }));
    await s3Client().send(new PutObjectCommand({ Bucket: bucket, Key: heldoutKey, Body: corpus.heldout.join('\n') }));
    const out = join(mkdtempSync(join(tmpdir(), 'finegate-cli-s3-')), 'out');
    const printed: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (printed.push(String(chunk)), true));
    const code = await main(['audit', `s3://${bucket}/${key}`, '--heldout', `s3://${bucket}/${heldoutKey}`, '--out', out, '--quiet']);
    expect(code).toBe(1);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.corpus.uri).toBe(`s3://${bucket}/${key}`);
    expect(report.leakage.heldoutRows).toBe(corpus.heldout.length);
    expect(report.findingsByCheck.leakage).toBeGreaterThan(0);
  });

  it('exits 2 for an object that does not exist', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await main(['audit', `s3://${bucket}/cli/missing-${randomUUID()}.jsonl`, '--quiet'])).toBe(2);
  });
});
