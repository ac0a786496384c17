/** Model reference → ChatModel: the one place that picks an adapter for a provider. */
import type { BedrockRuntimeClientConfig } from '@aws-sdk/client-bedrock-runtime';
import type { ClientOptions } from 'openai';
import { BedrockChatModel } from './bedrock-chat-model';
import type { ChatModel } from './chat-model';
import { LocalChatModel } from './local-chat-model';
import { toModelRef, type ModelRef } from './model-ref';
import { OpenAIChatModel } from './openai-chat-model';
import { ReplayChatModel } from './replay-chat-model';
import type { RetryOptions, RetryPolicy } from './retry-policy';

export interface CreateChatModelOptions {
  retry?: RetryOptions | RetryPolicy;
  /** Calls in flight at once on the model (default 8). */
  maxConcurrency?: number;
  openai?: ClientOptions;
  bedrock?: BedrockRuntimeClientConfig;
}

/** A ChatModel for a reference (or its string); throws for a reference that cannot chat. */
export function createChatModel(reference: ModelRef | string, options: CreateChatModelOptions = {}): ChatModel {
  const ref = toModelRef(reference);
  const shared = {
    ...(options.retry !== undefined ? { retry: options.retry } : {}),
    ...(options.maxConcurrency !== undefined ? { maxConcurrency: options.maxConcurrency } : {}),
  };
  switch (ref.provider) {
    case 'openai':
      return new OpenAIChatModel(ref, { ...shared, ...(options.openai !== undefined ? { clientOptions: options.openai } : {}) });
    case 'bedrock':
      return new BedrockChatModel(ref, { ...shared, ...(options.bedrock !== undefined ? { clientConfig: options.bedrock } : {}) });
    case 'local':
      return new LocalChatModel(ref);
    case 'replay':
      return new ReplayChatModel(ref);
  }
}
