import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { localCommand, localStatus, LOCAL_HELP, runLocalUp } from '../../../infra/cli/local-command';
import { localStatePath, readLocalState, writeLocalState, type LocalState } from '../../../infra/cli/local-state';
import { connect } from '../../../infra/cli/stack-connection';
import { UsageError } from '../../../infra/cli/usage-error';
import { waitFor } from '../../support/wait-for';

/*
 * The lifecycle of `finegate local up` around a stand-in runtime: a small Node script that behaves as
 * infra/local/serve.ts does at its edges (log on stderr, one ready line on stdout, a control API answering
 * /_finegate/info, a clean exit on SIGTERM or when stdin closes), without the JVM and the CDK synthesis.
 */

const FAKE_SERVE = `
import { createServer } from 'node:http';
const mode = process.argv[2] ?? 'ok';
process.stderr.write('booting the stand-in runtime\\n');
if (mode === 'crash') {
  process.stderr.write('java not found\\n');
  process.exit(3);
}
const server = createServer((req, res) => {
  const body = req.url.startsWith('/_finegate/info') ? '{"region":"us-east-1"}' : req.url.startsWith('/_finegate/events') ? '[]' : undefined;
  res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
  res.end(body ?? '{}');
});
server.listen(0, '127.0.0.1', () => {
  const port = server.address().port;
  const endpoint = 'http://127.0.0.1:' + port;
  const info = {
    finegateLocal: 'ready',
    pid: process.pid,
    controlUrl: endpoint + '/_finegate',
    endpoints: { s3: endpoint + '/s3', dynamodb: endpoint + '/ddb', eventbridge: endpoint, stepfunctions: endpoint + '/sfn' },
    region: 'us-east-1',
    account: '000000000000',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    environment: { set: { AWS_ENDPOINT_URL_DYNAMODB: endpoint + '/ddb', FINEGATE_STAND_IN: 'applied' }, unset: ['AWS_PROFILE'] },
    resources: { buckets: [], tables: [], buses: [], queues: [], functions: [], rules: [], stateMachines: [], alarms: [], functionUrls: [] },
    outputs: { CorporaBucketName: 'corpora-local', VerdictsTableName: 'verdicts-local', EventBusName: 'finegate-local-bus' },
    startupMs: 5,
  };
  process.stdout.write('not json, goes to the log\\n');
  process.stdout.write(JSON.stringify(info) + '\\n');
  if (mode === 'die') setTimeout(() => process.exit(4), 300);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
`;

const scripts = mkdtempSync(join(tmpdir(), 'finegate-local-serve-'));
const fakeServe = join(scripts, 'serve.mjs');
writeFileSync(fakeServe, FAKE_SERVE);
const saved = { ...process.env };

afterEach(() => {
  process.env = { ...saved };
});

function up(stateDir: string, mode = 'ok') {
  const controller = new AbortController();
  const out: string[] = [];
  const err: string[] = [];
  const done = runLocalUp({
    stateDir,
    stop: controller.signal,
    command: { file: process.execPath, args: [fakeServe, mode] },
    readyTimeoutMs: 20_000,
    out: (t) => void out.push(t),
    err: (t) => void err.push(t),
  });
  return { done, stop: () => controller.abort(), out: () => out.join(''), err: () => err.join('') };
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

describe('finegate local up', () => {
  it('writes local.json once the runtime is ready, answers status, and removes it on stop', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'finegate-state-')), 'nested');
    const runtime = up(dir);
    const state = await waitFor(() => readLocalState(dir), { timeoutMs: 20_000, description: 'local.json' });
    expect(state).toMatchObject({
      pid: process.pid,
      controlUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/_finegate$/),
      region: 'us-east-1',
      outputs: { EventBusName: 'finegate-local-bus', VerdictsTableName: 'verdicts-local' },
      environment: { set: { FINEGATE_STAND_IN: 'applied' }, unset: ['AWS_PROFILE'] },
      logPath: expect.stringMatching(/nested\/local\.log$/),
    });
    expect(state.runtimePid).not.toBe(process.pid);

    const summary = runtime.out();
    expect(summary).toMatch(/^finegate local runtime up in \d+\.\d s \(pid \d+, runtime pid \d+, region us-east-1\)$/m);
    expect(summary).toMatch(/^ {2}control API\s+http:\/\/127\.0\.0\.1:\d+\/_finegate$/m);
    expect(summary).toMatch(/^ {2}EventBusName\s+finegate-local-bus$/m);
    expect(summary).toMatch(/Stop it with Ctrl-C, or: kill \d+/);

    const status = await localStatus(dir);
    expect(status.up).toBe(true);
    expect(status.text).toMatch(/^finegate local runtime up since \d{4}-/);
    expect(status.text).toMatch(/VerdictsTableName\s+verdicts-local/);

    // Another `local up` on the same state dir is refused while this one answers.
    await expect(runLocalUp({ stateDir: dir, stop: new AbortController().signal, command: { file: process.execPath, args: [fakeServe] }, out: () => {} })).rejects.toThrow(
      /a local runtime is already up \(pid \d+, .*local\.json\); stop it first/,
    );

    // Other commands connect through the state file: its SDK environment is applied to this process.
    process.env.AWS_PROFILE = 'someone';
    const connection = await connect({ local: true, stateDir: dir });
    expect(connection.outputs.EventBusName).toBe('finegate-local-bus');
    expect(connection.control?.controlUrl).toBe(state.controlUrl);
    expect(process.env.FINEGATE_STAND_IN).toBe('applied');
    expect(process.env.AWS_PROFILE).toBeUndefined();

    runtime.stop();
    expect(await runtime.done).toBe(0);
    expect(existsSync(localStatePath(dir))).toBe(false);
    expect(runtime.out()).toMatch(/stopped; removed .*local\.json/);
    const log = readFileSync(join(dir, 'local.log'), 'utf8');
    expect(log).toMatch(/booting the stand-in runtime/);
    expect(log).toMatch(/not json, goes to the log/);
    expect((await localStatus(dir)).text).toMatch(/^not up: no .*local\.json \(start one with: npx finegate local up --state-dir /);
  });

  it('exits 1 with the end of the log when the runtime does not start, leaving no state', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'finegate-state-'));
    const runtime = up(dir, 'crash');
    expect(await runtime.done).toBe(1);
    expect(runtime.err()).toMatch(/the local runtime did not start: it exited with code 3/);
    expect(runtime.err()).toMatch(/java not found/);
    expect(existsSync(localStatePath(dir))).toBe(false);
  });

  it('exits 1 and removes local.json when the runtime stops on its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'finegate-state-'));
    const runtime = up(dir, 'die');
    expect(await runtime.done).toBe(1);
    expect(runtime.err()).toMatch(/the local runtime stopped on its own \(exit code 4\); removed /);
    expect(existsSync(localStatePath(dir))).toBe(false);
  });

  it('stops cleanly when asked to before the runtime is ready', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'finegate-state-'));
    const runtime = up(dir);
    runtime.stop();
    expect(await runtime.done).toBe(0);
    expect(existsSync(localStatePath(dir))).toBe(false);
  });
});

describe('finegate local status', () => {
  const state = (pid: number): LocalState => ({
    pid,
    runtimePid: pid,
    controlUrl: 'http://127.0.0.1:9/_finegate',
    startedAt: '2026-11-12T09:00:00.000Z',
    logPath: '/tmp/local.log',
    region: 'us-east-1',
    endpoints: {
      s3: 'http://127.0.0.1:9',
      dynamodb: 'http://127.0.0.1:9',
      eventbridge: 'http://127.0.0.1:9',
      stepfunctions: 'http://127.0.0.1:9',
      lambda: 'http://127.0.0.1:9',
      sqs: 'http://127.0.0.1:9',
      cloudwatch: 'http://127.0.0.1:9',
    },
    environment: { set: {}, unset: [] },
    outputs: {},
    resources: { buckets: [], tables: [], buses: [], queues: [], functions: [], rules: [], stateMachines: [], alarms: [], functionUrls: [] },
  });

  it('calls a state file of a process that has exited stale, and --local refuses it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'finegate-state-'));
    const pid = await deadPid();
    await writeLocalState(dir, state(pid));
    expect(await localStatus(dir)).toEqual({ up: false, text: `not up: ${dir}/local.json is stale, pid ${pid} is not running\n` });
    await expect(connect({ local: true, stateDir: dir })).rejects.toThrow(new RegExp(`pid ${pid}\\) is no longer running; start one with: npx finegate local up`));
  });

  it('says so when the process is alive but its control API does not answer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'finegate-state-'));
    await writeLocalState(dir, state(process.pid));
    expect(await localStatus(dir)).toEqual({ up: false, text: `not answering: pid ${process.pid} is alive but its control API (http://127.0.0.1:9/_finegate) does not answer\n` });
    await expect(connect({ local: true, stateDir: dir })).rejects.toThrow(/does not answer at http:\/\/127\.0\.0\.1:9\/_finegate/);
  });

  it('refuses a local.json that is not a runtime state', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'finegate-state-'));
    writeFileSync(localStatePath(dir), '{"hello": 1}');
    expect((await localStatus(dir)).text).toMatch(/not up: .*local\.json is not a finegate local runtime state/);
    await expect(connect({ local: true, stateDir: dir })).rejects.toThrow(UsageError);
  });
});

describe('finegate local: usage', () => {
  it.each([
    [[], /which local command\? \(up, status/],
    [['down'], /unknown local command 'down'/],
    [['up', '--bogus'], /Unknown option '--bogus'/],
    [['status', 'extra'], /Unexpected argument 'extra'/],
  ])('%j → %s', async (argv, message) => {
    await expect(localCommand(argv)).rejects.toThrow(UsageError);
    await expect(localCommand(argv)).rejects.toThrow(message);
  });

  it('documents both subcommands', () => {
    expect(LOCAL_HELP).toMatch(/^Usage: finegate local up \[--state-dir \.finegate\]/);
    expect(LOCAL_HELP).toMatch(/^ {7}finegate local status \[--state-dir \.finegate\]/m);
  });
});
