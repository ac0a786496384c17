import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canaryPromotedPattern, canaryPromotedSchema } from '../../events/canary-promoted';
import { matchesEventPattern } from '../../infra/local/event-pattern';

const sample = JSON.parse(readFileSync(new URL('../../events/samples/canary-promoted.json', import.meta.url), 'utf8'));

describe('Canary Promoted', () => {
  it('the sample is valid and matched by the pattern', () => {
    const event = canaryPromotedSchema.parse(sample);
    expect(event.detail).toMatchObject({ candidateVersion: '14', servingVersion: '15', previousVersion: '12', verdict: 'PASS' });
    expect(matchesEventPattern(canaryPromotedPattern(), sample)).toBe(true);
    expect(matchesEventPattern(canaryPromotedPattern(), { ...sample, source: 'finegate.gate' })).toBe(false);
  });

  it('is a PASS and nothing else', () => {
    expect(canaryPromotedSchema.safeParse({ ...sample, detail: { ...sample.detail, verdict: 'WARN' } }).error?.issues[0]?.path).toEqual(['detail', 'verdict']);
    const { candidateModel: _m, ...withoutModel } = sample.detail;
    expect(canaryPromotedSchema.safeParse({ ...sample, detail: withoutModel }).error?.issues[0]?.path).toEqual(['detail', 'candidateModel']);
  });
});
