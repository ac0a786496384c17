import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { arenaPromotionPattern } from '../../events/arena-promotion';
import { gateVerdictSchema } from '../../events/gate-verdict';
import { matchesEventPattern } from '../../infra/local/event-pattern';

const gateVerdict = JSON.parse(readFileSync(new URL('../../events/samples/gate-verdict.json', import.meta.url), 'utf8'));
const arenaPass = {
  ...gateVerdict,
  detail: { ...gateVerdict.detail, stage: 'arena', verdict: 'PASS', promote: true, reasons: ['win rate 0.61 over the base'], candidateModel: 'bedrock:meta.llama3-1-8b-instruct-v1:0' },
};

describe('arenaPromotionPattern', () => {
  it('is exactly: Gate Verdict, stage arena, PASS, promote true', () => {
    expect(arenaPromotionPattern()).toEqual({ source: ['finegate.gate'], 'detail-type': ['Gate Verdict'], detail: { stage: ['arena'], verdict: ['PASS'], promote: [true] } });
  });

  it('matches an arena PASS that promotes, and nothing short of it', () => {
    expect(gateVerdictSchema.safeParse(arenaPass).success).toBe(true);
    expect(matchesEventPattern(arenaPromotionPattern(), arenaPass)).toBe(true);
    expect(matchesEventPattern(arenaPromotionPattern(), gateVerdict)).toBe(false);
    expect(matchesEventPattern(arenaPromotionPattern(), { ...arenaPass, detail: { ...arenaPass.detail, stage: 'checkpoint' } })).toBe(false);
    expect(matchesEventPattern(arenaPromotionPattern(), { ...arenaPass, detail: { ...arenaPass.detail, verdict: 'WARN' } })).toBe(false);
    expect(matchesEventPattern(arenaPromotionPattern(), { ...arenaPass, detail: { ...arenaPass.detail, promote: false } })).toBe(false);
  });
});
