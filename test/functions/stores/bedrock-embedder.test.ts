import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddingCallError } from '../../../functions/audit/embedder';
import { resetAwsClients } from '../../../functions/stores/aws-clients';
import { BedrockEmbedder, bedrockEmbeddingFamily } from '../../../functions/stores/bedrock-embedder';

/**
 * A local server speaking Bedrock Runtime's InvokeModel wire protocol (`POST /model/{modelId}/invoke`, SigV4-signed,
 * restJson1 errors with `x-amzn-errortype`), reached through the real SDK client that aws-clients.ts builds, pointed
 * at it by AWS_ENDPOINT_URL_BEDROCK_RUNTIME. The server checks every signature with the test secret.
 */

const ACCESS_KEY = 'AKIDLOCALTEST';
const SECRET = 'local-test-secret';
const REGION = 'us-east-1';

interface Received {
  modelId: string;
  body: Record<string, unknown>;
  signature: 'valid' | string;
}

type Reply = { status: number; errorType?: string; json?: unknown } | 'hang';

let server: ReturnType<typeof createServer>;
let received: Received[] = [];
/** Replies for the next requests, in order; when empty the server answers as the model would. */
let script: Reply[] = [];
let inFlight = 0;
let maxInFlight = 0;
let delayMs = 0;
const savedEnv: Record<string, string | undefined> = {};

function vectorOf(text: string, dimensions: number): number[] {
  let sum = 0;
  for (let i = 0; i < text.length; i++) sum += text.charCodeAt(i);
  return Array.from({ length: dimensions }, (_, i) => (i === 0 ? text.length : i === 1 ? sum % 101 : 1 / (i + 1)));
}

function send(res: ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': `req-${received.length}`, ...headers });
  res.end(JSON.stringify(json));
}

function sendError(res: ServerResponse, status: number, type: string, message: string) {
  send(res, status, { message }, { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` });
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const match = /^\/model\/([^/]+)\/invoke$/.exec(req.url ?? '');
  const signature = verifySigV4(req, raw);
  const entry: Received = { modelId: match ? decodeURIComponent(match[1]!) : '', body: JSON.parse(raw.toString('utf8') || '{}'), signature };
  received.push(entry);
  if (req.method !== 'POST' || !match) return sendError(res, 404, 'UnknownOperationException', 'unknown operation');
  if (signature !== 'valid') return sendError(res, 403, 'InvalidSignatureException', signature);
  const reply = script.shift();
  if (reply === 'hang') return;
  if (reply) return sendError(res, reply.status, reply.errorType ?? 'InternalServerException', `scripted ${reply.status}`);

  inFlight++;
  maxInFlight = Math.max(maxInFlight, inFlight);
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  inFlight--;
  const body = entry.body;
  if (entry.modelId.startsWith('amazon.titan-embed-text')) {
    if (typeof body.inputText !== 'string') return sendError(res, 400, 'ValidationException', 'Malformed input request: #: required key [inputText] not found');
    const dimensions = (body.dimensions as number | undefined) ?? 1536;
    return send(res, 200, { embedding: vectorOf(body.inputText, dimensions), inputTextTokenCount: Math.ceil(body.inputText.length / 4) });
  }
  if (entry.modelId.includes('cohere.embed')) {
    const texts = body.texts as string[];
    if (!Array.isArray(texts) || texts.length > 96) return sendError(res, 400, 'ValidationException', 'texts: expected at most 96');
    if (texts.some((t) => t.length > 2048) && entry.modelId.includes('v3')) return sendError(res, 400, 'ValidationException', 'text too long');
    const dimensions = (body.output_dimension as number | undefined) ?? 8;
    const vectors = texts.map((t) => vectorOf(t, dimensions));
    const byType = Array.isArray(body.embedding_types);
    return send(res, 200, { id: 'emb-1', texts, response_type: byType ? 'embeddings_by_type' : 'embeddings_floats', embeddings: byType ? { float: vectors } : vectors });
  }
  return sendError(res, 400, 'ValidationException', 'The provided model identifier is invalid.');
}

/** Recomputes the SigV4 signature of a request (AWS's documented algorithm) and compares it. */
function verifySigV4(req: IncomingMessage, body: Buffer): 'valid' | string {
  const auth = req.headers.authorization ?? '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return `malformed authorization header: ${auth}`;
  const [, accessKey, date, region, service, signedHeaders, signature] = m;
  if (accessKey !== ACCESS_KEY) return `unknown access key ${accessKey}`;
  if (region !== REGION || service !== 'bedrock') return `scope ${region}/${service}`;
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  if (!amzDate.startsWith(date!)) return 'x-amz-date does not match the credential scope';
  const names = signedHeaders!.split(';');
  if (!names.includes('host') || !names.includes('x-amz-date')) return 'host and x-amz-date must be signed';
  const [path = '', query = ''] = (req.url ?? '').split('?');
  // Non-S3 services sign the URI-encoded path once more.
  const canonicalUri = path.split('/').map((segment) => encodeRfc3986(segment)).join('/');
  const canonicalHeaders = names.map((n) => `${n}:${String(req.headers[n] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonicalRequest = ['POST', canonicalUri, query, canonicalHeaders, signedHeaders, sha256(body)].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  let key: Buffer = hmac(`AWS4${SECRET}`, date!);
  for (const part of [region!, service!, 'aws4_request']) key = hmac(key, part);
  const expected = createHmac('sha256', key).update(stringToSign).digest('hex');
  return expected === signature ? 'valid' : 'signature mismatch';
}

function encodeRfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res));
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const env = {
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: SECRET,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
  };
  for (const [name, value] of Object.entries(env)) {
    savedEnv[name] = process.env[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  resetAwsClients();
});

afterAll(async () => {
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  resetAwsClients();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

afterEach(() => {
  received = [];
  script = [];
  maxInFlight = 0;
  delayMs = 0;
});

const fast = { attempts: 3, baseDelayMs: 5, maxDelayMs: 50 };

describe('BedrockEmbedder against a local Bedrock Runtime endpoint', () => {
  it('embeds with Titan v2, one signed call per text, at most parallelCalls at once', async () => {
    delayMs = 20;
    const embedder = new BedrockEmbedder({ modelId: 'amazon.titan-embed-text-v2:0', dimensions: 256, parallelCalls: 3, retry: fast });
    const texts = Array.from({ length: 10 }, (_, i) => `text number ${i} ${'x'.repeat(i)}`);
    const vectors = await embedder.embed(texts);
    expect(received).toHaveLength(10);
    expect(received.every((r) => r.signature === 'valid' && r.modelId === 'amazon.titan-embed-text-v2:0')).toBe(true);
    expect(received.map((r) => r.body).sort((a, b) => String(a.inputText).localeCompare(String(b.inputText)))).toEqual(
      texts.map((t) => ({ inputText: t, dimensions: 256, normalize: true })).sort((a, b) => a.inputText.localeCompare(b.inputText)),
    );
    expect(vectors.map((v) => [...v])).toEqual(texts.map((t) => f32(vectorOf(t, 256))));
    expect(maxInFlight).toBe(3);
    expect(embedder).toMatchObject({ model: 'bedrock:amazon.titan-embed-text-v2:0', dimensions: 256, family: 'titan-v2' });
  });

  it('sends Titan v1 only its input text', async () => {
    const vectors = await new BedrockEmbedder({ modelId: 'amazon.titan-embed-text-v1', retry: fast }).embed(['hello']);
    expect(received[0]!.body).toEqual({ inputText: 'hello' });
    expect(vectors[0]).toHaveLength(1536);
  });

  it('embeds with Cohere v3 in calls of up to 96 texts, cut to its 2,048-character limit', async () => {
    const texts = Array.from({ length: 100 }, (_, i) => (i === 7 ? 'y'.repeat(3000) : `doc ${i}`));
    const embedder = new BedrockEmbedder({ modelId: 'cohere.embed-english-v3', retry: fast });
    const vectors = await embedder.embed(texts);
    expect(received.map((r) => (r.body.texts as string[]).length)).toEqual([96, 4]);
    expect(received[0]!.body).toMatchObject({ input_type: 'search_document', truncate: 'END' });
    expect((received[0]!.body.texts as string[])[7]).toHaveLength(2048);
    expect(vectors).toHaveLength(100);
    expect([...vectors[99]!]).toEqual(f32(vectorOf('doc 99', 8)));
    expect([...vectors[7]!]).toEqual(f32(vectorOf('y'.repeat(2048), 8)));
  });

  it('embeds with Cohere v4 through a cross-region profile, asking for float embeddings of the chosen size', async () => {
    const vectors = await new BedrockEmbedder({ modelId: 'us.cohere.embed-v4:0', dimensions: 256, retry: fast }).embed(['a', 'b']);
    expect(received[0]).toMatchObject({ modelId: 'us.cohere.embed-v4:0', signature: 'valid', body: { texts: ['a', 'b'], input_type: 'search_document', embedding_types: ['float'], output_dimension: 256, truncate: 'RIGHT' } });
    expect(vectors.map((v) => v.length)).toEqual([256, 256]);
  });

  it('retries a ThrottlingException (429), then succeeds', async () => {
    script = [{ status: 429, errorType: 'ThrottlingException' }];
    const vectors = await new BedrockEmbedder({ modelId: 'amazon.titan-embed-text-v2:0', retry: fast }).embed(['throttled once']);
    expect(received).toHaveLength(2);
    expect([...vectors[0]!]).toEqual(f32(vectorOf('throttled once', 1024)));
  });

  it('gives up on a permanent 500 after the configured attempts, the SDK adding none of its own', async () => {
    script = Array.from({ length: 6 }, () => ({ status: 500, errorType: 'InternalServerException' }));
    const error = await new BedrockEmbedder({ modelId: 'cohere.embed-multilingual-v3', retry: fast }).embed(['x']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddingCallError);
    expect(error).toMatchObject({ attempts: 3, retryable: true });
    expect((error as Error).message).toMatch(/^bedrock:cohere\.embed-multilingual-v3: scripted 500 \(gave up after 3 attempts\)$/);
    expect((error as Error).cause).toMatchObject({ name: 'InternalServerException' });
    expect(received).toHaveLength(3);
  });

  it('fails a Titan batch when one text cannot be embedded, and does not retry a validation error', async () => {
    script = [{ status: 400, errorType: 'ValidationException' }];
    const embedder = new BedrockEmbedder({ modelId: 'amazon.titan-embed-text-v2:0', parallelCalls: 1, retry: fast });
    await expect(embedder.embed(['first', 'second', 'third'])).rejects.toMatchObject({ attempts: 1, retryable: false });
    expect(received).toHaveLength(1);
  });

  it('retries an attempt that times out', async () => {
    script = ['hang'];
    const vectors = await new BedrockEmbedder({ modelId: 'amazon.titan-embed-text-v2:0', timeoutMs: 300, retry: fast }).embed(['slow']);
    expect(received).toHaveLength(2);
    expect(vectors[0]).toHaveLength(1024);
  });

  it('knows which models it can embed with, and their dimensions', () => {
    expect(bedrockEmbeddingFamily('arn:aws:bedrock:eu-west-1::foundation-model/amazon.titan-embed-text-v2:0')).toBe('titan-v2');
    expect(bedrockEmbeddingFamily('amazon.titan-embed-g1-text-02')).toBe('titan-v1');
    expect(bedrockEmbeddingFamily('eu.cohere.embed-v4:0')).toBe('cohere-v4');
    expect(() => bedrockEmbeddingFamily('anthropic.claude-3-haiku-20240307-v1:0')).toThrow(/not a supported text embedding model/);
    expect(() => new BedrockEmbedder({ modelId: 'amazon.titan-embed-text-v2:0', dimensions: 300 })).toThrow(/256, 512, 1024/);
    expect(() => new BedrockEmbedder({ modelId: 'cohere.embed-english-v3', dimensions: 512 })).toThrow(/fixed by the model/);
    expect(new BedrockEmbedder({ modelId: 'amazon.titan-embed-text-v2:0' }).dimensions).toBe(1024);
    expect(new BedrockEmbedder({ modelId: 'cohere.embed-english-v3' }).dimensions).toBeUndefined();
  });
});

function f32(values: number[]): number[] {
  return [...Float32Array.from(values)];
}
