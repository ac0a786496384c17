import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import * as z from 'zod';
import { runIdSchema } from '../events/checkpoint-ready';
import { ALARM_STATE_CHANGE, alarmStateChangeSchema, CANARY_ALARM_PREFIX } from '../events/cloudwatch-alarm-state-change';
import { SOURCES } from '../events/event-sources';
import { ABNORMAL_END_STATUSES, EXECUTION_STATUS_CHANGE, executionStatusChangeSchema, type AbnormalEndStatus } from '../events/execution-status-change';
import { canaryConfigHash, parseCanaryConfig } from './canary/canary-config';
import { rollbackCanary, type CanaryDeps, type JudgedUnder, type RollbackOutcome, type RollbackRequest } from './canary/canary-operations';
import type { RolloutStopper } from './canary/rollout-stopper';
import { DynamoVerdictStore } from './stores/dynamo-verdict-store';
import { EventBridgePublisher } from './stores/eventbridge-publisher';
import { LambdaAliasControl } from './stores/lambda-alias-control';
import { SfnRolloutStopper } from './stores/rollout-control';

/*
 * The canary rollback. Two inputs:
 *
 * - "CloudWatch Alarm State Change" (source aws.cloudwatch) for an alarm named `finegate-canary-…`: only a change to
 *   ALARM acts; OK and INSUFFICIENT_DATA are logged and ignored (the rule already filters them; a direct invoke may not).
 * - `{ runId, reason }`, invoked directly (CLI): rolls back that run's canary, refusing another run's.
 * - "Step Functions Execution Status Change" (source aws.states) of the rollout state machine, FAILED, TIMED_OUT or
 *   ABORTED: the rollout ended without rolling back itself, so the canary fails closed (INCONCLUSIVE). Only the
 *   candidate that execution published is rolled back (its version pins the execution's ARN): a rollout refused
 *   because another canary runs must not end that one. A rollout that already rolled back, or was stopped by a
 *   rollback, leaves no candidate weight, and the event does nothing.
 *
 * It clears the candidate's weight on the alias first (idempotent), then writes the FAIL verdict once (reasons name the
 * alarm and its reason), publishes "Canary Rolled Back" when this call wrote the verdict, and stops the rollout
 * execution. The execution is the one the candidate version pins in ROLLOUT_EXECUTION_ARN (the rollout's publish step
 * writes its own execution ARN there), checked against ROLLOUT_STATE_MACHINE_ARN when set: the alarm carries no run
 * and the execution name is not derivable from the version, so the version is where the link is kept. In the same
 * alias update the version that served before the canary (PREVIOUS_VERSION of the canary's current version) is
 * restored. A second ALARM, or a redelivered one, finds no candidate weight and does nothing.
 */

const logger = new Logger({ serviceName: 'finegate' });

const envSchema = z.object({
  ROUTER_FUNCTION_NAME: z.string().min(1),
  ALIAS_NAME: z.string().min(1).default('live'),
  VERDICTS_TABLE: z.string().min(1),
  EVENT_BUS_NAME: z.string().min(1),
  /** Recorded with the verdict; a rollback proceeds without it (the configuration is then recorded as unreadable). */
  CANARY_CONFIG: z.string().optional(),
  ALARM_NAME_PREFIX: z.string().min(1).default(CANARY_ALARM_PREFIX),
  /** When set, only executions of this state machine are stopped. */
  ROLLOUT_STATE_MACHINE_ARN: z.string().min(1).optional(),
});

const directSchema = z.strictObject({ runId: runIdSchema, reason: z.string().trim().min(1).max(1000) });

/** An input the rollback has no business with; the message names the wrong field. */
export class RejectedRollbackInput extends Error {
  override readonly name = 'RejectedRollbackInput';
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`rejected input: ${field}: ${reason}`);
  }
}

export type RollbackHandlerOutcome = RollbackOutcome | { outcome: 'ignored'; reason: string };

export interface RollbackDeps extends CanaryDeps {
  stopper: RolloutStopper;
  judgedUnder: JudgedUnder;
  alarmPrefix?: string;
  /** When set, only executions of this state machine are acted on. */
  rolloutStateMachineArn?: string;
}

export async function handleRollback(event: unknown, deps: RollbackDeps): Promise<RollbackHandlerOutcome> {
  const request = await toRequest(event, deps);
  if ('ignored' in request) return { outcome: 'ignored', reason: request.ignored };
  return rollbackCanary(deps, request);
}

async function toRequest(event: unknown, deps: RollbackDeps): Promise<RollbackRequest | { ignored: string }> {
  const e = (event ?? {}) as { source?: unknown; 'detail-type'?: unknown };
  if (e.source === SOURCES.states || e['detail-type'] === EXECUTION_STATUS_CHANGE) return executionRequest(event, deps);
  if (e.source === SOURCES.cloudwatch || e['detail-type'] === ALARM_STATE_CHANGE) {
    const parsed = alarmStateChangeSchema.safeParse(event);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new RejectedRollbackInput(issue.path.join('.') || '(root)', issue.message);
    }
    const { detail, resources } = parsed.data;
    const prefix = deps.alarmPrefix ?? CANARY_ALARM_PREFIX;
    if (!detail.alarmName.startsWith(prefix)) return { ignored: `alarm ${detail.alarmName} is not a canary alarm (prefix ${prefix})` };
    if (detail.state.value !== 'ALARM') return { ignored: `alarm ${detail.alarmName} changed to ${detail.state.value}: only ALARM rolls back` };
    const reason = detail.state.reason ?? 'no reason given';
    const alarmArn = resources.find((r) => r.includes(':alarm:'));
    return {
      verdict: 'FAIL',
      reasons: [`alarm ${detail.alarmName} is in ALARM: ${reason}`],
      trigger: { kind: 'alarm', alarmName: detail.alarmName, alarmReason: reason, ...(alarmArn === undefined ? {} : { alarmArn }) },
      stopExecution: true,
      ...deps.judgedUnder,
    };
  }
  const parsed = directSchema.safeParse(event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.') || '(root)';
    throw new RejectedRollbackInput(field, `${issue.message} (expected a CloudWatch Alarm State Change, a Step Functions Execution Status Change or {"runId", "reason"})`);
  }
  const { runId, reason } = parsed.data;
  return {
    verdict: 'FAIL',
    reasons: [`rolled back by hand: ${reason}`],
    trigger: { kind: 'manual', reason },
    runId,
    stopExecution: true,
    ...deps.judgedUnder,
  };
}

async function executionRequest(event: unknown, deps: RollbackDeps): Promise<RollbackRequest | { ignored: string }> {
  const parsed = executionStatusChangeSchema.safeParse(event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RejectedRollbackInput(issue.path.join('.') || '(root)', issue.message);
  }
  const { executionArn, stateMachineArn, status, error, cause } = parsed.data.detail;
  if (deps.rolloutStateMachineArn !== undefined && stateMachineArn !== deps.rolloutStateMachineArn) {
    return { ignored: `execution ${executionArn} is not of the rollout state machine ${deps.rolloutStateMachineArn}` };
  }
  if (!isAbnormalEnd(status)) return { ignored: `execution ${executionArn} is ${status}: only FAILED, TIMED_OUT and ABORTED roll back` };
  const weights = await deps.alias.getWeights();
  if (weights.candidate === undefined) return { ignored: `execution ${executionArn} ended ${status}, but alias ${deps.router.alias} routes no traffic to a candidate` };
  const pin = await deps.alias.versionPin(weights.candidate.version);
  if (pin.rolloutExecutionArn !== executionArn) {
    return { ignored: `execution ${executionArn} ended ${status}, but the candidate version ${weights.candidate.version} belongs to execution ${pin.rolloutExecutionArn ?? '(none)'}` };
  }
  const why = [error, cause].filter((x): x is string => typeof x === 'string' && x.trim() !== '').join(': ');
  return {
    verdict: 'INCONCLUSIVE',
    reasons: [`the rollout execution ${executionArn} ended ${status}${why === '' ? '' : ` (${why})`} without deciding; the canary fails closed`],
    trigger: { kind: 'execution', executionArn, status },
    candidateVersion: weights.candidate.version,
    // The execution has already ended.
    stopExecution: false,
    ...deps.judgedUnder,
  };
}

function isAbnormalEnd(status: string): status is AbnormalEndStatus {
  return (ABNORMAL_END_STATUSES as readonly string[]).includes(status);
}

/** The configuration to record; unreadable configuration must not stop a rollback. */
export function judgedUnder(text: string | undefined): JudgedUnder {
  if (text === undefined) return { config: null, configHash: 'unconfigured' };
  try {
    const config = parseCanaryConfig(text);
    return { config, configHash: canaryConfigHash(config) };
  } catch (error) {
    logger.error('CANARY_CONFIG unreadable; the verdict records no configuration', { error: (error as Error).message });
    return { config: null, configHash: 'unreadable' };
  }
}

export const handler = middy(async (event: unknown): Promise<RollbackHandlerOutcome> => {
  const env = envSchema.parse(process.env);
  const outcome = await handleRollback(event, {
    alias: new LambdaAliasControl(env.ROUTER_FUNCTION_NAME, env.ALIAS_NAME),
    verdicts: new DynamoVerdictStore(env.VERDICTS_TABLE),
    events: new EventBridgePublisher(env.EVENT_BUS_NAME),
    stopper: new SfnRolloutStopper(env.ROLLOUT_STATE_MACHINE_ARN),
    router: { functionName: env.ROUTER_FUNCTION_NAME, alias: env.ALIAS_NAME },
    judgedUnder: judgedUnder(env.CANARY_CONFIG),
    alarmPrefix: env.ALARM_NAME_PREFIX,
    ...(env.ROLLOUT_STATE_MACHINE_ARN === undefined ? {} : { rolloutStateMachineArn: env.ROLLOUT_STATE_MACHINE_ARN }),
  });
  if (outcome.outcome === 'rolled-back') logger.warn('canary rolled back', { ...outcome });
  else logger.info('nothing rolled back', { ...outcome });
  return outcome;
}).use(injectLambdaContext(logger));
