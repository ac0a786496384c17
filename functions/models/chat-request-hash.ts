import { createHash } from 'node:crypto';
import type { ChatRequest } from './chat-model';

/**
 * The identity of a conversation put to a model: sha256 of its system prompt and messages in a canonical form.
 * Recorded outputs (replay:) and caches key on it, so the same question always finds the same answer.
 */
export function chatRequestHash(request: Pick<ChatRequest, 'system' | 'messages'>): string {
  const canonical = JSON.stringify({ system: request.system ?? null, messages: request.messages.map((m) => [m.role, m.content]) });
  return createHash('sha256').update(canonical).digest('hex');
}

/** sha256 of a text (an answer), for judge-cache keys. */
export function textHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
