import { describe, expect, it } from 'vitest';
import { decideCanary, type CanaryObservation, type CanaryPolicy, type RubricAlarmSummary, type WinRateSummary } from '../../../functions/canary/canary-decision';
import { startWinRateSequence, updateWinRateSequence } from '../../../functions/canary/confidence-sequence';
import { rubricDropAlarm, type ScoreSeries } from '../../../functions/canary/rubric-drop';
import { seededRandom } from '../../../functions/gates/seeded-random';

const POLICY: CanaryPolicy = { holdWindows: 12, minDecidedPairs: 300, minRubricSamples: 100, rubrics: ['helpfulness', 'safety'] };

function winRate(overrides: Partial<WinRateSummary> = {}): WinRateSummary {
  return { alarm: false, decided: 400, pValue: 1, estimate: 0.51, lower: 0.44, upper: 0.58, config: { floor: 0.5, alpha: 0.05 }, ...overrides };
}

function rubric(name: string, overrides: Partial<RubricAlarmSummary> = {}): RubricAlarmSummary {
  return { rubric: name, state: 'OK', samples: { candidate: 150, current: 1500 }, latest: { candidate: 80, current: 80.5, drop: 0.5, breach: false }, ...overrides };
}

function healthy(overrides: Partial<CanaryObservation> = {}): CanaryObservation {
  return { elapsedWindows: 12, winRate: winRate(), rubrics: [rubric('helpfulness'), rubric('safety')], alarms: [{ name: 'errors', state: 'OK' }, { name: 'latency', state: 'OK' }], ...overrides };
}

describe('decideCanary', () => {
  it('promotes once the hold window has elapsed with data and no alarm', () => {
    const d = decideCanary(healthy(), POLICY);
    expect(d).toMatchObject({ action: 'promote', verdict: 'PASS' });
    expect(d.reasons[0]).toMatch(/12 of 12 hold windows elapsed with no alarm: shadow win rate 0\.510 \[0\.440, 0\.580\] over 400 decided pairs/);
    expect(d.policy).toBe(POLICY);
    expect(decideCanary(healthy({ elapsedWindows: 30 }), POLICY).action).toBe('promote');
  });

  it('holds until the hold window has elapsed', () => {
    const d = decideCanary(healthy({ elapsedWindows: 11 }), POLICY);
    expect(d).toEqual({ action: 'hold', reasons: ['11 of 12 hold windows watched, no alarm raised'], policy: POLICY });
    // Missing data does not matter yet: it may still come.
    expect(decideCanary({ elapsedWindows: 0, rubrics: [] }, POLICY).action).toBe('hold');
  });

  it('rolls back at once on the sequential win-rate alarm, before the hold window ends', () => {
    const d = decideCanary(healthy({ elapsedWindows: 3, winRate: winRate({ alarm: true, estimate: 0.41, lower: 0.35, upper: 0.49, pValue: 0.012 }) }), POLICY);
    expect(d).toMatchObject({ action: 'rollback', verdict: 'FAIL' });
    expect(d.reasons[0]).toMatch(/shadow win rate 0\.410 \[0\.350, 0\.490\] over 400 decided pairs is confidently below the floor 0\.5 \(always-valid p = 0\.0120 ≤ 0\.05\)/);
  });

  it('rolls back on a rubric drop alarm or any other alarm, naming each', () => {
    const drop = rubric('safety', { state: 'ALARM', latest: { candidate: 77, current: 80, drop: 3, breach: true } });
    const d = decideCanary(healthy({ elapsedWindows: 5, rubrics: [rubric('helpfulness'), drop], alarms: [{ name: 'latency', state: 'ALARM' }] }), POLICY);
    expect(d).toMatchObject({ action: 'rollback', verdict: 'FAIL' });
    expect(d.reasons).toEqual([
      'rubric safety dropped 3.00 points (candidate 77.00, current 80.00 in the latest window): its alarm is in ALARM',
      'alarm latency is in ALARM',
    ]);
    // A rubric outside the pinned list still counts when it alarms.
    expect(decideCanary(healthy({ rubrics: [rubric('helpfulness'), rubric('safety'), rubric('tone', { state: 'ALARM' })] }), POLICY).action).toBe('rollback');
  });

  it('an alarm beats an elapsed hold window', () => {
    expect(decideCanary(healthy({ alarms: [{ name: 'errors', state: 'ALARM' }] }), POLICY)).toMatchObject({ action: 'rollback', verdict: 'FAIL' });
  });

  it('fails closed: without the data at the end of the hold window it does not promote', () => {
    const cases: [Partial<CanaryObservation>, RegExp][] = [
      [{ winRate: undefined }, /0 decided shadow pairs, fewer than the 300 required/],
      [{ winRate: winRate({ decided: 299 }) }, /299 decided shadow pairs/],
      [{ rubrics: [rubric('helpfulness')] }, /rubric safety has no report/],
      [{ rubrics: [rubric('helpfulness'), rubric('safety', { state: 'INSUFFICIENT_DATA' })] }, /rubric safety alarm is in INSUFFICIENT_DATA/],
      [{ rubrics: [rubric('helpfulness', { samples: { candidate: 99, current: 5000 } }), rubric('safety')] }, /rubric helpfulness has 99 candidate and 5000 current samples, fewer than the 100 required per cohort/],
      [{ rubrics: [rubric('helpfulness'), rubric('safety', { latest: { current: 80, breach: undefined } })] }, /rubric safety has no datapoint in its latest window/],
      [{ rubrics: [rubric('helpfulness'), rubric('safety', { latest: undefined })] }, /rubric safety has no datapoint in its latest window/],
      [{ alarms: [{ name: 'errors', state: 'INSUFFICIENT_DATA' }] }, /alarm errors is in INSUFFICIENT_DATA/],
    ];
    for (const [overrides, reason] of cases) {
      const d = decideCanary(healthy(overrides), POLICY);
      expect(d.action).toBe('rollback');
      expect(d.verdict).toBe('INCONCLUSIVE');
      expect(d.reasons[0]).toMatch(/^12 of 12 hold windows elapsed without the data to promote: /);
      expect(d.reasons[0]).toMatch(reason);
    }
  });

  it('promotes at exactly the minimums', () => {
    const d = decideCanary(healthy({ winRate: winRate({ decided: 300 }), rubrics: [rubric('helpfulness', { samples: { candidate: 100, current: 100 } }), rubric('safety')] }), POLICY);
    expect(d.action).toBe('promote');
  });

  it('refuses an invalid policy or observation', () => {
    expect(() => decideCanary(healthy(), { ...POLICY, holdWindows: 0 })).toThrow(RangeError);
    expect(() => decideCanary(healthy(), { ...POLICY, minDecidedPairs: 0 })).toThrow(RangeError);
    expect(() => decideCanary(healthy(), { ...POLICY, minRubricSamples: 2.5 })).toThrow(RangeError);
    expect(() => decideCanary(healthy(), { ...POLICY, rubrics: ['a', 'a'] })).toThrow(RangeError);
    expect(() => decideCanary(healthy({ elapsedWindows: -1 }), POLICY)).toThrow(RangeError);
  });
});

describe('decideCanary over a simulated rollout step', () => {
  const HOLD = 24;
  const policy: CanaryPolicy = { holdWindows: HOLD, minDecidedPairs: 400, minRubricSamples: 200, rubrics: ['helpfulness'] };
  const rubricConfig = { window: 3, datapointsToAlarm: 3, evaluationPeriods: 5 };

  /** Decide after every window; stop at the first non-hold decision. */
  function run(p: number, candidateDrop: number, seed: number): { action: string; window: number } {
    const r = seededRandom(seed);
    let seq = startWinRateSequence({ floor: 0.5 });
    const candidate: (ScoreSeries[number])[] = [];
    const current: (ScoreSeries[number])[] = [];
    for (let w = 1; w <= HOLD; w++) {
      let wins = 0;
      for (let i = 0; i < 25; i++) if (r.float() < p) wins++;
      seq = updateWinRateSequence(seq, { wins, losses: 25 - wins });
      // 30 candidate and 300 current scores a window, each uniform 80 ± 15 points (candidate lowered by the drop).
      // Fewer candidate scores make the rubric alarm noisy: at 10 a window, about a third of equal canaries breach
      // 3 of 5 rolling datapoints somewhere in 24 windows; at 30, about 3%.
      const scores = (n: number, mean: number): { sum: number; count: number } => {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += mean + (r.float() - 0.5) * 30;
        return { sum, count: n };
      };
      candidate.push(scores(30, 80 - candidateDrop));
      current.push(scores(300, 80));
      const decision = decideCanary(
        { elapsedWindows: w, winRate: seq, rubrics: [rubricDropAlarm('helpfulness', candidate, current, rubricConfig)] },
        policy,
      );
      if (decision.action !== 'hold') return { action: decision.action, window: w };
    }
    throw new Error('the step neither promoted nor rolled back at the end of its hold window');
  }

  it('promotes an equal candidate at the end of the hold window, and rolls back a worse one early', () => {
    expect(run(0.52, 0, 1)).toEqual({ action: 'promote', window: HOLD });
    const losing = run(0.35, 0, 2);
    expect(losing.action).toBe('rollback');
    expect(losing.window).toBeLessThan(HOLD);
    const dropped = run(0.5, 8, 3);
    expect(dropped.action).toBe('rollback');
    expect(dropped.window).toBeLessThan(HOLD);
  });
});
