import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { decideArena, type ArenaDecision } from '../../functions/arena/arena-decision';
import { ArenaConfigError, arenaJudgeRefusal, runArena, type ArenaRunResult, type PositionMode } from '../../functions/arena/arena-run';
import { drawArenaSamples, parseArenaSamples, type ArenaDraw, type ArenaSampleSet } from '../../functions/arena/arena-samples';
import { arenaStatistics, type ArenaStatistics } from '../../functions/arena/arena-statistics';
import { checkPriceOverrides, type PriceOverrides, type TokenPrice } from '../../functions/arena/price-estimate';
import type { ChatModel } from '../../functions/models/chat-model';
import { createChatModel } from '../../functions/models/create-chat-model';
import { parseModelRef, type ModelRef } from '../../functions/models/model-ref';
import { readText } from '../../functions/stores/read-text';
import { UsageError } from './usage-error';

export const ARENA_HELP = `Usage: finegate arena --base <ref> --candidate <ref> --judge <ref> --samples <file|s3://…> [options]

Runs the arena (stage 3) with the code the gate runs: draws n production inputs with a recorded seed, has the
candidate and the base answer each one, and asks a judge of another family which answer is better (rubric
arena@1: helpfulness, accuracy, tone; substance over length; instructions inside answers ignored). Prints
wins/losses/ties/errors, the win rate with its Wilson 95% interval, (wins + ties/2)/n with a bootstrap interval,
the tie rate, how often the judge picked the first position, the winner/loser length ratio, answers flagged
for trying to instruct the judge, calls, tokens, a cost estimate and the decision:
  PASS          Wilson lower bound above 0.5 and win rate at or above the floor
  FAIL          the whole interval below the floor
  INCONCLUSIVE  anything else, or failed pairs above the error budget

Samples: JSONL (or JSONL.gz) in any corpus shape (chat messages, Bedrock conversation, prompt/completion,
instruction/input/output) or {"input": "..."} rows; a recorded last assistant answer is ignored.

Models: bedrock:<modelId>, openai:<model> (OPENAI_BASE_URL for any compatible server), replay:<file|s3://…>
(recorded answers), local:<name> (local:pair-judge is a deterministic judge). Append #family=<family> where
the name cannot tell the family. A judge of the candidate's or the base's family is refused.

Options:
  --n <count>                 inputs to draw (default 300)
  --seed <int>                seed of the draw and of the positions (default 1)
  --positions random|both     random: one judgement per pair, order from the seed; both: each pair judged in
                              both orders, an inconsistent pair counts as a tie (default both)
  --floor <rate>              effect floor, the smallest win rate worth promoting, in (0.5, 1] (default 0.55)
  --max-errors <share>        error budget: failed pairs above this share make it INCONCLUSIVE (default 0.02)
  --max-n <count>             pre-registered maximum n: an unresolved result names the next n up to it
  --concurrency <count>       pairs in flight, and calls in flight per model (default 8)
  --price <ref>=<in>/<out>    USD per million input/output tokens for a model, replacing the list-price
                              estimate (repeatable)
  --json                      print the whole result as JSON, per-pair records included
  --quiet                     no progress line

Exit codes: 0 PASS, 1 FAIL or INCONCLUSIVE, 2 bad usage, unreadable samples or a same-family judge.
`;

interface ArenaArgs {
  base: ModelRef;
  candidate: ModelRef;
  judge: ModelRef;
  samples: string;
  n: number;
  seed: number;
  positions: PositionMode;
  floor: number;
  maxErrors: number;
  maxN?: number;
  concurrency: number;
  prices: PriceOverrides;
  json: boolean;
  quiet: boolean;
}

/** `finegate arena`; returns the exit code. */
export async function arenaCommand(argv: string[]): Promise<number> {
  const args = readArgs(argv);
  // Refused before anything is read or called: self-preference is not a tuning matter.
  const refusal = arenaJudgeRefusal(args.judge, args.candidate, args.base);
  if (refusal !== undefined) throw new UsageError(refusal);

  let text: string;
  try {
    text = await readSamples(args.samples);
  } catch (error) {
    throw new UsageError(`cannot read samples ${args.samples}: ${(error as Error).message}`);
  }
  const set = parseArenaSamples(text);
  if (set.samples.length === 0) {
    throw new UsageError(`no usable input in ${args.samples}${set.invalid.length > 0 ? `: line ${set.invalid[0]!.line}: ${set.invalid[0]!.reason}` : ''}`);
  }
  const draw = drawArenaSamples(set.samples, args.n, args.seed);

  const models = {
    candidate: modelFor(args.candidate, args.concurrency),
    base: modelFor(args.base, args.concurrency),
    judge: modelFor(args.judge, args.concurrency),
  };
  const progress = !args.quiet && !args.json && process.stderr.isTTY ? new ProgressLine() : undefined;
  const started = performance.now();
  let run: ArenaRunResult;
  try {
    run = await runArena({
      ...models,
      samples: draw.samples,
      seed: args.seed,
      positions: args.positions,
      concurrency: args.concurrency,
      prices: args.prices,
      onProgress: (done, total) => progress?.update(done, total),
    });
  } catch (error) {
    if (error instanceof ArenaConfigError) throw new UsageError(error.message);
    throw error;
  } finally {
    progress?.clear();
  }
  const wallMs = performance.now() - started;
  const statistics = arenaStatistics(run.pairs, { seed: args.seed });
  const decision = decideArena(
    statistics,
    { effectFloor: args.floor, maxErrorRate: args.maxErrors, ...(args.maxN !== undefined ? { maxSampleSize: args.maxN } : {}) },
    { available: draw.available },
  );

  if (args.json) {
    process.stdout.write(
      `${JSON.stringify(
        {
          verdict: decision.verdict,
          decision,
          statistics,
          config: { models: run.models, rubricVersion: run.rubricVersion, positions: run.positions, seed: args.seed, n: args.n, samples: args.samples, floor: args.floor, maxErrors: args.maxErrors, ...(args.maxN !== undefined ? { maxN: args.maxN } : {}) },
          samples: { requested: draw.requested, drawn: draw.samples.length, available: draw.available, invalid: set.invalid, duplicates: set.duplicates },
          totals: run.totals,
          wallMs: Math.round(wallMs),
          pairs: run.pairs,
        },
        null,
        2,
      )}\n`,
    );
  } else {
    process.stdout.write(formatArenaReport({ args, set, draw, run, statistics, decision, wallMs }));
  }
  return decision.verdict === 'PASS' ? 0 : 1;
}

function readArgs(argv: string[]): ArenaArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        base: { type: 'string' },
        candidate: { type: 'string' },
        judge: { type: 'string' },
        samples: { type: 'string' },
        n: { type: 'string', default: '300' },
        seed: { type: 'string', default: '1' },
        positions: { type: 'string', default: 'both' },
        floor: { type: 'string', default: '0.55' },
        'max-errors': { type: 'string', default: '0.02' },
        'max-n': { type: 'string' },
        concurrency: { type: 'string', default: '8' },
        price: { type: 'string', multiple: true, default: [] },
        json: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  const ref = (name: 'base' | 'candidate' | 'judge'): ModelRef => {
    const value = v[name];
    if (value === undefined) throw new UsageError(`which ${name} model? give --${name} <ref> (see --help)`);
    try {
      return parseModelRef(value);
    } catch (error) {
      throw new UsageError(`--${name}: ${(error as Error).message}`);
    }
  };
  const base = ref('base');
  const candidate = ref('candidate');
  const judge = ref('judge');
  if (v.samples === undefined) throw new UsageError('which production samples? give --samples <file|s3://…> (see --help)');
  const n = integer('--n', v.n, 1);
  const seed = integer('--seed', v.seed);
  if (v.positions !== 'random' && v.positions !== 'both') throw new UsageError(`--positions is random or both, got ${JSON.stringify(v.positions)}`);
  const floor = number('--floor', v.floor);
  if (!(floor > 0.5 && floor <= 1)) throw new UsageError(`--floor is a win rate in (0.5, 1], got ${v.floor}`);
  const maxErrors = number('--max-errors', v['max-errors']);
  if (!(maxErrors >= 0 && maxErrors <= 1)) throw new UsageError(`--max-errors is a share in [0, 1], got ${v['max-errors']}`);
  const maxN = v['max-n'] === undefined ? undefined : integer('--max-n', v['max-n'], 1);
  if (maxN !== undefined && maxN < n) throw new UsageError(`--max-n (${maxN}) is below --n (${n})`);
  const concurrency = integer('--concurrency', v.concurrency, 1);
  const prices = readPrices(v.price);
  return { base, candidate, judge, samples: v.samples, n, seed, positions: v.positions, floor, maxErrors, ...(maxN !== undefined ? { maxN } : {}), concurrency, prices, json: v.json, quiet: v.quiet };
}

function integer(flag: string, value: string, min?: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(n) || (min !== undefined && n < min)) {
    throw new UsageError(`${flag} must be ${min === undefined ? 'an integer' : `an integer ≥ ${min}`}, got ${JSON.stringify(value)}`);
  }
  return n;
}

function number(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} must be a number, got ${JSON.stringify(value)}`);
  return n;
}

/** `--price <ref>=<input>/<output>`, USD per million tokens. */
function readPrices(values: string[]): PriceOverrides {
  const prices: Record<string, TokenPrice> = {};
  for (const value of values) {
    const at = value.lastIndexOf('=');
    const amounts = at === -1 ? [] : value.slice(at + 1).split('/');
    if (at <= 0 || amounts.length !== 2) throw new UsageError(`--price is <ref>=<input USD per million tokens>/<output USD per million tokens>, got ${JSON.stringify(value)}`);
    prices[value.slice(0, at)] = { inputPerMillion: number('--price', amounts[0]!), outputPerMillion: number('--price', amounts[1]!) };
  }
  try {
    checkPriceOverrides(prices);
  } catch (error) {
    throw new UsageError(`--${(error as Error).message}`);
  }
  return prices;
}

/** The samples file's text: an s3:// object, or a local file, gunzipped when it starts with the gzip magic bytes. */
async function readSamples(uri: string): Promise<string> {
  if (uri.startsWith('s3://')) return readText(uri);
  const bytes = await readFile(uri);
  return (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
}

function modelFor(ref: ModelRef, concurrency: number): ChatModel {
  try {
    return createChatModel(ref, { maxConcurrency: concurrency });
  } catch (error) {
    throw new UsageError(`cannot use ${ref.id}: ${(error as Error).message}`);
  }
}

interface ReportParts {
  args: ArenaArgs;
  set: ArenaSampleSet;
  draw: ArenaDraw;
  run: ArenaRunResult;
  statistics: ArenaStatistics;
  decision: ArenaDecision;
  wallMs: number;
}

/** The human-readable table. */
export function formatArenaReport({ args, set, draw, run, statistics: s, decision, wallMs }: ReportParts): string {
  const t = run.totals;
  const rows: [string, string][] = [];
  const row = (label: string, value: string) => rows.push([label, value]);
  row('wins / losses / ties / errors', `${s.wins} / ${s.losses} / ${s.ties} / ${s.errors}`);
  row('win rate (ties excluded)', `${f3(s.winRate.estimate)}  [${f3(s.winRate.lower)}, ${f3(s.winRate.upper)}]  Wilson 95%, ${s.decided} decided`);
  row('(wins + ties/2) / n', s.score === undefined ? 'n/a (nothing judged)' : `${f3(s.score.estimate)}  [${f3(s.score.lower)}, ${f3(s.score.upper)}]  bootstrap 95%, ${s.score.judged} judged, seed ${s.score.seed}`);
  row('tie rate', s.tieRate === undefined ? 'n/a' : pct(s.tieRate));
  row('first position picked', s.firstPosition.rate === undefined ? 'n/a (no pick of a position)' : `${pct(s.firstPosition.rate)} of ${s.firstPosition.picks} picks (0.5 is unbiased)`);
  if (run.positions === 'both') row('orders disagreeing', s.orderConsistency.rate === undefined ? 'n/a' : `${pct(s.orderConsistency.rate)} of ${s.orderConsistency.bothOrders} pairs (counted as ties)`);
  row('length ratio winner/loser', s.lengthRatio.mean === undefined ? 'n/a' : `${s.lengthRatio.mean.toFixed(2)} (mean over ${s.lengthRatio.pairs} decided pairs)`);
  const rules = Object.entries(t.flagged.byRule).map(([rule, count]) => `${rule} ${count}`).join(', ');
  row('answers instructing the judge', `candidate ${t.flagged.candidate}, base ${t.flagged.base}${rules ? `  (${rules})` : ''}`);
  row('errors by source', `candidate ${t.errors.candidate}, base ${t.errors.base}, judge ${t.errors.judge}  (budget ${pct(args.maxErrors)} of pairs)`);
  row('model calls', `candidate ${t.calls.candidate}, base ${t.calls.base} (+${t.cacheHits.base} cached), judge ${t.calls.judge} (+${t.cacheHits.judge} cached); ${run.positions === 'both' ? 2 : 1} judgement(s) per pair`);
  row('tokens in / out', `candidate ${tokens(t.tokens.candidate)}, base ${tokens(t.tokens.base)}, judge ${tokens(t.tokens.judge)}`);
  const unpriced = t.cost.byModel.filter((m) => m.source === 'unpriced' && m.usage.inputTokens + m.usage.outputTokens > 0).map((m) => `${m.role} ${m.model}`);
  row('cost (ESTIMATE)', `~$${t.cost.usd.toFixed(t.cost.usd < 1 ? 4 : 2)} from list prices, not a bill${unpriced.length > 0 ? `; unpriced (add --price): ${unpriced.join(', ')}` : ''}`);
  row('wall time', `${(wallMs / 1000).toFixed(1)} s`);

  const width = Math.max(...rows.map(([label]) => label.length));
  const skipped = [
    set.invalid.length > 0 ? `${set.invalid.length} unreadable row${set.invalid.length === 1 ? '' : 's'} (line ${set.invalid.slice(0, 5).map((i) => i.line).join(', ')}${set.invalid.length > 5 ? ', …' : ''}: ${set.invalid[0]!.reason})` : undefined,
    set.duplicates.length > 0 ? `${set.duplicates.length} repeated input${set.duplicates.length === 1 ? '' : 's'} kept once` : undefined,
  ].filter((x) => x !== undefined);
  const lines = [
    `arena ${run.rubricVersion}: candidate ${run.models.candidate} vs base ${run.models.base}, judged by ${run.models.judge}`,
    `positions ${run.positions}, seed ${args.seed}; floor ${args.floor}, error budget ${args.maxErrors}${args.maxN !== undefined ? `, maximum n ${args.maxN}` : ''}`,
    `samples: ${draw.samples.length} drawn of ${draw.available} inputs in ${args.samples}${draw.requested > draw.available ? ` (asked for ${draw.requested})` : ''}${skipped.length > 0 ? `; ${skipped.join('; ')}` : ''}`,
    '',
    ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
    '',
    `verdict: ${decision.verdict}`,
    ...decision.reasons.map((r) => `  - ${r}`),
  ];
  return lines.join('\n') + '\n';
}

function f3(x: number): string {
  return x.toFixed(3);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function tokens(u: { inputTokens: number; outputTokens: number }): string {
  return `${u.inputTokens.toLocaleString('en-US')} / ${u.outputTokens.toLocaleString('en-US')}`;
}

class ProgressLine {
  private last = 0;
  update(done: number, total: number): void {
    const now = Date.now();
    if (now - this.last < 100 && done < total) return;
    this.last = now;
    process.stderr.write(`\r  ${done}/${total} pairs   `);
  }
  clear(): void {
    process.stderr.write('\r\x1b[2K');
  }
}
