import type { ChatModel } from './models/chat-model';
import { createChatModel } from './models/create-chat-model';

/*
 * The model clients of the functions that call models (score-batch, arena-batch), apart from gate-context.ts so
 * that the functions that do not call models do not bundle the model SDKs.
 */

// One client per model reference per warm container: adapters keep their connection pools and concurrency caps.
const models = new Map<string, ChatModel>();
/** The model for a reference, allowed `concurrency` calls in flight (the run's configured concurrency). */
export function chatModel(ref: string, concurrency = 16): ChatModel {
  const key = `${ref}|${concurrency}`;
  let model = models.get(key);
  if (!model) models.set(key, (model = createChatModel(ref, { maxConcurrency: concurrency })));
  return model;
}
