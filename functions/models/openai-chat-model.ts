/**
 * ChatModel over the `openai` client: OpenAI itself, or any OpenAI-compatible server (vLLM, Ollama, a SageMaker or
 * self-hosted endpoint) when OPENAI_BASE_URL points at it.
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, type ClientOptions } from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { openAiApiKey } from './api-key';
import { checkChatRequest, ModelCallError, type ChatModel, type ChatRequest, type ChatResult } from './chat-model';
import { ConcurrencyLimiter } from './concurrency-limiter';
import type { ModelRef } from './model-ref';
import { classifyFailure, RetryPolicy, type AttemptFailure, type RetryOptions } from './retry-policy';

export interface OpenAIChatModelOptions {
  /** Passed to the client (baseURL, apiKey, fetch…); its own retries are always switched off. */
  clientOptions?: ClientOptions;
  retry?: RetryOptions | RetryPolicy;
  /** Calls in flight at once on this model (default 8). A call keeps its slot through its retries, so throttling is not met with more calls. */
  maxConcurrency?: number;
}

/**
 * Placeholder key for OpenAI-compatible servers that take none (Ollama, a local vLLM): the client refuses to start
 * without a key, and sending a made-up one there is harmless. Only used when OPENAI_BASE_URL is set.
 */
const NO_KEY = 'not-needed';

export class OpenAIChatModel implements ChatModel {
  readonly ref: ModelRef;
  private readonly client: OpenAI;
  private readonly retry: RetryPolicy;
  private readonly limiter: ConcurrencyLimiter;

  constructor(ref: ModelRef, options: OpenAIChatModelOptions = {}) {
    if (ref.provider !== 'openai') throw new Error(`OpenAIChatModel serves openai: references, not ${ref.id}`);
    this.ref = ref;
    const clientOptions = options.clientOptions ?? {};
    const apiKey = clientOptions.apiKey ?? openAiApiKey();
    const keyless = apiKey === undefined && (clientOptions.baseURL ?? process.env.OPENAI_BASE_URL);
    this.client = new OpenAI({
      ...clientOptions,
      ...(keyless ? { apiKey: NO_KEY } : apiKey !== undefined ? { apiKey } : {}),
      // Our retry policy governs, so the attempts it reports are the real ones.
      maxRetries: 0,
    });
    this.retry = options.retry instanceof RetryPolicy ? options.retry : new RetryPolicy(options.retry);
    this.limiter = new ConcurrencyLimiter(options.maxConcurrency ?? 8);
  }

  async complete(request: ChatRequest): Promise<ChatResult> {
    checkChatRequest(this.ref.id, request);
    const body = this.body(request);
    const started = performance.now();
    const { value, attempts } = await this.limiter.run(() =>
      this.retry.run(
        // The per-attempt timeout is ours: it aborts this signal.
        (signal) => this.client.chat.completions.create(body, { signal }),
        classifyOpenAIFailure,
        this.ref.id,
      ),
    );
    const choice = value.choices?.[0];
    if (choice === undefined || choice.message === undefined) {
      throw new ModelCallError(`${this.ref.id}: the response has no choices`, { retryable: false, code: 'malformed_response', attempts });
    }
    const usage = value.usage;
    return {
      // A refusal is the model's answer, not a failed call.
      text: choice.message.content ?? choice.message.refusal ?? '',
      usage: { inputTokens: usage?.prompt_tokens ?? 0, outputTokens: usage?.completion_tokens ?? 0 },
      latencyMs: performance.now() - started,
      attempts,
      model: typeof value.model === 'string' && value.model !== '' ? value.model : this.ref.model,
      ...(choice.finish_reason ? { stopReason: choice.finish_reason } : {}),
    };
  }

  private body(request: ChatRequest): ChatCompletionCreateParamsNonStreaming {
    const reasoning = isReasoningModel(this.ref.model);
    const messages: ChatCompletionCreateParamsNonStreaming['messages'] = [];
    if (request.system !== undefined && request.system !== '') messages.push({ role: 'system', content: request.system });
    for (const m of request.messages) messages.push({ role: m.role, content: m.content });
    return {
      model: this.ref.model,
      messages,
      // OpenAI's reasoning models refuse max_tokens; compatible servers do not all know its successor.
      ...(request.maxTokens !== undefined ? (reasoning ? { max_completion_tokens: request.maxTokens } : { max_tokens: request.maxTokens }) : {}),
      // Reasoning models accept only their default temperature; a judge's temperature 0 would fail every call.
      ...(request.temperature !== undefined && !reasoning ? { temperature: request.temperature } : {}),
      ...(request.responseFormat === 'json' ? { response_format: { type: 'json_object' as const } } : {}),
    };
  }
}

/** OpenAI's reasoning models (o1, o3-mini, o4-mini, gpt-5…), by name, fine-tunes of them included. */
export function isReasoningModel(model: string): boolean {
  const base = model.toLowerCase().replace(/^ft:/, '');
  return /^o\d+([-:._]|$)/.test(base) || /^gpt-5([-:._]|$)/.test(base);
}

/** The openai client's errors, by class; the rest by the generic rules. */
export function classifyOpenAIFailure(error: unknown): AttemptFailure {
  if (error instanceof APIConnectionTimeoutError) return { retryable: true, message: error.message, code: 'timeout' };
  if (error instanceof APIUserAbortError) return { retryable: false, message: 'the request was aborted', code: 'aborted' };
  if (error instanceof APIConnectionError) {
    return { retryable: true, message: `connection failed: ${error.cause instanceof Error ? error.cause.message : error.message}`, code: 'network' };
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    const failure = classifyFailure({ status: error.status, message: error.message });
    const retryAfterMs = retryAfter(error.headers);
    return {
      ...failure,
      ...(typeof error.code === 'string' ? { code: error.code } : {}),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }
  return classifyFailure(error);
}

/** Retry-After as OpenAI sends it: `retry-after-ms`, or `retry-after` in seconds or as an HTTP date. */
function retryAfter(headers: Headers | undefined): number | undefined {
  if (headers === undefined || typeof headers.get !== 'function') return undefined;
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.get('retry-after-ms') !== null && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
