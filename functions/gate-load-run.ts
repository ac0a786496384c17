import * as z from 'zod';
import { checkpointReadyDetailSchema } from '../events/checkpoint-ready';
import { planCheckpoint } from './gates/checkpoint-plan';
import { parseHeldoutSet } from './gates/heldout-set';
import { isCrossFamily, parseModelRef } from './models/model-ref';
import { gateEnvironment, loadRunRecord } from './gate-context';
import { loadShippedDriftSuite } from './stores/drift-suite-files';
import { readText } from './stores/read-text';

const inputSchema = checkpointReadyDetailSchema.extend({ executionName: z.string().optional() });

/**
 * LoadRun: reads the run's pinned configuration, refuses a candidate of the judge's family, and plans the
 * checkpoint's batches (held-out rows and drift-suite items, by index).
 */
export const handler = async (event: unknown) => {
  const parsed = inputSchema.safeParse(event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`rejected checkpoint: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const input = parsed.data;
  const env = gateEnvironment();
  const record = await loadRunRecord(env, input.runId);
  const config = record.config;
  const judge = parseModelRef(config.judgeModel);
  const candidate = parseModelRef(input.candidateModel);
  if (!isCrossFamily(judge, candidate)) {
    throw new Error(`candidate ${candidate.id} (${candidate.family}) is not of another family than the judge ${judge.id} (${judge.family}): declare its family with #family= or choose another judge`);
  }
  const heldout = parseHeldoutSet(await readText(config.heldout.uri));
  if (heldout.items.length === 0) throw new Error(`held-out set ${config.heldout.uri} has no usable rows (${heldout.invalid.length} invalid)`);
  const suite = await loadShippedDriftSuite(config.drift.suiteVersion, config.drift.suiteUri);
  const suiteAxes = Object.keys(suite.axisCounts);
  const axes = config.drift.axes ?? suiteAxes;
  const missing = axes.filter((a) => !suiteAxes.includes(a));
  if (missing.length > 0) throw new Error(`drift axes ${missing.join(', ')} have no items in suite ${config.drift.suiteVersion}`);
  const plan = planCheckpoint({
    heldoutCount: heldout.items.length,
    ...(config.heldout.sampleSize !== undefined ? { heldoutSampleSize: config.heldout.sampleSize } : {}),
    seed: config.seed,
    driftAxes: suite.items.map((i) => i.item.axis),
    axes,
  });
  return {
    run: { runId: record.runId, configHash: record.configHash, axes, suite: { version: suite.version, contentHash: suite.contentHash, ...(suite.domainHash ? { domainHash: suite.domainHash } : {}) }, heldoutInvalid: heldout.invalid.length },
    checkpoint: {
      runId: input.runId,
      checkpoint: input.checkpoint,
      step: input.step,
      candidateModel: candidate.id,
      final: input.final,
      ...(input.trainingLoss !== undefined ? { trainingLoss: input.trainingLoss } : {}),
      ...(input.promote !== undefined ? { promote: input.promote } : {}),
    },
    heldoutBatches: plan.heldoutBatches,
    driftBatches: plan.driftBatches,
  };
};
