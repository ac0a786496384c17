/**
 * npm run bench:arena [-- --pairs 500 --latency-ms 50 --concurrency 16]
 * Runs the arena over production inputs against a local OpenAI-compatible server that answers after a fixed latency
 * (a plain answer for generation, a JSON verdict for judge prompts), in both position modes, cold and then again on
 * the same judge cache. Prints wall time against the ideal (pairs × 2 latency rounds ÷ concurrency: the two answers
 * at once, then the judgement or both judgements at once), judge calls per pair, and the calls a cached re-run makes.
 * A benchmark, not a test: it asserts nothing.
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { decideArena } from '../functions/arena/arena-decision';
import { runArena, type PositionMode } from '../functions/arena/arena-run';
import { drawArenaSamples, parseArenaSamples } from '../functions/arena/arena-samples';
import { arenaStatistics } from '../functions/arena/arena-statistics';
import { readPairPrompt } from '../functions/arena/pair-judge';
import type { JudgeCache } from '../functions/gates/judge-cache';
import { MemoryJudgeCache, startFixedLatencyModelServer } from './fixed-latency-model-server';
import { createChatModel } from '../functions/models/create-chat-model';

const { values } = parseArgs({ options: { pairs: { type: 'string', default: '500' }, 'latency-ms': { type: 'string', default: '50' }, concurrency: { type: 'string', default: '16' } } });
const pairs = Number(values.pairs);
const latencyMs = Number(values['latency-ms']);
const concurrency = Number(values.concurrency);

const server = await startFixedLatencyModelServer(latencyMs, ({ model, last, json }) => (json ? verdict(last) : `${model} answers: ${last.slice(0, 80)}`));

/** An order-consistent judge that prefers the candidate on about 55% of inputs and ties on 10%. */
function verdict(prompt: string): string {
  const pair = readPairPrompt(prompt);
  if (pair === undefined) return '{"error": "not a pair prompt"}';
  const roll = createHash('sha256').update(pair.conversation).digest().readUInt32BE(0) % 100;
  const candidateShown = pair.answerA.startsWith('candidate-model') ? 'A' : 'B';
  const winner = roll < 10 ? 'tie' : roll < 65 ? candidateShown : candidateShown === 'A' ? 'B' : 'A';
  return JSON.stringify({ winner, reason: 'fixed by the benchmark' });
}

const samplesText = Array.from({ length: pairs * 2 }, (_, i) => JSON.stringify({ id: `p${i}`, messages: [{ role: 'user', content: `Ticket ${i}: my invoice for order ${i * 7} shows the wrong amount; what should I do?` }, { role: 'assistant', content: 'recorded production answer' }] })).join('\n');
const set = parseArenaSamples(samplesText);
const draw = drawArenaSamples(set.samples, pairs, 1);

async function run(positions: PositionMode, cache: JudgeCache) {
  const perPair = positions === 'both' ? 2 : 1;
  // Pairs in flight is the one limit: each model may serve every pair in flight (the judge, each of its orders).
  const candidate = createChatModel('openai:candidate-model#family=meta', { maxConcurrency: concurrency });
  const base = createChatModel('openai:base-model#family=meta', { maxConcurrency: concurrency });
  const judge = createChatModel('openai:judge-model#family=anthropic', { maxConcurrency: concurrency * perPair });
  const before = server.calls();
  const started = performance.now();
  const result = await runArena({ candidate, base, judge, samples: draw.samples, seed: 1, positions, concurrency, cache, cacheCandidateAnswers: true });
  const wall = performance.now() - started;
  return { result, wall, made: server.calls() - before };
}

console.log(`model server: fixed latency ${latencyMs} ms; ${pairs} pairs; concurrency ${concurrency} pairs in flight; node ${process.version}`);
const ideal = (pairs * 2 * latencyMs) / concurrency;
for (const positions of ['random', 'both'] as const) {
  const cache = new MemoryJudgeCache();
  for (const label of ['cold', 'cached'] as const) {
    const { result, wall, made } = await run(positions, cache);
    const t = result.totals;
    const stats = arenaStatistics(result.pairs);
    const decision = decideArena(stats, { effectFloor: 0.55, maxErrorRate: 0.02 });
    const idealHere = label === 'cold' ? ideal : 0;
    console.log(
      `  ${positions.padEnd(6)} ${label.padEnd(6)} wall ${(wall / 1000).toFixed(2)} s, ideal ${(idealHere / 1000).toFixed(2)} s${label === 'cold' ? `, efficiency ${Math.round((ideal / wall) * 100)}%` : ''}; ` +
        `model calls ${made} (candidate ${t.calls.candidate}, base ${t.calls.base}, judge ${t.calls.judge} = ${(t.calls.judge / pairs).toFixed(2)}/pair); ` +
        `cache hits judge ${t.cacheHits.judge}; W/L/T/E ${stats.wins}/${stats.losses}/${stats.ties}/${stats.errors}, win rate ${stats.winRate.estimate.toFixed(3)} [${stats.winRate.lower.toFixed(3)}, ${stats.winRate.upper.toFixed(3)}] → ${decision.verdict}`,
    );
  }
}
console.log('ideal = pairs × 2 latency rounds (both answers at once, then the judgement(s) at once) × latency ÷ concurrency');
server.close();
