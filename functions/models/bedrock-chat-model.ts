/**
 * ChatModel over the Bedrock Runtime Converse API: one request shape for every Bedrock model (Anthropic, Meta,
 * Mistral, Amazon Nova, custom and provisioned models, inference profiles). The endpoint comes from the SDK's own
 * AWS_ENDPOINT_URL_BEDROCK_RUNTIME, so the same adapter can talk to a local server.
 */
import { BedrockRuntimeClient, ConverseCommand, type BedrockRuntimeClientConfig, type ConverseCommandInput } from '@aws-sdk/client-bedrock-runtime';
import { checkChatRequest, ModelCallError, type ChatModel, type ChatRequest, type ChatResult } from './chat-model';
import { ConcurrencyLimiter } from './concurrency-limiter';
import type { ModelRef } from './model-ref';
import { classifyFailure, RetryPolicy, type AttemptFailure, type RetryOptions } from './retry-policy';

export interface BedrockChatModelOptions {
  /** Passed to the client (region, endpoint, credentials…); its own retries are always limited to one attempt. */
  clientConfig?: BedrockRuntimeClientConfig;
  retry?: RetryOptions | RetryPolicy;
  /** Calls in flight at once on this model (default 8). A call keeps its slot through its retries, so throttling is not met with more calls. */
  maxConcurrency?: number;
}

/**
 * Converse has no JSON mode common to all models, so JSON is asked for in the system prompt: every model it serves
 * follows a system instruction.
 */
export const JSON_INSTRUCTION = 'Respond with a single JSON object and nothing else: no prose, no code fences.';

export class BedrockChatModel implements ChatModel {
  readonly ref: ModelRef;
  private readonly client: BedrockRuntimeClient;
  private readonly retry: RetryPolicy;
  private readonly limiter: ConcurrencyLimiter;
  /** Set once the model has refused a system prompt. */
  private foldSystem = false;

  constructor(ref: ModelRef, options: BedrockChatModelOptions = {}) {
    if (ref.provider !== 'bedrock') throw new Error(`BedrockChatModel serves bedrock: references, not ${ref.id}`);
    this.ref = ref;
    // Our retry policy governs, so the attempts it reports are the real ones.
    this.client = new BedrockRuntimeClient({ ...options.clientConfig, maxAttempts: 1 });
    this.retry = options.retry instanceof RetryPolicy ? options.retry : new RetryPolicy(options.retry);
    this.limiter = new ConcurrencyLimiter(options.maxConcurrency ?? 8);
  }

  async complete(request: ChatRequest): Promise<ChatResult> {
    checkChatRequest(this.ref.id, request);
    const started = performance.now();
    const { value, attempts } = await this.limiter.run(() => this.retry.run((signal) => this.send(request, signal), classifyBedrockFailure, this.ref.id));
    const content = value.output?.message?.content;
    if (!Array.isArray(content)) {
      throw new ModelCallError(`${this.ref.id}: the response has no output message`, { retryable: false, code: 'malformed_response', attempts });
    }
    return {
      // Text blocks only: reasoning blocks are the model's working, not its answer.
      text: content.map((block) => block.text ?? '').join(''),
      usage: { inputTokens: value.usage?.inputTokens ?? 0, outputTokens: value.usage?.outputTokens ?? 0 },
      latencyMs: performance.now() - started,
      attempts,
      model: this.ref.model,
      ...(value.stopReason ? { stopReason: value.stopReason } : {}),
    };
  }

  /** Releases the client's sockets. */
  destroy(): void {
    this.client.destroy();
  }

  /**
   * One Converse call. Some Bedrock models take no system prompt (Titan Text, the early Mistral instruct models) and
   * refuse one with a ValidationException; the system prompt then goes at the head of the first user message, for
   * this call and every later one.
   */
  private async send(request: ChatRequest, signal: AbortSignal) {
    const system = [request.system, request.responseFormat === 'json' ? JSON_INSTRUCTION : undefined].filter((s): s is string => s !== undefined && s !== '');
    try {
      return await this.client.send(new ConverseCommand(this.input(request, system, this.foldSystem)), { abortSignal: signal });
    } catch (error) {
      if (this.foldSystem || system.length === 0 || !refusesSystemPrompt(error)) throw error;
      this.foldSystem = true;
      return await this.client.send(new ConverseCommand(this.input(request, system, true)), { abortSignal: signal });
    }
  }

  private input(request: ChatRequest, system: string[], fold: boolean): ConverseCommandInput {
    const inferenceConfig = {
      ...(request.maxTokens !== undefined ? { maxTokens: request.maxTokens } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    };
    const messages = request.messages.map((m) => ({ role: m.role, content: [{ text: m.content }] }));
    const firstUser = messages.findIndex((m) => m.role === 'user');
    if (fold && system.length > 0 && firstUser !== -1) {
      messages[firstUser] = { role: 'user', content: [{ text: `${system.join('\n\n')}\n\n${request.messages[firstUser]!.content}` }] };
    }
    return {
      modelId: this.ref.model,
      messages,
      ...(!fold && system.length > 0 ? { system: system.map((text) => ({ text })) } : {}),
      ...(Object.keys(inferenceConfig).length > 0 ? { inferenceConfig } : {}),
    };
  }
}

/** Bedrock's refusal of a system prompt: "This model doesn't support system messages…". */
export function refusesSystemPrompt(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== 'ValidationException') return false;
  return /system (message|prompt)/i.test(error.message) && /(support|allow)/i.test(error.message);
}

/** Bedrock's errors carry their AWS name and HTTP status; an aborted request is reported by the SDK as AbortError. */
export function classifyBedrockFailure(error: unknown): AttemptFailure {
  if (error instanceof Error && error.name === 'AbortError') return { retryable: false, message: 'the request was aborted', code: 'aborted' };
  return classifyFailure(error);
}
