import { describe, expect, it } from 'vitest';
import { judgeRelabel, RelabelSampler, type Relabeler, type RelabelRow } from '../../../functions/audit/judge-relabel';
import { cohensKappa } from '../../../functions/audit/cohen-kappa';
import { wilsonInterval } from '../../../functions/audit/wilson-interval';

function labelledCorpus(counts: Record<string, number>): RelabelRow[] {
  const rows: RelabelRow[] = [];
  for (const [label, n] of Object.entries(counts)) for (let i = 0; i < n; i++) rows.push({ rowIndex: rows.length, label, text: `${label} ticket ${i}` });
  return rows;
}

describe('RelabelSampler', () => {
  it('splits the sample across labels in proportion to their counts', () => {
    const sampler = new RelabelSampler({ n: 300 });
    for (const row of labelledCorpus({ billing: 6000, shipping: 3000, technical: 1000 })) sampler.add(row.rowIndex, row.label, row.text);
    const sample = sampler.sample();
    expect(sample.length).toBe(300);
    const per = (label: string): number => sample.filter((r) => r.label === label).length;
    // 60% / 30% / 10% of 300.
    expect([per('billing'), per('shipping'), per('technical')]).toEqual([180, 90, 30]);
    expect(sampler.labels()).toEqual(['billing', 'shipping', 'technical']);
    // Ordered by row index, each row once, every row's text intact.
    expect(sample.map((r) => r.rowIndex)).toEqual([...sample.map((r) => r.rowIndex)].sort((a, b) => a - b));
    expect(new Set(sample.map((r) => r.rowIndex)).size).toBe(300);
    for (const r of sample) expect(r.text.startsWith(r.label)).toBe(true);
  });

  it('gives a rare label at least one row', () => {
    const sampler = new RelabelSampler({ n: 200 });
    for (const row of labelledCorpus({ common: 10_000, rare: 3 })) sampler.add(row.rowIndex, row.label, row.text);
    const sample = sampler.sample();
    expect(sample.filter((r) => r.label === 'rare').length).toBe(1);
    expect(sample.length).toBe(200);
  });

  it('takes every row when the corpus is smaller than n', () => {
    const sampler = new RelabelSampler({ n: 500 });
    const rows = labelledCorpus({ a: 40, b: 10 });
    for (const row of rows) sampler.add(row.rowIndex, row.label, row.text);
    expect(sampler.sample()).toEqual(rows);
  });

  it('is a seeded sample that does not depend on arrival order', () => {
    const rows = labelledCorpus({ a: 3000, b: 2000 });
    const forward = new RelabelSampler({ n: 250, seed: 4 });
    const backward = new RelabelSampler({ n: 250, seed: 4 });
    const other = new RelabelSampler({ n: 250, seed: 5 });
    for (const row of rows) forward.add(row.rowIndex, row.label, row.text);
    for (const row of [...rows].reverse()) backward.add(row.rowIndex, row.label, row.text);
    for (const row of rows) other.add(row.rowIndex, row.label, row.text);
    expect(backward.sample()).toEqual(forward.sample());
    expect(other.sample()).not.toEqual(forward.sample());
  });

  it('spreads the sample over the whole corpus, not its beginning', () => {
    const sampler = new RelabelSampler({ n: 400 });
    for (const row of labelledCorpus({ a: 20_000 })) sampler.add(row.rowIndex, row.label, row.text);
    const indices = sampler.sample().map((r) => r.rowIndex);
    const quarters = [0, 1, 2, 3].map((q) => indices.filter((i) => Math.floor(i / 5000) === q).length);
    for (const q of quarters) expect(q).toBeGreaterThan(70);
  });

  it('ignores unlabelled rows and validates n', () => {
    const sampler = new RelabelSampler({ n: 10 });
    sampler.add(0, '', 'nothing');
    sampler.add(1, '  ', 'nothing');
    expect(sampler.sample()).toEqual([]);
    expect(() => new RelabelSampler({ n: 0 })).toThrow(RangeError);
  });
});

/** A deterministic judge: agrees except on the listed rows, fails on others. */
function fakeJudge(wrong: ReadonlyMap<string, string>, failing: ReadonlySet<string>, delayMs = 0): { relabeler: Relabeler; maxInFlight: () => number } {
  let inFlight = 0;
  let max = 0;
  const relabeler: Relabeler = async (text) => {
    inFlight++;
    max = Math.max(max, inFlight);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    inFlight--;
    if (failing.has(text)) return { error: 'throttled after 3 retries' };
    return { label: wrong.get(text) ?? text.split(' ')[0]! };
  };
  return { relabeler, maxInFlight: () => max };
}

describe('judgeRelabel', () => {
  const rows = labelledCorpus({ billing: 30, shipping: 20 });
  const labels = ['billing', 'shipping'];

  it('scores agreement with a Wilson interval and kappa, leaving errors out', async () => {
    const wrong = new Map([
      ['billing ticket 3', 'shipping'],
      ['billing ticket 4', 'shipping'],
      ['shipping ticket 0', 'billing'],
    ]);
    const failing = new Set(['billing ticket 10', 'shipping ticket 11', 'shipping ticket 12']);
    const { relabeler } = fakeJudge(wrong, failing);
    const r = await judgeRelabel(rows, labels, relabeler);

    expect(r.sampled).toBe(50);
    expect(r.errors).toBe(3);
    expect(r.errorRate).toBeCloseTo(0.06, 12);
    expect(r.judged).toBe(47);
    // Errors are not disagreements: 44 of the 47 judged rows agree.
    expect(r.agreement).toBeCloseTo(44 / 47, 12);
    const w = wilsonInterval(44, 47);
    expect(r.agreementInterval).toEqual({ lower: w.lower, upper: w.upper });
    const judgedRows = rows.filter((row) => !failing.has(row.text));
    expect(r.kappa).toBeCloseTo(cohensKappa(judgedRows.map((row) => row.label), judgedRows.map((row) => wrong.get(row.text) ?? row.label)).kappa!, 12);
    expect(r.disagreements).toEqual([
      { rowIndex: 3, givenLabel: 'billing', judgeLabel: 'shipping' },
      { rowIndex: 4, givenLabel: 'billing', judgeLabel: 'shipping' },
      { rowIndex: 30, givenLabel: 'shipping', judgeLabel: 'billing' },
    ]);
    expect(r.errorSamples).toEqual([
      { rowIndex: 10, error: 'throttled after 3 retries' },
      { rowIndex: 41, error: 'throttled after 3 retries' },
      { rowIndex: 42, error: 'throttled after 3 retries' },
    ]);
    expect(r.perLabel).toEqual([
      { label: 'billing', sampled: 30, judged: 29, agreed: 27 },
      { label: 'shipping', sampled: 20, judged: 18, agreed: 17 },
    ]);
  });

  it('counts a thrown call, an unknown label and a malformed answer as errors', async () => {
    const relabeler: Relabeler = async (text) => {
      if (text.endsWith(' 0')) throw new Error('connection reset');
      if (text.endsWith(' 1')) return { label: 'refunds' };
      if (text.endsWith(' 2')) return {} as unknown as { label: string };
      return { label: text.split(' ')[0]! };
    };
    const r = await judgeRelabel(rows, labels, relabeler);
    expect(r.errors).toBe(6);
    expect(r.disagreements).toEqual([]);
    expect(r.agreement).toBe(1);
    expect(r.errorSamples.map((e) => e.error).sort()).toEqual(
      [
        'connection reset',
        'connection reset',
        'label "refunds" is not one of the 2 labels',
        'label "refunds" is not one of the 2 labels',
        'relabeler returned neither a label nor an error',
        'relabeler returned neither a label nor an error',
      ].sort(),
    );
  });

  it('accepts a label that differs only in case or spacing', async () => {
    const r = await judgeRelabel(rows.slice(0, 5), labels, async () => ({ label: '  Billing ' }));
    expect(r.errors).toBe(0);
    expect(r.agreement).toBe(1);
  });

  it('reports no agreement when every call fails, and never a pass-looking figure', async () => {
    const r = await judgeRelabel(rows, labels, async () => ({ error: 'model not configured' }));
    expect(r.judged).toBe(0);
    expect(r.errors).toBe(50);
    expect(r.agreement).toBeNull();
    expect(r.kappa).toBeNull();
    expect(r.agreementInterval).toEqual({ lower: 0, upper: 1 });
  });

  it('keeps at most `concurrency` calls in flight', async () => {
    const judge = fakeJudge(new Map(), new Set(), 2);
    const r = await judgeRelabel(rows, labels, judge.relabeler, { concurrency: 3 });
    expect(r.judged).toBe(50);
    expect(judge.maxInFlight()).toBe(3);
    const serial = fakeJudge(new Map(), new Set(), 1);
    await judgeRelabel(rows.slice(0, 5), labels, serial.relabeler, { concurrency: 1 });
    expect(serial.maxInFlight()).toBe(1);
    await expect(judgeRelabel(rows, labels, judge.relabeler, { concurrency: 0 })).rejects.toThrow(RangeError);
  });

  it('handles an empty sample', async () => {
    const r = await judgeRelabel([], labels, async () => ({ label: 'billing' }));
    expect(r).toMatchObject({ sampled: 0, judged: 0, errors: 0, errorRate: 0, agreement: null });
  });
});
