/**
 * The chat-model port: what the audit's judge, the checkpoint gate, the arena and the canary call, whatever serves
 * the model (Bedrock, an OpenAI-compatible server, a deterministic local model).
 */
import type { ModelRef } from './model-ref';

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  system?: string;
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  /** `json` asks for a single JSON object: the provider's JSON mode where it has one, an instruction otherwise. */
  responseFormat?: 'text' | 'json';
}

export interface ChatResult {
  text: string;
  /** Tokens as the provider reported them; 0 when it reported none. */
  usage: { inputTokens: number; outputTokens: number };
  /** Wall time of the whole call, retries and back-off included: what the caller waited. */
  latencyMs: number;
  /** Attempts made, the successful one included. */
  attempts: number;
  /** The model that answered, as the provider names it (OpenAI reports a dated version), else the ref's model. */
  model: string;
  /** Why generation stopped, as the provider says it (`stop`, `length`, `end_turn`, `max_tokens`…), when it says. */
  stopReason?: string;
}

export interface ChatModel {
  readonly ref: ModelRef;
  /** Resolves with the model's answer, or rejects with a ModelCallError; never with anything else. */
  complete(request: ChatRequest): Promise<ChatResult>;
}

export interface ModelCallErrorDetails {
  /** Whether the last failure was of a kind worth retrying (throttling, 5xx, network, timeout). */
  retryable: boolean;
  /** HTTP status of the last failed attempt, when there was a response. */
  status?: number;
  /** Provider error name or a finegate code: ThrottlingException, rate_limit_exceeded, timeout, network… */
  code?: string;
  /** Attempts made (0 when the request was refused before any call). */
  attempts: number;
  cause?: unknown;
}

/**
 * A model call that did not produce an answer. Callers count it as an error, never as a bad answer: a judge that
 * could not be reached has said nothing about the data.
 */
export class ModelCallError extends Error {
  override readonly name = 'ModelCallError';
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly attempts: number;

  constructor(message: string, details: ModelCallErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.retryable = details.retryable;
    this.status = details.status;
    this.code = details.code;
    this.attempts = details.attempts;
  }
}

/** Refuses a request no provider could serve, before any call is made. */
export function checkChatRequest(modelId: string, request: ChatRequest): void {
  const refuse = (why: string): never => {
    throw new ModelCallError(`${modelId}: invalid request: ${why}`, { retryable: false, code: 'invalid_request', attempts: 0 });
  };
  if (!Array.isArray(request.messages) || request.messages.length === 0) refuse('messages is empty');
  for (const [i, m] of request.messages.entries()) {
    if (m.role !== 'user' && m.role !== 'assistant') refuse(`messages[${i}].role is ${JSON.stringify(m.role)}, expected user or assistant`);
    if (typeof m.content !== 'string') refuse(`messages[${i}].content is not a string`);
  }
  if (request.maxTokens !== undefined && (!Number.isInteger(request.maxTokens) || request.maxTokens < 1)) {
    refuse(`maxTokens must be a positive integer, got ${request.maxTokens}`);
  }
  if (request.temperature !== undefined && !(request.temperature >= 0 && request.temperature <= 2)) {
    refuse(`temperature must be within [0, 2], got ${request.temperature}`);
  }
}
