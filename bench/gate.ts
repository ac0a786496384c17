/**
 * npm run bench:gate [-- --items 400 --latency-ms 50 --concurrency 16]
 * Scores held-out items (judge rubric) and drift-suite items (candidate and base) through the gate's scoring code
 * against a local OpenAI-compatible server that answers after a fixed latency. Prints wall time against the ideal
 * (items × latency rounds × latency ÷ concurrency) and model calls per item, cold and with the judge cache and base answers cached.
 * A benchmark, not a test: it asserts nothing.
 */
import { parseArgs } from 'node:util';
import type { HeldoutItem } from '../functions/gates/heldout-set';
import { parseCheck } from '../functions/gates/rubrics/registry';
import { scoreDriftItems, scoreHeldoutItems } from '../functions/gates/score-items';
import { createChatModel } from '../functions/models/create-chat-model';
import { loadShippedDriftSuite } from '../functions/stores/drift-suite-files';
import { MemoryJudgeCache, startFixedLatencyModelServer } from './fixed-latency-model-server';

const { values } = parseArgs({ options: { items: { type: 'string', default: '400' }, 'latency-ms': { type: 'string', default: '50' }, concurrency: { type: 'string', default: '16' } } });
const items = Number(values.items);
const latencyMs = Number(values['latency-ms']);
const concurrency = Number(values.concurrency);

const server = await startFixedLatencyModelServer(latencyMs, ({ json }) => (json ? '{"score": 4, "reason": "answers the question"}' : 'A plain answer.'));

const cache = new MemoryJudgeCache();
const candidate = createChatModel('openai:candidate-model#family=meta', { maxConcurrency: concurrency });
const base = createChatModel('openai:base-model#family=meta', { maxConcurrency: concurrency });
const judgeModel = createChatModel('openai:judge-model#family=anthropic', { maxConcurrency: concurrency });
const heldout: HeldoutItem[] = Array.from({ length: items }, (_, i) => ({ index: i, id: `h${i}`, messages: [{ role: 'user', content: `Question ${i}: summarise the ticket.` }], reference: 'A summary.' }));
const parsed = parseCheck({ rubric: 'judge:task-completion' });
if (!parsed.ok) throw new Error(parsed.error);
const check = parsed.check;
const suite = await loadShippedDriftSuite('v1');
// The frozen suite three times over, for a run long enough to reach a steady state. The cold run uses no cache (every
// call is made); the cached run comes after one unmeasured pass has stored the base answers.
const drift = [...suite.items, ...suite.items, ...suite.items];

async function run(label: string) {
  const results: string[] = [];
  // Latency rounds on an item's critical path: held-out answers then judges (2 cold, 1 when the judge is cached);
  // drift asks the candidate and the base at once (1).
  for (const [kind, n, rounds, job] of [
    ['held-out (candidate, then judge)', heldout.length, label === 'cold' ? 2 : 1, () => scoreHeldoutItems(heldout, check, { candidate, judge: { model: judgeModel, cache }, concurrency })],
    ['drift (candidate ∥ base)', drift.length, 1, () => scoreDriftItems(drift, { candidate, base, ...(label === 'cold' ? {} : { baseCache: cache }), suiteHash: suite.contentHash, concurrency })],
  ] as const) {
    const before = server.calls();
    const started = performance.now();
    const out = await job();
    const wall = performance.now() - started;
    const made = server.calls() - before;
    const ideal = (n * rounds * latencyMs) / concurrency;
    const errors = out.filter((r) => 'error' in r.candidate).length;
    results.push(
      `  ${label.padEnd(6)} ${kind.padEnd(32)} ${n} items, ${made} calls (${(made / n).toFixed(2)}/item), wall ${(wall / 1000).toFixed(2)} s, ideal ${(ideal / 1000).toFixed(2)} s, efficiency ${Math.round((ideal / wall) * 100)}%${errors ? `, ${errors} errors` : ''}`,
    );
  }
  return results;
}

console.log(`model server: fixed latency ${latencyMs} ms; concurrency ${concurrency}; node ${process.version}`);
// Open the connection pools first, as a warm Lambda has them.
await Promise.all(Array.from({ length: concurrency }, () => Promise.all([candidate, base, judgeModel].map((m) => m.complete({ messages: [{ role: 'user', content: 'warm up' }] })))));
for (const line of await run('cold')) console.log(line);
await scoreDriftItems(suite.items, { candidate, base, baseCache: cache, suiteHash: suite.contentHash, concurrency });
for (const line of await run('cached')) console.log(line);
console.log('ideal = items × latency rounds per item × latency ÷ concurrency; the candidate always answers, the judge and the base once per input');
server.close();
