import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { alarmStateChangeSchema, canaryAlarmPattern } from '../../events/cloudwatch-alarm-state-change';
import { matchesEventPattern } from '../../infra/local/event-pattern';

const sample = JSON.parse(readFileSync(new URL('../../events/samples/cloudwatch-alarm-state-change.json', import.meta.url), 'utf8'));

describe('CloudWatch Alarm State Change', () => {
  it('the sample is valid and keeps the members the rollback does not read', () => {
    const event = alarmStateChangeSchema.parse(sample);
    expect(event.detail.state.value).toBe('ALARM');
    expect((event.detail as Record<string, unknown>).configuration).toBeDefined();
  });

  it('the rollback pattern takes canary alarms entering ALARM only', () => {
    expect(matchesEventPattern(canaryAlarmPattern(), sample)).toBe(true);
    expect(matchesEventPattern(canaryAlarmPattern(), { ...sample, detail: { ...sample.detail, state: { ...sample.detail.state, value: 'OK' } } })).toBe(false);
    expect(matchesEventPattern(canaryAlarmPattern(), { ...sample, detail: { ...sample.detail, alarmName: 'billing-high' } })).toBe(false);
    expect(matchesEventPattern(canaryAlarmPattern('finegate-canary-prod-'), sample)).toBe(false);
  });
});
