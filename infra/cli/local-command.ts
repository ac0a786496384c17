import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { LocalRuntimeInfo } from '../local/local-runtime';
import { LocalControlClient } from './local-control-client';
import { DEFAULT_STATE_DIR, localStatePath, processAlive, readLocalState, removeLocalState, writeLocalState, type LocalState } from './local-state';
import { UsageError } from './usage-error';

export const LOCAL_HELP = `Usage: finegate local up [--state-dir .finegate] [--region <region>] [--canary <model ref>] [--verbose]
       finegate local status [--state-dir .finegate]

up      Runs finegate on embedded services in the foreground, with no AWS account and no network: DynamoDB Local
        (needs Java 17+), an S3-compatible server, EventBridge rules and Step Functions state machines read from
        the synthesized CDK template, the Lambda handlers in process. Once it is ready, writes
        <state-dir>/local.json (endpoints, stack outputs, the SDK environment, the control API, the pid), which
        'finegate gate --local' and 'finegate verdicts --local' read, and prints the endpoints and the bucket,
        table and bus names. The runtime's log (handler logs included) goes to <state-dir>/local.log.
        Stop it with Ctrl-C (or SIGTERM to its pid): the services stop and local.json is removed.
status  Says whether a local runtime is up: its pid is alive and its control API answers.

Options:
  --state-dir <dir>   where local.json and local.log live (default: .finegate)
  --region <region>   the region the runtime reports (default: us-east-1)
  --canary <ref>      deploy the canary too (stage 4), its router serving this model first ('finegate canary
                      --local' then reaches it); alarm periods run 60× faster than in AWS
  --verbose           stream the runtime's log to stderr as well

Exit codes: up: 0 stopped cleanly, 1 the runtime failed to start or stopped on its own, 2 bad usage or a
runtime already up; status: 0 up, 1 not up.
`;

const SERVE_SCRIPT = fileURLToPath(new URL('../local/serve.ts', import.meta.url));
const PROJECT_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const READY_MARKER = 'finegateLocal';
const READY_TIMEOUT_MS = 300_000;
const STOP_TIMEOUT_MS = 15_000;

/** `finegate local <up|status>`; returns the exit code. */
export async function localCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'up') return upCommand(rest);
  if (sub === 'status') return statusCommand(rest);
  throw new UsageError(sub === undefined ? 'which local command? (up, status; see --help)' : `unknown local command '${sub}' (up, status; see --help)`);
}

async function upCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { 'state-dir': { type: 'string', default: DEFAULT_STATE_DIR }, region: { type: 'string' }, canary: { type: 'string' }, verbose: { type: 'boolean', default: false } },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    return await runLocalUp({
      stateDir: values['state-dir'],
      ...(values.region ? { region: values.region } : {}),
      ...(values.canary ? { canaryCurrentModel: values.canary } : {}),
      verbose: values.verbose,
      stop: controller.signal,
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

export interface LocalUpOptions {
  stateDir: string;
  region?: string;
  /** Deploy the canary, its router serving this model first. */
  canaryCurrentModel?: string;
  verbose?: boolean;
  /** Aborting stops the runtime (the command wires SIGINT and SIGTERM to it). */
  stop: AbortSignal;
  /** The runtime process to run: by default infra/local/serve.ts under tsx, with this Node. */
  command?: { file: string; args: string[] };
  readyTimeoutMs?: number;
  out?: (text: string) => void;
  err?: (text: string) => void;
}

/** Runs the local runtime until `stop` aborts or it exits; returns the exit code. */
export async function runLocalUp(options: LocalUpOptions): Promise<number> {
  const out = options.out ?? ((text: string) => void process.stdout.write(text));
  const err = options.err ?? ((text: string) => void process.stderr.write(text));
  const { stateDir } = options;
  const path = localStatePath(stateDir);
  const existing = await readLocalState(stateDir).catch(() => undefined);
  if (existing && processAlive(existing.pid) && (await new LocalControlClient(existing.controlUrl).answers())) {
    throw new UsageError(`a local runtime is already up (pid ${existing.pid}, ${path}); stop it first (Ctrl-C in its terminal, or kill ${existing.pid})`);
  }
  if (options.stop.aborted) return 0;

  await mkdir(stateDir, { recursive: true });
  const logPath = join(stateDir, 'local.log');
  const log = createWriteStream(logPath);
  const command = options.command ?? serveCommand(options.region, options.canaryCurrentModel);
  const started = Date.now();
  out('starting the local runtime: DynamoDB Local, S3 server, EventBridge, Step Functions, the synthesized CDK template…\n');

  // stdin stays a pipe: serve.ts stops when it closes, so the runtime never outlives this process.
  const child = spawn(command.file, command.args, { cwd: PROJECT_ROOT, env: process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let logTail = '';
  const record = (chunk: Buffer) => {
    log.write(chunk);
    logTail = (logTail + chunk.toString()).slice(-4_000);
    if (options.verbose) err(chunk.toString());
  };
  child.stderr!.on('data', record);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const closeLog = () => new Promise<void>((r) => log.end(r));

  const ready = await waitForReady(child, exited, options.stop, options.readyTimeoutMs ?? READY_TIMEOUT_MS, record);
  if (ready.kind !== 'ready') {
    await terminate(child, exited);
    await closeLog();
    if (ready.kind === 'stopped') {
      out('stopped before the runtime was ready\n');
      return 0;
    }
    err(`the local runtime did not start: ${ready.reason}\n--- ${logPath} (end) ---\n${logTail}\n`);
    return 1;
  }

  const info = ready.info;
  const state: LocalState = {
    pid: process.pid,
    runtimePid: child.pid!,
    controlUrl: info.controlUrl,
    startedAt: new Date().toISOString(),
    logPath: resolve(logPath),
    region: info.region,
    endpoints: info.endpoints,
    environment: info.environment,
    outputs: info.outputs,
    resources: info.resources,
  };
  await writeLocalState(stateDir, state);
  out(formatLocalSummary(state, path, `up in ${((Date.now() - started) / 1000).toFixed(1)} s`));
  out(`Use it with --local (finegate gate … --local, finegate verdicts <runId> --local). Stop it with Ctrl-C, or: kill ${process.pid}\n`);

  const stopped = new Promise<'stop'>((r) => (options.stop.aborted ? r('stop') : options.stop.addEventListener('abort', () => r('stop'), { once: true })));
  const outcome = await Promise.race([stopped, exited]);
  await removeLocalState(stateDir, process.pid);
  // Ctrl-C in a terminal signals the runtime too: it may exit before this process handles its own signal.
  if (outcome === 'stop' || options.stop.aborted) {
    out('stopping the local runtime…\n');
    const { code, signal } = await terminate(child, exited);
    await closeLog();
    out(`stopped; removed ${path}\n`);
    return code === 0 || signal === 'SIGTERM' ? 0 : 1;
  }
  await closeLog();
  err(`the local runtime stopped on its own (${outcome.signal ?? `exit code ${outcome.code}`}); removed ${path}\n--- ${logPath} (end) ---\n${logTail}\n`);
  return 1;
}

type ReadyInfo = LocalRuntimeInfo & { controlUrl: string; pid: number };
type ReadyOutcome = { kind: 'ready'; info: ReadyInfo } | { kind: 'stopped' } | { kind: 'failed'; reason: string };

function waitForReady(
  child: ChildProcess,
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  stop: AbortSignal,
  timeoutMs: number,
  record: (chunk: Buffer) => void,
): Promise<ReadyOutcome> {
  return new Promise((resolvePromise) => {
    const lines = createInterface({ input: child.stdout! });
    let settled = false;
    const settle = (outcome: ReadyOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stop.removeEventListener('abort', onStop);
      resolvePromise(outcome);
    };
    const onStop = () => settle({ kind: 'stopped' });
    const timer = setTimeout(() => settle({ kind: 'failed', reason: `no ready line within ${timeoutMs / 1000} s` }), timeoutMs);
    stop.addEventListener('abort', onStop, { once: true });
    if (stop.aborted) onStop();
    void exited.then(({ code, signal }) => settle({ kind: 'failed', reason: `it exited with ${signal ?? `code ${code}`}` }));
    child.once('error', (error) => settle({ kind: 'failed', reason: error.message }));
    lines.on('line', (line) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        // Not the ready line: whatever else reaches stdout belongs in the log.
        record(Buffer.from(line + '\n'));
        return;
      }
      if ((parsed as Record<string, unknown>)[READY_MARKER] === 'ready') settle({ kind: 'ready', info: parsed as ReadyInfo });
      else record(Buffer.from(line + '\n'));
    });
  });
}

async function terminate(
  child: ChildProcess,
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  const result = await exited;
  clearTimeout(timer);
  return result;
}

function serveCommand(region: string | undefined, canaryCurrentModel: string | undefined): { file: string; args: string[] } {
  // tsx as an import hook of this same Node binary: one process to signal, and the runtime's TypeScript runs as is.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return {
    file: process.execPath,
    args: ['--import', tsx, SERVE_SCRIPT, ...(region ? ['--region', region] : []), ...(canaryCurrentModel ? ['--canary', canaryCurrentModel] : [])],
  };
}

async function statusCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { 'state-dir': { type: 'string', default: DEFAULT_STATE_DIR } } }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { text, up } = await localStatus(values['state-dir']);
  process.stdout.write(text);
  return up ? 0 : 1;
}

/** Whether a local runtime is up in this state dir, and what to say about it. */
export async function localStatus(stateDir: string): Promise<{ up: boolean; text: string }> {
  const path = localStatePath(stateDir);
  let state: LocalState | undefined;
  try {
    state = await readLocalState(stateDir);
  } catch (error) {
    return { up: false, text: `not up: ${(error as Error).message}\n` };
  }
  if (!state) return { up: false, text: `not up: no ${path} (start one with: npx finegate local up${stateDir === DEFAULT_STATE_DIR ? '' : ` --state-dir ${stateDir}`})\n` };
  if (!processAlive(state.pid)) return { up: false, text: `not up: ${path} is stale, pid ${state.pid} is not running\n` };
  if (!(await new LocalControlClient(state.controlUrl).answers())) {
    return { up: false, text: `not answering: pid ${state.pid} is alive but its control API (${state.controlUrl}) does not answer\n` };
  }
  return { up: true, text: formatLocalSummary(state, path, `up since ${state.startedAt}`) };
}

export function formatLocalSummary(state: LocalState, statePath: string, when: string): string {
  const endpoints: [string, string][] = [...Object.entries(state.endpoints), ['control API', state.controlUrl]];
  const width = Math.max(...endpoints.map(([name]) => name.length), ...Object.keys(state.outputs).map((k) => k.length));
  const lines = [
    `finegate local runtime ${when} (pid ${state.pid}, runtime pid ${state.runtimePid}, region ${state.region})`,
    'endpoints:',
    ...endpoints.map(([name, url]) => `  ${name.padEnd(width)}  ${url}`),
    'stack outputs:',
    ...Object.entries(state.outputs).map(([key, value]) => `  ${key.padEnd(width)}  ${value}`),
    `state: ${statePath}   log: ${state.logPath}`,
  ];
  return lines.join('\n') + '\n';
}
