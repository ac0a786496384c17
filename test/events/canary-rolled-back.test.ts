import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canaryRolledBackPattern, canaryRolledBackSchema } from '../../events/canary-rolled-back';
import { matchesEventPattern } from '../../infra/local/event-pattern';

const sample = JSON.parse(readFileSync(new URL('../../events/samples/canary-rolled-back.json', import.meta.url), 'utf8'));

describe('Canary Rolled Back', () => {
  it('the sample is valid, names its alarm and is matched by the pattern', () => {
    const event = canaryRolledBackSchema.parse(sample);
    expect(event.detail.trigger).toMatchObject({ kind: 'alarm', alarmName: 'finegate-canary-rubric-drop-task-completion' });
    expect(event.detail.verdict).toBe('FAIL');
    expect(matchesEventPattern(canaryRolledBackPattern(), sample)).toBe(true);
  });

  it('takes the rollout decision and a manual rollback as triggers', () => {
    expect(canaryRolledBackSchema.safeParse({ ...sample, detail: { ...sample.detail, verdict: 'INCONCLUSIVE', trigger: { kind: 'decision' } } }).success).toBe(true);
    expect(canaryRolledBackSchema.safeParse({ ...sample, detail: { ...sample.detail, trigger: { kind: 'manual', reason: 'support tickets spiked' } } }).success).toBe(true);
  });

  it('rejects a PASS, a rollback without reasons and an unknown trigger', () => {
    const issue = (patch: object) => canaryRolledBackSchema.safeParse({ ...sample, detail: { ...sample.detail, ...patch } }).error?.issues[0]?.path;
    expect(issue({ verdict: 'PASS' })).toEqual(['detail', 'verdict']);
    expect(issue({ reasons: [] })).toEqual(['detail', 'reasons']);
    expect(issue({ trigger: { kind: 'cron' } })?.slice(0, 3)).toEqual(['detail', 'trigger', 'kind']);
  });
});
