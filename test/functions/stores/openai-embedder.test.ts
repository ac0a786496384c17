import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddingCallError } from '../../../functions/audit/embedder';
import { OpenAIEmbedder } from '../../../functions/stores/openai-embedder';

/**
 * A local server speaking the OpenAI embeddings wire format (`POST /v1/embeddings`, bearer auth, float or base64
 * vectors, OpenAI-shaped errors), used through the real `openai` client.
 */

interface Received {
  path: string;
  authorization?: string;
  body: { model: string; input: string[]; encoding_format?: string; dimensions?: number };
}

type Reply = { status: number; headers?: Record<string, string>; json?: unknown } | 'hang';

let server: ReturnType<typeof createServer>;
let baseURL: string;
let received: Received[] = [];
/** The next replies, in order; when empty the server answers normally. */
let script: Reply[] = [];

/** The server's deterministic embedding of a text: [length, code-unit sum mod 97, 1, index-free marker]. */
function vectorOf(text: string, dimensions = 4): number[] {
  let sum = 0;
  for (let i = 0; i < text.length; i++) sum += text.charCodeAt(i);
  const v = [text.length, sum % 97, 1, 0.5];
  while (v.length < dimensions) v.push(v.length / 10);
  return v.slice(0, dimensions);
}

function base64Floats(values: number[]): string {
  const buffer = Buffer.alloc(values.length * 4);
  values.forEach((x, i) => buffer.writeFloatLE(x, i * 4));
  return buffer.toString('base64');
}

function send(res: ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(json));
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received['body'];
  received.push({ path: req.url ?? '', authorization: req.headers.authorization, body });
  const reply = script.shift();
  if (reply === 'hang') return; // never answers: the client's timeout must fire
  if (reply) return send(res, reply.status, reply.json ?? { error: { message: `status ${reply.status}`, type: 'server_error', code: null } }, reply.headers);
  if (req.method !== 'POST' || req.url !== '/v1/embeddings') return send(res, 404, { error: { message: 'not found', type: 'invalid_request_error' } });
  if (req.headers.authorization !== 'Bearer test-key') return send(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });
  // The real API answers in order; answering in reverse checks that `index`, not position, places each vector.
  const data = body.input
    .map((text, index) => {
      const v = vectorOf(text, body.dimensions);
      return { object: 'embedding', index, embedding: body.encoding_format === 'base64' ? base64Floats(v) : v };
    })
    .reverse();
  send(res, 200, { object: 'list', data, model: body.model, usage: { prompt_tokens: body.input.length, total_tokens: body.input.length } });
}

beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res));
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

afterEach(() => {
  received = [];
  script = [];
});

const fast = { attempts: 3, baseDelayMs: 5, maxDelayMs: 50 };

function embedder(options: Partial<ConstructorParameters<typeof OpenAIEmbedder>[0]> = {}) {
  return new OpenAIEmbedder({ model: 'text-embedding-3-small', baseURL, apiKey: 'test-key', retry: fast, ...options });
}

describe('OpenAIEmbedder against a local OpenAI-compatible server', () => {
  it('embeds through the client’s default base64 wire format, placing vectors by index', async () => {
    const e = embedder();
    const vectors = await e.embed(['alpha', 'beta gamma', 'δ']);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ path: '/v1/embeddings', authorization: 'Bearer test-key', body: { model: 'text-embedding-3-small', input: ['alpha', 'beta gamma', 'δ'], encoding_format: 'base64' } });
    expect(vectors.every((v) => v instanceof Float32Array)).toBe(true);
    expect(vectors.map((v) => [...v])).toEqual([vectorOf('alpha'), vectorOf('beta gamma'), vectorOf('δ')]);
    expect(e.model).toBe('openai:text-embedding-3-small');
  });

  it('asks for float vectors when told to, and passes dimensions', async () => {
    const vectors = await embedder({ encodingFormat: 'float', dimensions: 6 }).embed(['one', 'two']);
    expect(received[0]!.body).toMatchObject({ encoding_format: 'float', dimensions: 6 });
    expect(vectors.map((v) => [...v])).toEqual([f32(vectorOf('one', 6)), f32(vectorOf('two', 6))]);
  });

  it('reads OPENAI_BASE_URL and OPENAI_API_KEY', async () => {
    const saved = { url: process.env.OPENAI_BASE_URL, key: process.env.OPENAI_API_KEY };
    process.env.OPENAI_BASE_URL = baseURL;
    process.env.OPENAI_API_KEY = 'test-key';
    try {
      const vectors = await new OpenAIEmbedder({ model: 'nomic-embed-text', retry: fast }).embed(['from env']);
      expect(received[0]).toMatchObject({ authorization: 'Bearer test-key', body: { model: 'nomic-embed-text' } });
      expect([...vectors[0]!]).toEqual(vectorOf('from env'));
    } finally {
      restore('OPENAI_BASE_URL', saved.url);
      restore('OPENAI_API_KEY', saved.key);
    }
  });

  it('splits a batch into requests of at most maxInputsPerRequest texts, keeping the order', async () => {
    const texts = ['a', 'bb', 'ccc', 'dddd', 'eeeee'];
    const vectors = await embedder({ maxInputsPerRequest: 2 }).embed(texts);
    expect(received.map((r) => r.body.input)).toEqual([['a', 'bb'], ['ccc', 'dddd'], ['eeeee']]);
    expect(vectors.map((v) => v[0])).toEqual([1, 2, 3, 4, 5]);
  });

  it('retries a 429, waiting as long as Retry-After asks, then succeeds', async () => {
    script = [{ status: 429, headers: { 'retry-after-ms': '120' }, json: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } } }];
    const started = performance.now();
    // Without the header the backoff would be at most 5 ms; the wait is capped at maxDelayMs.
    const vectors = await embedder({ retry: { ...fast, maxDelayMs: 1000 } }).embed(['after the limit']);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
    expect(received).toHaveLength(2);
    expect([...vectors[0]!]).toEqual(vectorOf('after the limit'));
  });

  it('gives up on a permanent 500 after the configured attempts, the client adding none of its own', async () => {
    script = [{ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }];
    const error = await embedder().embed(['x']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddingCallError);
    expect(error).toMatchObject({ attempts: 3, retryable: true });
    expect((error as Error).message).toMatch(/^openai:text-embedding-3-small: .*500.*\(gave up after 3 attempts\)$/);
    expect(received).toHaveLength(3);

    script = [{ status: 500 }, { status: 500 }];
    await expect(embedder({ retry: { ...fast, attempts: 1 } }).embed(['x'])).rejects.toThrow(/gave up after 1 attempt\)/);
    expect(received).toHaveLength(4);
  });

  it('does not retry a request the server rejects', async () => {
    await expect(embedder({ apiKey: 'wrong' }).embed(['x'])).rejects.toMatchObject({ attempts: 1, retryable: false, message: expect.stringMatching(/401.*not retryable/) });
    expect(received).toHaveLength(1);
  });

  it('retries a request that times out', async () => {
    script = ['hang'];
    const vectors = await embedder({ timeoutMs: 300 }).embed(['slow']);
    expect(received).toHaveLength(2);
    expect([...vectors[0]!]).toEqual(vectorOf('slow'));
  });

  it('refuses a response with the wrong number of embeddings', async () => {
    script = [{ status: 200, json: { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [1, 2] }], model: 'm', usage: { prompt_tokens: 1, total_tokens: 1 } } }];
    await expect(embedder({ encodingFormat: 'float' }).embed(['a', 'b'])).rejects.toThrow(/expected 2 embeddings, got 1/);
  });

  it('stops at once when the caller aborts', async () => {
    script = [{ status: 503 }, { status: 503 }, { status: 503 }];
    const controller = new AbortController();
    // random: () => 1 makes the backoff the full 5 s, so only the abort can end it early.
    const pending = embedder({ retry: { attempts: 3, baseDelayMs: 5_000, maxDelayMs: 5_000 }, random: () => 1 }).embed(['x'], { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('deadline')), 100);
    const started = performance.now();
    await expect(pending).rejects.toThrow('deadline');
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(received).toHaveLength(1);
  });
});

function f32(values: number[]): number[] {
  return [...Float32Array.from(values)];
}

function restore(name: string, value: string | undefined) {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
