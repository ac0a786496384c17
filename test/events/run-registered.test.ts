import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { registerRunPattern, registerRunSchema, runRegisteredPattern, runRegisteredSchema } from '../../events/run-registered';
import { parseRunConfig } from '../../functions/runs/run-config';
import { matchesEventPattern } from '../../infra/local/event-pattern';

const load = (name: string) => JSON.parse(readFileSync(new URL(`../../events/samples/${name}.json`, import.meta.url), 'utf8'));

describe('Register Run', () => {
  const sample = load('register-run');

  it('the sample is valid, its detail a registrable run configuration, and matched by the pattern', () => {
    const event = registerRunSchema.parse(sample);
    expect(parseRunConfig(event.detail)).toMatchObject({ runId: 'support-bot-7', trainingJob: { bedrockJobName: 'support-bot-7' } });
    expect(matchesEventPattern(registerRunPattern(), sample)).toBe(true);
    expect(matchesEventPattern(registerRunPattern(), load('run-registered'))).toBe(false);
  });
});

describe('Run Registered', () => {
  const sample = load('run-registered');

  it('the sample is valid and matched by the pattern', () => {
    expect(runRegisteredSchema.parse(sample).detail.arena.requiredSampleSize).toBe(783);
    expect(matchesEventPattern(runRegisteredPattern(), sample)).toBe(true);
    expect(matchesEventPattern(runRegisteredPattern('a-study'), sample)).toBe(false);
  });

  it('only admits PASS or WARN corpus audits', () => {
    const failed = { ...sample, detail: { ...sample.detail, corpusAudit: { ...sample.detail.corpusAudit, verdict: 'FAIL' } } };
    expect(runRegisteredSchema.safeParse(failed).error?.issues[0]?.path).toEqual(['detail', 'corpusAudit', 'verdict']);
  });
});
