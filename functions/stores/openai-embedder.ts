import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import {
  embeddingVector,
  formatEmbeddingModelRef,
  resolveRetryPolicy,
  withRetries,
  type EmbedOptions,
  type Embedder,
  type RetryDecision,
  type RetryPolicy,
} from '../audit/embedder';
import { openAiApiKey } from '../models/api-key';

/**
 * Embeddings through the `openai` package: OpenAI itself, or any OpenAI-compatible server (vLLM, Ollama, a self-hosted
 * or SageMaker endpoint) named by OPENAI_BASE_URL, with the key models/api-key.ts resolves (any non-empty value for servers without auth).
 *
 * Retries: the client's own retries are switched off (`maxRetries: 0`) and this adapter retries instead, so that both
 * embedding adapters follow one policy (embedder.ts: full-jitter exponential backoff, 5 attempts by default) and the
 * attempts are counted in one place. Retried: 408, 409, 429 and 5xx responses, connection errors and timeouts; a
 * server's Retry-After (`retry-after-ms` or `retry-after`) replaces the computed backoff, capped at maxDelayMs.
 * Not retried: other 4xx (bad key, unknown model, input too long), which no amount of waiting fixes.
 */

export interface OpenAIEmbedderOptions {
  /** Model name on the server, e.g. `text-embedding-3-small`. */
  model: string;
  /** Requested vector length (text-embedding-3 models shorten their vectors server-side). */
  dimensions?: number;
  /** Defaults to OPENAI_BASE_URL, then the OpenAI API. */
  baseURL?: string;
  /** Defaults to the key models/api-key.ts resolves (Secrets Manager, or OPENAI_API_KEY outside Lambda). */
  apiKey?: string;
  /** Texts per request (default 256; the API accepts up to 2,048 inputs and 300,000 tokens per request). */
  maxInputsPerRequest?: number;
  /** Per-attempt timeout (default 30 s). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /**
   * Wire encoding of the vectors. `base64` (default) is what the client asks for when left alone: 4 bytes a float
   * instead of ~10 JSON characters. Use `float` for a compatible server that does not implement base64.
   */
  encodingFormat?: 'base64' | 'float';
  /** Jitter source, injected in tests. */
  random?: () => number;
}

export class OpenAIEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions?: number;
  private readonly client: OpenAI;
  private readonly name: string;
  private readonly maxInputs: number;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly encodingFormat: 'base64' | 'float';
  private readonly random?: () => number;

  constructor(options: OpenAIEmbedderOptions) {
    this.name = options.model;
    this.model = formatEmbeddingModelRef({ provider: 'openai', model: options.model });
    if (options.dimensions !== undefined) this.dimensions = options.dimensions;
    this.maxInputs = options.maxInputsPerRequest ?? 256;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retry = resolveRetryPolicy(options.retry);
    this.encodingFormat = options.encodingFormat ?? 'base64';
    this.random = options.random;
    if (!Number.isInteger(this.maxInputs) || this.maxInputs < 1 || this.maxInputs > 2048) throw new RangeError(`maxInputsPerRequest must be in [1, 2048], got ${this.maxInputs}`);
    this.client = new OpenAI({
      baseURL: options.baseURL ?? process.env.OPENAI_BASE_URL,
      apiKey: options.apiKey ?? openAiApiKey(),
      maxRetries: 0,
      timeout: this.timeoutMs,
    });
  }

  async embed(texts: string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.maxInputs) {
      const chunk = texts.slice(start, start + this.maxInputs);
      out.push(...(await withRetries(() => this.request(chunk, options.signal), { policy: this.retry, classify: classifyOpenAIError, what: this.model, signal: options.signal, random: this.random })));
    }
    return out;
  }

  private async request(input: string[], signal: AbortSignal | undefined): Promise<Float32Array[]> {
    const body = {
      model: this.name,
      input,
      ...(this.dimensions !== undefined ? { dimensions: this.dimensions } : {}),
      // Left unset, the client asks for base64 and decodes it itself; an explicit value would switch that decoding off.
      ...(this.encodingFormat === 'float' ? { encoding_format: 'float' as const } : {}),
    };
    const response = await this.client.embeddings.create(body, { signal });
    const data: unknown = response?.data;
    if (!Array.isArray(data) || data.length !== input.length) {
      throw new TypeError(`${this.model}: expected ${input.length} embeddings, got ${Array.isArray(data) ? data.length : 'none'}`);
    }
    // `index` says which input each embedding belongs to; servers are not obliged to keep the order.
    const vectors: Float32Array[] = new Array(input.length);
    for (let i = 0; i < data.length; i++) {
      const item = data[i] as { index?: unknown; embedding?: unknown };
      const at = typeof item?.index === 'number' ? item.index : i;
      if (!Number.isInteger(at) || at < 0 || at >= input.length || vectors[at] !== undefined) throw new TypeError(`${this.model}: embedding ${i} has index ${String(item?.index)}`);
      vectors[at] = embeddingVector(item.embedding, `${this.model} embedding ${at}`);
    }
    return vectors;
  }
}

/** Transient failures: rate limits, server errors, timeouts, dropped connections. A caller's abort is final. */
export function classifyOpenAIError(error: unknown): RetryDecision {
  if (error instanceof APIUserAbortError) return { retry: false };
  if (error instanceof APIConnectionError) return { retry: true }; // includes APIConnectionTimeoutError
  if (error instanceof APIError) {
    const status = error.status ?? 0;
    if (status === 408 || status === 409 || status === 429 || status >= 500) return { retry: true, ...retryAfter(error.headers) };
    return { retry: false };
  }
  return { retry: false };
}

function retryAfter(headers: Headers | undefined): { afterMs?: number } {
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return { afterMs: ms };
  const raw = headers?.get('retry-after');
  if (!raw) return {};
  const seconds = Number.parseFloat(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return { afterMs: seconds * 1000 };
  const date = Date.parse(raw);
  return Number.isFinite(date) ? { afterMs: Math.max(0, date - Date.now()) } : {};
}
