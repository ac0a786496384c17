import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANARY_PROMOTED } from '../../events/canary-promoted';
import { CANARY_ROLLED_BACK } from '../../events/canary-rolled-back';
import { CANARY_STARTED } from '../../events/canary-started';
import { SOURCES } from '../../events/event-sources';
import { GATE_VERDICT } from '../../events/gate-verdict';
import { canarySubject, canaryVerdictKey } from '../../functions/canary/canary-operations';
import { parseRunConfig } from '../../functions/runs/run-config';
import { resetAwsClients } from '../../functions/stores/aws-clients';
import { DynamoRunStore } from '../../functions/stores/dynamo-run-store';
import { DynamoVerdictStore } from '../../functions/stores/dynamo-verdict-store';
import { LambdaAliasControl } from '../../functions/stores/lambda-alias-control';
import { canaryTraffic, serveTraffic, writeCanaryRecordings, type CanaryTraffic } from '../../infra/demo/canary-traffic';
import { main } from '../../infra/cli/main';
import { writeLocalState } from '../../infra/cli/local-state';
import { startLocalRuntime, type LocalRuntime } from '../../infra/local/local-runtime';
import { canaryExecutionName } from '../../state-machines/canary-rollout';
import { localCanaryProps } from '../../infra/demo/local-canary';

/*
 * The canary end to end on the local runtime: the stack is synthesized with the canary, the arena's promoting Gate
 * Verdict starts the rollout (starter → rollout state machine in the ASL interpreter), live traffic goes through the
 * router's Function URL, routed by the `live` alias's weights to the version pinning each model, shadow pairs go
 * through SQS to the scorer, whose EMF becomes metrics, and the template's alarms are evaluated on them (one alarm
 * minute per wall second). A degraded candidate is rolled back by its alarm; a good one is promoted.
 *
 * The Lambda control plane (versions, aliases) and CloudWatch here are the local runtime's own emulation: AWS has
 * no local emulator of either; the adapters' wire shapes are checked in test/functions/stores/*.
 */

const TIME_SCALE = 60;
const HOLD_MS = 9_000;

let runtime: LocalRuntime;
let dir: string;
let traffic: CanaryTraffic;
let models: Record<'current' | 'good' | 'degraded', string>;
let functionUrl: string;
const runtimeLog: string[] = [];

/** What the runtime said, for a failure's message. */
function recentLog(): string {
  const executions = runtime.executions().map((e) => `${e.name} ${e.status} ${e.error ?? ''} ${e.cause ?? ''}`.slice(0, 600));
  return [...runtimeLog.slice(-30), ...executions].join('\n');
}

const savedLogLevel = process.env.POWERTOOLS_LOG_LEVEL;

beforeAll(async () => {
  // The handlers run in this process; their info logs would bury the test output.
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  dir = await mkdtemp(join(tmpdir(), 'finegate-canary-'));
  traffic = canaryTraffic();
  models = await writeCanaryRecordings(dir, traffic);
  runtime = await startLocalRuntime({
    stackProps: {
      canary: localCanaryProps(models.current),
    },
    timeScale: TIME_SCALE,
    stateMachineDelays: { scale: 0.005, maxMs: 200, runtimeWaitMs: HOLD_MS },
    log: (line) => runtimeLog.push(line),
    // The control API's info route, which `finegate … --local` checks before using the runtime.
    extraRoutes: (req, res, url) => {
      if (url.pathname !== '/_finegate/info') return false;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(runtime.info()));
      return true;
    },
  });
  functionUrl = runtime.resources.functionUrls[0]!.url;
  resetAwsClients();
}, 180_000);

/** A state directory naming this runtime, as `finegate local up` writes it, for the CLI's --local. */
async function localStateDir(): Promise<string> {
  const stateDir = join(dir, 'state');
  const info = runtime.info();
  await writeLocalState(stateDir, {
    pid: process.pid,
    runtimePid: process.pid,
    controlUrl: `${info.endpoints.eventbridge}/_finegate`,
    startedAt: new Date().toISOString(),
    logPath: join(dir, 'local.log'),
    region: info.region,
    endpoints: info.endpoints,
    environment: info.environment,
    outputs: info.outputs,
    resources: info.resources,
  });
  return stateDir;
}

/** Runs the CLI in this process and returns its exit code and what it printed. */
async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const [write, writeErr] = [process.stdout.write, process.stderr.write];
  process.stdout.write = ((chunk: string) => ((out += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => ((err += String(chunk)), true)) as typeof process.stderr.write;
  try {
    return { code: await main(argv), out, err };
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
    resetAwsClients();
  }
}

afterAll(async () => {
  if (savedLogLevel === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
  else process.env.POWERTOOLS_LOG_LEVEL = savedLogLevel;
  await runtime?.stop();
  resetAwsClients();
  await rm(dir, { recursive: true, force: true });
});

async function register(runId: string): Promise<void> {
  const config = parseRunConfig({
    runId,
    baseModel: models.current,
    judgeModel: 'local:pair-judge#family=amazon',
    rubricVersion: '2026-11-v1',
    heldout: { uri: 's3://unused/heldout.jsonl', rubric: 'exact-match' },
    corpusAudit: { uri: 's3://unused/corpus.jsonl' },
  });
  await new DynamoRunStore(runtime.output('RunsTableName')).register(config);
}

function promote(runId: string, checkpoint: string, candidateModel: string): void {
  runtime.publish(runtime.output('EventBusName'), {
    source: SOURCES.gate,
    'detail-type': GATE_VERDICT,
    detail: {
      runId,
      checkpoint,
      step: 1800,
      stage: 'arena',
      verdict: 'PASS',
      reasons: ['arena: the candidate wins 0.92 of decided pairs (95% interval 0.85 to 0.96), above the effect floor 0.6'],
      promote: true,
      configHash: 'ff7a9aab059e413a',
      scores: {},
      candidateModel,
      baseModel: models.current,
      reportUri: `s3://artifacts/runs/${runId}/${checkpoint}/arena.json`,
    },
  });
}

/** Production traffic through the Function URL until `done`; returns what each response said. */
function serve(done: () => boolean, timeoutMs: number) {
  return serveTraffic(functionUrl, traffic, done, { timeoutMs });
}

function routerAlias(): LambdaAliasControl {
  return new LambdaAliasControl(runtime.output('CanaryRouterFunctionName'), 'live', { pollIntervalMs: 10 });
}

describe('canary on the local runtime', () => {
  it('rolls a degraded candidate back when its alarm fires, restoring the version that served before', async () => {
    const runId = 'canary-degraded-1';
    await register(runId);
    const before = await routerAlias().getWeights();
    promote(runId, 'checkpoint-1800', models.degraded);
    const started = await runtime.waitForEvent({ 'detail-type': [CANARY_STARTED], detail: { runId: [runId] } }, { timeoutMs: 60_000 }).catch((error: Error) => {
      throw new Error(`${error.message}\n${recentLog()}`);
    });
    const candidateVersion = (started.event.detail as { candidateVersion: string }).candidateVersion;

    let rolledBack = false;
    const unsubscribe = runtime.onEvent({ 'detail-type': [CANARY_ROLLED_BACK], detail: { runId: [runId] } }, () => (rolledBack = true));
    const responses = await serve(() => rolledBack, 60_000);
    unsubscribe();
    expect(rolledBack).toBe(true);
    const execution = await runtime.waitForExecution(canaryExecutionName(runId, 'checkpoint-1800'), { timeoutMs: 60_000 });

    // Each cohort answered with its own model (the shadow pairs alone can raise the alarm before a 10% draw routes any
    // request to the candidate; the promotion test below checks the split over many requests).
    expect(responses.length).toBeGreaterThan(0);
    expect(responses.filter((r) => r.cohort === 'candidate').every((r) => r.model === models.degraded && r.status === 200)).toBe(true);
    expect(responses.filter((r) => r.cohort === 'current').every((r) => r.model === models.current)).toBe(true);

    // An alarm on the shadow win rate or the answer rubric fired; the rollback cleared the weight and said why.
    const fired = runtime.alarmChanges().filter((c) => c.state.value === 'ALARM');
    expect(fired.map((c) => c.alarmName)).toEqual(expect.arrayContaining([expect.stringMatching(/^finegate-canary-(shadow-win-rate|rubric-answers-drop|win-rate-sequential)$/)]));
    const verdict = await new DynamoVerdictStore(runtime.output('VerdictsTableName')).get(canarySubject(runId), canaryVerdictKey(candidateVersion));
    expect(verdict?.verdict).toBe('FAIL');
    expect(verdict?.reasons.join(' ')).toMatch(/finegate-canary-|win rate|rubric/);
    // The version that served before is back; the alias records the candidate its rollback cleared.
    expect(await routerAlias().getWeights()).toEqual({ currentVersion: before.currentVersion, rolledBack: candidateVersion });
    // The rollback stopped the rollout, or the rollout's own check rolled back first; either way it is over.
    expect(['ABORTED', 'SUCCEEDED']).toContain(execution.status);

    // From the first breaching datapoint to weight 0, as the runtime saw it.
    const first = fired.find((c) => c.firstBreachAt !== undefined)!;
    const cleared = runtime.events().find((e) => e.event['detail-type'] === CANARY_ROLLED_BACK && (e.event.detail as { runId: string }).runId === runId)!;
    const breachToZeroMs = Date.parse(cleared.receivedAt) - first.firstBreachAt!;
    expect(breachToZeroMs).toBeGreaterThan(0);
    process.stderr.write(`[canary e2e] degraded candidate: first breach → weight 0 in ${breachToZeroMs} ms (alarm periods ${TIME_SCALE}× faster than AWS)\n`);
  }, 150_000);

  it('promotes a good candidate after its hold window: the alias serves the candidate’s model alone', async () => {
    const runId = 'canary-good-1';
    await register(runId);
    await runtime.waitForIdle({ timeoutMs: 30_000 }).catch(() => {});
    promote(runId, 'checkpoint-2400', models.good);
    const started = await runtime.waitForEvent({ 'detail-type': [CANARY_STARTED], detail: { runId: [runId] } }, { timeoutMs: 60_000 });
    const candidateVersion = (started.event.detail as { candidateVersion: string }).candidateVersion;

    let ended = false;
    const unsubscribe = runtime.onEvent({ source: [SOURCES.canary], 'detail-type': [CANARY_PROMOTED, CANARY_ROLLED_BACK], detail: { runId: [runId] } }, () => (ended = true));
    const responses = await serve(() => ended, 90_000);
    unsubscribe();
    // The live alias split the traffic by its weight: about 10% to the candidate's version, each answered by its model.
    const candidateShare = responses.filter((r) => r.cohort === 'candidate').length / responses.length;
    expect(responses.length).toBeGreaterThan(100);
    expect(candidateShare).toBeGreaterThan(0.03);
    expect(candidateShare).toBeLessThan(0.2);
    expect(responses.every((r) => r.status === 200 && r.model === (r.cohort === 'candidate' ? models.good : models.current))).toBe(true);
    const execution = await runtime.waitForExecution(canaryExecutionName(runId, 'checkpoint-2400'), { timeoutMs: 60_000 });
    expect(execution.status).toBe('SUCCEEDED');

    const promoted = runtime.events().find((e) => e.event['detail-type'] === CANARY_PROMOTED && (e.event.detail as { runId: string }).runId === runId);
    expect(promoted, `no Canary Promoted; alarms: ${JSON.stringify(runtime.alarmChanges().map((c) => [c.alarmName, c.state.value]))}`).toBeDefined();
    const verdict = await new DynamoVerdictStore(runtime.output('VerdictsTableName')).get(canarySubject(runId), canaryVerdictKey(candidateVersion));
    expect(verdict?.verdict).toBe('PASS');
    const weights = await routerAlias().getWeights();
    expect(weights.candidate).toBeUndefined();
    expect((await routerAlias().versionPin(weights.currentVersion)).modelRef).toBe(models.good);
    expect(runtime.alarmChanges().filter((c) => c.state.value === 'ALARM' && c.at > Date.parse(started.receivedAt))).toEqual([]);
  }, 150_000);

  it('is operated with finegate canary: status shows the split and the alarms, rollback clears it, promote serves the candidate', async () => {
    const stateDir = await localStateDir();
    const idle = await cli(['canary', 'status', '--local', '--state-dir', stateDir]);
    expect(idle.code, idle.err).toBe(0);
    expect(idle.out).toContain('no canary running');

    // An operator's rollback of a running canary.
    const first = 'canary-operator-1';
    await register(first);
    promote(first, 'checkpoint-3000', models.degraded);
    await runtime.waitForEvent({ 'detail-type': [CANARY_STARTED], detail: { runId: [first] } }, { timeoutMs: 60_000 });
    const running = await cli(['canary', 'status', '--local', '--state-dir', stateDir]);
    expect(running.out).toMatch(/candidate\s+\S+canary-degraded\.jsonl#family=meta\s+10%/);
    expect(running.out).toContain(`run ${first}`);
    expect(running.out).toMatch(/finegate-canary-shadow-win-rate\s+(OK|INSUFFICIENT_DATA|ALARM)/);
    const rolledBack = await cli(['canary', 'rollback', '--reason', 'support tickets about refusals', '--local', '--state-dir', stateDir]);
    expect(rolledBack.code, rolledBack.err).toBe(0);
    expect(rolledBack.out).toMatch(new RegExp(`rolled back run ${first}'s canary .*outcome rolled-back, verdict FAIL`));
    expect((await routerAlias().getWeights()).candidate).toBeUndefined();
    const after = await cli(['canary', 'status', '--local', '--state-dir', stateDir, '--run', first, '--json']);
    expect(JSON.parse(after.out).verdicts).toEqual([expect.objectContaining({ verdict: 'FAIL', reasons: [expect.stringContaining('rolled back by an operator: support tickets about refusals')] })]);
    expect((await runtime.waitForExecution(canaryExecutionName(first, 'checkpoint-3000'), { timeoutMs: 60_000 })).status).toBe('ABORTED');

    // An operator's promotion: the candidate serves everything, the rollout is stopped.
    const second = 'canary-operator-2';
    await register(second);
    // The model serving since the previous test is the good one; the candidate here is the original model.
    promote(second, 'checkpoint-3600', models.current);
    await runtime.waitForEvent({ 'detail-type': [CANARY_STARTED], detail: { runId: [second] } }, { timeoutMs: 60_000 });
    const promoted = await cli(['canary', 'promote', '--reason', 'signed off after review', '--local', '--state-dir', stateDir]);
    expect(promoted.code, promoted.err).toBe(0);
    expect(promoted.out).toMatch(/now serving version \d+; rollout stopped/);
    const weights = await routerAlias().getWeights();
    expect(weights.candidate).toBeUndefined();
    expect((await routerAlias().versionPin(weights.currentVersion)).modelRef).toBe(models.current);
    expect((await runtime.waitForExecution(canaryExecutionName(second, 'checkpoint-3600'), { timeoutMs: 60_000 })).status).toBe('ABORTED');
    const none = await cli(['canary', 'rollback', '--reason', 'too late', '--local', '--state-dir', stateDir]);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/no canary runs/);
  }, 150_000);
});
