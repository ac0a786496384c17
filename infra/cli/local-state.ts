import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalRuntimeInfo } from '../local/local-runtime';

/*
 * `<state-dir>/local.json`: how other finegate commands (and other tools) find the local runtime that
 * `finegate local up` keeps running: its endpoints, stack outputs, the SDK environment to apply, its control API
 * and the process ids to check it is still alive. Written once the runtime is ready, removed when it stops.
 */

export const DEFAULT_STATE_DIR = '.finegate';
export const LOCAL_STATE_FILE = 'local.json';

export interface LocalState {
  /** The `finegate local up` process: signal it (SIGINT/SIGTERM) to stop the runtime. */
  pid: number;
  /** The runtime process it runs. */
  runtimePid: number;
  controlUrl: string;
  startedAt: string;
  /** Where the runtime's own log (handler logs included) goes. */
  logPath: string;
  region: string;
  endpoints: LocalRuntimeInfo['endpoints'];
  environment: LocalRuntimeInfo['environment'];
  outputs: Record<string, string>;
  resources: LocalRuntimeInfo['resources'];
}

export function localStatePath(stateDir: string): string {
  return join(stateDir, LOCAL_STATE_FILE);
}

export async function writeLocalState(stateDir: string, state: LocalState): Promise<string> {
  await mkdir(stateDir, { recursive: true });
  const path = localStatePath(stateDir);
  // Written whole in one call: a reader never sees half a file worth acting on (it would fail to parse).
  await writeFile(path, JSON.stringify(state, null, 2) + '\n');
  return path;
}

/** The state file, or undefined when there is none; throws on a file that is not a finegate local state. */
export async function readLocalState(stateDir: string): Promise<LocalState | undefined> {
  const path = localStatePath(stateDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let state: Partial<LocalState>;
  try {
    state = JSON.parse(text) as Partial<LocalState>;
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof state.pid !== 'number' || typeof state.controlUrl !== 'string' || !state.environment || !state.outputs) {
    throw new Error(`${path} is not a finegate local runtime state (pid, controlUrl, environment and outputs are required)`);
  }
  return state as LocalState;
}

/** Removes the state file only if it still describes this process's runtime (a newer `local up` may own it). */
export async function removeLocalState(stateDir: string, pid: number): Promise<void> {
  const current = await readLocalState(stateDir).catch(() => undefined);
  if (current && current.pid !== pid) return;
  await rm(localStatePath(stateDir), { force: true });
}

/** Whether a process with this id exists (signal 0 checks without signalling; EPERM means it exists). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
