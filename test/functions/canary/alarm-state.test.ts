import { describe, expect, it } from 'vitest';
import { alarmState, evaluateAlarm, type Breach } from '../../../functions/canary/alarm-state';

/** 'X' breaching, '0' not breaching, '-' missing, oldest first: the notation of CloudWatch's missing-data tables. */
function dp(s: string): Breach[] {
  return s.split(' ').map((c) => (c === 'X' ? true : c === '0' ? false : undefined));
}

describe('alarmState: M of N datapoints', () => {
  it('is ALARM when at least M of the last N datapoints breach', () => {
    expect(alarmState(dp('X X X'), 3, 3)).toBe('ALARM');
    expect(alarmState(dp('X X 0'), 3, 3)).toBe('OK');
    expect(alarmState(dp('X 0 X'), 2, 3)).toBe('ALARM');
    expect(alarmState(dp('0 X 0'), 2, 3)).toBe('OK');
    expect(alarmState(dp('0 0 X'), 1, 3)).toBe('ALARM');
    expect(alarmState(dp('0 0 0'), 1, 3)).toBe('OK');
    // Not necessarily consecutive: any M within the N.
    expect(alarmState(dp('X 0 0 0 X'), 2, 5)).toBe('ALARM');
  });

  it('looks only at the last N datapoints', () => {
    expect(alarmState(dp('X X X 0'), 3, 3)).toBe('OK');
    expect(alarmState(dp('X X 0 0 X'), 2, 3)).toBe('OK');
    expect(alarmState(dp('0 0 0 X X'), 2, 3)).toBe('ALARM');
    expect(evaluateAlarm(dp('X X X X 0 X'), 2, 3)).toEqual({ state: 'ALARM', breaching: 2, present: 3 });
  });

  it('treats missing datapoints as not breaching by default', () => {
    expect(alarmState(dp('X - X'), 2, 3)).toBe('ALARM');
    expect(alarmState(dp('X - -'), 2, 3)).toBe('OK');
    expect(alarmState(dp('- - -'), 1, 3)).toBe('OK');
    expect(alarmState([], 1, 3)).toBe('OK');
    // Fewer datapoints than N: the periods before the first are missing too.
    expect(alarmState(dp('X X'), 2, 3)).toBe('ALARM');
    expect(alarmState(dp('X'), 2, 3)).toBe('OK');
    expect(evaluateAlarm(dp('X - -'), 2, 3)).toEqual({ state: 'OK', breaching: 1, present: 1 });
  });

  it('treats missing datapoints as breaching when told to', () => {
    const breaching = { treatMissingData: 'breaching' } as const;
    expect(alarmState(dp('X - -'), 2, 3, breaching)).toBe('ALARM');
    expect(alarmState(dp('0 0 -'), 2, 3, breaching)).toBe('OK');
    expect(alarmState(dp('0 - -'), 2, 3, breaching)).toBe('ALARM');
    expect(alarmState([], 3, 3, breaching)).toBe('ALARM');
    expect(alarmState(dp('0 0 0'), 1, 3, breaching)).toBe('OK');
    expect(evaluateAlarm(dp('X - 0'), 2, 3, breaching)).toEqual({ state: 'ALARM', breaching: 2, present: 2 });
  });

  it('judges only the datapoints present under `missing`, and has INSUFFICIENT_DATA with none', () => {
    const missing = { treatMissingData: 'missing' } as const;
    expect(alarmState(dp('- - -'), 3, 3, missing)).toBe('INSUFFICIENT_DATA');
    expect(alarmState([], 1, 1, missing)).toBe('INSUFFICIENT_DATA');
    // One lone breaching datapoint of a 3 of 3 alarm.
    expect(alarmState(dp('- X -'), 3, 3, missing)).toBe('ALARM');
    expect(alarmState(dp('0 - -'), 3, 3, missing)).toBe('OK');
    expect(alarmState(dp('0 X -'), 3, 3, missing)).toBe('OK');
    expect(alarmState(dp('X X -'), 3, 3, missing)).toBe('ALARM');
    expect(alarmState(dp('X 0 X'), 2, 3, missing)).toBe('ALARM');
    expect(alarmState(dp('X 0 0'), 2, 3, missing)).toBe('OK');
  });

  it('changes state only on real evidence under `ignore`', () => {
    const ignore = { treatMissingData: 'ignore' } as const;
    expect(alarmState(dp('- - -'), 3, 3, ignore)).toBe('INSUFFICIENT_DATA');
    expect(alarmState(dp('- - -'), 3, 3, { ...ignore, previous: 'ALARM' })).toBe('ALARM');
    expect(alarmState(dp('- - -'), 3, 3, { ...ignore, previous: 'OK' })).toBe('OK');
    expect(alarmState(dp('- X -'), 3, 3, { ...ignore, previous: 'OK' })).toBe('OK');
    expect(alarmState(dp('- X -'), 3, 3, { ...ignore, previous: 'ALARM' })).toBe('ALARM');
    expect(alarmState(dp('0 - -'), 3, 3, { ...ignore, previous: 'ALARM' })).toBe('OK');
    expect(alarmState(dp('X - X'), 2, 3, { ...ignore, previous: 'OK' })).toBe('ALARM');
    expect(alarmState(dp('X X X'), 3, 3, ignore)).toBe('ALARM');
    expect(alarmState(dp('X X 0'), 3, 3, { ...ignore, previous: 'ALARM' })).toBe('OK');
  });

  it('refuses M and N outside 1 ≤ M ≤ N', () => {
    expect(() => alarmState([], 0, 3)).toThrow(RangeError);
    expect(() => alarmState([], 4, 3)).toThrow(RangeError);
    expect(() => alarmState([], 1, 0)).toThrow(RangeError);
    expect(() => alarmState([], 1.5, 3)).toThrow(RangeError);
  });
});
