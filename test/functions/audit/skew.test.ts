import { describe, expect, it } from 'vitest';
import { logBinEdges, SkewCollector } from '../../../functions/audit/skew';

describe('SkewCollector', () => {
  it('counts classes and sources and their imbalance ratios', () => {
    const c = new SkewCollector();
    for (let i = 0; i < 60; i++) c.add({ label: 'billing', source: 'web', chars: 100, tokens: 25 });
    for (let i = 0; i < 30; i++) c.add({ label: 'shipping', source: 'email', chars: 100, tokens: 25 });
    for (let i = 0; i < 6; i++) c.add({ label: 'technical', source: 'web', chars: 100, tokens: 25 });
    for (let i = 0; i < 4; i++) c.add({ chars: 100, tokens: 25 });
    const r = c.finish();
    expect(r.rows).toBe(100);
    expect(r.classes.counts).toEqual([
      { name: 'billing', rows: 60 },
      { name: 'shipping', rows: 30 },
      { name: 'technical', rows: 6 },
    ]);
    expect(r.classes.missing).toBe(4);
    expect(r.classes.imbalanceRatio).toBe(10);
    expect(r.sources.counts).toEqual([
      { name: 'web', rows: 66 },
      { name: 'email', rows: 30 },
    ]);
    expect(r.sources.imbalanceRatio).toBe(2.2);
    // Exactly 10:1 is at the limit, not over it.
    expect(r.warnings).toEqual([]);
  });

  it('warns when class or source imbalance exceeds its threshold', () => {
    const c = new SkewCollector();
    for (let i = 0; i < 110; i++) c.add({ label: 'a', source: 's1', chars: 10, tokens: 3 });
    for (let i = 0; i < 10; i++) c.add({ label: 'b', source: 's2', chars: 10, tokens: 3 });
    const r = c.finish();
    expect(r.warnings.map((w) => w.kind)).toEqual(['class_imbalance', 'source_imbalance']);
    expect(r.warnings[0]).toMatchObject({ value: 11, threshold: 10 });
    expect(r.warnings[0]!.message).toContain('"a" has 110 rows and "b" 10: 11:1, above 10:1');
    expect(c.finish({ maxImbalance: 12 }).warnings).toEqual([]);
    expect(c.finish({ maxImbalance: 12, maxSourceImbalance: 5 }).warnings.map((w) => w.kind)).toEqual(['source_imbalance']);
  });

  it('has no imbalance ratio with fewer than two values', () => {
    const c = new SkewCollector();
    c.add({ label: 'only', chars: 1, tokens: 1 });
    const r = c.finish();
    expect(r.classes.imbalanceRatio).toBeNull();
    expect(r.sources).toEqual({ counts: [], missing: 1, untracked: 0, imbalanceRatio: null });
  });

  it('reports nearest-rank percentiles, max and mean of lengths', () => {
    const c = new SkewCollector();
    // Tokens 1..100 in a scrambled order; chars four times that.
    for (let i = 0; i < 100; i++) {
      const t = ((i * 37) % 100) + 1;
      c.add({ chars: 4 * t, tokens: t });
    }
    const r = c.finish();
    expect(r.length.tokens).toMatchObject({ count: 100, min: 1, p50: 50, p90: 90, p99: 99, max: 100, mean: 50.5 });
    expect(r.length.chars).toMatchObject({ min: 4, p50: 200, p90: 360, p99: 396, max: 400, mean: 202 });
  });

  it('bins lengths on a 1-2-5 log scale', () => {
    const c = new SkewCollector();
    for (const t of [0, 1, 1, 3, 7, 12, 150, 999]) c.add({ chars: t, tokens: t });
    const h = c.finish().length.tokens.histogram;
    expect(h.edges).toEqual([0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]);
    // [0,1) [1,2) [2,5) [5,10) [10,20) [20,50) [50,100) [100,200) [200,500) [500,1000)
    expect(h.counts).toEqual([1, 2, 1, 1, 1, 0, 0, 1, 0, 1]);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(8);
  });

  it('counts rows over the token limit', () => {
    const c = new SkewCollector();
    for (let i = 0; i < 50; i++) c.add({ chars: 400, tokens: 100 });
    c.add({ chars: 200_000, tokens: 50_000 });
    c.add({ chars: 131_072, tokens: 32_768 });
    const r = c.finish({ maxTokens: 32_768 });
    expect(r.overTokenLimit).toBe(1);
    expect(r.warnings.find((w) => w.kind === 'over_token_limit')).toMatchObject({ value: 1, threshold: 32_768 });
    expect(c.finish().overTokenLimit).toBe(0);
    expect(c.finish().warnings.some((w) => w.kind === 'over_token_limit')).toBe(false);
  });

  it('flags extreme length outliers on a log scale', () => {
    const c = new SkewCollector();
    // Middle half 20–40 tokens: the far-out fence is 40 · 2³ = 320.
    for (let i = 0; i < 400; i++) c.add({ chars: 0, tokens: 10 + (i % 41) });
    c.add({ chars: 0, tokens: 320 });
    c.add({ chars: 0, tokens: 5000 });
    const r = c.finish();
    expect(r.lengthOutliers.fence).toBe(320);
    expect(r.lengthOutliers.rows).toBe(1);
    expect(r.warnings.find((w) => w.kind === 'length_outliers')).toMatchObject({ value: 1, threshold: 320 });
  });

  it('does not flag a corpus with ordinary spread', () => {
    const c = new SkewCollector();
    for (let i = 0; i < 1000; i++) c.add({ label: i % 2 ? 'a' : 'b', chars: 100 + (i % 300), tokens: 25 + (i % 75) });
    expect(c.finish({ maxTokens: 4096 }).warnings).toEqual([]);
  });

  it('grows past its initial capacity and handles an empty corpus', () => {
    const c = new SkewCollector();
    for (let i = 0; i < 5000; i++) c.add({ chars: i, tokens: i });
    expect(c.finish().length.tokens).toMatchObject({ count: 5000, max: 4999, min: 0 });
    const empty = new SkewCollector().finish();
    expect(empty.rows).toBe(0);
    expect(empty.length.tokens).toMatchObject({ count: 0, max: 0, histogram: { edges: [0, 1], counts: [0] } });
    expect(empty.lengthOutliers).toEqual({ rows: 0, fence: null });
  });

  it('stops tracking new names past maxDistinct but keeps counting', () => {
    const c = new SkewCollector({ maxDistinct: 3 });
    for (let i = 0; i < 10; i++) c.add({ source: `https://example.com/page/${i}`, chars: 1, tokens: 1 });
    const r = c.finish();
    expect(r.sources.counts.length).toBe(3);
    expect(r.sources.untracked).toBe(7);
  });

  it('rejects impossible lengths', () => {
    expect(() => new SkewCollector().add({ chars: -1, tokens: 0 })).toThrow(RangeError);
    expect(() => new SkewCollector().add({ chars: 1, tokens: Number.NaN })).toThrow(RangeError);
  });
});

describe('logBinEdges', () => {
  it('ends at the first edge above the maximum', () => {
    expect(logBinEdges(0)).toEqual([0, 1]);
    expect(logBinEdges(1)).toEqual([0, 1, 2]);
    expect(logBinEdges(10)).toEqual([0, 1, 2, 5, 10, 20]);
    expect(logBinEdges(32_768).slice(-2)).toEqual([20_000, 50_000]);
  });
});
