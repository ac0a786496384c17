import * as z from 'zod';
import { EARLY_STOP_RECOMMENDED, type EarlyStopRecommendedDetail } from '../events/early-stop-recommended';
import { SOURCES } from '../events/event-sources';
import { GATE_VERDICT, type GateVerdictDetail } from '../events/gate-verdict';
import { TRIAL_STOP_RECOMMENDED, type TrialStopRecommendedDetail } from '../events/trial-stop-recommended';
import type { CheckpointDecision } from './gates/checkpoint-decision';
import { renderRunHtml, renderRunMarkdown, type CheckpointReportRow } from './gates/run-report';
import { checkpointPrefix, gateEnvironment, gateStores, type GateEnvironment } from './gate-context';
import type { RunRecord } from './runs/run-record';
import { getTextIfExists, putText } from './stores/s3-objects';
import type { VerdictRecord } from './stores/verdict-store';

const decided = z.object({
  outcome: z.literal('decided'),
  run: z.object({ runId: z.string(), configHash: z.string() }).loose(),
  checkpoint: z.object({ runId: z.string(), checkpoint: z.string(), step: z.number().int(), candidateModel: z.string(), final: z.boolean(), trainingLoss: z.number().optional(), promote: z.boolean().optional() }),
  decision: z.object({
    verdict: z.enum(['PASS', 'WARN', 'FAIL', 'INCONCLUSIVE']),
    reasons: z.array(z.string()),
    promote: z.boolean(),
    reportUri: z.string(),
    scores: z.record(z.string(), z.unknown()),
    recommendations: z.object({ earlyStop: z.unknown().optional(), trialStop: z.unknown().optional() }),
  }),
  execution: z.object({ name: z.string(), arn: z.string() }).optional(),
});
const arena = z.object({
  outcome: z.literal('arena'),
  run: z.object({ runId: z.string(), configHash: z.string() }).loose(),
  checkpoint: z.object({ runId: z.string(), checkpoint: z.string(), step: z.number().int(), candidateModel: z.string() }).loose(),
  decision: z.object({
    verdict: z.enum(['PASS', 'WARN', 'FAIL', 'INCONCLUSIVE']),
    reasons: z.array(z.string()),
    promote: z.boolean(),
    reportUri: z.string(),
    scores: z.record(z.string(), z.unknown()),
  }),
  execution: z.object({ name: z.string(), arn: z.string() }).optional(),
});
const failed = z.object({
  outcome: z.literal('failed'),
  /** Which stage failed: the checkpoint gate (default) or the arena after it. */
  stage: z.enum(['checkpoint', 'arena']).optional(),
  checkpointReady: z.unknown(),
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).loose(),
  execution: z.object({ name: z.string(), arn: z.string() }).optional(),
});
const inputSchema = z.discriminatedUnion('outcome', [decided, arena, failed]);

/**
 * Step Functions' own "Execution Status Change" event, for the ends a Catch cannot see (States.Runtime errors,
 * timeouts, aborts): recorded as a failure, INCONCLUSIVE unless a verdict was already written.
 */
const statusChange = z.object({
  'detail-type': z.literal('Step Functions Execution Status Change'),
  detail: z.object({
    status: z.string(),
    name: z.string(),
    executionArn: z.string(),
    input: z.string().nullish(),
    error: z.string().nullish(),
    cause: z.string().nullish(),
  }),
});

function fromStatusChange(event: z.infer<typeof statusChange>): z.infer<typeof failed> {
  let checkpointReady: unknown;
  try {
    checkpointReady = event.detail.input ? JSON.parse(event.detail.input) : undefined;
  } catch {
    checkpointReady = undefined;
  }
  return {
    outcome: 'failed',
    checkpointReady,
    error: { Error: event.detail.error ?? `States.${event.detail.status}`, Cause: event.detail.cause ?? `the execution ended ${event.detail.status}` },
    execution: { name: event.detail.name, arn: event.detail.executionArn },
  };
}

/**
 * Record: the verdict (written once per checkpoint), the run's checkpoint history, the run report, and the events:
 * Gate Verdict, and Early Stop / Trial Stop Recommended. A failed gate is recorded INCONCLUSIVE: it fails closed.
 */
export const handler = async (event: unknown) => {
  const status = statusChange.safeParse(event);
  const input = status.success ? fromStatusChange(status.data) : inputSchema.parse(event);
  const env = gateEnvironment();
  if (input.outcome === 'decided') return recordDecision(env, input);
  if (input.outcome === 'arena') return recordArena(env, input);
  return recordFailure(env, input);
};

/** The arena's verdict (stage 3): a PASS on a promotion candidate is the promotion the canary starts from. */
async function recordArena(env: GateEnvironment, input: z.infer<typeof arena>) {
  const { checkpoint, decision } = input;
  const record = await gateStores(env).runs.get(checkpoint.runId);
  const created = await writeVerdictOnce(env, record, {
    stage: 'arena',
    runId: checkpoint.runId,
    checkpoint: checkpoint.checkpoint,
    step: checkpoint.step,
    verdict: decision.verdict,
    reasons: decision.reasons,
    promote: decision.promote,
    configHash: input.run.configHash,
    scores: decision.scores,
    reportUri: decision.reportUri,
    candidateModel: checkpoint.candidateModel,
    ...(input.execution ? { execution: input.execution } : {}),
  });
  return { verdict: decision.verdict, created };
}

async function recordDecision(env: GateEnvironment, input: z.infer<typeof decided>) {
  const stores = gateStores(env);
  const { checkpoint, decision } = input;
  const record = await stores.runs.get(checkpoint.runId);
  const heldout = typeof decision.scores.heldout === 'number' ? decision.scores.heldout : undefined;
  // The history is in place before the Gate Verdict goes out: whoever reacts to it reads a complete run.
  const created = await writeVerdictOnce(
    env,
    record,
    {
      stage: 'checkpoint',
      runId: checkpoint.runId,
      checkpoint: checkpoint.checkpoint,
      step: checkpoint.step,
      verdict: decision.verdict,
      reasons: decision.reasons,
      promote: decision.promote,
      configHash: input.run.configHash,
      scores: decision.scores,
      reportUri: decision.reportUri,
      candidateModel: checkpoint.candidateModel,
      ...(input.execution ? { execution: input.execution } : {}),
    },
    async () => {
      await stores.runs.appendCheckpoint(checkpoint.runId, {
        checkpoint: checkpoint.checkpoint,
        step: checkpoint.step,
        verdict: decision.verdict,
        ...(checkpoint.trainingLoss !== undefined ? { trainingLoss: checkpoint.trainingLoss } : {}),
        ...(heldout !== undefined ? { heldoutScore: heldout } : {}),
      });
    },
  );
  // Stop recommendations go with the verdict's first writing only, like the Gate Verdict itself.
  if (created && record) await publishRecommendations(env, record, input, heldout);
  const reportUri = record ? await writeRunReport(env, record) : undefined;
  return { verdict: decision.verdict, created, ...(reportUri ? { runReportUri: reportUri } : {}) };
}

async function publishRecommendations(env: GateEnvironment, record: RunRecord, input: z.infer<typeof decided>, heldout: number | undefined) {
  const stores = gateStores(env);
  const { checkpoint } = input;
  const early = input.decision.recommendations.earlyStop as CheckpointDecision['earlyStop'];
  if (early?.best && heldout !== undefined) {
    const history = (await stores.runs.history(checkpoint.runId)).filter((h) => h.step >= early.best!.step);
    const detail: EarlyStopRecommendedDetail = {
      runId: checkpoint.runId,
      checkpoint: checkpoint.checkpoint,
      step: checkpoint.step,
      configHash: record.configHash,
      heldout,
      best: { checkpoint: early.best.checkpoint ?? `step-${early.best.step}`, step: early.best.step, heldout: early.best.heldoutScore },
      checkpointsWithoutImprovement: Math.max(1, early.stalled),
      minDelta: record.config.earlyStop.minDelta,
      patience: record.config.earlyStop.patience,
      trainingLoss: history.map((h) => h.trainingLoss).filter((l): l is number => l !== undefined),
      reason: early.reason,
    };
    await stores.events.publish(SOURCES.gate, EARLY_STOP_RECOMMENDED, detail);
  }
  const trial = input.decision.recommendations.trialStop as CheckpointDecision['trialStop'];
  if (trial?.leader && trial.gapPoints !== undefined && heldout !== undefined && record.config.study && record.config.trialStop) {
    const detail: TrialStopRecommendedDetail = {
      study: record.config.study,
      runId: checkpoint.runId,
      checkpoint: checkpoint.checkpoint,
      step: checkpoint.step,
      configHash: record.configHash,
      heldout,
      best: { runId: trial.leader.runId, checkpoint: `step-${trial.leader.step}`, heldout: trial.leader.heldoutScore },
      gap: trial.gapPoints,
      margin: record.config.trialStop.margin,
      reason: trial.reason,
    };
    await stores.events.publish(SOURCES.gate, TRIAL_STOP_RECOMMENDED, detail);
  }
}

async function recordFailure(env: GateEnvironment, input: z.infer<typeof failed>) {
  const stores = gateStores(env);
  const ready = z.object({ runId: z.string().min(1), checkpoint: z.string().min(1), step: z.number().int().nonnegative().optional(), trainingLoss: z.number().optional() }).loose().safeParse(input.checkpointReady);
  const cause = causeMessage(input.error);
  if (!ready.success) {
    // Without a run and a checkpoint there is nothing to key a verdict on; the execution still fails.
    console.error(JSON.stringify({ message: 'gate failed on an input without runId/checkpoint', error: input.error.Error, cause }));
    return { verdict: 'INCONCLUSIVE', created: false };
  }
  const { runId, checkpoint, step } = ready.data;
  const record = await stores.runs.get(runId).catch(() => undefined);
  // An execution that ended abnormally does not say which stage it was in: after a promoting stage-2 verdict it was
  // the arena, whose verdict must then be the one recorded INCONCLUSIVE.
  let stage = input.stage;
  if (!stage) {
    const gate = await stores.verdicts.get(`run#${runId}`, `checkpoint#${checkpoint}#gate`).catch(() => undefined);
    stage = gate && (gate.summary as { promote?: unknown }).promote === true ? 'arena' : 'checkpoint';
  }
  const reasons = [`the ${stage === 'arena' ? 'arena' : 'gate'} could not complete: ${input.error.Error ?? 'error'}: ${cause}`];
  const created = await writeVerdictOnce(env, record, {
    stage,
    runId,
    checkpoint,
    ...(step !== undefined ? { step } : {}),
    verdict: 'INCONCLUSIVE',
    reasons,
    promote: false,
    configHash: record?.configHash ?? 'unregistered',
    scores: {},
    ...(input.execution ? { execution: input.execution } : {}),
  }, async () => {
    if (record && step !== undefined && stage === 'checkpoint') {
      await stores.runs.appendCheckpoint(runId, { checkpoint, step, verdict: 'INCONCLUSIVE', ...(ready.data.trainingLoss !== undefined ? { trainingLoss: ready.data.trainingLoss } : {}) });
    }
  });
  return { verdict: 'INCONCLUSIVE', created };
}

/** A stage's verdict, as every path records it. */
interface StageVerdict {
  stage: 'checkpoint' | 'arena';
  runId: string;
  checkpoint: string;
  step?: number;
  verdict: GateVerdictDetail['verdict'];
  reasons: string[];
  promote: boolean;
  configHash: string;
  scores: Record<string, unknown>;
  reportUri?: string;
  candidateModel?: string;
  execution?: { name: string; arn: string };
}

/**
 * Writes a stage's verdict once (checkpoint#<name>#gate or #arena), runs `afterWrite` (the run history), publishes its
 * Gate Verdict and marks the verdict published. A re-run publishes again only a verdict whose event was never marked
 * published (the first attempt failed between the write and the publish), and then the stored verdict, not its own:
 * a verdict is never lost and never changed. Returns whether this call wrote the verdict.
 */
async function writeVerdictOnce(env: GateEnvironment, record: RunRecord | undefined, v: StageVerdict, afterWrite?: () => Promise<void>): Promise<boolean> {
  const stores = gateStores(env);
  const subject = `run#${v.runId}`;
  const key = `checkpoint#${v.checkpoint}#${v.stage === 'arena' ? 'arena' : 'gate'}`;
  const created = await stores.verdicts.putOnce({
    subject,
    key,
    kind: v.stage === 'arena' ? 'arena' : 'checkpoint-gate',
    verdict: v.verdict,
    reasons: v.reasons,
    configHash: v.configHash,
    config: record?.config ?? null,
    summary: { step: v.step ?? null, candidateModel: v.candidateModel ?? null, promote: v.promote, scores: v.scores, execution: v.execution ?? null },
    reportUri: v.reportUri ?? '',
    createdAt: new Date().toISOString(),
  });
  // Runs on a re-run too (it is idempotent), before anything is published.
  await afterWrite?.();
  const stored = created ? undefined : await stores.verdicts.get(subject, key);
  if (stored !== undefined && stored.publishedAt === undefined) {
    await stores.events.publish(SOURCES.gate, GATE_VERDICT, storedGateVerdict(stored, v, record));
    await stores.verdicts.markPublished(subject, key);
  }
  if (created) {
    const detail: GateVerdictDetail = {
      runId: v.runId,
      checkpoint: v.checkpoint,
      ...(v.step !== undefined ? { step: v.step } : {}),
      stage: v.stage,
      verdict: v.verdict,
      reasons: v.reasons.slice(0, 20),
      promote: v.promote,
      configHash: v.configHash,
      scores: v.scores as GateVerdictDetail['scores'],
      ...(v.reportUri ? { reportUri: v.reportUri } : {}),
      ...(v.candidateModel ? { candidateModel: v.candidateModel } : {}),
      ...(record ? { baseModel: record.config.baseModel } : {}),
    };
    await stores.events.publish(SOURCES.gate, GATE_VERDICT, detail);
    await stores.verdicts.markPublished(subject, key);
  }
  return created;
}

/** The Gate Verdict of a stored verdict, as its first writer would have published it. */
function storedGateVerdict(stored: VerdictRecord, v: StageVerdict, record: RunRecord | undefined): GateVerdictDetail {
  const summary = stored.summary as { step?: number | null; candidateModel?: string | null; promote?: boolean; scores?: Record<string, unknown> };
  return {
    runId: v.runId,
    checkpoint: v.checkpoint,
    ...(typeof summary.step === 'number' ? { step: summary.step } : {}),
    stage: v.stage,
    verdict: stored.verdict,
    reasons: stored.reasons.slice(0, 20),
    promote: summary.promote === true,
    configHash: stored.configHash,
    scores: (summary.scores ?? {}) as GateVerdictDetail['scores'],
    ...(stored.reportUri ? { reportUri: stored.reportUri } : {}),
    ...(typeof summary.candidateModel === 'string' ? { candidateModel: summary.candidateModel } : {}),
    ...(record ? { baseModel: record.config.baseModel } : {}),
  };
}

function causeMessage(error: { Error?: string; Cause?: string }): string {
  if (!error.Cause) return 'no cause given';
  try {
    const parsed = JSON.parse(error.Cause) as { errorMessage?: string };
    return parsed.errorMessage ?? error.Cause;
  } catch {
    return error.Cause;
  }
}

/** runs/<runId>/report.md and report.html: every checkpoint so far, from each one's decision.json. */
async function writeRunReport(env: GateEnvironment, record: RunRecord): Promise<string> {
  const { runs } = gateStores(env);
  const history = await runs.history(record.runId);
  const rows: CheckpointReportRow[] = [];
  for (const entry of history) {
    const text = await getTextIfExists(`s3://${env.ARTIFACTS_BUCKET}/${checkpointPrefix(env, record.runId, entry.checkpoint)}decision.json`);
    const doc = text ? (JSON.parse(text) as CheckpointDecision) : undefined;
    rows.push({
      checkpoint: entry.checkpoint,
      step: entry.step,
      verdict: entry.verdict,
      ...(entry.trainingLoss !== undefined ? { trainingLoss: entry.trainingLoss } : {}),
      ...(entry.heldoutScore !== undefined ? { heldout: entry.heldoutScore } : {}),
      ...(doc?.heldout.interval ? { heldoutInterval: doc.heldout.interval } : {}),
      drift: Object.fromEntries(
        (doc?.drift ?? []).map((d) => [d.axis, { verdict: d.verdict, ...(d.differencePoints !== undefined ? { difference: d.differencePoints } : {}), ...(d.interval ? { interval: d.interval } : {}) }]),
      ),
      reasons: doc?.reasons ?? [],
    });
  }
  const report = {
    runId: record.runId,
    configHash: record.configHash,
    baseModel: record.config.baseModel,
    generatedAt: new Date().toISOString(),
    rows,
    thresholds: { noisePoints: record.config.drift.noisePoints, failPoints: record.config.drift.failPoints },
  };
  const prefix = `${env.RUNS_PREFIX}${record.runId}/`;
  await putText(env.ARTIFACTS_BUCKET, `${prefix}report.html`, renderRunHtml(report), 'text/html; charset=utf-8');
  return putText(env.ARTIFACTS_BUCKET, `${prefix}report.md`, renderRunMarkdown(report), 'text/markdown; charset=utf-8');
}
