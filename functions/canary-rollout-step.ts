import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import * as z from 'zod';
import { CANARY_STARTED, functionVersionSchema, type CanaryStartedDetail } from '../events/canary-started';
import { checkpointNameSchema, runIdSchema } from '../events/checkpoint-ready';
import { CANARY_ALARM_PREFIX } from '../events/cloudwatch-alarm-state-change';
import { SOURCES } from '../events/event-sources';
import { gateVerdictDetailSchema } from '../events/gate-verdict';
import type { AlarmState } from './canary/alarm-state';
import { canaryConfigHash, canaryPolicy, judgeFamilyProblem, parseCanaryConfig, withJudge, type CanaryConfig, type JudgedCanaryConfig, type RunJudgeLookup } from './canary/canary-config';
import { decideCanary, type CanaryDecision } from './canary/canary-decision';
import { canaryObservation, elapsedWindows, metricWindow, observationQueries, type AlarmReader, type AlarmStatus, type MetricReader } from './canary/canary-observation';
import { CanaryDecidedError, canarySubject, canaryVerdictKey, promoteCanary, rollbackCanary, type CanaryDeps } from './canary/canary-operations';
import { toModelRef } from './models/model-ref';
import { CloudWatchAlarms } from './stores/cloudwatch-alarms';
import { CloudWatchMetricReader } from './stores/cloudwatch-metric-reader';
import { DynamoRunStore } from './stores/dynamo-run-store';
import { DynamoVerdictStore } from './stores/dynamo-verdict-store';
import { EventBridgePublisher } from './stores/eventbridge-publisher';
import { LambdaAliasControl } from './stores/lambda-alias-control';

/*
 * The canary rollout state machine's task function; `action` picks the step:
 *
 *   publish   → publishes two router versions and leaves the alias alone: the candidate (MODEL_REF the candidate,
 *               COHORT candidate, OTHER_MODEL_REF the current model, its fallback and shadow) and the canary's current
 *               version (the serving model re-pinned with OTHER_MODEL_REF the candidate, for shadow pairs from the
 *               current cohort, and PREVIOUS_VERSION, the version a rollback restores). Both pin RUN_ID and
 *               ROLLOUT_EXECUTION_ARN (the execution the rollback function stops). Refuses when a canary already runs
 *               on the alias, or when the judge is of either model's family (or unknown).
 *   weight    → one alias update: the canary's current version plus the candidate at its weight; "Canary Started"
 *               on the first weight.
 *   check     → reads the canary's metrics back from CloudWatch and its alarms (DescribeAlarms by prefix), and decides
 *               with decideCanary: `action` hold | promote | rollback, and `next` hold | weight | promote | rollback
 *               for a multi-step rollout.
 *   promote   → verdict PASS (once), the candidate's model published as a plain current version serving 100%,
 *               "Canary Promoted".
 *   rollback  → candidate weight cleared and the previous version restored, verdict FAIL / INCONCLUSIVE (once),
 *               "Canary Rolled Back". Only a decided FAIL is a FAIL: a hold that ran out, a failed step or a missing
 *               decision is INCONCLUSIVE. It fails closed.
 *
 * Two input shapes are read. Flat: the state a step returned, plus `action` (and `step` for weight). Nested, as a
 * JSONPath state machine keeps results beside its input: `{action, gateVerdict, published, execution: {arn},
 * trafficPercent?, elapsedWindows?, holdWindows?, alarmNames?, decision?, state?, error?}`, `published` being what
 * publish returned. The canary configuration (CANARY_CONFIG, judge resolved) is pinned by hash at publish: a later
 * step under another configuration refuses to go on.
 */

const logger = new Logger({ serviceName: 'finegate' });

const envSchema = z.object({
  ROUTER_FUNCTION_NAME: z.string().min(1),
  ALIAS_NAME: z.string().min(1).default('live'),
  VERDICTS_TABLE: z.string().min(1),
  EVENT_BUS_NAME: z.string().min(1),
  /** Overrides of the canary defaults (JSON); the judge defaults to the run's own. */
  CANARY_CONFIG: z.string().min(1).default('{}'),
  /** Where runs are registered: the run's pinned judge, when CANARY_CONFIG names none. */
  RUNS_TABLE: z.string().min(1).optional(),
  ALARM_NAME_PREFIX: z.string().min(1).default(CANARY_ALARM_PREFIX),
});

const stateSchema = z
  .object({
    runId: runIdSchema,
    checkpoint: checkpointNameSchema.optional(),
    candidateModel: z.string().min(1),
    currentModel: z.string().min(1),
    candidateVersion: functionVersionSchema,
    /** The canary's current version: the serving model re-pinned for the canary. */
    currentVersion: functionVersionSchema,
    /** The version that served before the canary. */
    previousVersion: z.string().min(1),
    executionArn: z.string().min(1),
    configHash: z.string().min(1),
    startedAt: z.iso.datetime({ offset: true }),
  })
  .loose();
export type CanaryState = z.infer<typeof stateSchema>;

const decisionSchema = z
  .object({ action: z.string().optional(), verdict: z.enum(['PASS', 'FAIL', 'INCONCLUSIVE']).optional(), reasons: z.array(z.string()).min(1) })
  .loose();
const errorSchema = z.object({ Error: z.string().optional(), Cause: z.string().optional() }).loose();

const inputSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('publish'), event: z.object({ detail: gateVerdictDetailSchema }).loose(), executionArn: z.string().min(1) }),
  stateSchema.extend({
    action: z.literal('weight'),
    step: z.number().int().nonnegative().default(0),
    /** The candidate's share in percent, instead of the configured weights (a one-step rollout). */
    trafficPercent: z.number().gt(0).lt(100).optional(),
  }),
  stateSchema.extend({
    action: z.literal('check'),
    step: z.number().int().nonnegative().optional(),
    lastStep: z.boolean().optional(),
    stepStartedAt: z.iso.datetime({ offset: true }).optional(),
    /** Windows elapsed, when the state machine counts them; else counted from stepStartedAt. */
    elapsedWindows: z.number().int().nonnegative().optional(),
    /** The hold policy of this execution, when its input carries one. */
    holdWindows: z.number().int().positive().optional(),
    /** Only these alarms are read; one that does not exist counts as INSUFFICIENT_DATA. */
    alarmNames: z.array(z.string().min(1)).optional(),
  }),
  stateSchema.extend({ action: z.literal('promote'), decision: decisionSchema }),
  // A rollback must work with whatever is known: a failure before publish leaves no state but the run.
  stateSchema.partial().extend({ action: z.literal('rollback'), runId: runIdSchema, decision: decisionSchema.optional(), error: errorSchema.optional(), elapsedWindows: z.number().optional() }),
  // An operator's promotion (`finegate canary promote`): the state is read back from the alias and the version pins.
  z.strictObject({ action: z.literal('operator-promote'), runId: runIdSchema, reason: z.string().trim().min(1).max(1000) }),
]);
export type RolloutStepInput = z.input<typeof inputSchema>;

/** An input the step cannot act on; the message names the wrong field. */
export class RejectedStepInput extends Error {
  override readonly name = 'RejectedStepInput';
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`rejected input: ${field}: ${reason}`);
  }
}

export interface RolloutDeps extends CanaryDeps {
  config: CanaryConfig;
  /** The run's pinned judge, used when the configuration names none. */
  runJudge?: RunJudgeLookup;
  alarms: AlarmReader;
  metrics: MetricReader;
  alarmPrefix?: string;
}

export type CheckNext = 'hold' | 'weight' | 'promote' | 'rollback';

export async function runRolloutStep(event: unknown, deps: RolloutDeps): Promise<Record<string, unknown>> {
  const parsed = inputSchema.safeParse(normalize(event));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RejectedStepInput(issue.path.join('.') || '(root)', issue.message);
  }
  const input = parsed.data;
  if (input.action === 'publish') return publish(input.event.detail, input.executionArn, deps);
  if (input.action === 'rollback') return rollback(input, deps);
  if (input.action === 'operator-promote') return operatorPromote(input, deps);
  const config = await judged(deps, input.runId);
  const configHash = canaryConfigHash(config);
  if (input.configHash !== configHash) {
    throw new Error(`run ${input.runId}: the canary configuration changed under the rollout (hash ${configHash}, started under ${input.configHash}); a canary is judged under the configuration it started with`);
  }
  switch (input.action) {
    case 'weight':
      return weight(input, deps);
    case 'check':
      return check(input, config, deps);
    case 'promote':
      return promote(input, config, deps);
  }
}

/** The nested shape flattened: `published` (or `state.published`) is the state; gateVerdict names the run. */
function normalize(event: unknown): unknown {
  if (typeof event !== 'object' || event === null) return event;
  const { gateVerdict, execution, published, state, ...rest } = event as Record<string, unknown>;
  const executionArn = (execution as { arn?: unknown } | undefined)?.arn;
  if (rest.action === 'publish') {
    return { ...rest, ...(gateVerdict === undefined ? {} : { event: { detail: gateVerdict } }), ...(typeof executionArn === 'string' ? { executionArn } : {}) };
  }
  const carried = published ?? (state as { published?: unknown } | undefined)?.published;
  const runId = (gateVerdict as { runId?: unknown } | undefined)?.runId;
  return { ...(typeof runId === 'string' ? { runId } : {}), ...(typeof carried === 'object' && carried !== null ? carried : {}), ...rest };
}

async function judged(deps: RolloutDeps, runId: string): Promise<JudgedCanaryConfig> {
  const config = await withJudge(deps.config, runId, deps.runJudge);
  if (config === undefined) throw new Error(`run ${runId}: no judge model: set judgeModel in CANARY_CONFIG or register the run (its judgeModel is used)`);
  return config;
}

async function publish(detail: z.infer<typeof gateVerdictDetailSchema>, executionArn: string, deps: RolloutDeps): Promise<Record<string, unknown>> {
  if (detail.stage !== 'arena' || detail.verdict !== 'PASS' || !detail.promote) {
    throw new RejectedStepInput('event.detail', `a canary starts from an arena PASS that promotes, got stage ${detail.stage}, verdict ${detail.verdict}, promote ${detail.promote}`);
  }
  if (detail.candidateModel === undefined) throw new RejectedStepInput('event.detail.candidateModel', 'the verdict names no candidate model to deploy');
  const config = await judged(deps, detail.runId);
  const candidateModel = toModelRef(detail.candidateModel).id;
  const weights = await deps.alias.getWeights();
  if (weights.candidate !== undefined) {
    throw new Error(`a canary already runs on alias ${deps.router.alias}: version ${weights.candidate.version} receives ${weights.candidate.weight}; it must end before run ${detail.runId}'s starts`);
  }
  if (weights.currentVersion === '$LATEST') throw new Error(`alias ${deps.router.alias} points at $LATEST; publish a version for it first`);
  const servingPin = await deps.alias.versionPin(weights.currentVersion);
  const currentRef = servingPin.modelRef ?? detail.baseModel;
  if (currentRef === undefined) throw new Error(`version ${weights.currentVersion} pins no MODEL_REF and the verdict names no base model: the current model is unknown`);
  const currentModel = toModelRef(currentRef).id;
  if (currentModel === candidateModel) throw new Error(`the candidate ${candidateModel} is the model already serving: there is nothing to canary`);
  const problem = judgeFamilyProblem(config, currentModel, candidateModel);
  if (problem !== undefined) throw new Error(problem);

  const pin = { runId: detail.runId, rolloutExecutionArn: executionArn };
  const currentVersion = await deps.alias.publishVersion(currentModel, 'current', { ...pin, otherModelRef: candidateModel, previousVersion: weights.currentVersion });
  const candidateVersion = await deps.alias.publishVersion(candidateModel, 'candidate', { ...pin, otherModelRef: currentModel });
  const existing = await deps.verdicts.get(canarySubject(detail.runId), canaryVerdictKey(candidateVersion));
  if (existing !== undefined) throw new CanaryDecidedError(existing.verdict, `run ${detail.runId}: version ${candidateVersion} was already judged ${existing.verdict}`);
  const state: CanaryState = {
    runId: detail.runId,
    checkpoint: detail.checkpoint,
    candidateModel,
    currentModel,
    candidateVersion,
    currentVersion,
    previousVersion: weights.currentVersion,
    executionArn,
    configHash: canaryConfigHash(config),
    startedAt: now(deps).toISOString(),
  };
  return { ...state, steps: deps.config.weights.length, waitSeconds: deps.config.periodSeconds };
}

async function weight(input: CanaryState & { step: number; trafficPercent?: number | undefined }, deps: RolloutDeps): Promise<Record<string, unknown>> {
  const { action: _action, trafficPercent, ...state } = input as typeof input & { action?: string };
  const weight = trafficPercent !== undefined ? trafficPercent / 100 : deps.config.weights[state.step];
  if (weight === undefined) throw new RejectedStepInput('step', `step ${state.step} is beyond the ${deps.config.weights.length} configured weights`);
  const lastStep = trafficPercent !== undefined || state.step === deps.config.weights.length - 1;
  await refuseDecided(state, deps);
  const before = await deps.alias.getWeights();
  if (before.candidate === undefined) {
    // Traffic reaches the candidate only from the version that served before the canary (or from a retry of this step).
    if (before.currentVersion !== state.previousVersion && before.currentVersion !== state.currentVersion) {
      throw new Error(`alias ${deps.router.alias} now points at version ${before.currentVersion}, not ${state.previousVersion} the canary started from`);
    }
    if (state.step > 0) throw new Error(`version ${state.candidateVersion} lost its weight outside the rollout; not weighting it again`);
  } else if (before.candidate.version !== state.candidateVersion || before.currentVersion !== state.currentVersion) {
    throw new Error(`alias ${deps.router.alias} routes ${before.candidate.weight} to version ${before.candidate.version} over ${before.currentVersion}, not this canary's ${state.candidateVersion} over ${state.currentVersion}`);
  }
  await deps.alias.setCandidateWeight(state.candidateVersion, weight, state.currentVersion);
  const stepStartedAt = now(deps).toISOString();
  if (before.candidate === undefined) {
    const detail: CanaryStartedDetail = {
      runId: state.runId,
      ...(state.checkpoint === undefined ? {} : { checkpoint: state.checkpoint }),
      router: deps.router,
      candidateModel: state.candidateModel,
      currentModel: state.currentModel,
      candidateVersion: state.candidateVersion,
      currentVersion: state.currentVersion,
      weight,
      configHash: state.configHash,
      rolloutExecutionArn: state.executionArn,
      startedAt: stepStartedAt,
    };
    await deps.events.publish(SOURCES.canary, CANARY_STARTED, detail);
  }
  return { ...state, step: state.step, weight, stepStartedAt, lastStep, waitSeconds: deps.config.periodSeconds };
}

type CheckInput = CanaryState & {
  step?: number | undefined;
  lastStep?: boolean | undefined;
  stepStartedAt?: string | undefined;
  elapsedWindows?: number | undefined;
  holdWindows?: number | undefined;
  alarmNames?: string[] | undefined;
};

async function check(input: CheckInput, config: JudgedCanaryConfig, deps: RolloutDeps): Promise<Record<string, unknown>> {
  const { action: _action, ...state } = input as CheckInput & { action?: string };
  await refuseDecided(state, deps);
  const at = now(deps);
  const step = state.step ?? 0;
  const lastStep = state.lastStep ?? (state.step === undefined || step === config.weights.length - 1);
  const elapsed = state.elapsedWindows ?? (state.stepStartedAt === undefined ? undefined : elapsedWindows(new Date(state.stepStartedAt), at, config.periodSeconds));
  if (elapsed === undefined) throw new RejectedStepInput('stepStartedAt', 'a check needs the step start (stepStartedAt) or the windows elapsed (elapsedWindows)');
  const weights = await deps.alias.getWeights();
  let decision: Pick<CanaryDecision, 'action' | 'verdict' | 'reasons'>;
  let observed: Record<string, unknown> = {};
  if (weights.candidate?.version !== state.candidateVersion) {
    decision = { action: 'rollback', verdict: 'INCONCLUSIVE', reasons: [`version ${state.candidateVersion} no longer receives traffic on alias ${deps.router.alias}: its weight was changed outside the rollout`] };
  } else {
    const window = metricWindow(new Date(state.startedAt), at, config.periodSeconds);
    const [series, listed] = await Promise.all([deps.metrics.read(observationQueries(config, state.runId), window), deps.alarms.byPrefix(deps.alarmPrefix ?? CANARY_ALARM_PREFIX)]);
    const alarms = selectAlarms(listed, state.alarmNames);
    const observation = canaryObservation({ config, elapsedWindows: elapsed, series, periods: window.periods, alarms });
    decision = decideCanary(observation, { ...canaryPolicy(config), ...(state.holdWindows === undefined ? {} : { holdWindows: state.holdWindows }) });
    observed = {
      elapsedWindows: observation.elapsedWindows,
      winRate: observation.winRate ?? null,
      rubrics: observation.rubrics.map((r) => ({ rubric: r.rubric, state: r.state, samples: r.samples })),
      alarms: alarms.filter((a) => a.state !== 'OK').map((a) => ({ name: a.name, state: a.state })),
    };
  }
  const next: CheckNext = decision.action === 'hold' ? 'hold' : decision.action === 'rollback' ? 'rollback' : lastStep ? 'promote' : 'weight';
  const verdict = decision.verdict === undefined ? {} : { verdict: decision.verdict };
  return {
    ...state,
    // Top level for a state machine that keeps this result as its `decision`; nested for one that passes it on whole.
    action: decision.action,
    ...verdict,
    reasons: decision.reasons,
    decision: { action: decision.action, ...verdict, reasons: decision.reasons },
    next,
    step: next === 'weight' ? step + 1 : step,
    observed,
    checkedAt: at.toISOString(),
    waitSeconds: config.periodSeconds,
  };
}

/** The named alarms (a name with no alarm is INSUFFICIENT_DATA, failing closed), or every listed one. */
function selectAlarms(listed: AlarmStatus[], names: readonly string[] | undefined): AlarmStatus[] {
  if (names === undefined) return listed;
  return names.map((name) => listed.find((a) => a.name === name) ?? { name, state: 'INSUFFICIENT_DATA' as AlarmState, reason: 'no such alarm' });
}

async function promote(input: CanaryState & { decision: z.infer<typeof decisionSchema> }, config: JudgedCanaryConfig, deps: RolloutDeps): Promise<Record<string, unknown>> {
  const { action: _action, decision, ...state } = input as typeof input & { action?: string };
  if (decision.action !== undefined && decision.action !== 'promote') throw new RejectedStepInput('decision.action', `promote follows a promote decision, got ${decision.action}`);
  const outcome = await promoteCanary(deps, {
    runId: state.runId,
    ...(state.checkpoint === undefined ? {} : { checkpoint: state.checkpoint }),
    candidateVersion: state.candidateVersion,
    candidateModel: state.candidateModel,
    previousVersion: state.previousVersion,
    previousModel: state.currentModel,
    reasons: decision.reasons,
    executionArn: state.executionArn,
    config,
    configHash: state.configHash,
  });
  return { ...state, promoted: true, verdict: 'PASS', ...outcome };
}

async function rollback(input: Extract<z.infer<typeof inputSchema>, { action: 'rollback' }>, deps: RolloutDeps): Promise<Record<string, unknown>> {
  const { action: _action, decision, error, ...state } = input;
  // Only a decided FAIL is a FAIL; a hold that ran out of windows, a failed step or a missing decision is INCONCLUSIVE.
  const verdict = decision?.verdict === 'FAIL' && (decision.action === undefined || decision.action === 'rollback') ? 'FAIL' : 'INCONCLUSIVE';
  let reasons: string[];
  if (decision === undefined) reasons = [`the rollout could not complete: ${error?.Error ?? 'error'}: ${error?.Cause ?? 'no cause given'}`];
  else if (decision.action === 'hold') reasons = [`the hold ran out of windows${state.elapsedWindows === undefined ? '' : ` (${state.elapsedWindows})`} without a decision: ${decision.reasons.join('; ')}`];
  else if (decision.action !== undefined && decision.action !== 'rollback') reasons = [`no usable decision (${decision.action}): ${decision.reasons.join('; ')}`];
  else reasons = decision.reasons;
  // The verdict records what the canary was judged under; a judge that cannot be resolved must not stop a rollback.
  const config = await withJudge(deps.config, state.runId, deps.runJudge).catch(() => undefined);
  const outcome = await rollbackCanary(deps, {
    verdict,
    reasons,
    trigger: { kind: 'decision' },
    runId: state.runId,
    ...(state.checkpoint === undefined ? {} : { checkpoint: state.checkpoint }),
    ...(state.candidateVersion === undefined ? {} : { candidateVersion: state.candidateVersion }),
    // The rollout is rolling itself back: it ends on its own.
    stopExecution: false,
    config: config ?? deps.config,
    configHash: state.configHash ?? (config === undefined ? 'unresolved' : canaryConfigHash(config)),
  });
  return { ...state, rolledBack: outcome.outcome === 'rolled-back', verdict: outcome.outcome === 'rolled-back' ? (outcome.verdict ?? verdict) : verdict, reasons, outcome };
}

/**
 * An operator promotes the running canary of `runId` now, whatever the metrics say so far: the verdict PASS records
 * the operator's reason and the candidate's model serves everything. The rollout execution (pinned in the candidate
 * version, returned as rolloutExecutionArn) is the caller's to stop, with its own rights: after the promotion its next
 * check finds the verdict taken, and the rollback its stop triggers finds no candidate weight to clear.
 */
async function operatorPromote(input: { runId: string; reason: string }, deps: RolloutDeps): Promise<Record<string, unknown>> {
  const weights = await deps.alias.getWeights();
  if (weights.candidate === undefined) throw new Error(`no canary runs on alias ${deps.router.alias}: it serves version ${weights.currentVersion} alone`);
  const [candidatePin, currentPin] = await Promise.all([deps.alias.versionPin(weights.candidate.version), deps.alias.versionPin(weights.currentVersion)]);
  if (candidatePin.runId !== input.runId) {
    throw new RejectedStepInput('runId', `the canary on alias ${deps.router.alias} is run ${candidatePin.runId ?? '(unknown)'}'s, not ${input.runId}'s`);
  }
  if (candidatePin.modelRef === undefined) throw new Error(`version ${weights.candidate.version} pins no MODEL_REF: nothing to promote`);
  const config = await judged(deps, input.runId);
  const executionArn = candidatePin.rolloutExecutionArn ?? 'operator';
  const reasons = [`promoted by an operator: ${input.reason}`];
  const outcome = await promoteCanary(deps, {
    runId: input.runId,
    candidateVersion: weights.candidate.version,
    candidateModel: candidatePin.modelRef,
    previousVersion: currentPin.previousVersion ?? weights.currentVersion,
    ...(currentPin.modelRef === undefined ? {} : { previousModel: currentPin.modelRef }),
    reasons,
    executionArn,
    config,
    configHash: canaryConfigHash(config),
  });
  return {
    runId: input.runId,
    candidateVersion: weights.candidate.version,
    promoted: true,
    verdict: 'PASS',
    reasons,
    ...(candidatePin.rolloutExecutionArn === undefined ? {} : { rolloutExecutionArn: candidatePin.rolloutExecutionArn }),
    ...outcome,
  };
}

/** A canary whose verdict is written (a rollback got there first) is never weighted or checked again. */
async function refuseDecided(state: CanaryState, deps: RolloutDeps): Promise<void> {
  const existing = await deps.verdicts.get(canarySubject(state.runId), canaryVerdictKey(state.candidateVersion));
  if (existing !== undefined) throw new CanaryDecidedError(existing.verdict, `run ${state.runId}: the canary of version ${state.candidateVersion} was already decided ${existing.verdict}`);
}

function now(deps: RolloutDeps): Date {
  return (deps.now ?? (() => new Date()))();
}

let config: { text: string; parsed: CanaryConfig } | undefined;

export const handler = middy(async (event: unknown): Promise<Record<string, unknown>> => {
  const env = envSchema.parse(process.env);
  if (config?.text !== env.CANARY_CONFIG) config = { text: env.CANARY_CONFIG, parsed: parseCanaryConfig(env.CANARY_CONFIG) };
  const runs = env.RUNS_TABLE === undefined ? undefined : new DynamoRunStore(env.RUNS_TABLE);
  const result = await runRolloutStep(event, {
    config: config.parsed,
    ...(runs === undefined ? {} : { runJudge: async (runId: string) => (await runs.get(runId))?.config.judgeModel }),
    alias: new LambdaAliasControl(env.ROUTER_FUNCTION_NAME, env.ALIAS_NAME),
    verdicts: new DynamoVerdictStore(env.VERDICTS_TABLE),
    events: new EventBridgePublisher(env.EVENT_BUS_NAME),
    alarms: new CloudWatchAlarms(),
    metrics: new CloudWatchMetricReader(),
    router: { functionName: env.ROUTER_FUNCTION_NAME, alias: env.ALIAS_NAME },
    alarmPrefix: env.ALARM_NAME_PREFIX,
  });
  logger.info('rollout step done', { action: (event as { action?: unknown }).action, runId: result.runId, next: result.next, verdict: result.verdict });
  return result;
}).use(injectLambdaContext(logger));
