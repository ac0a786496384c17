import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { CANARY_ROLLED_BACK, canaryRolledBackSchema } from '../../events/canary-rolled-back';
import { canaryConfigHash, parseCanaryConfig } from '../../functions/canary/canary-config';
import { canarySubject, canaryVerdictKey, promoteCanary } from '../../functions/canary/canary-operations';
import { handleRollback, judgedUnder, RejectedRollbackInput, type RollbackDeps } from '../../functions/canary-rollback';
import { MemoryAliasControl, MemoryVerdictStore, RecordingPublisher, RecordingStopper } from '../support/canary-fakes';

const alarm = JSON.parse(readFileSync(new URL('../../events/samples/cloudwatch-alarm-state-change.json', import.meta.url), 'utf8'));
const withState = (value: string) => ({ ...alarm, detail: { ...alarm.detail, state: { ...alarm.detail.state, value } } });

const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:finegate-canary-rollout:3c1d2f0e';
const config = parseCanaryConfig({ judgeModel: 'openai:gpt-4o', rubrics: [{ name: 'refusal', check: { rubric: 'refusal-detection', expectRefusal: false } }] });

let alias: MemoryAliasControl;
let deps: RollbackDeps & { verdicts: MemoryVerdictStore; events: RecordingPublisher; stopper: RecordingStopper };

beforeEach(() => {
  // 12 served before the canary; 14 is the canary's current version (the same model, re-pinned), 15 the candidate.
  alias = new MemoryAliasControl({ version: '12', pin: { modelRef: 'bedrock:meta.llama3-1-8b-instruct-v1:0', cohort: 'current' } });
  alias.versions.set('14', { modelRef: 'bedrock:meta.llama3-1-8b-instruct-v1:0', cohort: 'current', otherModelRef: 'bedrock:meta.llama3-1-70b-instruct-v1:0', runId: 'support-bot-7', rolloutExecutionArn: EXECUTION, previousVersion: '12' });
  alias.currentVersion = '14';
  alias.versions.set('15', { modelRef: 'bedrock:meta.llama3-1-70b-instruct-v1:0', cohort: 'candidate', runId: 'support-bot-7', rolloutExecutionArn: EXECUTION });
  alias.candidate = { version: '15', weight: 0.05 };
  deps = {
    alias,
    verdicts: new MemoryVerdictStore(),
    events: new RecordingPublisher(),
    stopper: new RecordingStopper(),
    router: { functionName: 'finegate-canary-router', alias: 'live' },
    judgedUnder: { config, configHash: canaryConfigHash(config) },
    now: () => new Date('2026-11-12T11:41:54.870Z'),
  };
});


/** What the alias serves, without the record of the last rollback. */
async function servedWeights() {
  const { rolledBack: _rolledBack, ...weights } = await alias.getWeights();
  return weights;
}

describe('canary rollback on a CloudWatch alarm', () => {
  it('ALARM: clears the weight and restores the version that served before, writes the FAIL verdict naming the alarm and its reason, publishes Canary Rolled Back, stops the rollout', async () => {
    const outcome = await handleRollback(alarm, deps);
    expect(outcome).toMatchObject({ outcome: 'rolled-back', runId: 'support-bot-7', candidateVersion: '15', currentVersion: '12', cleared: true, verdictCreated: true, published: true, stop: 'stopped' });
    // One alias update: the candidate's weight gone and the pre-canary version back, so no shadow pair is asked for any more.
    expect(alias.writes).toEqual(['clear 15 to 12']);
    // The same update records the candidate it cleared, for a retry to finish a rollback that stops after it.
    expect(await alias.getWeights()).toEqual({ currentVersion: '12', rolledBack: '15' });

    const verdict = await deps.verdicts.get(canarySubject('support-bot-7'), canaryVerdictKey('15'));
    expect(verdict).toMatchObject({ kind: 'canary', verdict: 'FAIL', configHash: canaryConfigHash(config) });
    expect(verdict!.reasons).toEqual([`alarm finegate-canary-rubric-drop-task-completion is in ALARM: ${alarm.detail.state.reason}`]);

    expect(deps.events.events).toHaveLength(1);
    const [event] = deps.events.events;
    expect(event!.detailType).toBe(CANARY_ROLLED_BACK);
    const parsed = canaryRolledBackSchema.parse({ source: event!.source, 'detail-type': event!.detailType, detail: event!.detail });
    expect(parsed.detail).toMatchObject({
      candidateVersion: '15',
      candidateModel: 'bedrock:meta.llama3-1-70b-instruct-v1:0',
      currentVersion: '12',
      trigger: { kind: 'alarm', alarmName: 'finegate-canary-rubric-drop-task-completion', alarmArn: alarm.resources[0] },
    });
    expect(deps.stopper.stopped).toEqual([{ executionArn: EXECUTION, cause: verdict!.reasons[0] }]);
  });

  it('a second ALARM (or a redelivered one) does nothing more: the weight is already clear', async () => {
    await handleRollback(alarm, deps);
    const again = await handleRollback({ ...alarm, id: 'another-delivery' }, deps);
    expect(again).toEqual({ outcome: 'no-canary', reason: 'alias live routes no traffic to a candidate: nothing to roll back' });
    expect(alias.writes).toEqual(['clear 15 to 12']);
    expect(deps.events.events).toHaveLength(1);
    expect(deps.stopper.stopped).toHaveLength(1);
    expect(deps.verdicts.records.size).toBe(1);
  });

  it.each(['OK', 'INSUFFICIENT_DATA'])('%s is logged and ignored: nothing changes', async (state) => {
    expect(await handleRollback(withState(state), deps)).toEqual({ outcome: 'ignored', reason: `alarm finegate-canary-rubric-drop-task-completion changed to ${state}: only ALARM rolls back` });
    expect(alias.candidate).toEqual({ version: '15', weight: 0.05 });
    expect(alias.writes).toEqual([]);
    expect(deps.events.events).toEqual([]);
    expect(deps.verdicts.records.size).toBe(0);
  });

  it('ignores an alarm that is not the canary’s', async () => {
    expect(await handleRollback({ ...alarm, detail: { ...alarm.detail, alarmName: 'billing-high' } }, deps)).toMatchObject({ outcome: 'ignored' });
    expect(alias.writes).toEqual([]);
  });

  it('an ALARM after the promotion verdict still clears any weight, and says the promotion stands', async () => {
    await deps.verdicts.putOnce({ subject: canarySubject('support-bot-7'), key: canaryVerdictKey('15'), kind: 'canary', verdict: 'PASS', reasons: ['passed'], configHash: 'h', config: null, summary: {}, reportUri: '', createdAt: '' });
    const outcome = await handleRollback(alarm, deps);
    expect(outcome).toMatchObject({ outcome: 'rolled-back', verdict: 'PASS', verdictCreated: false, published: false });
    expect((outcome as { notes: string[] }).notes[0]).toMatch(/promoted \(PASS\) before this rollback/);
    expect(deps.events.events).toEqual([]);
  });

  it('clears the weight even when the versions cannot be read, and fails for the retry', async () => {
    alias.versionPin = async () => {
      throw Object.assign(new Error('not authorized to perform lambda:GetFunctionConfiguration'), { name: 'AccessDeniedException' });
    };
    await expect(handleRollback(alarm, deps)).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(alias.candidate).toBeUndefined();
    expect(alias.writes).toEqual(['clear 15 to 14']);
  });

  it('rejects a malformed alarm event naming the field', async () => {
    const { state: _s, ...detail } = alarm.detail;
    const error = await handleRollback({ ...alarm, detail }, deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RejectedRollbackInput);
    expect(error).toMatchObject({ field: 'detail.state' });
  });
});

describe('canary rollback invoked directly', () => {
  it('{runId, reason} rolls that run’s canary back, recording the reason', async () => {
    const outcome = await handleRollback({ runId: 'support-bot-7', reason: 'support tickets spiked' }, deps);
    expect(outcome).toMatchObject({ outcome: 'rolled-back', verdictCreated: true, stop: 'stopped' });
    expect(deps.events.events[0]!.detail).toMatchObject({ trigger: { kind: 'manual', reason: 'support tickets spiked' }, reasons: ['rolled back by hand: support tickets spiked'] });
  });

  it('refuses to roll back another run’s canary', async () => {
    expect(await handleRollback({ runId: 'other-run', reason: 'x' }, deps)).toMatchObject({ outcome: 'other-run', runId: 'support-bot-7' });
    expect(alias.candidate).toEqual({ version: '15', weight: 0.05 });
  });

  it.each([
    [{ runId: 'support-bot-7' }, 'reason'],
    [{ runId: 'a/b', reason: 'x' }, 'runId'],
    [{ runId: 'support-bot-7', reason: 'x', force: true }, 'force'],
  ])('rejects %j naming %s', async (input, field) => {
    await expect(handleRollback(input, deps)).rejects.toMatchObject({ name: 'RejectedRollbackInput', field });
    expect(alias.writes).toEqual([]);
  });

  it('a promotion after a rollback is refused and moves no traffic', async () => {
    await handleRollback(alarm, deps);
    await expect(
      promoteCanary(deps, {
        runId: 'support-bot-7',
        candidateVersion: '15',
        candidateModel: 'bedrock:meta.llama3-1-70b-instruct-v1:0',
        previousVersion: '12',
        reasons: ['held'],
        executionArn: EXECUTION,
        config,
        configHash: canaryConfigHash(config),
      }),
    ).rejects.toMatchObject({ name: 'CanaryDecidedError', verdict: 'FAIL' });
    expect(await servedWeights()).toEqual({ currentVersion: '12' });
  });
});

describe('canary rollback on a rollout execution that ended abnormally', () => {
  const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:finegate-canary-rollout';
  const sample = JSON.parse(readFileSync(new URL('../../events/samples/execution-status-change.json', import.meta.url), 'utf8'));
  const ended = (status: string, detail: Record<string, unknown> = {}) => ({
    ...sample,
    detail: { ...sample.detail, executionArn: EXECUTION, stateMachineArn: MACHINE, status, error: 'States.Timeout', cause: null, ...detail },
  });

  it.each(['FAILED', 'TIMED_OUT', 'ABORTED'])('%s: clears the weight, writes INCONCLUSIVE naming the status, publishes, and stops nothing', async (status) => {
    const outcome = await handleRollback(ended(status), { ...deps, rolloutStateMachineArn: MACHINE });
    expect(outcome).toMatchObject({ outcome: 'rolled-back', runId: 'support-bot-7', candidateVersion: '15', currentVersion: '12', cleared: true, verdictCreated: true, published: true });
    expect(outcome).not.toHaveProperty('stop');
    expect(alias.writes).toEqual(['clear 15 to 12']);
    const verdict = await deps.verdicts.get(canarySubject('support-bot-7'), canaryVerdictKey('15'));
    expect(verdict).toMatchObject({ verdict: 'INCONCLUSIVE' });
    expect(verdict!.reasons).toEqual([`the rollout execution ${EXECUTION} ended ${status} (States.Timeout) without deciding; the canary fails closed`]);
    const [event] = deps.events.events;
    const parsed = canaryRolledBackSchema.parse({ source: event!.source, 'detail-type': event!.detailType, detail: event!.detail });
    expect(parsed.detail).toMatchObject({ verdict: 'INCONCLUSIVE', trigger: { kind: 'execution', executionArn: EXECUTION, status } });
    expect(deps.stopper.stopped).toEqual([]);
  });

  it('the sample (another execution) leaves this canary alone', async () => {
    expect(await handleRollback(sample, deps)).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining(`belongs to execution ${EXECUTION}`) });
    expect(alias.candidate).toEqual({ version: '15', weight: 0.05 });
    expect(alias.writes).toEqual([]);
  });

  it('ignores a rollout that already rolled back (no candidate weight), a success, and another state machine', async () => {
    await handleRollback(alarm, deps);
    const writes = [...alias.writes];
    expect(await handleRollback(ended('ABORTED'), deps)).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('routes no traffic to a candidate') });
    expect(alias.writes).toEqual(writes);
    expect(deps.events.events).toHaveLength(1);

    alias.candidate = { version: '15', weight: 0.05 };
    expect(await handleRollback(ended('SUCCEEDED'), deps)).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('only FAILED, TIMED_OUT and ABORTED') });
    expect(await handleRollback(ended('FAILED'), { ...deps, rolloutStateMachineArn: `${MACHINE}-other` })).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('not of the rollout state machine') });
    expect(alias.candidate).toEqual({ version: '15', weight: 0.05 });
  });

  it('rejects a malformed status change naming the field', async () => {
    await expect(handleRollback(ended('EXPLODED'), deps)).rejects.toMatchObject({ name: 'RejectedRollbackInput', field: 'detail.status' });
    const { executionArn: _e, ...detail } = ended('FAILED').detail;
    await expect(handleRollback({ ...sample, detail }, deps)).rejects.toMatchObject({ name: 'RejectedRollbackInput', field: 'detail.executionArn' });
    expect(alias.writes).toEqual([]);
  });
});

describe('judgedUnder', () => {
  it('records an unreadable configuration as such instead of failing the rollback', () => {
    expect(judgedUnder(undefined)).toEqual({ config: null, configHash: 'unconfigured' });
    expect(judgedUnder('{"judgeModel": "openai:gpt-4o", "holdWindow": 3}')).toEqual({ config: null, configHash: 'unreadable' });
    expect(judgedUnder(JSON.stringify({ judgeModel: 'openai:gpt-4o' })).configHash).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('canary rollback: finishing one that stopped after clearing the weight', () => {
  it('a redelivered alarm writes the verdict and publishes the event the first attempt never did, once', async () => {
    // The first attempt cleared the weight (the alias records the candidate in that update) and stopped there.
    await alias.clearCandidate('12');
    expect(await alias.getWeights()).toEqual({ currentVersion: '12', rolledBack: '15' });
    expect(await deps.verdicts.get(canarySubject('support-bot-7'), canaryVerdictKey('15'))).toBeUndefined();

    const outcome = await handleRollback(alarm, deps);
    expect(outcome).toMatchObject({ outcome: 'rolled-back', runId: 'support-bot-7', candidateVersion: '15', cleared: false, verdictCreated: true, published: true });
    expect(await deps.verdicts.get(canarySubject('support-bot-7'), canaryVerdictKey('15'))).toMatchObject({ verdict: 'FAIL', publishedAt: expect.any(String) });
    expect(deps.events.events.filter((e) => e.detailType === 'Canary Rolled Back')).toHaveLength(1);

    // Finished: a further delivery finds nothing to do.
    expect(await handleRollback(alarm, deps)).toMatchObject({ outcome: 'no-canary' });
    expect(deps.events.events.filter((e) => e.detailType === 'Canary Rolled Back')).toHaveLength(1);
  });
});
