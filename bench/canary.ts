/**
 * npm run bench:canary [-- --requests 500 --warmup 30 --latency-ms 20 --alarm-runs 20 --time-scale 60]
 * The canary's speed figures, each with N, p50, p99, mean and max:
 *
 * 1. Router overhead: the same chat request (a) through the openai: adapter straight to a local OpenAI-compatible
 *    server answering after a fixed latency, and (b) through the router's handler in-process with a Function URL
 *    event (SHADOW_FRACTION=0); overhead = (b) − (a) per percentile. (a) and (b) alternate request by request, so
 *    both see the same machine. (c) is the router behind the local runtime's Function URL over HTTP (alias routing,
 *    the in-process invoker), alternated with (a) again: local-runtime cost, not Lambda's.
 * 2. Shadow enqueue: the router with SHADOW_FRACTION=1 against 0 (alternated) on a local SQS with no consumer, and
 *    the raw SqsShadowQueue.send.
 * 3. Alarm → cleared weights on the local runtime: a candidate weighted on the `live` alias through the real Lambda
 *    client (versions pinned as the rollout pins them), a "CloudWatch Alarm State Change" to ALARM put on the
 *    default bus, and GetAlias polled until no AdditionalVersionWeights remain; then once the whole path with a real
 *    rollout: degraded traffic → first breaching datapoint → ALARM → weight 0.
 *
 * Measured code runs as the Lambdas run it (bundled by esbuild); the local runtime, and the handlers it invokes,
 * run from source through tsx, as `npm run local` runs them. Handler logs go to stderr. Needs Java 17+ for
 * DynamoDB Local; no network, no AWS. A benchmark, not a test: it asserts nothing about speed.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Context } from 'aws-lambda';
import { CANARY_ROLLED_BACK } from '../events/canary-rolled-back';
import { CANARY_STARTED } from '../events/canary-started';
import { SOURCES } from '../events/event-sources';
import { GATE_VERDICT } from '../events/gate-verdict';
import type { ShadowMessage } from '../functions/canary/shadow-message';
import { handler as routerHandler } from '../functions/canary-router';
import { createChatModel } from '../functions/models/create-chat-model';
import type { ChatRequest } from '../functions/models/chat-model';
import { parseRunConfig } from '../functions/runs/run-config';
import { resetAwsClients } from '../functions/stores/aws-clients';
import { DynamoRunStore } from '../functions/stores/dynamo-run-store';
import { LambdaAliasControl } from '../functions/stores/lambda-alias-control';
import { SqsShadowQueue } from '../functions/stores/shadow-queue';
import { canaryTraffic, serveTraffic, writeCanaryRecordings } from '../infra/demo/canary-traffic';
import { alarmStateChangeEvent, type AlarmStateChange } from '../infra/local/alarm-evaluator';
import { freePort } from '../infra/local/free-port';
import { functionUrlEvent, functionUrlId } from '../infra/local/function-url-event';
import { applyEnvironment, LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION } from '../infra/local/local-aws-environment';
import type { LocalRuntime } from '../infra/local/local-runtime';
import { LocalQueues } from '../infra/local/sqs-queues';
import { localQueueUrl, startSqsServer } from '../infra/local/sqs-server';
import { startFixedLatencyModelServer } from './fixed-latency-model-server';
import { localCanaryProps } from '../infra/demo/local-canary';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '500' },
    warmup: { type: 'string', default: '30' },
    'latency-ms': { type: 'string', default: '20' },
    'alarm-runs': { type: 'string', default: '20' },
    'time-scale': { type: 'string', default: '60' },
  },
});
const N = Number(values.requests);
const WARMUP = Number(values.warmup);
const LATENCY_MS = Number(values['latency-ms']);
const ALARM_RUNS = Number(values['alarm-runs']);
const TIME_SCALE = Number(values['time-scale']);

const MODEL = 'openai:bench-model#family=meta';
const OTHER_MODEL = 'openai:bench-other#family=meta';
const ROUTER_NAME = 'finegate-canary-router';
const RUN_ID = 'bench-canary-1';
const benchStarted = performance.now();

/* ---------------------------------------------------------------------------------------------------------------- */
/* Output: results on stdout; EMF lines (what CloudWatch Logs would turn into metrics) dropped; other handler output  */
/* to stderr, so the table stays readable.                                                                          */

const writeOut = process.stdout.write.bind(process.stdout);
let emfLines = 0;
process.stdout.write = function (chunk: unknown, ...rest: unknown[]): boolean {
  const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
  const kept = text
    .split('\n')
    .filter((line) => {
      if (!line.includes('"_aws"')) return true;
      emfLines++;
      return false;
    })
    .join('\n');
  const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
  if (kept.trim() === '') {
    callback?.();
    return true;
  }
  return process.stderr.write(kept, callback);
} as typeof process.stdout.write;
const print = (line = '') => writeOut(`${line}\n`);

/* ---------------------------------------------------------------------------------------------------------------- */
/* Statistics                                                                                                        */

interface Summary {
  n: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

/** Nearest-rank percentiles. */
function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), mean: sorted.reduce((s, x) => s + x, 0) / sorted.length, max: sorted.at(-1)! };
}

const ms = (x: number) => `${x.toFixed(2)} ms`.padStart(11);
const row = (label: string, s: Summary) => `  ${label.padEnd(58)} n=${String(s.n).padEnd(4)} p50 ${ms(s.p50)}  p99 ${ms(s.p99)}  mean ${ms(s.mean)}  max ${ms(s.max)}`;
const deltaRow = (label: string, d: Pick<Summary, 'p50' | 'p99' | 'mean'>) => `  ${label.padEnd(58)}        p50 ${ms(d.p50)}  p99 ${ms(d.p99)}  mean ${ms(d.mean)}`;
const minus = (x: Pick<Summary, 'p50' | 'p99' | 'mean'>, y: Pick<Summary, 'p50' | 'p99' | 'mean'>) => ({ p50: x.p50 - y.p50, p99: x.p99 - y.p99, mean: x.mean - y.mean });

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/**
 * Runs `a` and `b` in turn n times after `warmup` unmeasured turns, alternating which goes first, so neither gets a
 * quieter machine. Each gets the turn's index, 0 … warmup + n − 1.
 */
async function alternate(n: number, warmup: number, a: (i: number) => Promise<unknown>, b: (i: number) => Promise<unknown>): Promise<{ a: number[]; b: number[] }> {
  for (let i = 0; i < warmup; i++) {
    await a(i);
    await b(i);
  }
  const out = { a: [] as number[], b: [] as number[] };
  for (let i = warmup; i < warmup + n; i++) {
    if (i % 2 === 0) {
      out.a.push(await timed(() => a(i)));
      out.b.push(await timed(() => b(i)));
    } else {
      out.b.push(await timed(() => b(i)));
      out.a.push(await timed(() => a(i)));
    }
  }
  return out;
}

const sleep = (delay: number) => new Promise((resolve) => setTimeout(resolve, delay));

/* ---------------------------------------------------------------------------------------------------------------- */
/* Requests                                                                                                          */

const traffic = canaryTraffic();
const chatRequest = (i: number): ChatRequest => ({ messages: traffic.requests[i % traffic.requests.length]!.messages });

/** The Function URL event Lambda builds for a POST of the i-th request. */
function urlEvent(i: number) {
  return functionUrlEvent(
    {
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify(traffic.requests[i % traffic.requests.length])),
      sourceIp: '127.0.0.1',
    },
    { accountId: LOCAL_ACCOUNT_ID, region: LOCAL_REGION, urlId: functionUrlId(ROUTER_NAME, 'live'), requestId: randomUUID(), time: new Date() },
  );
}

function lambdaContext(): Context {
  const deadline = Date.now() + 120_000;
  const unsupported = () => {
    throw new Error('callback-style completion is not supported');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: ROUTER_NAME,
    functionVersion: '1',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${ROUTER_NAME}:live`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${ROUTER_NAME}`,
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/** The router's environment for a version: what the template and the version's pins set. */
function setRouterEnvironment(variables: Record<string, string | undefined>): void {
  for (const [key, value] of Object.entries(variables)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}

async function invokeRouter(event: unknown, expectedModel: string): Promise<void> {
  const response = await routerHandler(event, lambdaContext());
  if (response.statusCode !== 200 || response.headers['x-finegate-model'] !== expectedModel) {
    throw new Error(`the router answered ${response.statusCode} from ${response.headers['x-finegate-model']}: ${response.body}`);
  }
}

/* ---------------------------------------------------------------------------------------------------------------- */

const modelServer = await startFixedLatencyModelServer(LATENCY_MS, () => 'Open Billing settings and edit the address.');
// Keyless, as a self-hosted server is called: inside a function (the runtime sets AWS_EXECUTION_ENV) the adapter
// refuses a key taken from the environment, and the local server checks none.
delete process.env.OPENAI_API_KEY;

print(`npm run bench:canary -- --requests ${N} --warmup ${WARMUP} --latency-ms ${LATENCY_MS} --alarm-runs ${ALARM_RUNS} --time-scale ${TIME_SCALE}`);
print(
  `node ${process.version}, ${cpus().length} cores (load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}); model server: 127.0.0.1, fixed latency ${LATENCY_MS} ms; sequential requests, ${WARMUP} warm-up each; router bundled by esbuild`,
);
print();

// A local SQS queue with no consumer, for the shadow figures.
const sqsPort = await freePort();
const sqsEndpoint = `http://127.0.0.1:${sqsPort}`;
const queueName = 'bench-shadow';
const queueUrl = localQueueUrl(sqsEndpoint, `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${queueName}`, queueName);
const queues = new LocalQueues({ queues: [{ name: queueName, arn: `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${queueName}`, url: queueUrl }], region: LOCAL_REGION });
const sqsServer = await startSqsServer({ queues, port: sqsPort });
const restoreEnvironment = applyEnvironment({
  set: {
    AWS_ENDPOINT_URL_SQS: sqsEndpoint,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_EC2_METADATA_DISABLED: 'true',
  },
  unset: ['AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'],
});
resetAwsClients();

/* 1. Router overhead, in-process ---------------------------------------------------------------------------------- */

// The adapter as the router builds it: the same retry settings (MODEL_MAX_ATTEMPTS, MODEL_ATTEMPT_TIMEOUT_MS defaults).
const direct = createChatModel(MODEL, { retry: { maxAttempts: 2, attemptTimeoutMs: 30_000 } });
const callDirect = (i: number) => direct.complete(chatRequest(i));
// The version serving before any canary: MODEL_REF and COHORT pinned, the template's shadow queue and fraction.
setRouterEnvironment({ MODEL_REF: MODEL, COHORT: 'current', SHADOW_QUEUE_URL: queueUrl, SHADOW_FRACTION: '0', OTHER_MODEL_REF: undefined, RUN_ID: undefined });
// Events are built before the clock starts: building them is Lambda's work, not the router's.
const overheadEvents = Array.from({ length: WARMUP + N }, (_, i) => urlEvent(i));
const overhead = await alternate(N, WARMUP, callDirect, (i) => invokeRouter(overheadEvents[i], MODEL));
const a = summarize(overhead.a);
const b = summarize(overhead.b);
print('1. Router overhead (model server called directly vs through the router handler, in-process, SHADOW_FRACTION=0)');
print(row('(a) openai: adapter → model server', a));
print(row('(b) router handler (Function URL event) → model server', b));
print(deltaRow('overhead (b) − (a)', minus(b, a)));

/* 2. Shadow enqueue cost ------------------------------------------------------------------------------------------ */

// A canary version: RUN_ID and OTHER_MODEL_REF pinned, so a sampled request becomes a shadow message.
const canaryEnvironment = (fraction: string) => ({ MODEL_REF: MODEL, COHORT: 'current', SHADOW_QUEUE_URL: queueUrl, SHADOW_FRACTION: fraction, OTHER_MODEL_REF: OTHER_MODEL, RUN_ID });
const shadowEvents = { off: Array.from({ length: WARMUP + N }, (_, i) => urlEvent(i)), on: Array.from({ length: WARMUP + N }, (_, i) => urlEvent(i)) };
const shadow = await alternate(
  N,
  WARMUP,
  (i) => (setRouterEnvironment(canaryEnvironment('0')), invokeRouter(shadowEvents.off[i], MODEL)),
  (i) => (setRouterEnvironment(canaryEnvironment('1')), invokeRouter(shadowEvents.on[i], MODEL)),
);
// Every fraction-1 request must have queued a message (the router waits SHADOW_ENQUEUE_WAIT_MS, 50 ms, at most).
await sleep(200);
const queued = queues.counts(queueName).visible;
const s0 = summarize(shadow.a);
const s1 = summarize(shadow.b);
const message: ShadowMessage = {
  runId: RUN_ID,
  requestId: randomUUID(),
  input: chatRequest(0) as ShadowMessage['input'],
  answered: { cohort: 'current', model: MODEL, text: 'Open Billing settings and edit the address.', latencyMs: LATENCY_MS },
  shadowOf: { cohort: 'candidate', model: OTHER_MODEL },
};
const rawQueue = new SqsShadowQueue(queueUrl);
for (let i = 0; i < WARMUP; i++) await rawQueue.send({ ...message, requestId: randomUUID() });
const raw: number[] = [];
for (let i = 0; i < N; i++) raw.push(await timed(() => rawQueue.send({ ...message, requestId: randomUUID() })));
const sends = summarize(raw);
print();
print(`2. Shadow enqueue (local SQS, no consumer; ${queued} of ${N + WARMUP} sampled requests queued; ${JSON.stringify(message).length}-byte message)`);
print(row('router, SHADOW_FRACTION=0', s0));
print(row('router, SHADOW_FRACTION=1', s1));
print(deltaRow('added by the shadow (1 − 0)', minus(s1, s0)));
print(row('SqsShadowQueue.send (SendMessage round trip)', sends));

restoreEnvironment();
await sqsServer.stop();
queues.close();
setRouterEnvironment({ MODEL_REF: undefined, COHORT: undefined, SHADOW_QUEUE_URL: undefined, SHADOW_FRACTION: undefined, OTHER_MODEL_REF: undefined, RUN_ID: undefined });

/* The local runtime ---------------------------------------------------------------------------------------------- */

/** The repository root: the bundle runs from a cache directory inside it. */
function projectRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'infra', 'local', 'local-runtime.ts'))) return dir;
    if (dirname(dir) === dir) throw new Error('the finegate repository root was not found above the benchmark');
  }
}

const root = projectRoot();
// The runtime synthesizes the stack (CDK resolves handler entries from its own source location) and imports handler
// sources by path, so it runs from source through tsx, as `npm run local` does.
const { register } = await import('tsx/esm/api');
register();
const { startLocalRuntime } = (await import(pathToFileURL(join(root, 'infra', 'local', 'local-runtime.ts')).href)) as typeof import('../infra/local/local-runtime');


const recordings = mkdtempSync(join(tmpdir(), 'finegate-bench-canary-'));
const models = await writeCanaryRecordings(recordings, traffic);
const runtimeLog: string[] = [];
const runtimeStarted = performance.now();
let runtime: LocalRuntime | undefined;
try {
  runtime = await startLocalRuntime({
    projectRoot: root,
    stackProps: {
      canary: localCanaryProps(models.current),
    },
    timeScale: TIME_SCALE,
    // The rollout's own checks wait 20 s between reads, so the alarm path, not the rollout's check, rolls back.
    stateMachineDelays: { scale: 0.005, maxMs: 200, runtimeWaitMs: 20_000 },
    log: (line) => runtimeLog.push(line),
  });
  const startupMs = performance.now() - runtimeStarted;
  // This process's SDK clients now point at the runtime's endpoints.
  resetAwsClients();
  const rt = runtime;
  const routerName = rt.output('CanaryRouterFunctionName');
  const alias = new LambdaAliasControl(routerName, 'live', { pollIntervalMs: 10 });
  const weighted = async () => (await alias.getWeights()).candidate !== undefined;
  const templateVersion = (await alias.getWeights()).currentVersion;
  print();
  print(`Local runtime: canary stack synthesized and started in ${(startupMs / 1000).toFixed(1)} s; timeScale ${TIME_SCALE} (an alarm minute lasts ${(60_000 / TIME_SCALE).toFixed(0)} ms)`);

  /* 1c. Through the Function URL ---------------------------------------------------------------------------------- */

  // A version pinning the openai: model, as a promotion publishes one, serves the alias alone.
  const servingVersion = await alias.publishVersion(MODEL, 'current');
  await alias.promote(servingVersion);
  const functionUrl = rt.output('CanaryFunctionUrl');
  const viaUrl = async (i: number) => {
    const response = await fetch(functionUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(traffic.requests[i % traffic.requests.length]) });
    const body = await response.text();
    if (response.status !== 200 || response.headers.get('x-finegate-model') !== MODEL) throw new Error(`the Function URL answered ${response.status} from ${response.headers.get('x-finegate-model')}: ${body}`);
  };
  const cold = await timed(() => viaUrl(0));
  const url = await alternate(N, WARMUP, callDirect, viaUrl);
  const a2 = summarize(url.a);
  const c = summarize(url.b);
  print();
  print(`1c. Router behind the local runtime's Function URL (HTTP → alias \`live\` → version ${servingVersion} → in-process invoker); local-runtime cost, not Lambda's`);
  print(row("(a') openai: adapter → model server (alternated with (c))", a2));
  print(row('(c) POST Function URL → router → model server', c));
  print(deltaRow("router + local runtime (c) − (a')", minus(c, a2)));
  print(deltaRow("of which the local runtime: ((c) − (a')) − ((b) − (a))", minus(minus(c, a2), minus(b, a))));
  print(`  first request after start (imports the router through tsx): ${cold.toFixed(1)} ms`);
  print("  (a p99 difference between separately alternated pairs is within noise; read the p50 and mean of the last row)");

  /* 3a. Alarm event → cleared weights ------------------------------------------------------------------------------ */

  const alarm = rt.alarms.describe(rt.output('CanaryAlarmNamePrefix')).find((d) => d.AlarmName.endsWith('shadow-win-rate')) ?? rt.alarms.describe(rt.output('CanaryAlarmNamePrefix'))[0];
  if (alarm === undefined) throw new Error('the canary stack defines no alarm');
  const executions = rt.output('CanaryRolloutStateMachineArn').replace(':stateMachine:', ':execution:');
  const stamp = (at: number) => new Date(at).toISOString().replace('Z', '+0000');

  /** One canary weighted as the rollout weights it, one ALARM event; times to cleared weights and to Canary Rolled Back. */
  async function alarmToClear(run: number): Promise<{ clearedMs: number; eventMs: number }> {
    const before = await alias.getWeights();
    // Pinned as the rollout's publish step pins them; the execution named does not exist, so the stop finds nothing running.
    const pin = { runId: RUN_ID, rolloutExecutionArn: `${executions}:bench-alarm-${run}` };
    const current = await alias.publishVersion(MODEL, 'current', { ...pin, otherModelRef: OTHER_MODEL, previousVersion: before.currentVersion });
    const candidate = await alias.publishVersion(OTHER_MODEL, 'candidate', { ...pin, otherModelRef: MODEL });
    await alias.setCandidateWeight(candidate, 0.1, current);
    if (!(await weighted())) throw new Error(`version ${candidate} is not weighted on the alias`);
    let eventAt: number | undefined;
    const unsubscribe = rt.onEvent({ 'detail-type': [CANARY_ROLLED_BACK], detail: { candidateVersion: [candidate] } }, () => (eventAt ??= performance.now()));
    const at = Date.now();
    const change: AlarmStateChange = {
      alarmName: alarm!.AlarmName,
      alarmArn: alarm!.AlarmArn,
      previousState: { value: 'OK', reason: 'Threshold Crossed: no datapoints were received for 3 periods.', timestamp: stamp(at - 60_000) },
      state: { value: 'ALARM', reason: 'Threshold Crossed: 2 out of the last 3 datapoints were less than the threshold (0.5) (bench).', timestamp: stamp(at) },
      configuration: { metrics: [] },
      at,
      cause: 'evaluation',
    };
    const started = performance.now();
    rt.publish('default', alarmStateChangeEvent(change, { account: rt.account, region: rt.region }));
    let clearedAt: number | undefined;
    while (clearedAt === undefined) {
      if (!(await weighted())) clearedAt = performance.now();
      else if (performance.now() - started > 30_000) throw new Error(`alias still weighted 30 s after the ALARM event\n${runtimeLog.slice(-20).join('\n')}`);
      else await sleep(2);
    }
    await rt.waitForIdle({ timeoutMs: 30_000 });
    unsubscribe();
    const after = await alias.getWeights();
    if (after.currentVersion !== before.currentVersion) throw new Error(`the rollback left the alias on version ${after.currentVersion}, not ${before.currentVersion}`);
    if (eventAt === undefined) throw new Error(`no Canary Rolled Back for version ${candidate}\n${runtimeLog.slice(-20).join('\n')}`);
    return { clearedMs: clearedAt - started, eventMs: eventAt - started };
  }

  const first = await alarmToClear(0);
  const cleared: number[] = [];
  const announced: number[] = [];
  for (let run = 1; run <= ALARM_RUNS; run++) {
    const { clearedMs, eventMs } = await alarmToClear(run);
    cleared.push(clearedMs);
    announced.push(eventMs);
  }
  print();
  print(`3a. ALARM event (${alarm.AlarmName}) on the default bus → rule → canary-rollback → UpdateAlias; GetAlias polled every 2 ms`);
  print(row('ALARM event → GetAlias shows no AdditionalVersionWeights', summarize(cleared)));
  print(row('ALARM event → "Canary Rolled Back" published (verdict written)', summarize(announced)));
  print(`  first run (imports the rollback through tsx): weights cleared in ${first.clearedMs.toFixed(1)} ms, event in ${first.eventMs.toFixed(1)} ms`);

  /* 3b. The whole path, once ------------------------------------------------------------------------------------ */

  await alias.promote(templateVersion);
  const runId = 'bench-canary-degraded';
  await new DynamoRunStore(rt.output('RunsTableName')).register(
    parseRunConfig({
      runId,
      baseModel: models.current,
      judgeModel: 'local:pair-judge#family=amazon',
      rubricVersion: '2026-11-v1',
      heldout: { uri: 's3://unused/heldout.jsonl', rubric: 'exact-match' },
      corpusAudit: { uri: 's3://unused/corpus.jsonl' },
    }),
  );
  rt.publish(rt.output('EventBusName'), {
    source: SOURCES.gate,
    'detail-type': GATE_VERDICT,
    detail: {
      runId,
      checkpoint: 'checkpoint-1800',
      step: 1800,
      stage: 'arena',
      verdict: 'PASS',
      reasons: ['arena: the candidate wins 0.92 of decided pairs (95% interval 0.85 to 0.96), above the effect floor 0.6'],
      promote: true,
      configHash: 'ff7a9aab059e413a',
      scores: {},
      candidateModel: models.degraded,
      baseModel: models.current,
      reportUri: `s3://artifacts/runs/${runId}/checkpoint-1800/arena.json`,
    },
  });
  const started = await rt.waitForEvent({ 'detail-type': [CANARY_STARTED], detail: { runId: [runId] } }, { timeoutMs: 60_000 });
  const trafficFrom = Date.parse(started.receivedAt);
  let rolledBack: { at: number; trigger: { kind: string; alarmName?: string } } | undefined;
  const unsubscribe = rt.onEvent({ 'detail-type': [CANARY_ROLLED_BACK], detail: { runId: [runId] } }, (record) => {
    rolledBack ??= { at: Date.now(), trigger: (record.event.detail as { trigger: { kind: string; alarmName?: string } }).trigger };
  });
  let weightZeroAt: number | undefined;
  const fullPathDeadline = Date.now() + 90_000;
  const watching = (async () => {
    while (weightZeroAt === undefined && Date.now() < fullPathDeadline) {
      if (!(await weighted())) weightZeroAt = Date.now();
      else await sleep(10);
    }
  })();
  // Production-like traffic: the recorded requests, one at a time, 15 ms apart.
  const served = (await serveTraffic(functionUrl, traffic, () => weightZeroAt !== undefined || rolledBack !== undefined, { timeoutMs: Math.max(0, fullPathDeadline - Date.now()), gapMs: 15 })).length;
  await watching;
  await rt.waitForIdle({ timeoutMs: 60_000 }).catch(() => {});
  unsubscribe();
  const alarmed = rt.alarmChanges().filter((change) => change.state.value === 'ALARM' && change.at >= trafficFrom && change.firstBreachAt !== undefined);
  // The alarm that rolled the candidate back, when the rollback names one.
  const fired = alarmed.find((change) => change.alarmName === rolledBack?.trigger.alarmName) ?? alarmed[0];
  print();
  print(`3b. Whole path once: Gate Verdict → rollout (10% to a candidate refusing 40% of requests, shadow fraction 1) → scorer → alarm → rollback`);
  if (fired === undefined || weightZeroAt === undefined) {
    print(`  no alarm rolled the candidate back within 90 s (${served} requests served); rollback: ${JSON.stringify(rolledBack?.trigger ?? null)}`);
    print(`  ${runtimeLog.slice(-10).join('\n  ')}`);
  } else {
    const periodMs = 60_000 / TIME_SCALE;
    const s = (x: number) => `${(x / 1000).toFixed(2)} s`.padStart(8);
    const aws = (x: number) => `≈ ${((x * TIME_SCALE) / 60_000).toFixed(1)} min in AWS time`;
    const toBreach = fired.firstBreachAt! - trafficFrom;
    const toAlarm = fired.at - fired.firstBreachAt!;
    print(
      `  alarm ${fired.alarmName}: 2 of 3 one-minute periods, one period = ${periodMs.toFixed(0)} ms wall; ${served} requests served 15 ms apart; ` +
        `rolled back by ${rolledBack?.trigger.kind ?? '?'}${rolledBack?.trigger.alarmName ? ` ${rolledBack.trigger.alarmName}` : ''}; GetAlias polled every 10 ms`,
    );
    print(`  degraded traffic starts (Canary Started) → first breaching period ends  ${s(toBreach)} wall  ${aws(toBreach)}`);
    print(`  first breaching period ends → ALARM                                     ${s(toAlarm)} wall  ${aws(toAlarm)}`);
    print(`  ALARM → GetAlias shows weight 0 (event routing + rollback function)     ${s(weightZeroAt - fired.at)} wall  not scaled`);
    print(`  first breaching period ends → weight 0                                  ${s(weightZeroAt - fired.firstBreachAt!)} wall`);
    print(
      `  In AWS the periods dominate: degraded traffic → ALARM ${aws(toBreach + toAlarm).slice(2)}, plus CloudWatch's evaluation delay, then EventBridge ` +
        `delivery and one rollback invocation (the ${s(weightZeroAt - fired.at).trim()} above, locally). Shadow scoring runs in wall time here, a larger share of a scaled period than in AWS.`,
    );
  }
} catch (error) {
  print(`the local runtime part failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  print(runtimeLog.slice(-30).join('\n'));
  process.exitCode = 1;
} finally {
  await runtime?.stop().catch((error: unknown) => print(`the local runtime did not stop cleanly: ${String(error)}`));
  rmSync(recordings, { recursive: true, force: true });
  modelServer.close();
}
print();
print(`percentiles: nearest rank; (a)/(b), (a')/(c) and fraction 0/1 alternate request by request; ${emfLines} EMF lines of the in-process router dropped from stdout; total ${((performance.now() - benchStarted) / 1000).toFixed(0)} s`);
