import * as z from 'zod';
import { decideArena } from './arena/arena-decision';
import type { ArenaPairResult } from './arena/arena-run';
import { arenaStatistics } from './arena/arena-statistics';
import { estimateCost } from './arena/price-estimate';
import { checkpointPrefix, gateEnvironment, loadRunRecord } from './gate-context';
import { getJsonl, putText } from './stores/s3-objects';

const inputSchema = z.object({
  run: z.object({ runId: z.string(), configHash: z.string() }).loose(),
  checkpoint: z.object({ checkpoint: z.string(), candidateModel: z.string(), final: z.boolean(), promote: z.boolean().optional() }).loose(),
  plan: z.object({ n: z.number().int(), available: z.number().int(), seed: z.number().int() }).loose(),
  batches: z.array(z.object({ uri: z.string() }).loose()),
});

/**
 * ArenaDecide (stage 3): wins, losses and ties with their intervals, and the decision fixed in advance by the pinned
 * effect floor; an INCONCLUSIVE round may be extended up to the pre-registered maximum. Writes arena.json.
 */
export const handler = async (event: unknown) => {
  const input = inputSchema.parse(event);
  const env = gateEnvironment();
  const { config } = await loadRunRecord(env, input.run.runId, input.run.configHash);
  const pairs = (await Promise.all(input.batches.map((b) => getJsonl<ArenaPairResult>(b.uri)))).flat().sort((a, b) => a.index - b.index);
  const stats = arenaStatistics(pairs, { seed: config.seed });
  const decision = decideArena(
    stats,
    { effectFloor: config.arena.effectFloor, maxErrorRate: config.errorBudget.maxErrorRate, ...(config.arena.maxSampleSize !== undefined ? { maxSampleSize: config.arena.maxSampleSize } : {}) },
    { available: input.plan.available },
  );
  const sum = (role: 'candidate' | 'base' | 'judge') =>
    pairs.reduce((acc, p) => ({ inputTokens: acc.inputTokens + p.tokens[role].inputTokens, outputTokens: acc.outputTokens + p.tokens[role].outputTokens }), { inputTokens: 0, outputTokens: 0 });
  const cost = estimateCost([
    { model: input.checkpoint.candidateModel, role: 'candidate', usage: sum('candidate') },
    { model: config.baseModel, role: 'base', usage: sum('base') },
    { model: config.judgeModel, role: 'judge', usage: sum('judge') },
  ]);
  const judgeCalls = pairs.reduce((n, p) => n + p.calls.judge, 0);
  const promote = decision.verdict === 'PASS' && (input.checkpoint.promote ?? input.checkpoint.final);
  const document = { run: input.run, checkpoint: input.checkpoint, plan: input.plan, decidedAt: new Date().toISOString(), statistics: stats, decision, cost, judgeCalls };
  const reportUri = await putText(env.ARTIFACTS_BUCKET, `${checkpointPrefix(env, input.run.runId, input.checkpoint.checkpoint)}arena.json`, JSON.stringify(document, null, 2), 'application/json');
  return {
    verdict: decision.verdict,
    reasons: decision.reasons,
    promote,
    extend: decision.extend,
    ...(decision.nextSampleSize !== undefined ? { nextSampleSize: decision.nextSampleSize } : {}),
    reportUri,
    scores: {
      winRate: round4(stats.winRate.estimate),
      winRateInterval: [round4(stats.winRate.lower), round4(stats.winRate.upper)],
      ...(stats.score ? { score: round4(stats.score.estimate), scoreInterval: [round4(stats.score.lower), round4(stats.score.upper)] } : {}),
      wins: stats.wins,
      losses: stats.losses,
      ties: stats.ties,
      errors: stats.errors,
      errorRate: round4(stats.errorRate),
      ...(stats.tieRate !== undefined ? { tieRate: round4(stats.tieRate) } : {}),
      ...(stats.firstPosition.rate !== undefined ? { firstPositionRate: round4(stats.firstPosition.rate) } : {}),
      ...(stats.lengthRatio.mean !== undefined ? { lengthRatio: round4(stats.lengthRatio.mean) } : {}),
      judgeCalls,
      estimatedCostUsd: Math.round(cost.usd * 10000) / 10000,
      costComplete: cost.complete,
    },
  };
};

function round4(x: number): number {
  return Math.round(x * 10000) / 10000;
}
