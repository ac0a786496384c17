import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream';
import { AwsChunkedDecoder, isAwsChunked } from './aws-chunked-decoder';

/*
 * An S3-compatible server for the local runtime: s3rver (filesystem-backed) on a free port and a temporary
 * directory, plus what finegate needs that s3rver lacks:
 * - object-created notifications shaped like S3's, built from s3rver's own "event" emitter and completed with
 *   the request's reason, request id and the object's ETag once the response is sent;
 * - uploads in the aws-chunked encoding (SDK clients left at their default checksum settings) are decoded;
 * - bucket versioning (Put/GetBucketVersioning, x-amz-version-id on writes and reads, GET/HEAD by versionId).
 *   s3rver keeps one copy per key, so only the current version is readable; asking for an older one gets
 *   NoSuchVersion rather than newer bytes.
 * s3rver accepts any SigV4 signature but only its own access key id, so clients must sign with
 * S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY.
 */

export const S3_ACCESS_KEY_ID = 'S3RVER';
export const S3_SECRET_ACCESS_KEY = 'S3RVER';

export type ObjectCreatedReason = 'PutObject' | 'POST Object' | 'CopyObject' | 'CompleteMultipartUpload';

export interface S3ObjectCreatedRecord {
  bucket: string;
  key: string;
  size: number;
  /** Hex MD5 without quotes, as S3 events carry it. */
  etag: string;
  /** Only for versioned buckets. */
  versionId?: string;
  /** Increases with every write, as S3's per-key sequencer does. */
  sequencer: string;
  requestId: string;
  reason: ObjectCreatedReason;
  sourceIpAddress: string;
  time: Date;
}

export interface LocalS3Server {
  endpoint: string;
  port: number;
  directory: string;
  createBucket(name: string, options?: { versioned?: boolean }): Promise<void>;
  setBucketVersioning(name: string, enabled: boolean): void;
  onObjectCreated(listener: (record: S3ObjectCreatedRecord) => void): () => void;
  stop(): Promise<void>;
}

export interface StartS3ServerOptions {
  /** Where objects are stored; a fresh temporary directory (removed on stop) by default. */
  directory?: string;
  host?: string;
  port?: number;
}

// Minimal shapes of the s3rver / Koa objects we touch; s3rver ships no types.
interface S3rverEvent {
  Records: Array<{
    eventName: string;
    requestParameters: { sourceIPAddress: string };
    s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string } };
  }>;
}
interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
  ip: string;
  res: ServerResponse;
  req: IncomingMessage;
  set(name: string, value: string): void;
  get(name: string): string;
  type: string;
}
type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
interface S3rverInstance {
  middleware: Array<KoaMiddleware & { name?: string }>;
  store: { putBucket(name: string): Promise<void> };
  on(event: 'event', listener: (event: S3rverEvent) => void): void;
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

interface RequestState {
  requestId: string;
  reason: ObjectCreatedReason | undefined;
  created: S3rverEvent['Records'];
}

const XML_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n';

export async function startS3Server(options: StartS3ServerOptions = {}): Promise<LocalS3Server> {
  const ownsDirectory = options.directory === undefined;
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'finegate-s3-')));
  const host = options.host ?? '127.0.0.1';
  const server = new S3rver({ address: host, port: options.port ?? 0, directory, silent: true, resetOnClose: false });

  const versioned = new Set<string>();
  const currentVersions = new Map<string, string>();
  const listeners = new Set<(record: S3ObjectCreatedRecord) => void>();
  const requests = new AsyncLocalStorage<RequestState>();
  let sequence = 0;

  const versionKey = (bucket: string, key: string) => `${bucket}\u0000${key}`;

  server.on('event', (event) => {
    const state = requests.getStore();
    if (!state) return;
    for (const record of event.Records) {
      if (record.eventName.startsWith('ObjectCreated:')) state.created.push(record);
      else if (record.eventName.startsWith('ObjectRemoved:')) {
        currentVersions.delete(versionKey(record.s3.bucket.name, record.s3.object.key));
      }
    }
  });

  const extensions: KoaMiddleware = async (ctx, next) => {
    const state: RequestState = { requestId: randomHex(8).toUpperCase(), reason: reasonOf(ctx), created: [] };
    ctx.set('x-amz-request-id', state.requestId);
    const { bucket, key } = parsePath(ctx.path);

    if (bucket && !key && 'versioning' in ctx.query) {
      await bucketVersioning(ctx, bucket);
      return;
    }
    const requestedVersion = typeof ctx.query.versionId === 'string' ? ctx.query.versionId : undefined;
    if (bucket && key && requestedVersion !== undefined && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
      const current = currentVersions.get(versionKey(bucket, key));
      if (current !== undefined && current !== requestedVersion) {
        s3Error(ctx, 404, 'NoSuchVersion', 'The specified version does not exist.', { Key: key, VersionId: requestedVersion });
        return;
      }
    }

    if (ctx.method === 'PUT' && isAwsChunked(ctx.req.headers)) decodeAwsChunked(ctx);

    await requests.run(state, next);

    if (bucket && key && (ctx.method === 'GET' || ctx.method === 'HEAD') && ctx.status < 300) {
      const current = currentVersions.get(versionKey(bucket, key));
      if (current) ctx.set('x-amz-version-id', current);
    }
    const records = state.created.map((created) => {
      const createdBucket = created.s3.bucket.name;
      const createdKey = created.s3.object.key;
      let versionId: string | undefined;
      if (versioned.has(createdBucket)) {
        versionId = newVersionId();
        currentVersions.set(versionKey(createdBucket, createdKey), versionId);
        ctx.set('x-amz-version-id', versionId);
      } else {
        currentVersions.delete(versionKey(createdBucket, createdKey));
      }
      return {
        bucket: createdBucket,
        key: createdKey,
        size: created.s3.object.size ?? 0,
        etag: created.s3.object.eTag ?? copiedEtag(ctx.body) ?? '',
        ...(versionId ? { versionId } : {}),
        sequencer: (++sequence).toString(16).toUpperCase().padStart(16, '0'),
        requestId: state.requestId,
        reason: state.reason ?? 'PutObject',
        sourceIpAddress: created.requestParameters.sourceIPAddress,
        time: new Date(),
      } satisfies S3ObjectCreatedRecord;
    });
    if (records.length > 0) {
      // S3 notifies after the write has been acknowledged, never before.
      ctx.res.once('finish', () => {
        for (const record of records) for (const listener of listeners) listener(record);
      });
    }
  };

  async function bucketVersioning(ctx: KoaContext, bucket: string): Promise<void> {
    if (ctx.method === 'GET') {
      const status = versioned.has(bucket) ? '<Status>Enabled</Status>' : '';
      ctx.type = 'application/xml';
      ctx.body = `${XML_HEADER}<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${status}</VersioningConfiguration>`;
      return;
    }
    if (ctx.method === 'PUT') {
      const body = await readBody(ctx.req);
      const status = /<Status>\s*(\w+)\s*<\/Status>/.exec(body)?.[1];
      if (status !== 'Enabled' && status !== 'Suspended') {
        s3Error(ctx, 400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
        return;
      }
      setBucketVersioning(bucket, status === 'Enabled');
      ctx.status = 200;
      ctx.body = '';
      return;
    }
    s3Error(ctx, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
  }

  function setBucketVersioning(name: string, enabled: boolean): void {
    if (enabled) versioned.add(name);
    else versioned.delete(name);
  }

  // Our middleware goes right before s3rver's router, after its logging, XML encoding and vhost handling.
  const routerIndex = server.middleware.length - 1;
  if (server.middleware[routerIndex]?.name !== 'dispatch') {
    throw new Error('unexpected s3rver middleware layout; the pinned s3rver version may have changed');
  }
  server.middleware.splice(routerIndex, 0, extensions);

  const address = await server.run();
  const endpoint = `http://${host}:${address.port}`;

  return {
    endpoint,
    port: address.port,
    directory,
    async createBucket(name, bucketOptions = {}) {
      await server.store.putBucket(name);
      setBucketVersioning(name, bucketOptions.versioned ?? false);
    },
    setBucketVersioning,
    onObjectCreated(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      listeners.clear();
      server.httpServer?.closeAllConnections();
      await server.close();
      if (ownsDirectory) await rm(directory, { recursive: true, force: true });
    },
  };
}

/** s3rver reads `ctx.req` as the object body, so the decoded stream takes its place. */
function decodeAwsChunked(ctx: KoaContext): void {
  const headers = ctx.req.headers;
  const decoded = pipeline(ctx.req, new AwsChunkedDecoder(), () => {});
  const decodedLength = headers['x-amz-decoded-content-length'];
  if (typeof decodedLength === 'string') headers['content-length'] = decodedLength;
  else delete headers['content-length'];
  const encodings = String(headers['content-encoding'] ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '' && e !== 'aws-chunked');
  if (encodings.length > 0) headers['content-encoding'] = encodings.join(',');
  else delete headers['content-encoding'];
  ctx.req = Object.assign(decoded, { headers }) as unknown as IncomingMessage;
}

function reasonOf(ctx: KoaContext): ObjectCreatedReason | undefined {
  if (ctx.method === 'PUT') return ctx.get('x-amz-copy-source') ? 'CopyObject' : 'PutObject';
  if (ctx.method === 'POST') return 'uploadId' in ctx.query ? 'CompleteMultipartUpload' : 'POST Object';
  return undefined;
}

function parsePath(path: string): { bucket?: string; key?: string } {
  const [, bucket, ...rest] = path.split('/');
  const key = rest.join('/');
  return {
    ...(bucket ? { bucket: decodeURIComponent(bucket) } : {}),
    ...(key ? { key: decodeURIComponent(key) } : {}),
  };
}

function copiedEtag(body: unknown): string | undefined {
  const result = (body as { CopyObjectResult?: { ETag?: string } } | undefined)?.CopyObjectResult;
  return result?.ETag?.replace(/"/g, '');
}

function s3Error(ctx: KoaContext, status: number, code: string, message: string, extra: Record<string, string> = {}): void {
  const fields = Object.entries(extra)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('');
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = `${XML_HEADER}<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>${fields}</Error>`;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/** Version ids look like S3's: 32 URL-safe characters. */
function newVersionId(): string {
  return randomBytes(24).toString('base64url').slice(0, 32);
}

function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}
