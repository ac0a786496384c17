import * as z from 'zod';
import { readText } from '../stores/read-text';
import { checkChatRequest, ModelCallError, type ChatModel, type ChatRequest, type ChatResult } from './chat-model';
import { chatRequestHash } from './chat-request-hash';
import type { ModelRef } from './model-ref';

/**
 * `replay:<s3:// URI | path>`: a model whose answers were recorded, one JSONL line per conversation:
 * `{"input": {"system"?, "messages": [...]}, "output": "...", "usage"?: {...}}` or `{"inputHash": "<sha256>", "output": "..."}`
 * (chatRequestHash). Training jobs upload their checkpoint's predictions this way, and offline runs replay them.
 * A conversation with no recording is an error (counted, never scored), not an empty answer.
 */

const recordSchema = z.union([
  z.object({
    input: z.object({ system: z.string().optional(), messages: z.array(z.object({ role: z.enum(['user', 'assistant']), content: z.string() })) }),
    output: z.string(),
    usage: z.object({ inputTokens: z.number(), outputTokens: z.number() }).optional(),
  }),
  z.object({ inputHash: z.string().regex(/^[0-9a-f]{64}$/), output: z.string(), usage: z.object({ inputTokens: z.number(), outputTokens: z.number() }).optional() }),
]);

interface Recording {
  output: string;
  usage?: { inputTokens: number; outputTokens: number };
}

export class ReplayChatModel implements ChatModel {
  private recordings: Promise<Map<string, Recording>> | undefined;

  constructor(readonly ref: ModelRef) {}

  async complete(request: ChatRequest): Promise<ChatResult> {
    checkChatRequest(this.ref.id, request);
    const started = performance.now();
    const recordings = await this.load();
    const found = recordings.get(chatRequestHash(request));
    if (!found) {
      throw new ModelCallError(`${this.ref.id}: no recorded answer for this conversation`, { retryable: false, status: undefined, code: 'replay_miss', attempts: 1 });
    }
    return {
      text: found.output,
      usage: found.usage ?? { inputTokens: 0, outputTokens: 0 },
      latencyMs: performance.now() - started,
      attempts: 1,
      model: this.ref.model,
    };
  }

  private load(): Promise<Map<string, Recording>> {
    this.recordings ??= readRecordings(this.ref.model).catch((error: unknown) => {
      this.recordings = undefined;
      throw new ModelCallError(`${this.ref.id}: cannot read recordings: ${(error as Error).message}`, { retryable: false, status: undefined, code: 'replay_unreadable', attempts: 1, cause: error });
    });
    return this.recordings;
  }
}

async function readRecordings(uri: string): Promise<Map<string, Recording>> {
  const text = await readText(uri);
  const map = new Map<string, Recording>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const parsed = recordSchema.safeParse(JSON.parse(line));
    if (!parsed.success) throw new Error(`line ${i + 1}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
    const r = parsed.data;
    const key = 'inputHash' in r ? r.inputHash : chatRequestHash(r.input);
    map.set(key, { output: r.output, ...(r.usage ? { usage: r.usage } : {}) });
  });
  return map;
}
