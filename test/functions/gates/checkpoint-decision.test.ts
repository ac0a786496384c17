import { describe, expect, it } from 'vitest';
import { decideCheckpoint } from '../../../functions/gates/checkpoint-decision';
import type { ItemResult } from '../../../functions/gates/score-items';
import { parseRunConfig } from '../../../functions/runs/run-config';

const config = parseRunConfig({
  runId: 'r1',
  baseModel: 'bedrock:meta.llama3-1-8b-instruct-v1:0',
  judgeModel: 'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0',
  rubricVersion: '2026-11-v1',
  heldout: { uri: 's3://b/heldout.jsonl', rubric: 'exact-match' },
  corpusAudit: { uri: 's3://b/corpora/c.jsonl' },
  earlyStop: { minDelta: 1, patience: 2 },
});

function results(heldoutCorrect: number, axisDrops: Record<string, number>): ItemResult[] {
  const out: ItemResult[] = [];
  for (let i = 0; i < 40; i++) out.push({ id: `h${i}`, kind: 'heldout', candidate: { score: i < heldoutCorrect ? 1 : 0 } });
  for (const [axis, lost] of Object.entries(axisDrops)) {
    for (let i = 0; i < 40; i++) out.push({ id: `${axis}${i}`, kind: 'drift', axis, base: { score: 1 }, candidate: { score: i < lost ? 0 : 1 } });
  }
  return out;
}

const checkpoint = { runId: 'r1', checkpoint: 'ckpt-3', step: 300, trainingLoss: 0.5, final: true, promote: true };

describe('decideCheckpoint', () => {
  it('passes and promotes when no axis drops beyond noise', () => {
    const d = decideCheckpoint({ config, checkpoint, results: results(30, { arithmetic: 0, refusal: 0 }), axes: ['arithmetic', 'refusal'], history: [] });
    expect(d).toMatchObject({ verdict: 'PASS', promote: true });
    expect(d.heldout.points).toBe(75);
  });

  it('fails on one axis dropping more than 5 points whatever the held-out gain', () => {
    const d = decideCheckpoint({ config, checkpoint, results: results(40, { arithmetic: 0, refusal: 4 }), axes: ['arithmetic', 'refusal'], history: [] });
    expect(d.verdict).toBe('FAIL');
    expect(d.promote).toBe(false);
    expect(d.drift.find((a) => a.axis === 'refusal')).toMatchObject({ verdict: 'FAIL', dropPoints: 10 });
  });

  it('is INCONCLUSIVE when a required axis has no results', () => {
    const d = decideCheckpoint({ config, checkpoint, results: results(30, { arithmetic: 0 }), axes: ['arithmetic', 'refusal'], history: [] });
    expect(d.verdict).toBe('INCONCLUSIVE');
  });

  it('recommends an early stop when held-out stalls while the loss still falls', () => {
    const history = [
      { checkpoint: 'ckpt-1', step: 100, trainingLoss: 0.9, heldoutScore: 75, verdict: 'PASS' as const, recordedAt: '' },
      { checkpoint: 'ckpt-2', step: 200, trainingLoss: 0.7, heldoutScore: 75.5, verdict: 'PASS' as const, recordedAt: '' },
    ];
    const d = decideCheckpoint({ config, checkpoint, results: results(30, { arithmetic: 0 }), axes: ['arithmetic'], history });
    expect(d.earlyStop?.recommend).toBe(true);
    expect(d.earlyStop?.best?.step).toBe(100);
  });
});
