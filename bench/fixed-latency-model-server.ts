import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JudgeCache } from '../functions/gates/judge-cache';

/**
 * An OpenAI-compatible chat-completions server on 127.0.0.1 that answers every request after a fixed latency, so a
 * benchmark measures the gate's concurrency rather than a model. `answer` gets the request's model, its last message
 * and whether JSON was asked for. Sets OPENAI_BASE_URL and OPENAI_API_KEY for the openai: adapter.
 */
export async function startFixedLatencyModelServer(
  latencyMs: number,
  answer: (request: { model: string; last: string; json: boolean }) => string,
): Promise<{ calls: () => number; close: () => void }> {
  let calls = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      calls++;
      const request = JSON.parse(body) as { model: string; messages: { role: string; content: string }[]; response_format?: { type: string } };
      const last = request.messages.at(-1)!.content;
      const content = answer({ model: request.model, last, json: request.response_format?.type === 'json_object' });
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: `chatcmpl-${calls}`,
            object: 'chat.completion',
            created: Math.floor(Date.now() / 1000),
            model: request.model,
            choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
            usage: { prompt_tokens: Math.ceil(last.length / 4), completion_tokens: Math.ceil(content.length / 4), total_tokens: 0 },
          }),
        );
      }, latencyMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.env.OPENAI_BASE_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  process.env.OPENAI_API_KEY = 'bench';
  return { calls: () => calls, close: () => server.close() };
}

/** The judge cache as the gate uses it (DynamoDB in AWS), in memory for a benchmark. */
export class MemoryJudgeCache implements JudgeCache {
  private readonly map = new Map<string, unknown>();
  async get(key: string) {
    return this.map.get(key);
  }
  async put(key: string, value: unknown) {
    if (this.map.has(key)) return false;
    this.map.set(key, value);
    return true;
  }
}
