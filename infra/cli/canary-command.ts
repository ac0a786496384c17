import type { AlarmStatus } from '../../functions/canary/canary-observation';
import type { VersionPin } from '../../functions/canary/alias-control';
import { canarySubject } from '../../functions/canary/canary-operations';
import { CloudWatchAlarms } from '../../functions/stores/cloudwatch-alarms';
import { DynamoVerdictStore } from '../../functions/stores/dynamo-verdict-store';
import { LambdaAliasControl } from '../../functions/stores/lambda-alias-control';
import { FunctionInvokeError, invokeFunction } from '../../functions/stores/lambda-function-invoke';
import { SfnRolloutStopper } from '../../functions/stores/rollout-control';
import type { VerdictRecord } from '../../functions/stores/verdict-store';
import { connect, connectionArgs, CONNECTION_OPTIONS, parseCommandArgs, requireOutput, runIdArgument, type ConnectionArgs, type StackConnection } from './stack-connection';
import { formatTable } from './text-table';
import { UsageError } from './usage-error';

export const CANARY_HELP = `Usage: finegate canary <status|rollback|promote> [options] [--local [--state-dir .finegate] | --stack Finegate --region <region>]

The production canary (stage 4): the router's live alias splits traffic between the current version and a
candidate version, each pinning one model; alarms on the candidate's rubric scores, shadow win rate, errors and
latency roll it back; the rollout promotes it after its hold windows.

  status                 the live alias (versions, models, weights), the canary's run and rollout execution,
                         every canary alarm with its state and reason, and the run's canary verdicts
  rollback --reason <r>  clears the candidate's weight now, restores the version that served before, records
                         FAIL with your reason, stops the rollout (through the deployed rollback function)
  promote --reason <r>   serves the candidate's model to 100% now, records PASS with your reason, then stops the
                         rollout execution (with your own credentials)

Options:
  --reason <text>        why (required for rollback and promote; recorded in the verdict)
  --run <runId>          status: the run whose canary verdicts to list (default: the run the candidate pins)
  --json                 status: print JSON
  --local                use the local runtime of 'finegate local up' (found through <state-dir>/local.json)
  --state-dir <dir>      with --local: where 'finegate local up' keeps local.json (default: .finegate)
  --stack <name>         the deployed stack to use (default: Finegate), read with your AWS credentials
  --region <region>      the deployed stack's region (default: the SDK's, e.g. AWS_REGION)

Exit codes: 0 done (status: no alarm in ALARM), 1 status with an alarm in ALARM, or nothing to roll back or promote,
2 bad usage or no stack to reach.
`;

type Action = 'status' | 'rollback' | 'promote';

export interface CanaryArgs extends ConnectionArgs {
  action: Action;
  reason?: string;
  runId?: string;
  json: boolean;
}

export function parseCanaryArgs(argv: string[]): CanaryArgs {
  const { values, positionals } = parseCommandArgs(argv, {
    ...CONNECTION_OPTIONS,
    reason: { type: 'string' },
    run: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const [action, ...extra] = positionals;
  if (action !== 'status' && action !== 'rollback' && action !== 'promote') {
    throw new UsageError(action === undefined ? 'which action? give status, rollback or promote (see --help)' : `unknown action '${action}': give status, rollback or promote`);
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra[0]}`);
  const reason = values.reason?.trim();
  if (action !== 'status' && !reason) throw new UsageError(`${action} needs --reason <text>: it is recorded in the canary's verdict`);
  if (action === 'status' && values.reason !== undefined) throw new UsageError('--reason is for rollback and promote');
  const runId = values.run === undefined ? undefined : runIdArgument([values.run]);
  return { action, ...(reason ? { reason } : {}), ...(runId === undefined ? {} : { runId }), json: values.json, ...connectionArgs(values) };
}

export interface CanaryStatus {
  alias: string;
  routerFunction: string;
  current: { version: string; weight: number; pin: VersionPin };
  candidate?: { version: string; weight: number; pin: VersionPin };
  runId?: string;
  rolloutExecutionArn?: string;
  alarms: AlarmStatus[];
  verdicts: Pick<VerdictRecord, 'key' | 'verdict' | 'reasons' | 'createdAt'>[];
}

/** `finegate canary`; returns the exit code. */
export async function canaryCommand(argv: string[]): Promise<number> {
  const args = parseCanaryArgs(argv);
  const connection = await connect(args);
  const routerFunction = requireOutput(connection, 'CanaryRouterFunctionName');
  const alias = new LambdaAliasControl(routerFunction, 'live');
  if (args.action === 'status') {
    const status = await readCanaryStatus(connection, alias, routerFunction, args.runId);
    process.stdout.write(args.json ? JSON.stringify(status, null, 2) + '\n' : formatCanaryStatus(status, connection.description));
    return status.alarms.some((a) => a.state === 'ALARM') ? 1 : 0;
  }
  const weights = await alias.getWeights();
  if (weights.candidate === undefined) {
    process.stderr.write(`finegate canary ${args.action}: no canary runs in ${connection.description}: the live alias serves version ${weights.currentVersion} alone\n`);
    return 1;
  }
  const pin = await alias.versionPin(weights.candidate.version);
  if (pin.runId === undefined) {
    process.stderr.write(`finegate canary ${args.action}: version ${weights.candidate.version} has traffic but pins no RUN_ID: it was not published by a rollout; fix the alias by hand\n`);
    return 1;
  }
  try {
    if (args.action === 'rollback') {
      const outcome = (await invokeFunction(requireOutput(connection, 'CanaryRollbackFunctionName'), { runId: pin.runId, reason: `rolled back by an operator: ${args.reason}` })) as Record<string, unknown>;
      process.stdout.write(`rolled back run ${pin.runId}'s canary (version ${weights.candidate.version}, ${pin.modelRef ?? 'unknown model'}): ${summarize(outcome)}\n`);
      return 0;
    }
    const outcome = (await invokeFunction(requireOutput(connection, 'CanaryRolloutStepFunctionName'), { action: 'operator-promote', runId: pin.runId, reason: args.reason })) as Record<string, unknown>;
    let stopped = 'no rollout execution pinned';
    if (typeof outcome.rolloutExecutionArn === 'string') {
      const stopper = new SfnRolloutStopper(requireOutput(connection, 'CanaryRolloutStateMachineArn'), 'finegate.CanaryPromotedByOperator');
      stopped = `rollout ${await stopper.stop(outcome.rolloutExecutionArn, `promoted by an operator: ${args.reason}`)}`;
    }
    process.stdout.write(`promoted run ${pin.runId}'s candidate ${pin.modelRef ?? ''} (version ${weights.candidate.version}): now serving version ${String(outcome.servingVersion)}; ${stopped}\n`);
    return 0;
  } catch (error) {
    if (error instanceof FunctionInvokeError) {
      process.stderr.write(`finegate canary ${args.action}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

export async function readCanaryStatus(connection: StackConnection, alias: LambdaAliasControl, routerFunction: string, runId?: string): Promise<CanaryStatus> {
  const prefix = connection.outputs.CanaryAlarmNamePrefix ?? 'finegate-canary-';
  const [weights, alarms] = await Promise.all([alias.getWeights(), new CloudWatchAlarms().byPrefix(prefix)]);
  const currentPin = await alias.versionPin(weights.currentVersion);
  const candidatePin = weights.candidate === undefined ? undefined : await alias.versionPin(weights.candidate.version);
  const run = runId ?? candidatePin?.runId;
  const verdicts = run === undefined ? [] : (await new DynamoVerdictStore(requireOutput(connection, 'VerdictsTableName')).list(canarySubject(run))).filter((v) => v.kind === 'canary');
  const candidateWeight = weights.candidate?.weight ?? 0;
  return {
    alias: 'live',
    routerFunction,
    current: { version: weights.currentVersion, weight: 1 - candidateWeight, pin: currentPin },
    ...(weights.candidate && candidatePin ? { candidate: { version: weights.candidate.version, weight: candidateWeight, pin: candidatePin } } : {}),
    ...(run === undefined ? {} : { runId: run }),
    ...(candidatePin?.rolloutExecutionArn === undefined ? {} : { rolloutExecutionArn: candidatePin.rolloutExecutionArn }),
    alarms,
    verdicts: verdicts.map(({ key, verdict, reasons, createdAt }) => ({ key, verdict, reasons, createdAt })),
  };
}

export function formatCanaryStatus(status: CanaryStatus, where: string): string {
  const percent = (w: number) => `${(w * 100).toFixed(w * 100 % 1 === 0 ? 0 : 1)}%`;
  const version = (v: { version: string; weight: number; pin: VersionPin }) => [v.version, v.pin.cohort ?? '—', v.pin.modelRef ?? '(no MODEL_REF)', percent(v.weight)];
  const lines = [`finegate canary — ${where}`, `live alias of ${status.routerFunction}:`];
  lines.push(formatTable([{ header: 'version' }, { header: 'cohort' }, { header: 'model' }, { header: 'traffic', align: 'right' }], [version(status.current), ...(status.candidate ? [version(status.candidate)] : [])], '  ').trimEnd());
  lines.push(status.candidate ? `run ${status.runId ?? '(none pinned)'}; rollout ${status.rolloutExecutionArn ?? '(none pinned)'}` : 'no canary running');
  lines.push('alarms:');
  lines.push(
    status.alarms.length === 0
      ? '  (none found)'
      : formatTable([{ header: 'alarm' }, { header: 'state' }, { header: 'reason' }], status.alarms.map((a) => [a.name, a.state, (a.reason ?? '').slice(0, 110)]), '  ').trimEnd(),
  );
  if (status.runId !== undefined) {
    lines.push(`verdicts of run ${status.runId}:`);
    lines.push(status.verdicts.length === 0 ? '  none yet' : status.verdicts.map((v) => `  ${v.key}  ${v.verdict}  ${v.createdAt}  ${v.reasons.join('; ')}`).join('\n'));
  }
  return lines.join('\n') + '\n';
}

function summarize(outcome: Record<string, unknown>): string {
  const parts = [`outcome ${String(outcome.outcome ?? 'unknown')}`];
  if (outcome.verdict !== undefined) parts.push(`verdict ${String(outcome.verdict)}`);
  if (outcome.restored !== undefined) parts.push(`restored version ${String(outcome.restored)}`);
  if (outcome.stop !== undefined) parts.push(`rollout ${String(outcome.stop)}`);
  return parts.join(', ');
}
