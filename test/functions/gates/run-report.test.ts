import { describe, expect, it } from 'vitest';
import { renderRunHtml, renderRunMarkdown, type RunReport } from '../../../functions/gates/run-report';

const report: RunReport = {
  runId: 'support-v3',
  configHash: 'abc123',
  baseModel: 'bedrock:meta.llama3-1-8b-instruct-v1:0',
  generatedAt: '2026-11-26T00:00:00Z',
  thresholds: { noisePoints: 1, failPoints: 5 },
  rows: [
    { checkpoint: 'ckpt-1', step: 100, verdict: 'PASS', trainingLoss: 1.2, heldout: 61.5, drift: { refusal: { difference: -0.4, verdict: 'PASS' }, arithmetic: { difference: 0.8, verdict: 'PASS' } }, reasons: [] },
    { checkpoint: 'ckpt-2', step: 200, verdict: 'FAIL', trainingLoss: 0.9, heldout: 74.2, drift: { refusal: { difference: -12.5, verdict: 'FAIL' }, arithmetic: { difference: 0.2, verdict: 'PASS' } }, reasons: ['refusal dropped 12.5 points'] },
  ],
};

describe('run report', () => {
  it('tabulates each checkpoint with held-out, each drift axis and the verdict', () => {
    const md = renderRunMarkdown(report);
    expect(md).toContain('| checkpoint | step | loss | held-out | arithmetic Δ | refusal Δ | verdict |');
    expect(md).toContain('| ckpt-2 | 200 | 0.9000 | 74.2 | +0.2 | -12.5 (FAIL) | **FAIL** |');
    expect(md).toContain('- refusal dropped 12.5 points');
  });

  it('draws held-out and drift across checkpoints in one self-contained page', () => {
    const html = renderRunHtml(report);
    expect(html).toContain('<svg id="chart-heldout"');
    expect(html).toContain('<svg id="chart-drift"');
    expect(html.match(/<polyline/g)).toHaveLength(3);
    expect(html).not.toMatch(/<script|https?:\/\//);
  });
});
