import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { installDynamoDbLocal } from '../infra/local/dynamodb-local';
import type { LocalRuntimeConnection } from './support/local-services';

/*
 * Global setup of the vitest "integration" project: installs DynamoDB Local if the cache lacks it, starts the
 * local runtime (infra/local/serve.ts) in a child process under tsx, waits for its ready line and provides the
 * connection to the test files (see test/support/local-services.ts). The child's log goes to
 * .cache/local-runtime/serve.log (set FINEGATE_LOCAL_LOG=inherit to see it inline).
 */

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 10_000;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await installDynamoDbLocal({ log: (message) => process.stderr.write(`[global-setup] ${message}\n`) });

  const logDir = join(ROOT, '.cache', 'local-runtime');
  await mkdir(logDir, { recursive: true });
  const logPath = join(logDir, 'serve.log');
  const logFile = createWriteStream(logPath);

  // tsx as an import hook of this same Node binary: one process to signal, no wrapper in between.
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'infra', 'local', 'serve.ts')], {
    cwd: ROOT,
    env: process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let logTail = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    logFile.write(chunk);
    logTail = (logTail + chunk.toString()).slice(-6_000);
    if (process.env.FINEGATE_LOCAL_LOG === 'inherit') process.stderr.write(chunk);
  });

  const stop = async () => {
    await terminate(child);
    await new Promise((r) => logFile.end(r));
  };

  try {
    const connection = await readyLine(child, () => logTail);
    process.stderr.write(
      `[global-setup] local runtime ready in ${connection.startupMs} ms (pid ${connection.pid}); log: ${logPath}\n`,
    );
    project.provide('finegateLocal', connection);
  } catch (error) {
    await stop();
    throw error;
  }
  return stop;
}

function readyLine(child: ChildProcess, logTail: () => string): Promise<LocalRuntimeConnection> {
  return new Promise((resolvePromise, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const fail = (reason: string) => {
      clearTimeout(timer);
      lines.close();
      reject(new Error(`local runtime did not start: ${reason}\n--- its log ---\n${logTail()}`));
    };
    const timer = setTimeout(() => fail(`no ready line within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    child.once('exit', (code, signal) => fail(`exited with ${signal ?? `code ${code}`}`));
    child.once('error', (error) => fail(error.message));
    lines.on('line', (line) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        return;
      }
      if ((parsed as { finegateLocal?: string }).finegateLocal !== 'ready') return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolvePromise(parsed as LocalRuntimeConnection);
    });
  });
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
