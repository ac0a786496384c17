import { describe, expect, it } from 'vitest';
import { formatCanaryStatus, parseCanaryArgs, type CanaryStatus } from '../../../infra/cli/canary-command';

describe('finegate canary: arguments', () => {
  it('reads the action, the reason and where to connect', () => {
    expect(parseCanaryArgs(['status', '--local'])).toMatchObject({ action: 'status', local: true, json: false, stateDir: '.finegate' });
    expect(parseCanaryArgs(['rollback', '--reason', ' users report refusals ', '--stack', 'Prod', '--region', 'eu-west-1'])).toMatchObject({
      action: 'rollback',
      reason: 'users report refusals',
      stackName: 'Prod',
      region: 'eu-west-1',
    });
    expect(parseCanaryArgs(['status', '--run', 'support-bot-7', '--json'])).toMatchObject({ action: 'status', runId: 'support-bot-7', json: true });
  });

  it('refuses what it cannot act on, saying what is missing', () => {
    expect(() => parseCanaryArgs([])).toThrow(/which action\? give status, rollback or promote/);
    expect(() => parseCanaryArgs(['pause'])).toThrow(/unknown action 'pause'/);
    expect(() => parseCanaryArgs(['rollback'])).toThrow(/rollback needs --reason <text>/);
    expect(() => parseCanaryArgs(['promote', '--reason', '   '])).toThrow(/promote needs --reason/);
    expect(() => parseCanaryArgs(['status', '--reason', 'x'])).toThrow(/--reason is for rollback and promote/);
    expect(() => parseCanaryArgs(['status', '--run', 'bad run id'])).toThrow(/invalid run id/);
    expect(() => parseCanaryArgs(['status', 'extra'])).toThrow(/unexpected argument: extra/);
  });
});

describe('finegate canary status: the table', () => {
  const status: CanaryStatus = {
    alias: 'live',
    routerFunction: 'finegate-router',
    current: { version: '3', weight: 0.9, pin: { modelRef: 'bedrock:meta.llama3-1-8b-instruct-v1:0', cohort: 'current' } },
    candidate: { version: '4', weight: 0.1, pin: { modelRef: 'replay:s3://b/ckpt-1800.jsonl#family=llama', cohort: 'candidate', runId: 'support-bot-7' } },
    runId: 'support-bot-7',
    rolloutExecutionArn: 'arn:aws:states:us-east-1:1:execution:rollout:canary-abc',
    alarms: [
      { name: 'finegate-canary-shadow-win-rate', state: 'ALARM', reason: 'Threshold Crossed: 2 out of the last 3 datapoints were less than the threshold (0.5)' },
      { name: 'finegate-canary-candidate-error-rate', state: 'OK' },
    ],
    verdicts: [],
  };

  it('shows both versions with their models and traffic, the run, every alarm and the verdicts', () => {
    const text = formatCanaryStatus(status, 'the local runtime (pid 42)');
    expect(text).toContain('finegate canary — the local runtime (pid 42)');
    expect(text).toMatch(/3\s+current\s+bedrock:meta\.llama3-1-8b-instruct-v1:0\s+90%/);
    expect(text).toMatch(/4\s+candidate\s+replay:s3:\/\/b\/ckpt-1800\.jsonl#family=llama\s+10%/);
    expect(text).toContain('run support-bot-7; rollout arn:aws:states:us-east-1:1:execution:rollout:canary-abc');
    expect(text).toMatch(/finegate-canary-shadow-win-rate\s+ALARM\s+Threshold Crossed: 2 out of the last 3/);
    expect(text).toContain('verdicts of run support-bot-7:\n  none yet');
  });

  it('says when no canary runs', () => {
    const { candidate: _candidate, runId: _runId, ...idle } = status;
    const text = formatCanaryStatus({ ...idle, current: { ...status.current, weight: 1 }, alarms: [] }, 'stack Finegate in us-east-1');
    expect(text).toMatch(/3\s+current\s+\S+\s+100%/);
    expect(text).toContain('no canary running');
    expect(text).toContain('(none found)');
  });
});
