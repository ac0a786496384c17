import { InvokeModelCommand, type BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import {
  embeddingVector,
  formatEmbeddingModelRef,
  resolveRetryPolicy,
  truncateChars,
  withRetries,
  type EmbedOptions,
  type Embedder,
  type RetryDecision,
  type RetryPolicy,
} from '../audit/embedder';
import { bedrockRuntimeClient } from './aws-clients';

/**
 * Embeddings through Bedrock Runtime InvokeModel, for the two families with a text embedding body:
 * - Amazon Titan Text Embeddings (v2: `{inputText, dimensions, normalize}` → `{embedding}`; v1: `{inputText}`): one
 *   text per call, so a batch becomes up to `parallelCalls` concurrent calls.
 * - Cohere Embed (v3: `{texts, input_type, truncate: "END"}` → `{embeddings: [[…]]}`; v4 adds `embedding_types` and
 *   `output_dimension` and answers `{embeddings: {float: [[…]]}}`): up to 96 texts per call.
 * The model id may carry a cross-region prefix (`us.cohere.embed-v4:0`) or be an inference profile ARN.
 *
 * Retries are this adapter's (the shared client makes one attempt, see aws-clients.ts): ThrottlingException,
 * ServiceUnavailable, InternalServer, ModelNotReady, ModelTimeout, any 429/5xx, dropped connections and the per-attempt
 * timeout, with full-jitter exponential backoff (embedder.ts). Validation and access errors are not retried.
 */

export type BedrockEmbeddingFamily = 'titan-v2' | 'titan-v1' | 'cohere-v3' | 'cohere-v4';

export interface BedrockEmbedderOptions {
  /** Model id, inference profile id or ARN, e.g. `amazon.titan-embed-text-v2:0`, `cohere.embed-english-v3`. */
  modelId: string;
  /** Titan v2: 256, 512 or 1024 (default 1024). Cohere v4: 256, 512, 1024 or 1536. Not settable for v1/Cohere v3. */
  dimensions?: number;
  /** Defaults to the shared client of aws-clients.ts (one attempt per call). */
  client?: BedrockRuntimeClient;
  /** Titan: single-text calls in flight per embed() (default 4; the pass runs several embed() calls at once). */
  parallelCalls?: number;
  /** Cohere: texts per call (default and maximum 96). */
  maxTextsPerCall?: number;
  /** Per-attempt timeout (default 30 s). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Jitter source, injected in tests. */
  random?: () => number;
}

const TITAN_MAX_CHARS = 50_000;
const COHERE_V3_MAX_CHARS = 2048;
const COHERE_MAX_TEXTS = 96;

export function bedrockEmbeddingFamily(modelId: string): BedrockEmbeddingFamily {
  const id = modelId.toLowerCase();
  if (id.includes('amazon.titan-embed-text-v2')) return 'titan-v2';
  if (id.includes('amazon.titan-embed-text-v1') || id.includes('amazon.titan-embed-g1-text')) return 'titan-v1';
  if (id.includes('cohere.embed-v4')) return 'cohere-v4';
  if (id.includes('cohere.embed-english-v3') || id.includes('cohere.embed-multilingual-v3')) return 'cohere-v3';
  throw new RangeError(`bedrock:${modelId} is not a supported text embedding model (Titan Text Embeddings v1/v2, Cohere Embed v3/v4)`);
}

export class BedrockEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions?: number;
  readonly family: BedrockEmbeddingFamily;
  private readonly modelId: string;
  private readonly client?: BedrockRuntimeClient;
  private readonly parallelCalls: number;
  private readonly maxTexts: number;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly random?: () => number;

  constructor(options: BedrockEmbedderOptions) {
    this.modelId = options.modelId;
    this.model = formatEmbeddingModelRef({ provider: 'bedrock', model: options.modelId });
    this.family = bedrockEmbeddingFamily(options.modelId);
    this.client = options.client;
    this.parallelCalls = options.parallelCalls ?? 4;
    this.maxTexts = options.maxTextsPerCall ?? COHERE_MAX_TEXTS;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retry = resolveRetryPolicy(options.retry);
    this.random = options.random;
    if (!Number.isInteger(this.parallelCalls) || this.parallelCalls < 1) throw new RangeError(`parallelCalls must be a positive integer, got ${this.parallelCalls}`);
    if (!Number.isInteger(this.maxTexts) || this.maxTexts < 1 || this.maxTexts > COHERE_MAX_TEXTS) throw new RangeError(`maxTextsPerCall must be in [1, ${COHERE_MAX_TEXTS}], got ${this.maxTexts}`);
    const allowed = this.family === 'titan-v2' ? [256, 512, 1024] : this.family === 'cohere-v4' ? [256, 512, 1024, 1536] : [];
    if (options.dimensions !== undefined && !allowed.includes(options.dimensions)) {
      throw new RangeError(`${this.model}: dimensions ${options.dimensions} not supported${allowed.length ? ` (one of ${allowed.join(', ')})` : ' (fixed by the model)'}`);
    }
    // Titan v2 is always sent its dimensions, so the length is known up front.
    const dimensions = options.dimensions ?? (this.family === 'titan-v2' ? 1024 : undefined);
    if (dimensions !== undefined) this.dimensions = dimensions;
  }

  async embed(texts: string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    if (this.family === 'titan-v2' || this.family === 'titan-v1') return this.embedTitan(texts, options.signal);
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.maxTexts) {
      out.push(...(await this.retrying(texts.slice(start, start + this.maxTexts), (chunk, signal) => this.invokeCohere(chunk, signal), options.signal)));
    }
    return out;
  }

  /** One call per text, `parallelCalls` at a time; the first text that cannot be embedded fails the batch. */
  private async embedTitan(texts: string[], callerSignal: AbortSignal | undefined): Promise<Float32Array[]> {
    const out: Float32Array[] = new Array(texts.length);
    const stop = new AbortController();
    const signal = callerSignal ? AbortSignal.any([callerSignal, stop.signal]) : stop.signal;
    let next = 0;
    const worker = async () => {
      while (next < texts.length && !signal.aborted) {
        const i = next++;
        out[i] = await this.retrying(texts[i]!, (text, s) => this.invokeTitan(text, s), signal);
      }
    };
    const workers = Array.from({ length: Math.min(this.parallelCalls, texts.length) }, worker);
    try {
      await Promise.all(workers);
    } catch (error) {
      stop.abort(error);
      await Promise.allSettled(workers);
      throw error;
    }
    callerSignal?.throwIfAborted();
    return out;
  }

  private retrying<I, T>(input: I, call: (input: I, signal: AbortSignal) => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    return withRetries(() => this.attempt(input, call, signal), { policy: this.retry, classify: classifyBedrockError, what: this.model, signal, random: this.random });
  }

  /** One attempt under its own timeout; a timeout becomes a TimeoutError (retried), a caller's abort stays final. */
  private async attempt<I, T>(input: I, call: (input: I, signal: AbortSignal) => Promise<T>, callerSignal: AbortSignal | undefined): Promise<T> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      return await call(input, callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout);
    } catch (error) {
      if (timeout.aborted && !callerSignal?.aborted) {
        const timedOut = new Error(`no response within ${this.timeoutMs} ms`, { cause: error });
        timedOut.name = 'TimeoutError';
        throw timedOut;
      }
      throw error;
    }
  }

  private async invokeTitan(text: string, signal: AbortSignal): Promise<Float32Array> {
    const inputText = truncateChars(text, TITAN_MAX_CHARS);
    const body = this.family === 'titan-v2' ? { inputText, dimensions: this.dimensions, normalize: true } : { inputText };
    const json = await this.invoke(body, signal);
    return embeddingVector(json.embedding, `${this.model} response "embedding"`);
  }

  private async invokeCohere(texts: string[], signal: AbortSignal): Promise<Float32Array[]> {
    const body =
      this.family === 'cohere-v4'
        ? { texts, input_type: 'search_document', truncate: 'RIGHT', embedding_types: ['float'], ...(this.dimensions !== undefined ? { output_dimension: this.dimensions } : {}) }
        : { texts: texts.map((t) => truncateChars(t, COHERE_V3_MAX_CHARS)), input_type: 'search_document', truncate: 'END' };
    const json = await this.invoke(body, signal);
    // Without embedding_types the answer is an array of vectors; with them, an object keyed by type.
    const embeddings = Array.isArray(json.embeddings) ? json.embeddings : (json.embeddings as { float?: unknown } | undefined)?.float;
    if (!Array.isArray(embeddings) || embeddings.length !== texts.length) {
      throw new TypeError(`${this.model}: expected ${texts.length} embeddings, got ${Array.isArray(embeddings) ? embeddings.length : 'none'}`);
    }
    return embeddings.map((v, i) => embeddingVector(v, `${this.model} response "embeddings"[${i}]`));
  }

  private async invoke(body: object, signal: AbortSignal): Promise<Record<string, unknown>> {
    const client = this.client ?? bedrockRuntimeClient();
    const response = await client.send(
      new InvokeModelCommand({ modelId: this.modelId, contentType: 'application/json', accept: 'application/json', body: JSON.stringify(body) }),
      { abortSignal: signal },
    );
    const text = new TextDecoder().decode(response.body);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new TypeError(`${this.model}: response is not JSON (${text.slice(0, 80)})`);
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new TypeError(`${this.model}: response is not a JSON object`);
    return json as Record<string, unknown>;
  }
}

const RETRYABLE_ERRORS = new Set([
  'ThrottlingException',
  'ServiceUnavailableException',
  'InternalServerException',
  'ModelNotReadyException',
  'ModelTimeoutException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const RETRYABLE_NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

/** Throttling, server-side and network failures are transient; validation, access and unknown-model errors are not. */
export function classifyBedrockError(error: unknown): RetryDecision {
  if (error === null || typeof error !== 'object') return { retry: false };
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (e.name === 'AbortError') return { retry: false };
  if (e.name !== undefined && RETRYABLE_ERRORS.has(e.name)) return { retry: true };
  if (e.code !== undefined && RETRYABLE_NETWORK_CODES.has(e.code)) return { retry: true };
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status === 429 || status >= 500)) return { retry: true };
  if (e.$retryable) return { retry: true };
  return { retry: false };
}
