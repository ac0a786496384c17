import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { canaryPromotedSchema } from '../../events/canary-promoted';
import { canaryRolledBackSchema } from '../../events/canary-rolled-back';
import { canaryStartedSchema } from '../../events/canary-started';
import { canaryConfigHash, parseCanaryConfig, type CanaryConfig } from '../../functions/canary/canary-config';
import type { AlarmReader, AlarmStatus, MetricQuery, MetricReader, MetricWindow } from '../../functions/canary/canary-observation';
import { canarySubject, canaryVerdictKey } from '../../functions/canary/canary-operations';
import { runRolloutStep, type RolloutDeps } from '../../functions/canary-rollout-step';
import { MemoryAliasControl, MemoryVerdictStore, RecordingPublisher } from '../support/canary-fakes';

const gateVerdict = JSON.parse(readFileSync(new URL('../../events/samples/gate-verdict.json', import.meta.url), 'utf8'));
const CANDIDATE = 'bedrock:arn:aws:bedrock:us-east-1:123456789012:custom-model/meta.llama3-1-8b-instruct-v1:0/abcdefghijkl';
const CURRENT = 'bedrock:meta.llama3-1-8b-instruct-v1:0';
const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:finegate-canary-rollout:3c1d2f0e';
const arenaPass = {
  ...gateVerdict,
  detail: { ...gateVerdict.detail, checkpoint: 'checkpoint-1800', stage: 'arena', verdict: 'PASS', promote: true, candidateModel: CANDIDATE, baseModel: CURRENT },
};

/** Per-period metric values by query: a steady stream of shadow pairs and rubric scores. */
class SteadyMetrics implements MetricReader {
  perPeriod = { wins: 30, losses: 25, ties: 5, candidateMean: 80, currentMean: 81, samples: 20 };
  readonly reads: { queries: readonly MetricQuery[]; window: MetricWindow }[] = [];
  async read(queries: readonly MetricQuery[], window: MetricWindow) {
    this.reads.push({ queries, window });
    const p = this.perPeriod;
    const value = (q: MetricQuery): number => {
      if (q.id === 'wins') return p.wins;
      if (q.id === 'losses') return p.losses;
      if (q.id === 'ties') return p.ties;
      const mean = q.id.includes('candidate') ? p.candidateMean : p.currentMean;
      return q.stat === 'Sum' ? mean * p.samples : p.samples;
    };
    return new Map(queries.map((q) => [q.id, Array.from({ length: window.periods }, () => value(q))]));
  }
}

class FixedAlarms implements AlarmReader {
  alarms: AlarmStatus[] = [
    { name: 'finegate-canary-errors', state: 'OK' },
    { name: 'finegate-canary-latency-p99', state: 'OK' },
  ];
  prefixes: string[] = [];
  async byPrefix(prefix: string) {
    this.prefixes.push(prefix);
    return this.alarms;
  }
}

let clock: Date;
const minutes = (m: number) => void (clock = new Date(clock.getTime() + m * 60_000));
let alias: MemoryAliasControl;
let deps: RolloutDeps & { verdicts: MemoryVerdictStore; events: RecordingPublisher; metrics: SteadyMetrics; alarms: FixedAlarms };
let config: CanaryConfig;

beforeEach(() => {
  clock = new Date('2026-11-12T11:00:00Z');
  config = parseCanaryConfig({
    judgeModel: 'openai:gpt-4o',
    rubrics: [{ name: 'refusal', check: { rubric: 'refusal-detection', expectRefusal: false } }],
    holdWindows: 3,
    minDecidedPairs: 50,
    minRubricSamples: 20,
    rubricDrop: { window: 2, datapointsToAlarm: 2, evaluationPeriods: 3 },
  });
  alias = new MemoryAliasControl({ version: '12', pin: { modelRef: CURRENT, cohort: 'current' } });
  deps = {
    config,
    alias,
    verdicts: new MemoryVerdictStore(),
    events: new RecordingPublisher(),
    metrics: new SteadyMetrics(),
    alarms: new FixedAlarms(),
    router: { functionName: 'finegate-canary-router', alias: 'live' },
    now: () => clock,
  };
});

const step = (input: object) => runRolloutStep(input, deps);

async function published() {
  return step({ action: 'publish', event: arenaPass, executionArn: EXECUTION });
}


/** What the alias serves, without the record of the last rollback. */
async function servedWeights() {
  const { rolledBack: _rolledBack, ...weights } = await alias.getWeights();
  return weights;
}

describe('rollout step: publish', () => {
  it('publishes the canary’s current version (the serving model re-pinned, naming the version to restore) and the candidate, each naming the other, the run and the execution; the alias is left alone', async () => {
    const state = await published();
    expect(state).toMatchObject({
      runId: 'support-bot-7',
      checkpoint: 'checkpoint-1800',
      candidateModel: CANDIDATE,
      currentModel: CURRENT,
      currentVersion: '13',
      candidateVersion: '14',
      previousVersion: '12',
      executionArn: EXECUTION,
      configHash: canaryConfigHash(config),
      startedAt: '2026-11-12T11:00:00.000Z',
      steps: 2,
      waitSeconds: 300,
    });
    expect(alias.versions.get('13')).toEqual({ modelRef: CURRENT, cohort: 'current', otherModelRef: CANDIDATE, runId: 'support-bot-7', rolloutExecutionArn: EXECUTION, previousVersion: '12' });
    expect(alias.versions.get('14')).toEqual({ modelRef: CANDIDATE, cohort: 'candidate', otherModelRef: CURRENT, runId: 'support-bot-7', rolloutExecutionArn: EXECUTION });
    expect(await servedWeights()).toEqual({ currentVersion: '12' });
  });

  it('takes the run’s pinned judge when the configuration names none, and hashes the configuration with it', async () => {
    deps.config = parseCanaryConfig({ rubrics: config.rubrics, holdWindows: 3 });
    deps.runJudge = async (runId) => (runId === 'support-bot-7' ? 'openai:gpt-4o' : undefined);
    const state = await published();
    expect(state.configHash).toBe(canaryConfigHash({ ...deps.config, judgeModel: 'openai:gpt-4o' }));
    // Later steps resolve the same judge, so the same hash.
    await expect(step({ ...state, action: 'weight', step: 0 })).resolves.toMatchObject({ weight: 0.05 });
    deps.runJudge = async () => undefined;
    await expect(published()).rejects.toThrow(/no judge model/);
  });

  it('refuses while another canary runs on the alias', async () => {
    alias.versions.set('13', { modelRef: 'openai:gpt-4o-mini', cohort: 'candidate' });
    alias.candidate = { version: '13', weight: 0.05 };
    await expect(published()).rejects.toThrow(/a canary already runs on alias live: version 13 receives 0.05/);
    expect(alias.writes).toEqual([]);
  });

  it('refuses a judge of the models’ family', async () => {
    deps.config = parseCanaryConfig({ judgeModel: 'bedrock:meta.llama3-3-70b-instruct-v1:0' });
    await expect(published()).rejects.toThrow(/judge .* is not known to be of another family than the current model/);
    expect(alias.writes).toEqual([]);
  });

  it('refuses anything but an arena PASS that promotes, naming the field', async () => {
    await expect(step({ action: 'publish', event: gateVerdict, executionArn: EXECUTION })).rejects.toMatchObject({ name: 'RejectedStepInput', field: 'event.detail' });
    await expect(step({ action: 'publish', event: { ...arenaPass, detail: { ...arenaPass.detail, candidateModel: undefined } }, executionArn: EXECUTION })).rejects.toMatchObject({ field: 'event.detail.candidateModel' });
    await expect(step({ action: 'publish', event: arenaPass })).rejects.toMatchObject({ field: 'executionArn' });
    await expect(step({ action: 'deploy' })).rejects.toMatchObject({ field: 'action' });
  });
});

describe('rollout step: weight, check, promote', () => {
  it('steps the weight, holds, advances, and promotes with a PASS and Canary Promoted', async () => {
    const state = await published();
    const first = await step({ ...state, action: 'weight', step: 0 });
    expect(first).toMatchObject({ step: 0, weight: 0.05, stepStartedAt: '2026-11-12T11:00:00.000Z', lastStep: false });
    // One alias update moves the current cohort to the canary's current version and gives the candidate its weight.
    expect(alias.writes.at(-1)).toBe('weight 14 0.05 over 13');
    expect(await alias.getWeights()).toEqual({ currentVersion: '13', candidate: { version: '14', weight: 0.05 } });
    const started = deps.events.events.find((e) => e.detailType === 'Canary Started')!;
    expect(canaryStartedSchema.parse({ source: started.source, 'detail-type': started.detailType, detail: started.detail }).detail).toMatchObject({ candidateVersion: '14', currentVersion: '13', weight: 0.05 });

    minutes(10);
    const holding = await step({ ...first, action: 'check' });
    expect(holding).toMatchObject({ next: 'hold', step: 0, decision: { action: 'hold', reasons: ['2 of 3 hold windows watched, no alarm raised'] } });

    minutes(5);
    const advancing = await step({ ...holding, action: 'check' });
    expect(advancing).toMatchObject({ next: 'weight', step: 1, decision: { action: 'promote', verdict: 'PASS' } });
    expect(deps.alarms.prefixes).toEqual(['finegate-canary-', 'finegate-canary-']);
    // The win rate and rubrics are read from the canary's start, in metric periods.
    expect(deps.metrics.reads.at(-1)!.window).toEqual({ start: new Date('2026-11-12T11:00:00Z'), periods: 4, periodSeconds: 300 });

    const second = await step({ ...advancing, action: 'weight' });
    expect(second).toMatchObject({ step: 1, weight: 0.1, lastStep: true });
    expect(deps.events.events.filter((e) => e.detailType === 'Canary Started')).toHaveLength(1);

    minutes(15);
    const done = await step({ ...second, action: 'check' });
    expect(done).toMatchObject({ next: 'promote', decision: { action: 'promote', verdict: 'PASS' } });

    const promoted = await step({ ...done, action: 'promote' });
    expect(promoted).toMatchObject({ promoted: true, verdict: 'PASS', servingVersion: '15', verdictCreated: true, published: true });
    // What serves now is the candidate's model as a plain current version: no fallback, no shadows, no run.
    expect(alias.versions.get('15')).toEqual({ modelRef: CANDIDATE, cohort: 'current' });
    expect(await alias.getWeights()).toEqual({ currentVersion: '15' });
    const verdict = await deps.verdicts.get(canarySubject('support-bot-7'), canaryVerdictKey('14'));
    expect(verdict).toMatchObject({ kind: 'canary', verdict: 'PASS', configHash: canaryConfigHash(config) });
    expect(verdict!.config).toEqual(config);
    const event = deps.events.events.find((e) => e.detailType === 'Canary Promoted')!;
    expect(canaryPromotedSchema.parse({ source: event.source, 'detail-type': event.detailType, detail: event.detail }).detail).toMatchObject({
      candidateVersion: '14',
      servingVersion: '15',
      previousVersion: '12',
      previousModel: CURRENT,
    });

    // A retried promote of the same execution is harmless.
    expect(await step({ ...done, action: 'promote' })).toMatchObject({ verdictCreated: false });
  });

  it('rolls back at once on an alarm in ALARM: FAIL, weight cleared and the previous version restored, Canary Rolled Back, its own execution left to end', async () => {
    const first = await step({ ...(await published()), action: 'weight', step: 0 });
    deps.alarms.alarms = [{ name: 'finegate-canary-errors', state: 'ALARM', reason: 'Threshold Crossed' }];
    minutes(5);
    const checked = await step({ ...first, action: 'check' });
    expect(checked).toMatchObject({ next: 'rollback', decision: { action: 'rollback', verdict: 'FAIL', reasons: ['alarm finegate-canary-errors is in ALARM'] } });

    const rolledBack = await step({ ...checked, action: 'rollback' });
    expect(rolledBack).toMatchObject({ rolledBack: true, verdict: 'FAIL', outcome: { outcome: 'rolled-back', cleared: true, verdictCreated: true } });
    expect(rolledBack.outcome).not.toHaveProperty('stop');
    expect(await servedWeights()).toEqual({ currentVersion: '12' });
    const event = deps.events.events.find((e) => e.detailType === 'Canary Rolled Back')!;
    expect(canaryRolledBackSchema.parse({ source: event.source, 'detail-type': event.detailType, detail: event.detail }).detail).toMatchObject({ verdict: 'FAIL', trigger: { kind: 'decision' }, checkpoint: 'checkpoint-1800' });
  });

  it('a hold that ends without enough decided pairs is rolled back INCONCLUSIVE', async () => {
    deps.metrics.perPeriod = { ...deps.metrics.perPeriod, wins: 3, losses: 2 };
    const first = await step({ ...(await published()), action: 'weight', step: 0 });
    minutes(15);
    const checked = await step({ ...first, action: 'check' });
    expect(checked).toMatchObject({ next: 'rollback', decision: { action: 'rollback', verdict: 'INCONCLUSIVE' } });
    expect((checked.decision as { reasons: string[] }).reasons[0]).toMatch(/20 decided shadow pairs, fewer than the 50 required/);
    expect(await step({ ...checked, action: 'rollback' })).toMatchObject({ verdict: 'INCONCLUSIVE' });
  });

  it('a rubric drop of 2 points in M of N periods rolls back', async () => {
    deps.metrics.perPeriod = { ...deps.metrics.perPeriod, candidateMean: 78, currentMean: 80 };
    const first = await step({ ...(await published()), action: 'weight', step: 0 });
    minutes(10);
    const checked = await step({ ...first, action: 'check' });
    expect(checked).toMatchObject({ next: 'rollback', decision: { verdict: 'FAIL' } });
    expect((checked.decision as { reasons: string[] }).reasons[0]).toMatch(/^rubric refusal dropped 2\.00 points/);
  });

  it('a check that finds the candidate’s weight gone (cleared outside the rollout, no verdict) rolls back INCONCLUSIVE', async () => {
    const first = await step({ ...(await published()), action: 'weight', step: 0 });
    await alias.clearCandidate();
    const checked = await step({ ...first, action: 'check' });
    expect(checked).toMatchObject({ next: 'rollback', decision: { verdict: 'INCONCLUSIVE' } });
    expect(await step({ ...checked, action: 'rollback' })).toMatchObject({ verdict: 'INCONCLUSIVE', outcome: { outcome: 'rolled-back', cleared: false, currentVersion: '12', verdictCreated: true } });
    expect(await servedWeights()).toEqual({ currentVersion: '12' });
  });

  it('once a rollback wrote the verdict, the rollout neither weights nor checks nor promotes again', async () => {
    const first = await step({ ...(await published()), action: 'weight', step: 0 });
    await step({ ...first, action: 'rollback', decision: { verdict: 'FAIL', reasons: ['alarm x'] } });
    await expect(step({ ...first, action: 'weight', step: 1 })).rejects.toMatchObject({ name: 'CanaryDecidedError', verdict: 'FAIL' });
    await expect(step({ ...first, action: 'check' })).rejects.toMatchObject({ name: 'CanaryDecidedError' });
    await expect(step({ ...first, action: 'promote', decision: { reasons: ['x'] } })).rejects.toMatchObject({ name: 'CanaryDecidedError' });
    expect(await servedWeights()).toEqual({ currentVersion: '12' });
  });

  it('a rollback reached from a failed step (only an error) records INCONCLUSIVE, never a PASS', async () => {
    const first = await step({ ...(await published()), action: 'weight', step: 0 });
    const result = await step({ ...first, action: 'rollback', error: { Error: 'States.TaskFailed', Cause: 'GetMetricData throttled' } });
    expect(result).toMatchObject({ verdict: 'INCONCLUSIVE' });
    const verdict = await deps.verdicts.get(canarySubject('support-bot-7'), canaryVerdictKey('14'));
    expect(verdict!.reasons).toEqual(['the rollout could not complete: States.TaskFailed: GetMetricData throttled']);
  });

  it('refuses to go on under another configuration than the one it started with', async () => {
    const state = await published();
    deps.config = parseCanaryConfig({ ...config, holdWindows: 1 });
    await expect(step({ ...state, action: 'weight', step: 0 })).rejects.toThrow(/configuration changed under the rollout/);
  });

  it('refuses a step beyond the configured weights, naming it', async () => {
    const state = await published();
    await expect(step({ ...state, action: 'weight', step: 2 })).rejects.toMatchObject({ name: 'RejectedStepInput', field: 'step' });
  });
});

/*
 * The nested shape a JSONPath state machine passes: each result kept beside the execution input, the Gate Verdict
 * detail as `gateVerdict`, publish's result as `published`, the execution as `{name, arn}`, a one-step weight in
 * percent, windows counted by the state machine, the alarms named.
 */
describe('rollout step: nested input', () => {
  const execution = { name: 'canary-3c1d2f0e', arn: EXECUTION };
  const alarmNames = ['finegate-canary-errors', 'finegate-canary-latency-p99'];

  it('runs publish, weight, check and promote from the state machine’s own shape', async () => {
    const gateVerdict = arenaPass.detail;
    const published = await step({ action: 'publish', gateVerdict, execution });
    expect(published).toMatchObject({ candidateVersion: '14', currentVersion: '13', executionArn: EXECUTION });

    const weighted = await step({ action: 'weight', gateVerdict, published, trafficPercent: 10, execution });
    expect(weighted).toMatchObject({ weight: 0.1, lastStep: true });
    expect(await alias.getWeights()).toEqual({ currentVersion: '13', candidate: { version: '14', weight: 0.1 } });

    minutes(5);
    const holding = await step({ action: 'check', gateVerdict, published, elapsedWindows: 1, holdWindows: 2, maxHoldWindows: 4, alarmNames, execution });
    expect(holding).toMatchObject({ action: 'hold', reasons: ['1 of 2 hold windows watched, no alarm raised'] });

    minutes(5);
    const decision = await step({ action: 'check', gateVerdict, published, elapsedWindows: 2, holdWindows: 2, maxHoldWindows: 4, alarmNames, execution });
    expect(decision).toMatchObject({ action: 'promote', verdict: 'PASS', next: 'promote' });

    const promoted = await step({ action: 'promote', gateVerdict, published, decision, execution });
    expect(promoted).toMatchObject({ verdict: 'PASS', servingVersion: '15' });
    expect(await alias.getWeights()).toEqual({ currentVersion: '15' });
  });

  it('a named alarm that does not exist counts as INSUFFICIENT_DATA: no promotion on silence', async () => {
    const gateVerdict = arenaPass.detail;
    const published = await step({ action: 'publish', gateVerdict, execution });
    await step({ action: 'weight', gateVerdict, published, trafficPercent: 5, execution });
    minutes(15);
    const decision = await step({ action: 'check', gateVerdict, published, elapsedWindows: 3, holdWindows: 3, alarmNames: [...alarmNames, 'finegate-canary-missing'], execution });
    expect(decision).toMatchObject({ action: 'rollback', verdict: 'INCONCLUSIVE' });
    expect((decision.reasons as string[])[0]).toMatch(/alarm finegate-canary-missing is in INSUFFICIENT_DATA/);
  });

  it('a rollback after a hold that ran out of windows is INCONCLUSIVE, saying so', async () => {
    const gateVerdict = arenaPass.detail;
    const published = await step({ action: 'publish', gateVerdict, execution });
    await step({ action: 'weight', gateVerdict, published, trafficPercent: 5, execution });
    const result = await step({ action: 'rollback', gateVerdict, published, decision: { action: 'hold', reasons: ['2 of 6 hold windows watched'] }, elapsedWindows: 4, execution });
    expect(result).toMatchObject({ verdict: 'INCONCLUSIVE', rolledBack: true, reasons: ['the hold ran out of windows (4) without a decision: 2 of 6 hold windows watched'] });
    expect(await servedWeights()).toEqual({ currentVersion: '12' });
  });

  it('a rollback from the error path carries the whole state; one that failed before publishing has nothing to roll back', async () => {
    const gateVerdict = arenaPass.detail;
    const published = await step({ action: 'publish', gateVerdict, execution });
    await step({ action: 'weight', gateVerdict, published, trafficPercent: 5, execution });
    const error = { Error: 'States.TaskFailed', Cause: 'GetMetricData throttled' };
    const result = await step({ action: 'rollback', gateVerdict, state: { gateVerdict, published, window: { count: 1 }, error }, error, execution });
    expect(result).toMatchObject({ verdict: 'INCONCLUSIVE', rolledBack: true, candidateVersion: '14' });
    expect(await servedWeights()).toEqual({ currentVersion: '12' });

    const early = await step({ action: 'rollback', gateVerdict, state: { gateVerdict, error }, error, execution });
    expect(early).toMatchObject({ rolledBack: false, verdict: 'INCONCLUSIVE', outcome: { outcome: 'no-canary' } });
  });
});

describe('rollout step: an operator’s promotion', () => {
  it('promotes the running canary now with the operator’s reason, read back from the alias and the pins, and names the execution to stop', async () => {
    const state = await published();
    await step({ ...state, action: 'weight', step: 0 });
    const result = await step({ action: 'operator-promote', runId: 'support-bot-7', reason: 'business sign-off after manual review' });
    expect(result).toMatchObject({ promoted: true, verdict: 'PASS', candidateVersion: '14', servingVersion: '15', rolloutExecutionArn: EXECUTION });
    expect(await alias.getWeights()).toEqual({ currentVersion: '15' });
    expect(alias.versions.get('15')).toEqual({ modelRef: CANDIDATE, cohort: 'current' });
    const verdict = await deps.verdicts.get(canarySubject('support-bot-7'), canaryVerdictKey('14'));
    expect(verdict).toMatchObject({ verdict: 'PASS', reasons: ['promoted by an operator: business sign-off after manual review'], summary: { previousVersion: '12', executionArn: EXECUTION } });
    expect(deps.events.events.map((e) => e.detailType)).toEqual(['Canary Started', 'Canary Promoted']);
    // The rollout's own next check finds the canary decided.
    await expect(step({ ...state, action: 'check', elapsedWindows: 1 })).rejects.toMatchObject({ name: 'CanaryDecidedError' });
  });

  it('refuses with no canary running, for another run, or after a rollback decided it', async () => {
    await expect(step({ action: 'operator-promote', runId: 'support-bot-7', reason: 'go' })).rejects.toThrow(/no canary runs on alias live: it serves version 12 alone/);
    const state = await published();
    await step({ ...state, action: 'weight', step: 0 });
    await expect(step({ action: 'operator-promote', runId: 'other-run', reason: 'go' })).rejects.toMatchObject({ name: 'RejectedStepInput', field: 'runId' });
    await expect(step({ action: 'operator-promote', runId: 'support-bot-7', reason: '  ' })).rejects.toMatchObject({ name: 'RejectedStepInput', field: 'reason' });
    await step({ ...state, action: 'rollback', decision: { action: 'rollback', verdict: 'FAIL', reasons: ['win rate below the floor'] } });
    await expect(step({ action: 'operator-promote', runId: 'support-bot-7', reason: 'go' })).rejects.toThrow(/no canary runs/);
  });
});

describe('rollout step: a rollback whose first attempt stopped after its verdict', () => {
  it('publishes the lost Canary Rolled Back from the stored verdict once, and never again', async () => {
    const state = await published();
    await step({ ...state, action: 'weight', step: 0 });
    // The first attempt cleared the weight and wrote its verdict, then stopped before publishing.
    await alias.clearCandidate('12');
    await deps.verdicts.putOnce({
      subject: canarySubject('support-bot-7'),
      key: canaryVerdictKey('14'),
      kind: 'canary',
      verdict: 'FAIL',
      reasons: ['alarm finegate-canary-shadow-win-rate is in ALARM'],
      configHash: String(state.configHash),
      config: null,
      summary: { action: 'rollback', candidateVersion: '14', currentVersion: '12', candidateModel: CANDIDATE, trigger: { kind: 'alarm', alarmName: 'finegate-canary-shadow-win-rate' } },
      reportUri: '',
      createdAt: '2026-11-12T11:07:00.000Z',
    });
    const before = deps.events.events.length;
    const retried = await step({ ...state, action: 'rollback', decision: { action: 'rollback', verdict: 'FAIL', reasons: ['a later decision'] } });
    expect(retried).toMatchObject({ verdict: 'FAIL' });
    const announced = deps.events.events.slice(before);
    expect(announced.map((e) => e.detailType)).toEqual(['Canary Rolled Back']);
    expect(announced[0]!.detail).toMatchObject({ verdict: 'FAIL', reasons: ['alarm finegate-canary-shadow-win-rate is in ALARM'], rolledBackAt: '2026-11-12T11:07:00.000Z', candidateVersion: '14' });
    expect((await deps.verdicts.get(canarySubject('support-bot-7'), canaryVerdictKey('14')))?.publishedAt).toBeDefined();

    await step({ ...state, action: 'rollback', decision: { action: 'rollback', verdict: 'FAIL', reasons: ['again'] } });
    expect(deps.events.events.slice(before)).toHaveLength(1);
  });
});
