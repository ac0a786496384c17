import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { runIdSchema } from '../../events/checkpoint-ready';
import { describeStackOutputs } from '../../functions/stores/stack-outputs';
import { resetAwsClients } from '../../functions/stores/aws-clients';
import { LocalControlClient } from './local-control-client';
import { DEFAULT_STATE_DIR, localStatePath, processAlive, readLocalState } from './local-state';
import { UsageError } from './usage-error';

/*
 * Where a CLI command's finegate lives: the local runtime `finegate local up` keeps running (found through its
 * state file), or a deployed CloudFormation stack (found by name, read through DescribeStacks). Either way the
 * command gets the stack outputs (bucket, table and bus names) and this process's SDK clients point at it.
 */

export const DEFAULT_STACK_NAME = 'Finegate';

export interface ConnectOptions {
  /** Use the local runtime instead of a deployed stack. */
  local: boolean;
  /** Where `finegate local up` wrote local.json. @default .finegate */
  stateDir?: string;
  /** The deployed stack. @default Finegate */
  stackName?: string;
  /** The deployed stack's region; otherwise the SDK's (AWS_REGION, the profile…). */
  region?: string;
}

/** The options of every command that reaches finegate: --local [--state-dir] or --stack [--region]. */
export const CONNECTION_OPTIONS = {
  local: { type: 'boolean', default: false },
  'state-dir': { type: 'string', default: DEFAULT_STATE_DIR },
  stack: { type: 'string', default: DEFAULT_STACK_NAME },
  region: { type: 'string' },
} as const satisfies ParseArgsOptionsConfig;

/** Where a command connects, as its parsed arguments say. */
export interface ConnectionArgs {
  local: boolean;
  stateDir: string;
  stackName: string;
  region?: string;
}

/** A command's arguments (positionals allowed); a parse error is a UsageError naming the bad option. */
export function parseCommandArgs<O extends ParseArgsOptionsConfig>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function connectionArgs(values: { local?: boolean; 'state-dir'?: string; stack?: string; region?: string }): ConnectionArgs {
  return {
    local: values.local ?? false,
    stateDir: values['state-dir'] ?? DEFAULT_STATE_DIR,
    stackName: values.stack ?? DEFAULT_STACK_NAME,
    ...(values.region ? { region: values.region } : {}),
  };
}

/** The one <runId> positional of a command, checked. */
export function runIdArgument(positionals: readonly string[]): string {
  const [runId, ...extra] = positionals;
  if (!runId) throw new UsageError('which run? give <runId> (see --help)');
  if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra[0]}`);
  const valid = runIdSchema.safeParse(runId);
  if (!valid.success) throw new UsageError(`invalid run id ${JSON.stringify(runId)}: ${valid.error.issues[0]!.message}`);
  return runId;
}

export interface StackConnection {
  outputs: Record<string, string>;
  /** The local runtime's control API; only with `local`. */
  control?: LocalControlClient;
  /** Says what the command is talking to, for messages. */
  description: string;
}

export async function connect(options: ConnectOptions): Promise<StackConnection> {
  return options.local ? connectLocal(options.stateDir ?? DEFAULT_STATE_DIR) : connectDeployed(options.stackName ?? DEFAULT_STACK_NAME, options.region);
}

/** A stack output the command needs; a missing one is named with the outputs that are there. */
export function requireOutput(connection: StackConnection, key: string): string {
  const value = connection.outputs[key];
  if (value === undefined) {
    throw new UsageError(`${connection.description} has no output ${key} (outputs: ${Object.keys(connection.outputs).join(', ') || 'none'}); is it a finegate stack of this version?`);
  }
  return value;
}

async function connectLocal(stateDir: string): Promise<StackConnection> {
  const path = localStatePath(stateDir);
  const start = `start one with: npx finegate local up${stateDir === DEFAULT_STATE_DIR ? '' : ` --state-dir ${stateDir}`}`;
  let state;
  try {
    state = await readLocalState(stateDir);
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; ${start}`);
  }
  if (!state) throw new UsageError(`no local runtime is up (no ${path}); ${start}`);
  if (!processAlive(state.pid)) throw new UsageError(`the local runtime recorded in ${path} (pid ${state.pid}) is no longer running; ${start}`);
  const control = new LocalControlClient(state.controlUrl);
  if (!(await control.answers())) throw new UsageError(`the local runtime (pid ${state.pid}) does not answer at ${state.controlUrl}; stop it (kill ${state.pid}) and ${start}`);
  for (const key of state.environment.unset) delete process.env[key];
  Object.assign(process.env, state.environment.set);
  // Clients built before this point would still talk to wherever the environment pointed before.
  resetAwsClients();
  return { outputs: state.outputs, control, description: `the local runtime (pid ${state.pid})` };
}

async function connectDeployed(stackName: string, region: string | undefined): Promise<StackConnection> {
  if (region) {
    // The stores' clients take their region from the environment: they must reach the stack's region too.
    process.env.AWS_REGION = region;
    resetAwsClients();
  }
  try {
    const stack = await describeStackOutputs(stackName, region);
    const where = `stack ${stackName} in ${stack.region}`;
    if (!stack.found) throw new UsageError(`${where} was not found`);
    const outputs = stack.outputs;
    if (/_IN_PROGRESS$|FAILED$|^ROLLBACK_COMPLETE$|^DELETE_COMPLETE$/.test(stack.status ?? '') && Object.keys(outputs).length === 0) {
      throw new UsageError(`${where} is ${stack.status}: it has no outputs to use yet`);
    }
    return { outputs, description: where };
  } catch (error) {
    throw deployedError(error, stackName, region);
  }
}

/** What went wrong reaching the deployed stack, said so that the user knows what to change. */
function deployedError(error: unknown, stackName: string, region: string | undefined): Error {
  if (error instanceof UsageError) return error;
  const e = error as { name?: string; message?: string; Code?: string };
  const message = e.message ?? String(error);
  const where = `stack ${stackName}${region ? ` in ${region}` : ''}`;
  if (e.name === 'CredentialsProviderError' || (/credential/i.test(message) && /load|provide|find/i.test(message))) {
    return new UsageError(`no AWS credentials to read ${where}: configure a profile (AWS_PROFILE) or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; or use --local for the local runtime (${message})`);
  }
  if (/region is missing/i.test(message)) return new UsageError(`no AWS region for ${where}: give --region or set AWS_REGION`);
  if (e.name === 'ValidationError' && /does not exist/i.test(message)) {
    return new UsageError(`${where} does not exist: deploy it with 'npx cdk deploy', or name another stack with --stack (${message})`);
  }
  const code = (error as { code?: string }).code ?? '';
  if (/^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET)$/.test(code) || e.name === 'TimeoutError') {
    return new UsageError(`cannot reach CloudFormation to read ${where}: ${code || e.name}: ${message}`);
  }
  if (/ExpiredToken|InvalidClientTokenId|UnrecognizedClient|SignatureDoesNotMatch|AccessDenied/.test(`${e.name} ${e.Code ?? ''}`)) {
    return new UsageError(`AWS refused to describe ${where}: ${e.name}: ${message}`);
  }
  return error instanceof Error ? error : new Error(message);
}
