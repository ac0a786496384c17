/*
 * Runs the local runtime as its own process, for tests and tools in other processes:
 * - prints one JSON line on stdout when ready: {"finegateLocal":"ready", endpoints, resources, outputs, ...};
 *   everything else (handler logs included) goes to stderr, so stdout carries only that line;
 * - serves a control API next to the EventBridge endpoint, under /_finegate/:
 *   GET info, events, invocations, dead-letters, queue-messages (each log takes ?since=<seq>, events ?bus=),
 *   GET idle?timeoutMs= (answers once the runtime is idle), POST publish {eventBusName, event};
 *   GET executions (Step Functions executions with status, input, output, error and history; filters
 *   ?stateMachine=<name or arn>&status=&name=), GET executions/wait?name=<name or arn>&timeoutMs= (answers once
 *   that execution has closed);
 * - exits cleanly on SIGTERM/SIGINT, or when its stdin pipe closes (its parent went away).
 *
 * Usage: tsx infra/local/serve.ts [--region us-east-1] [--stack-name finegate-local] [--canary <current model ref>]
 */
import { fstatSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { LOCAL_CANARY_TIME_SCALE, localCanaryProps } from '../demo/local-canary';
import { startLocalRuntime, type LocalRuntime } from './local-runtime';

const READY_MARKER = 'finegateLocal';
const CONTROL_PREFIX = '/_finegate';

const writeStdout = process.stdout.write.bind(process.stdout);
// Handlers log to stdout (Powertools writes there directly); keep stdout for the ready line alone.
process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;

const { values: args } = parseArgs({
  options: { region: { type: 'string' }, 'stack-name': { type: 'string' }, canary: { type: 'string' } },
});

let runtime: LocalRuntime | undefined;
let shuttingDown = false;

process.on('unhandledRejection', (reason) => {
  // A handler's stray promise must not take the whole runtime down, as it would not take down Lambda.
  process.stderr.write(`[local-runtime] unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
});

async function shutdown(code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  try {
    await runtime?.stop();
  } catch (error) {
    process.stderr.write(`[local-runtime] stop failed: ${String(error)}\n`);
    code = code || 1;
  }
  process.exit(code);
}

process.on('SIGTERM', () => void shutdown(0));
process.on('SIGINT', () => void shutdown(0));
if (stdinIsPipe()) {
  process.stdin.on('end', () => void shutdown(0));
  process.stdin.on('close', () => void shutdown(0));
  process.stdin.resume();
}

try {
  runtime = await startLocalRuntime({
    ...(args.region ? { region: args.region } : {}),
    ...(args['stack-name'] ? { stackName: args['stack-name'] } : {}),
    // With the canary, sized to decide within seconds (alarm periods LOCAL_CANARY_TIME_SCALE times faster).
    ...(args.canary ? { stackProps: { canary: localCanaryProps(args.canary) }, timeScale: LOCAL_CANARY_TIME_SCALE } : {}),
    extraRoutes: controlRoutes,
  });
  if (shuttingDown) await runtime.stop();
  else {
    const info = runtime.info();
    const controlUrl = `${info.endpoints.eventbridge}${CONTROL_PREFIX}`;
    writeStdout(`${JSON.stringify({ [READY_MARKER]: 'ready', pid: process.pid, controlUrl, ...info })}\n`);
  }
} catch (error) {
  process.stderr.write(`[local-runtime] failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  await shutdown(1);
}

async function controlRoutes(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  if (!url.pathname.startsWith(`${CONTROL_PREFIX}/`)) return false;
  const route = `${req.method} ${url.pathname.slice(CONTROL_PREFIX.length)}`;
  const rt = runtime;
  if (!rt) {
    send(res, 503, { message: 'local runtime is starting' });
    return true;
  }
  const since = Number(url.searchParams.get('since') ?? 0);
  const after = <T extends { seq: number }>(records: readonly T[]) => records.filter((r) => r.seq > since);
  switch (route) {
    case 'GET /info':
      send(res, 200, rt.info());
      return true;
    case 'GET /events': {
      const bus = url.searchParams.get('bus');
      send(res, 200, after(rt.events()).filter((e) => bus === null || e.eventBusName === bus));
      return true;
    }
    case 'GET /invocations':
      send(res, 200, after(rt.invocations()));
      return true;
    case 'GET /dead-letters':
      send(res, 200, after(rt.deadLetters()));
      return true;
    case 'GET /queue-messages':
      send(res, 200, after(rt.queueMessages()));
      return true;
    case 'GET /idle': {
      const timeoutMs = Number(url.searchParams.get('timeoutMs') ?? 60_000);
      try {
        await rt.waitForIdle({ timeoutMs });
        send(res, 200, { idle: true });
      } catch (error) {
        send(res, 504, { idle: false, message: error instanceof Error ? error.message : String(error) });
      }
      return true;
    }
    case 'GET /executions': {
      const machine = url.searchParams.get('stateMachine');
      const status = url.searchParams.get('status');
      const name = url.searchParams.get('name');
      send(
        res,
        200,
        rt
          .executions()
          .filter((e) => machine === null || e.stateMachineArn === machine || e.stateMachineName === machine)
          .filter((e) => status === null || e.status === status)
          .filter((e) => name === null || e.name === name || e.executionArn === name),
      );
      return true;
    }
    case 'GET /executions/wait': {
      const name = url.searchParams.get('name');
      if (!name) {
        send(res, 400, { message: 'expected ?name=<execution name or arn>' });
        return true;
      }
      const timeoutMs = Number(url.searchParams.get('timeoutMs') ?? 60_000);
      try {
        send(res, 200, await rt.waitForExecution(name, { timeoutMs }));
      } catch (error) {
        send(res, 504, { message: error instanceof Error ? error.message : String(error) });
      }
      return true;
    }
    case 'POST /publish': {
      let body: { eventBusName?: string; event?: Record<string, unknown> } = {};
      try {
        body = JSON.parse(await readBody(req)) as typeof body;
      } catch {
        // Answered below as a malformed request.
      }
      if (!body.event || typeof body.event !== 'object') {
        send(res, 400, { message: 'expected {"eventBusName": string, "event": object}' });
        return true;
      }
      send(res, 200, rt.publish(body.eventBusName ?? 'default', body.event));
      return true;
    }
    default:
      send(res, 404, { message: `no control route ${route}` });
      return true;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function stdinIsPipe(): boolean {
  try {
    const stat = fstatSync(0);
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return false;
  }
}
