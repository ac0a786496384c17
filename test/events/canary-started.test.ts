import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canaryStartedPattern, canaryStartedSchema } from '../../events/canary-started';
import { matchesEventPattern } from '../../infra/local/event-pattern';

const sample = JSON.parse(readFileSync(new URL('../../events/samples/canary-started.json', import.meta.url), 'utf8'));

describe('Canary Started', () => {
  it('the sample is valid and matched by the pattern', () => {
    const event = canaryStartedSchema.parse(sample);
    expect(event.detail).toMatchObject({ candidateVersion: '14', currentVersion: '13', weight: 0.05, router: { alias: 'live' } });
    expect(matchesEventPattern(canaryStartedPattern(), sample)).toBe(true);
    expect(matchesEventPattern(canaryStartedPattern(), { ...sample, 'detail-type': 'Canary Promoted' })).toBe(false);
  });

  it('rejects a weight outside (0, 1), an unpublished version and an invalid model reference', () => {
    const issue = (patch: object) => canaryStartedSchema.safeParse({ ...sample, detail: { ...sample.detail, ...patch } }).error?.issues[0]?.path;
    expect(issue({ weight: 1 })).toEqual(['detail', 'weight']);
    expect(issue({ weight: 0 })).toEqual(['detail', 'weight']);
    expect(issue({ candidateVersion: '$LATEST' })).toEqual(['detail', 'candidateVersion']);
    expect(issue({ currentModel: 'gpt-4o' })).toEqual(['detail', 'currentModel']);
  });
});
