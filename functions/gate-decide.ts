import * as z from 'zod';
import { decideCheckpoint } from './gates/checkpoint-decision';
import type { ItemResult } from './gates/score-items';
import { checkpointPrefix, gateEnvironment, gateStores, loadRunRecord } from './gate-context';
import { getJsonl, putText } from './stores/s3-objects';

const batchResult = z.object({ kind: z.enum(['heldout', 'drift']), axis: z.string().optional(), batch: z.number(), uri: z.string(), n: z.number(), errors: z.number() });
const inputSchema = z.object({
  run: z.object({ runId: z.string(), configHash: z.string(), axes: z.array(z.string()) }).loose(),
  checkpoint: z.object({
    runId: z.string(),
    checkpoint: z.string(),
    step: z.number().int(),
    candidateModel: z.string(),
    final: z.boolean(),
    trainingLoss: z.number().optional(),
    promote: z.boolean().optional(),
  }),
  heldout: z.array(batchResult),
  drift: z.array(batchResult),
});

/**
 * Decide: reads every batch's per-item results, computes the held-out score, per-axis drift with paired-bootstrap
 * intervals and the verdict under the pinned thresholds, and the stop recommendations; writes decision.json.
 */
export const handler = async (event: unknown) => {
  const input = inputSchema.parse(event);
  const env = gateEnvironment();
  const record = await loadRunRecord(env, input.run.runId, input.run.configHash);
  const { runs } = gateStores(env);
  const results = (await Promise.all([...input.heldout, ...input.drift].map((b) => getJsonl<ItemResult>(b.uri)))).flat();
  const history = await runs.history(input.run.runId);
  const study = record.config.study
    ? await Promise.all(
        (await runs.listStudy(record.config.study)).filter((r) => r.runId !== record.runId).map(async (r) => ({ runId: r.runId, history: await runs.history(r.runId) })),
      )
    : undefined;
  const decision = decideCheckpoint({ config: record.config, checkpoint: input.checkpoint, results, axes: input.run.axes, history, ...(study ? { study } : {}) });
  const document = { run: input.run, checkpoint: input.checkpoint, decidedAt: new Date().toISOString(), ...decision };
  const reportUri = await putText(env.ARTIFACTS_BUCKET, `${checkpointPrefix(env, input.run.runId, input.checkpoint.checkpoint)}decision.json`, JSON.stringify(document, null, 2), 'application/json');
  return {
    verdict: decision.verdict,
    reasons: decision.reasons,
    promote: decision.promote,
    reportUri,
    scores: {
      ...(decision.heldout.points !== undefined ? { heldout: round2(decision.heldout.points) } : {}),
      errorRate: round4(decision.errorRate),
      drift: Object.fromEntries(
        decision.drift.map((d) => [d.axis, { verdict: d.verdict, ...(d.dropPoints !== undefined ? { dropPoints: round2(d.dropPoints) } : {}), ...(d.interval ? { interval: [round2(d.interval.lower), round2(d.interval.upper)] } : {}) }]),
      ),
      inputTokens: decision.usage.inputTokens,
      outputTokens: decision.usage.outputTokens,
    },
    recommendations: {
      ...(decision.earlyStop ? { earlyStop: decision.earlyStop } : {}),
      ...(decision.trialStop ? { trialStop: decision.trialStop } : {}),
    },
  };
};

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
function round4(x: number): number {
  return Math.round(x * 10000) / 10000;
}
