/**
 * npm run bench:gate [-- --items 400 --latency-ms 50 --concurrency 16]
 * Scores held-out items (judge rubric) and drift-suite items (candidate and base) through the gate's scoring code
 * against a local OpenAI-compatible server that answers after a fixed latency. Prints wall time against the ideal
 * (items × latency rounds × latency ÷ concurrency) and model calls per item, cold and with the judge cache and base answers cached.
 * A benchmark, not a test: it asserts nothing.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import type { JudgeCache } from '../functions/gates/judge-cache';
import type { HeldoutItem } from '../functions/gates/heldout-set';
import { parseCheck } from '../functions/gates/rubrics/registry';
import { scoreDriftItems, scoreHeldoutItems } from '../functions/gates/score-items';
import { createChatModel } from '../functions/models/create-chat-model';
import { loadShippedDriftSuite } from '../functions/stores/drift-suite-files';

const { values } = parseArgs({ options: { items: { type: 'string', default: '400' }, 'latency-ms': { type: 'string', default: '50' }, concurrency: { type: 'string', default: '16' } } });
const items = Number(values.items);
const latencyMs = Number(values['latency-ms']);
const concurrency = Number(values.concurrency);

let calls = 0;
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    calls++;
    const request = JSON.parse(body) as { model: string; response_format?: { type: string } };
    const content = request.response_format?.type === 'json_object' ? '{"score": 4, "reason": "answers the question"}' : 'A plain answer.';
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: `chatcmpl-${calls}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: request.model,
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 50, completion_tokens: 10, total_tokens: 60 },
        }),
      );
    }, latencyMs);
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
process.env.OPENAI_BASE_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
process.env.OPENAI_API_KEY = 'bench';

/** The judge cache as the gate uses it (DynamoDB in AWS), in memory for the benchmark. */
class MemoryCache implements JudgeCache {
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

const cache = new MemoryCache();
const candidate = createChatModel('openai:candidate-model#family=meta', { maxConcurrency: concurrency });
const base = createChatModel('openai:base-model#family=meta', { maxConcurrency: concurrency });
const judgeModel = createChatModel('openai:judge-model#family=anthropic', { maxConcurrency: concurrency });
const heldout: HeldoutItem[] = Array.from({ length: items }, (_, i) => ({ index: i, id: `h${i}`, messages: [{ role: 'user', content: `Question ${i}: summarise the ticket.` }], reference: 'A summary.' }));
const parsed = parseCheck({ rubric: 'judge:task-completion' });
if (!parsed.ok) throw new Error(parsed.error);
const check = parsed.check;
const suite = await loadShippedDriftSuite('v1');
// The frozen suite, each item once (base answers are cached per distinct input).
const drift = suite.items;

async function run(label: string) {
  const results: string[] = [];
  // Latency rounds on an item's critical path: held-out answers then judges (2 cold, 1 when the judge is cached);
  // drift asks the candidate and the base at once (1).
  for (const [kind, n, rounds, job] of [
    ['held-out (candidate, then judge)', heldout.length, label === 'cold' ? 2 : 1, () => scoreHeldoutItems(heldout, check, { candidate, judge: { model: judgeModel, cache }, concurrency })],
    ['drift (candidate ∥ base)', drift.length, 1, () => scoreDriftItems(drift, { candidate, base, baseCache: cache, suiteHash: suite.contentHash, concurrency })],
  ] as const) {
    const before = calls;
    const started = performance.now();
    const out = await job();
    const wall = performance.now() - started;
    const made = calls - before;
    const ideal = (n * rounds * latencyMs) / concurrency;
    const errors = out.filter((r) => 'error' in r.candidate).length;
    results.push(
      `  ${label.padEnd(6)} ${kind.padEnd(32)} ${n} items, ${made} calls (${(made / n).toFixed(2)}/item), wall ${(wall / 1000).toFixed(2)} s, ideal ${(ideal / 1000).toFixed(2)} s, efficiency ${Math.round((ideal / wall) * 100)}%${errors ? `, ${errors} errors` : ''}`,
    );
  }
  return results;
}

console.log(`model server: fixed latency ${latencyMs} ms; concurrency ${concurrency}; node ${process.version}`);
for (const line of await run('cold')) console.log(line);
for (const line of await run('cached')) console.log(line);
console.log('ideal = items × latency rounds per item × latency ÷ concurrency; the candidate always answers, the judge and the base once per input');
server.close();
