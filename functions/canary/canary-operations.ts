/**
 * The two ends of a canary, over ports (alias control, verdict store, event publisher, rollout stopper), shared by the
 * rollback function (alarms, operators) and the rollout's own promote and rollback steps.
 *
 * The verdict, written once per candidate version with a conditional write, is the lock between them: whichever of
 * promote (PASS) and rollback (FAIL/INCONCLUSIVE) writes it first decides the canary. A promote that finds a FAIL
 * refuses to move traffic; a rollback that finds a PASS has still cleared the weight (safety first) and says so.
 *
 * A rollback clears the weight before anything else, so the candidate stops serving even if every later step fails;
 * in the same alias update it points the alias back at the version that served before the canary (PREVIOUS_VERSION,
 * pinned in the canary's current version). A promotion publishes the candidate's model as a plain current version
 * (no fallback, no shadows, no run) and points the alias at it alone.
 */
import { CANARY_PROMOTED, type CanaryPromotedDetail } from '../../events/canary-promoted';
import { CANARY_ROLLED_BACK, type CanaryRolledBackDetail, type RollbackTrigger } from '../../events/canary-rolled-back';
import { SOURCES } from '../../events/event-sources';
import type { EventPublisher } from '../stores/event-publisher';
import type { VerdictRecord, VerdictStore } from '../stores/verdict-store';
import type { AliasControl, VersionPin } from './alias-control';
import type { RolloutStopper, StopOutcome } from './rollout-stopper';

export function canarySubject(runId: string): string {
  return `run#${runId}`;
}

export function canaryVerdictKey(candidateVersion: string): string {
  return `canary#${candidateVersion}`;
}

export interface CanaryRouter {
  functionName: string;
  alias: string;
}

export interface CanaryDeps {
  alias: AliasControl;
  verdicts: VerdictStore;
  events: EventPublisher;
  router: CanaryRouter;
  now?: () => Date;
}

/** The configuration a verdict is judged under; `config` null when it could not be read (a rollback still proceeds). */
export interface JudgedUnder {
  config: unknown;
  configHash: string;
}

export interface RollbackRequest extends JudgedUnder {
  verdict: 'FAIL' | 'INCONCLUSIVE';
  reasons: string[];
  trigger: RollbackTrigger;
  /** When given, only this run's canary is rolled back. */
  runId?: string;
  /** The candidate version to roll back (the rollout knows it); by default, whichever the alias routes to. */
  candidateVersion?: string;
  checkpoint?: string;
  /** Stop the rollout execution the candidate version names (not when the rollout rolls itself back). */
  stopExecution: boolean;
}

export type RollbackOutcome =
  | { outcome: 'no-canary'; reason: string }
  | { outcome: 'other-run'; reason: string; runId?: string }
  | {
      outcome: 'rolled-back';
      runId?: string;
      candidateVersion: string;
      /** The version serving all traffic after the rollback. */
      currentVersion: string;
      /** Whether this call cleared the weight (false: it was already clear). */
      cleared: boolean;
      /** The verdict on record after this call, and whether this call wrote it. */
      verdict?: VerdictRecord['verdict'];
      verdictCreated: boolean;
      published: boolean;
      stop?: StopOutcome | 'no-execution';
      notes: string[];
    };

export async function rollbackCanary(deps: CanaryDeps & { stopper?: RolloutStopper }, request: RollbackRequest): Promise<RollbackOutcome> {
  const now = deps.now ?? (() => new Date());
  const weights = await deps.alias.getWeights();
  const candidateVersion = request.candidateVersion ?? weights.candidate?.version ?? (await unfinishedRollback(deps, weights.rolledBack, request.runId));
  if (candidateVersion === undefined) return { outcome: 'no-canary', reason: `alias ${deps.router.alias} routes no traffic to a candidate: nothing to roll back` };
  const routed = weights.candidate?.version === candidateVersion;

  if (request.runId !== undefined) {
    // An operator naming a run must not roll back another run's canary.
    const named = await deps.alias.versionPin(candidateVersion);
    if (named.runId !== request.runId) {
      return { outcome: 'other-run', reason: `the candidate version ${candidateVersion} belongs to run ${named.runId ?? '(none)'}, not ${request.runId}`, ...(named.runId === undefined ? {} : { runId: named.runId }) };
    }
  }
  let pin: VersionPin;
  let currentPin: VersionPin;
  try {
    [pin, currentPin] = await Promise.all([deps.alias.versionPin(candidateVersion), deps.alias.versionPin(weights.currentVersion)]);
  } catch (error) {
    // Whatever cannot be read, the candidate stops serving; the rest is for the retry.
    if (routed) await deps.alias.clearCandidate();
    throw error;
  }
  // The canary's own current version (re-pinned to shadow towards the candidate) gives way to the one that served
  // before it, so no shadow pair of a finished canary is asked for after the rollback.
  const restore = pin.runId !== undefined && currentPin.runId === pin.runId ? currentPin.previousVersion : undefined;
  // Only the candidate's own weight is cleared: another version's belongs to someone else.
  const cleared = routed || restore !== undefined ? await deps.alias.clearCandidate(restore) : { cleared: false };
  const notes: string[] = [];
  const servingVersion = cleared.restored ?? weights.currentVersion;
  const base = { outcome: 'rolled-back' as const, candidateVersion, currentVersion: servingVersion, cleared: cleared.cleared };
  if (pin.runId === undefined) {
    notes.push(`candidate version ${candidateVersion} pins no RUN_ID: its weight was cleared, but no run verdict can be written`);
    return { ...base, verdictCreated: false, published: false, notes };
  }
  const runId = pin.runId;
  const rolledBackAt = now().toISOString();
  const created = await deps.verdicts.putOnce({
    subject: canarySubject(runId),
    key: canaryVerdictKey(candidateVersion),
    kind: 'canary',
    verdict: request.verdict,
    reasons: request.reasons,
    configHash: request.configHash,
    config: request.config,
    summary: {
      action: 'rollback',
      candidateVersion,
      currentVersion: servingVersion,
      candidateWeight: routed ? weights.candidate!.weight : 0,
      candidateModel: pin.modelRef ?? null,
      trigger: request.trigger,
      executionArn: pin.rolloutExecutionArn ?? null,
    },
    reportUri: '',
    createdAt: rolledBackAt,
  });
  let verdict: VerdictRecord['verdict'] | undefined = request.verdict;
  let republish: VerdictRecord | undefined;
  if (!created) {
    const existing = await deps.verdicts.get(canarySubject(runId), canaryVerdictKey(candidateVersion));
    verdict = existing?.verdict;
    if (existing?.verdict === 'PASS') notes.push(`the canary was promoted (PASS) before this rollback; its weight was cleared, the promotion stands`);
    else if (existing !== undefined && existing.publishedAt === undefined && existing.summary.action === 'rollback' && (existing.verdict === 'FAIL' || existing.verdict === 'INCONCLUSIVE')) {
      // The first rollback stopped between its verdict and its event: the event is published now, from the verdict.
      republish = existing;
      notes.push(`the canary's verdict (${existing.verdict}) was written but its event was not published: published now`);
    } else notes.push(`the canary's verdict was already written (${existing?.verdict ?? 'unknown'}): nothing is published again`);
  }
  if (republish !== undefined && (republish.verdict === 'FAIL' || republish.verdict === 'INCONCLUSIVE')) {
    const summary = republish.summary as { currentVersion?: string; candidateModel?: string | null; trigger?: RollbackRequest['trigger'] };
    const detail: CanaryRolledBackDetail = {
      runId,
      ...(request.checkpoint === undefined ? {} : { checkpoint: request.checkpoint }),
      router: deps.router,
      candidateVersion,
      ...(typeof summary.candidateModel === 'string' ? { candidateModel: summary.candidateModel } : {}),
      currentVersion: summary.currentVersion ?? servingVersion,
      verdict: republish.verdict,
      reasons: republish.reasons.slice(0, 20),
      trigger: summary.trigger ?? request.trigger,
      configHash: republish.configHash,
      rolledBackAt: republish.createdAt,
    };
    await deps.events.publish(SOURCES.canary, CANARY_ROLLED_BACK, detail);
    await deps.verdicts.markPublished(canarySubject(runId), canaryVerdictKey(candidateVersion));
  }
  if (created) {
    const detail: CanaryRolledBackDetail = {
      runId,
      ...(request.checkpoint === undefined ? {} : { checkpoint: request.checkpoint }),
      router: deps.router,
      candidateVersion,
      ...(pin.modelRef === undefined ? {} : { candidateModel: pin.modelRef }),
      currentVersion: servingVersion,
      verdict: request.verdict,
      reasons: request.reasons.slice(0, 20),
      trigger: request.trigger,
      configHash: request.configHash,
      rolledBackAt,
    };
    await deps.events.publish(SOURCES.canary, CANARY_ROLLED_BACK, detail);
    await deps.verdicts.markPublished(canarySubject(runId), canaryVerdictKey(candidateVersion));
  }
  let stop: StopOutcome | 'no-execution' | undefined;
  if (request.stopExecution) {
    if (pin.rolloutExecutionArn === undefined || deps.stopper === undefined) stop = 'no-execution';
    else stop = await deps.stopper.stop(pin.rolloutExecutionArn, request.reasons.join('; '));
  }
  return { ...base, runId, ...(verdict === undefined ? {} : { verdict }), verdictCreated: created, published: created || republish !== undefined, ...(stop === undefined ? {} : { stop }), notes };
}

/**
 * The candidate an earlier rollback took the weight from (the alias records it in the same update) when that rollback
 * stopped before its verdict or its event: a retried trigger finishes it. Undefined when there is none to finish.
 */
async function unfinishedRollback(deps: CanaryDeps, version: string | undefined, runId: string | undefined): Promise<string | undefined> {
  if (version === undefined) return undefined;
  const pin = await deps.alias.versionPin(version);
  if (pin.runId === undefined || (runId !== undefined && pin.runId !== runId)) return undefined;
  const verdict = await deps.verdicts.get(canarySubject(pin.runId), canaryVerdictKey(version));
  return verdict === undefined || verdict.publishedAt === undefined ? version : undefined;
}

export interface PromoteRequest extends JudgedUnder {
  runId: string;
  checkpoint?: string;
  candidateVersion: string;
  candidateModel: string;
  previousVersion: string;
  previousModel?: string;
  reasons: string[];
  /** The rollout execution promoting: a retry of its own promote publishes again, any other finds the verdict taken. */
  executionArn: string;
}

/** The canary was decided otherwise before this promotion: traffic is not moved. */
export class CanaryDecidedError extends Error {
  override readonly name = 'CanaryDecidedError';
  constructor(
    readonly verdict: string,
    message: string,
  ) {
    super(message);
  }
}

export interface PromoteOutcome {
  /** The version now serving all traffic: the candidate's model pinned as the current cohort, with no canary pins. */
  servingVersion: string;
  verdictCreated: boolean;
  published: boolean;
}

export async function promoteCanary(deps: CanaryDeps, request: PromoteRequest): Promise<PromoteOutcome> {
  const now = deps.now ?? (() => new Date());
  const promotedAt = now().toISOString();
  const subject = canarySubject(request.runId);
  const key = canaryVerdictKey(request.candidateVersion);
  const created = await deps.verdicts.putOnce({
    subject,
    key,
    kind: 'canary',
    verdict: 'PASS',
    reasons: request.reasons,
    configHash: request.configHash,
    config: request.config,
    summary: {
      action: 'promote',
      candidateVersion: request.candidateVersion,
      candidateModel: request.candidateModel,
      previousVersion: request.previousVersion,
      previousModel: request.previousModel ?? null,
      executionArn: request.executionArn,
    },
    reportUri: '',
    createdAt: promotedAt,
  });
  let ours = created;
  if (!created) {
    const existing = await deps.verdicts.get(subject, key);
    if (existing?.verdict !== 'PASS') {
      throw new CanaryDecidedError(existing?.verdict ?? 'unknown', `run ${request.runId}: the canary of version ${request.candidateVersion} was already decided ${existing?.verdict ?? '(unreadable verdict)'}; not promoting`);
    }
    ours = (existing.summary as { executionArn?: unknown }).executionArn === request.executionArn;
  }
  // The canary version pins the candidate cohort, its fallback and its shadows towards the old model; what serves
  // from now on is the candidate's model alone, as the current cohort.
  const servingVersion = await deps.alias.publishVersion(request.candidateModel, 'current');
  await deps.alias.promote(servingVersion);
  // At least once: a retried promote of the same execution announces again; consumers dedupe on (runId, version).
  if (ours) {
    const detail: CanaryPromotedDetail = {
      runId: request.runId,
      ...(request.checkpoint === undefined ? {} : { checkpoint: request.checkpoint }),
      router: deps.router,
      candidateVersion: request.candidateVersion,
      candidateModel: request.candidateModel,
      servingVersion,
      previousVersion: request.previousVersion,
      ...(request.previousModel === undefined ? {} : { previousModel: request.previousModel }),
      verdict: 'PASS',
      reasons: request.reasons.slice(0, 20),
      configHash: request.configHash,
      promotedAt,
    };
    await deps.events.publish(SOURCES.canary, CANARY_PROMOTED, detail);
  }
  return { servingVersion, verdictCreated: created, published: ours };
}
