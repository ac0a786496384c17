import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gateVerdictPattern, gateVerdictSchema } from '../../events/gate-verdict';
import { matchesEventPattern } from '../../infra/local/event-pattern';

const sample = JSON.parse(readFileSync(new URL('../../events/samples/gate-verdict.json', import.meta.url), 'utf8'));

describe('Gate Verdict', () => {
  it('the sample is valid, keeping the stage-specific scores', () => {
    const event = gateVerdictSchema.parse(sample);
    expect(event.detail.scores.heldout).toBe(71.5);
    expect((event.detail.scores as Record<string, unknown>).drift).toEqual({ reasoning: { delta: -2.4, lower: -3.9, upper: -0.8 } });
  });

  it('patterns filter by stage, verdict and promotion', () => {
    expect(matchesEventPattern(gateVerdictPattern(), sample)).toBe(true);
    expect(matchesEventPattern(gateVerdictPattern({ stage: 'checkpoint', verdicts: ['WARN', 'PASS'] }), sample)).toBe(true);
    expect(matchesEventPattern(gateVerdictPattern({ stage: 'arena' }), sample)).toBe(false);
    expect(matchesEventPattern(gateVerdictPattern({ promote: true }), sample)).toBe(false);
    expect(matchesEventPattern(gateVerdictPattern({ promote: false }), sample)).toBe(true);
  });

  it('rejects an unknown verdict or stage', () => {
    expect(gateVerdictSchema.safeParse({ ...sample, detail: { ...sample.detail, verdict: 'OK' } }).success).toBe(false);
    expect(gateVerdictSchema.safeParse({ ...sample, detail: { ...sample.detail, stage: 'canary' } }).success).toBe(false);
    expect(gateVerdictSchema.safeParse({ ...sample, detail: { ...sample.detail, scores: { errorRate: 2 } } }).success).toBe(false);
  });
});
