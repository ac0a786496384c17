import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import {
  S3_ACCESS_KEY_ID,
  S3_SECRET_ACCESS_KEY,
  startS3Server,
  type LocalS3Server,
  type S3ObjectCreatedRecord,
} from '../../../infra/local/s3-server';

let server: LocalS3Server;
let s3: S3Client;
const created: S3ObjectCreatedRecord[] = [];

beforeAll(async () => {
  server = await startS3Server();
  server.onObjectCreated((record) => created.push(record));
  await server.createBucket('plain');
  await server.createBucket('versioned', { versioned: true });
  s3 = new S3Client({
    endpoint: server.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
});

afterAll(async () => {
  s3?.destroy();
  await server?.stop();
});

const md5 = (data: string | Buffer) => createHash('md5').update(data).digest('hex');

async function waitForRecord(predicate: (r: S3ObjectCreatedRecord) => boolean): Promise<S3ObjectCreatedRecord> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const found = created.find(predicate);
    if (found) return found;
    if (Date.now() > deadline) throw new Error('no matching object-created record');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('local S3 server with SDK v3 clients', () => {
  it('puts, heads, and streams an object back', async () => {
    const body = '{"messages":[]}\n'.repeat(1000);
    const put = await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'corpora/a.jsonl', Body: body }));
    expect(put.ETag).toBe(`"${md5(body)}"`);
    expect(put.VersionId).toBeUndefined();

    const head = await s3.send(new HeadObjectCommand({ Bucket: 'plain', Key: 'corpora/a.jsonl' }));
    expect(head.ContentLength).toBe(body.length);
    expect(head.ETag).toBe(put.ETag);

    const got = await s3.send(new GetObjectCommand({ Bucket: 'plain', Key: 'corpora/a.jsonl' }));
    let text = '';
    for await (const chunk of got.Body as AsyncIterable<Buffer>) text += chunk.toString('utf8');
    expect(text).toBe(body);
  });

  it('serves byte ranges', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'range.txt', Body: '0123456789' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'plain', Key: 'range.txt', Range: 'bytes=2-5' }));
    expect(await got.Body!.transformToString()).toBe('2345');
  });

  it('completes a multipart upload through lib-storage', async () => {
    const part = Buffer.alloc(5 * 1024 * 1024, 'a');
    const body = Buffer.concat([part, Buffer.from('tail')]);
    const upload = new Upload({ client: s3, params: { Bucket: 'versioned', Key: 'big/blob.bin', Body: body }, partSize: 5 * 1024 * 1024 });
    const result = await upload.done();
    expect(result.Key).toBe('big/blob.bin');
    expect(result.VersionId).toMatch(/^[\w-]{32}$/);

    const head = await s3.send(new HeadObjectCommand({ Bucket: 'versioned', Key: 'big/blob.bin' }));
    expect(head.ContentLength).toBe(body.length);
    expect(head.VersionId).toBe(result.VersionId);

    const record = await waitForRecord((r) => r.key === 'big/blob.bin');
    expect(record).toMatchObject({ bucket: 'versioned', size: body.length, reason: 'CompleteMultipartUpload', versionId: result.VersionId });
  });

  it('lists objects with a prefix', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'list/one.txt', Body: '1' }));
    await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'list/two.txt', Body: '22' }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'plain', Prefix: 'list/' }));
    expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([
      ['list/one.txt', 1],
      ['list/two.txt', 2],
    ]);
  });

  it('versions objects in a versioned bucket and refuses stale version ids', async () => {
    const first = await s3.send(new PutObjectCommand({ Bucket: 'versioned', Key: 'v.txt', Body: 'one' }));
    const second = await s3.send(new PutObjectCommand({ Bucket: 'versioned', Key: 'v.txt', Body: 'two' }));
    expect(first.VersionId).toBeDefined();
    expect(second.VersionId).toBeDefined();
    expect(second.VersionId).not.toBe(first.VersionId);

    const current = await s3.send(new GetObjectCommand({ Bucket: 'versioned', Key: 'v.txt', VersionId: second.VersionId }));
    expect(current.VersionId).toBe(second.VersionId);
    expect(await current.Body!.transformToString()).toBe('two');

    const stale = s3.send(new GetObjectCommand({ Bucket: 'versioned', Key: 'v.txt', VersionId: first.VersionId }));
    await expect(stale).rejects.toSatisfy((e: unknown) => e instanceof S3ServiceException && e.name === 'NoSuchVersion');
  });

  it('answers bucket versioning requests', async () => {
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'plain', VersioningConfiguration: { Status: 'Enabled' } }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: 'plain' }))).Status).toBe('Enabled');
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'plain', VersioningConfiguration: { Status: 'Suspended' } }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: 'plain' }))).Status).toBeUndefined();
  });

  it('reports object creation with S3 event fields', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: 'versioned', Key: 'corpora/train.jsonl', Body: 'abc' }));
    const record = await waitForRecord((r) => r.key === 'corpora/train.jsonl');
    expect(record).toMatchObject({
      bucket: 'versioned',
      size: 3,
      etag: md5('abc'),
      versionId: put.VersionId,
      reason: 'PutObject',
    });
    expect(record.requestId).toMatch(/^[0-9A-F]{16}$/);
    expect(record.sequencer).toMatch(/^[0-9A-F]{16}$/);
  });

  it('reports copies with the copied ETag and increasing sequencers', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'src.txt', Body: 'copy me' }));
    await s3.send(new CopyObjectCommand({ Bucket: 'plain', Key: 'dst.txt', CopySource: 'plain/src.txt' }));
    const source = await waitForRecord((r) => r.key === 'src.txt');
    const copy = await waitForRecord((r) => r.key === 'dst.txt');
    expect(copy).toMatchObject({ reason: 'CopyObject', etag: md5('copy me'), size: 7 });
    expect(copy.sequencer > source.sequencer).toBe(true);
  });

  it('stores streamed uploads from clients left at default checksum settings without aws-chunked framing', async () => {
    const defaults = new S3Client({
      endpoint: server.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY },
    });
    try {
      const body = Readable.from([Buffer.from('hello '), Buffer.from('stream')]);
      await defaults.send(new PutObjectCommand({ Bucket: 'plain', Key: 'chunked.txt', Body: body, ContentLength: 12 }));
      const got = await s3.send(new GetObjectCommand({ Bucket: 'plain', Key: 'chunked.txt' }));
      expect(await got.Body!.transformToString()).toBe('hello stream');
      expect(got.ContentLength).toBe(12);
    } finally {
      defaults.destroy();
    }
  });

  it('does not report deletes as creations', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'gone.txt', Body: 'x' }));
    await waitForRecord((r) => r.key === 'gone.txt');
    const before = created.length;
    await s3.send(new DeleteObjectCommand({ Bucket: 'plain', Key: 'gone.txt' }));
    await expect(s3.send(new HeadObjectCommand({ Bucket: 'plain', Key: 'gone.txt' }))).rejects.toThrow();
    expect(created.length).toBe(before);
  });
});
