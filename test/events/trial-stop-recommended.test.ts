import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { trialStopRecommendedPattern, trialStopRecommendedSchema } from '../../events/trial-stop-recommended';
import { matchesEventPattern } from '../../infra/local/event-pattern';

const sample = JSON.parse(readFileSync(new URL('../../events/samples/trial-stop-recommended.json', import.meta.url), 'utf8'));

describe('Trial Stop Recommended', () => {
  it('the sample is valid and matched by the pattern, optionally per study', () => {
    expect(trialStopRecommendedSchema.parse(sample).detail.gap).toBe(11.5);
    expect(matchesEventPattern(trialStopRecommendedPattern(), sample)).toBe(true);
    expect(matchesEventPattern(trialStopRecommendedPattern('support-bot-lr-sweep'), sample)).toBe(true);
    expect(matchesEventPattern(trialStopRecommendedPattern('another-study'), sample)).toBe(false);
  });

  it('rejects a gap that is no gap', () => {
    expect(trialStopRecommendedSchema.safeParse({ ...sample, detail: { ...sample.detail, gap: 0 } }).error?.issues[0]?.path).toEqual(['detail', 'gap']);
  });
});
