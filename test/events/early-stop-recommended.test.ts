import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { earlyStopRecommendedPattern, earlyStopRecommendedSchema } from '../../events/early-stop-recommended';
import { matchesEventPattern } from '../../infra/local/event-pattern';

const sample = JSON.parse(readFileSync(new URL('../../events/samples/early-stop-recommended.json', import.meta.url), 'utf8'));

describe('Early Stop Recommended', () => {
  it('the sample is valid and matched by the pattern', () => {
    expect(earlyStopRecommendedSchema.parse(sample).detail.best.checkpoint).toBe('checkpoint-1800');
    expect(matchesEventPattern(earlyStopRecommendedPattern(), sample)).toBe(true);
  });

  it('rejects a recommendation without its evidence', () => {
    const { best: _best, ...withoutBest } = sample.detail;
    expect(earlyStopRecommendedSchema.safeParse({ ...sample, detail: withoutBest }).error?.issues[0]?.path).toEqual(['detail', 'best']);
    expect(earlyStopRecommendedSchema.safeParse({ ...sample, detail: { ...sample.detail, patience: 0 } }).success).toBe(false);
  });
});
