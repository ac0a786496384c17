import { afterAll, describe, expect, it } from 'vitest';
import { fitTemperature, LabelNoiseCollector, type LabelNoiseEstimate, type LabelNoiseResult } from '../../../functions/audit/label-noise';

// ---------------------------------------------------------------------------------------------------------------
// A deterministic synthetic corpus of short support tickets. Each class has a small core vocabulary and a long tail
// of rare class-specific jargon (plan names, courier names, error names); pairs of classes share some words, and all
// share a large everyday vocabulary. A row always carries more words of its own class than of any other, so a careful
// reader can label it, but a classifier trained on a few thousand rows still misses 10-20% of them (rare jargon,
// one stray word of another class). Label noise is injected by flipping exactly round(rate × n) rows, chosen at
// random, to a different class chosen at random.
// ---------------------------------------------------------------------------------------------------------------

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CLASSES = ['billing', 'shipping', 'technical', 'account'];
const CORE: Record<string, string[]> = {
  billing: 'invoice charged refund payment billing subscription price overcharged receipt tax discount coupon fee debit statement paid plan renewal trial prorated vat charge'.split(' '),
  shipping: 'package delivery shipped tracking courier parcel arrived warehouse dispatch carrier postage box damaged lost doorstep customs shipment delivered driver pickup transit'.split(' '),
  technical: 'error crash app bug loading screen install browser freeze sync server timeout version android iphone windows reinstall cache blank slow wifi notification'.split(' '),
  account: 'password login username verify locked reset profile signin twofactor hacked deactivate register signup recovery privacy delete verification email'.split(' '),
};
const SYLLABLES = 'ka lo mi ter von ax rel du qui sen pra tol gen bri mos fa nu zel cor din'.split(' ');
function jargon(cls: string, size: number): string[] {
  const r = prng(cls.length * 7919 + cls.charCodeAt(0));
  const words = new Set<string>();
  while (words.size < size) words.add(Array.from({ length: 2 + Math.floor(r() * 2) }, () => SYLLABLES[Math.floor(r() * SYLLABLES.length)]).join('') + cls[0]);
  return [...words];
}
const TAIL: Record<string, string[]> = Object.fromEntries(CLASSES.map((c) => [c, jargon(c, 300)]));
const OVERLAP: [string, string, string[]][] = [
  ['billing', 'shipping', 'order purchase return cost'.split(' ')],
  ['technical', 'account', 'access website page sign'.split(' ')],
  ['billing', 'account', 'card details update'.split(' ')],
  ['shipping', 'technical', 'status system'.split(' ')],
];
// Everyday fragments every class uses, and frames that put a topic word into a phrase.
const FRAGMENTS = [
  'i tried again today', 'can you help me', 'this is the second time', 'it still does not work', 'please get back to me',
  'since yesterday', 'what should i do now', 'nothing has changed', 'i have been waiting for days', 'is there any update',
  'my colleague has the same issue', 'it was fine last week', 'i already contacted you', 'not sure what happened',
  'this is really frustrating', 'could you check', 'let me know', 'for the third time', 'as soon as possible',
  'i need this sorted', 'on my phone and laptop', 'your team said it would be fixed', 'i followed the steps',
  'is this normal', 'any help is welcome',
];
const FRAMES = ['my #', 'the #', 'about the #', '# again', 'with my #', 'the # is wrong', 'no # yet', 'a # problem', '#'];
const OPENERS = ['hi', 'hello', 'hey team', 'good morning', 'dear support', '', '', ''];
const CLOSERS = ['thanks', 'thank you', 'please help', 'regards', 'thanks in advance', '', '', ''];

function ticket(r: () => number, cls: string, classes: readonly string[]): string {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const frame = (word: string): string => pick(FRAMES).replace('#', word);
  // Zipf-like: a few jargon words are common, most are rare.
  const zipf = (xs: readonly string[]): string => xs[Math.min(xs.length - 1, Math.floor(Math.exp(r() * Math.log(xs.length + 1)) - 1))]!;
  const own = 1 + Math.floor(r() * 3);
  const pieces: string[] = [];
  for (let i = 0; i < own; i++) pieces.push(frame(r() < 0.35 ? pick(CORE[cls]!) : zipf(TAIL[cls]!)));
  // At most one word of another class, and only beside two or more of the row's own: a reader can still tell.
  if (own >= 2 && r() < 0.3) pieces.push(frame(pick(CORE[pick(classes.filter((c) => c !== cls))]!)));
  const overlaps = OVERLAP.filter(([a, b]) => (a === cls || b === cls) && classes.includes(a) && classes.includes(b));
  if (overlaps.length > 0 && r() < 0.5) pieces.push(frame(pick(pick(overlaps)[2])));
  const fragments = 1 + Math.floor(r() * 4);
  for (let i = 0; i < fragments; i++) pieces.push(pick(FRAGMENTS));
  for (let i = pieces.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [pieces[i], pieces[j]] = [pieces[j]!, pieces[i]!];
  }
  return [pick(OPENERS), pieces.join(r() < 0.5 ? ', ' : ' '), pick(CLOSERS)].filter(Boolean).join(' ');
}

interface Row {
  text: string;
  trueLabel: string;
  label: string;
  flipped: boolean;
}

function corpus(n: number, noiseRate: number, seed: number, options: { classes?: string[]; weights?: number[]; flipOnly?: string } = {}): Row[] {
  const classes = options.classes ?? CLASSES;
  const weights = options.weights ?? classes.map(() => 1);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const r = prng(seed);
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    let u = r() * totalWeight;
    let c = 0;
    while (u >= weights[c]! && c < classes.length - 1) u -= weights[c++]!;
    const cls = classes[c]!;
    rows.push({ text: ticket(r, cls, classes), trueLabel: cls, label: cls, flipped: false });
  }
  const candidates = rows.map((_, i) => i).filter((i) => options.flipOnly === undefined || rows[i]!.trueLabel === options.flipOnly);
  for (let i = candidates.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [candidates[i], candidates[j]] = [candidates[j]!, candidates[i]!];
  }
  const flips = Math.round(noiseRate * (options.flipOnly === undefined ? n : candidates.length));
  for (const i of candidates.slice(0, flips)) {
    const row = rows[i]!;
    const others = classes.filter((c) => c !== row.trueLabel);
    row.label = others[Math.floor(r() * others.length)]!;
    row.flipped = true;
  }
  return rows;
}

function audit(rows: readonly Row[], collectorOptions = {}, finishOptions = {}): LabelNoiseResult {
  const collector = new LabelNoiseCollector(collectorOptions);
  rows.forEach((row, i) => collector.add(i, row.label, row.text));
  return collector.finish(finishOptions);
}

function estimated(result: LabelNoiseResult): LabelNoiseEstimate {
  if (result.skipped !== null) throw new Error(`skipped: ${result.skipped.detail}`);
  return result;
}

function scoreSuspects(rows: readonly Row[], result: LabelNoiseEstimate) {
  const flipped = rows.filter((r) => r.flipped).length;
  const hits = result.suspects.filter((s) => rows[s.rowIndex]!.flipped);
  const topHalf = result.suspects.slice(0, Math.ceil(result.suspects.length / 2));
  return {
    precision: hits.length / Math.max(1, result.suspects.length),
    topHalfPrecision: topHalf.filter((s) => rows[s.rowIndex]!.flipped).length / Math.max(1, topHalf.length),
    recall: hits.length / Math.max(1, flipped),
    suggestionAccuracy: hits.filter((s) => rows[s.rowIndex]!.trueLabel === s.suggestedLabel).length / Math.max(1, hits.length),
  };
}

describe('LabelNoiseCollector on a synthetic corpus with injected label flips', () => {
  const measured: string[] = [];

  for (const rate of [0, 0.05, 0.15, 0.3]) {
    for (const seed of [7, 11]) {
      it(`tracks a ${rate * 100}% flip rate (4 classes, 2,000 rows, corpus seed ${seed})`, () => {
        const rows = corpus(2000, rate, seed);
        const result = estimated(audit(rows));
        const s = scoreSuspects(rows, result);
        measured.push(
          `2000 rows, rate ${rate.toFixed(2)}, seed ${seed}: estimated ${result.estimatedNoiseRate.toFixed(4)}, agreement ${result.classifierAgreement.toFixed(3)}, ` +
            `kappa ${result.classifierKappa?.toFixed(3)}, suspects ${result.suspectCount}, precision ${s.precision.toFixed(3)}, ` +
            `top-half precision ${s.topHalfPrecision.toFixed(3)}, recall ${s.recall.toFixed(3)}`,
        );

        expect(result.rowsUsed).toBe(2000);
        expect(Math.abs(result.estimatedNoiseRate - rate)).toBeLessThanOrEqual(0.03);
        expect(result.estimatedLabelAccuracy).toBeCloseTo(1 - result.estimatedNoiseRate, 12);
        if (rate === 0) {
          // The classifier is imperfect (it disagrees with a clean corpus on 5-10% of rows), yet the estimate is not
          // fooled into reporting that disagreement as noise.
          expect(result.classifierAgreement).toBeGreaterThan(0.8);
          expect(result.classifierAgreement).toBeLessThan(0.95);
          expect(result.estimatedLabelAccuracy).toBeGreaterThan(result.classifierAgreement + 0.03);
          expect(result.suspectCount).toBeLessThanOrEqual(0.02 * rows.length);
        } else {
          expect(s.precision).toBeGreaterThanOrEqual(0.75);
          expect(s.topHalfPrecision).toBeGreaterThanOrEqual(0.95);
          expect(s.recall).toBeGreaterThanOrEqual(0.75);
          expect(s.suggestionAccuracy).toBeGreaterThanOrEqual(0.85);
        }
      });
    }
  }

  it('stays within a few points at 1,000 rows up to a 15% flip rate', () => {
    for (const rate of [0, 0.05, 0.15]) {
      const rows = corpus(1000, rate, 13);
      const result = estimated(audit(rows));
      const s = scoreSuspects(rows, result);
      measured.push(`1000 rows, rate ${rate.toFixed(2)}: estimated ${result.estimatedNoiseRate.toFixed(4)}, agreement ${result.classifierAgreement.toFixed(3)}, precision ${s.precision.toFixed(3)}, recall ${s.recall.toFixed(3)}`);
      expect(Math.abs(result.estimatedNoiseRate - rate)).toBeLessThanOrEqual(0.04);
    }
  });

  it('tracks the flip rate with 3 imbalanced classes', () => {
    const classes = ['billing', 'shipping', 'technical'];
    for (const rate of [0, 0.15]) {
      const rows = corpus(1500, rate, 5, { classes, weights: [6, 3, 1] });
      const result = estimated(audit(rows));
      measured.push(`3 classes 6:3:1, rate ${rate.toFixed(2)}: estimated ${result.estimatedNoiseRate.toFixed(4)}, precision ${scoreSuspects(rows, result).precision.toFixed(3)}`);
      expect(Math.abs(result.estimatedNoiseRate - rate)).toBeLessThanOrEqual(0.035);
    }
  });

  it('puts the noise on the class whose rows were flipped', () => {
    const rows = corpus(2000, 0.25, 3, { flipOnly: 'billing' });
    const trueRate = rows.filter((r) => r.flipped).length / rows.length;
    const result = estimated(audit(rows));
    const byLabel = Object.fromEntries(result.classes.map((c) => [c.label, c.estimatedNoiseRate]));
    const towardBilling = result.suspects.filter((s) => s.suggestedLabel === 'billing');
    const towardBillingPrecision = towardBilling.filter((s) => rows[s.rowIndex]!.flipped).length / towardBilling.length;
    measured.push(
      `billing-only flips (true rate ${trueRate.toFixed(4)}): estimated ${result.estimatedNoiseRate.toFixed(4)}, per-class noise ${JSON.stringify(byLabel)}, ` +
        `${towardBilling.length} of ${result.suspectCount} suspects suggest billing, precision ${towardBillingPrecision.toFixed(3)}`,
    );
    expect(Math.abs(result.estimatedNoiseRate - trueRate)).toBeLessThanOrEqual(0.03);
    // A quarter of billing's ~500 rows moved to the other three labels, so each of those holds 5-10% billing rows,
    // while the rows still labelled billing are all billing.
    for (const label of ['shipping', 'technical', 'account']) {
      expect(byLabel[label]).toBeGreaterThan(0.03);
      expect(byLabel[label]).toBeLessThan(0.14);
    }
    expect(byLabel.billing).toBeLessThan(Math.min(byLabel.shipping!, byLabel.technical!, byLabel.account!));
    expect(towardBilling.length).toBeGreaterThan(0.7 * result.suspectCount);
    expect(towardBillingPrecision).toBeGreaterThan(0.85);
  });

  // The figures quoted in reviews, reproducible from the test output.
  afterAll(() => console.log(measured.join('\n')));
});

describe('LabelNoiseCollector', () => {
  it('describes each suspect', () => {
    const rows = corpus(1200, 0.1, 21);
    const result = estimated(audit(rows));
    expect(result.suspects.length).toBe(result.suspectCount);
    for (const s of result.suspects) {
      expect(s.givenLabel).toBe(rows[s.rowIndex]!.label);
      expect(s.suggestedLabel).not.toBe(s.givenLabel);
      expect(s.suggestedConfidence).toBeGreaterThan(s.selfConfidence);
    }
    // Worst first.
    for (let i = 1; i < result.suspects.length; i++) expect(result.suspects[i]!.selfConfidence).toBeGreaterThanOrEqual(result.suspects[i - 1]!.selfConfidence);
    const capped = estimated(audit(rows, {}, { maxSuspects: 5 }));
    expect(capped.suspects).toEqual(result.suspects.slice(0, 5));
    expect(capped.suspectCount).toBe(result.suspectCount);
  });

  it('reports the confident joint and per-class figures consistently', () => {
    const rows = corpus(1000, 0.1, 4);
    const result = estimated(audit(rows));
    expect(result.classes.map((c) => c.label).sort()).toEqual([...CLASSES].sort());
    const total = result.confidentJoint.flat().reduce((a, b) => a + b, 0);
    expect(total).toBe(1000);
    result.classes.forEach((c, i) => {
      expect(result.confidentJoint[i]!.reduce((a, b) => a + b, 0)).toBe(c.used);
      expect(c.rows).toBe(rows.filter((r) => r.label === c.label).length);
      expect(c.threshold).toBeGreaterThan(0);
      expect(c.threshold).toBeLessThan(1);
    });
    expect(result.folds).toBe(5);
    expect(result.temperature).toBeGreaterThan(0);
  });

  it('does not depend on the order rows arrive in', () => {
    const rows = corpus(800, 0.1, 9);
    const forward = new LabelNoiseCollector({ seed: 3, maxRows: 500 });
    const backward = new LabelNoiseCollector({ seed: 3, maxRows: 500 });
    rows.forEach((row, i) => forward.add(i, row.label, row.text));
    for (let i = rows.length - 1; i >= 0; i--) backward.add(i, rows[i]!.label, rows[i]!.text);
    expect(backward.finish()).toEqual(forward.finish());
  });

  it('depends on its seed only through the sample and the folds', () => {
    const rows = corpus(1000, 0.15, 12);
    const a = estimated(audit(rows, { seed: 1 }));
    const b = estimated(audit(rows, { seed: 2 }));
    expect(a).not.toEqual(b);
    expect(Math.abs(a.estimatedNoiseRate - b.estimatedNoiseRate)).toBeLessThan(0.03);
  });

  it('samples a large corpus down to maxRows', () => {
    const rows = corpus(3000, 0.15, 13);
    const result = estimated(audit(rows, { maxRows: 1000 }));
    expect(result.rowsSeen).toBe(3000);
    expect(result.labelledRows).toBe(3000);
    expect(result.rowsUsed).toBe(1000);
    expect(result.classes.reduce((a, c) => a + c.rows, 0)).toBe(3000);
    expect(Math.abs(result.estimatedNoiseRate - 0.15)).toBeLessThan(0.05);
    // Suspects come from the sample only.
    const sampled = new Set(result.suspects.map((s) => s.rowIndex));
    expect(sampled.size).toBe(result.suspectCount);
  });

  it('refits once without the first pass’s suspects unless told not to', () => {
    const rows = corpus(1500, 0.3, 14);
    const refit = estimated(audit(rows));
    const single = estimated(audit(rows, {}, { refit: false }));
    expect(single.estimatedNoiseRate).toBe(single.firstPassNoiseRate);
    expect(refit.firstPassNoiseRate).toBe(single.estimatedNoiseRate);
    // The first pass overestimates at this noise level; the refit comes closer.
    expect(Math.abs(refit.estimatedNoiseRate - 0.3)).toBeLessThan(Math.abs(single.estimatedNoiseRate - 0.3));
  });

  it('still works when the model budget folds the hash space down', () => {
    // (8 bytes × 4 classes + 4) × 2^16 buckets: the 18-bit features fold to 16 bits.
    const rows = corpus(1000, 0.15, 15);
    const result = estimated(audit(rows, {}, { modelBytes: 36 * 65536 }));
    expect(Math.abs(result.estimatedNoiseRate - 0.15)).toBeLessThan(0.04);
  });

  it('ignores unlabelled rows', () => {
    const rows = corpus(1000, 0, 16);
    const collector = new LabelNoiseCollector();
    rows.forEach((row, i) => collector.add(i, row.label, row.text));
    for (let i = 0; i < 50; i++) collector.add(1000 + i, i % 2 ? '' : '   ', 'no label here');
    const result = estimated(collector.finish());
    expect(result.rowsSeen).toBe(1050);
    expect(result.labelledRows).toBe(1000);
    expect(result.rowsUsed).toBe(1000);
  });

  it('leaves out classes with too few rows and says so', () => {
    const rows = corpus(600, 0, 17, { classes: ['billing', 'shipping'] });
    const collector = new LabelNoiseCollector();
    rows.forEach((row, i) => collector.add(i, row.label, row.text));
    for (let i = 0; i < 5; i++) collector.add(600 + i, 'biling', 'typo in the label of this invoice row');
    const result = estimated(collector.finish());
    expect(result.excludedClasses).toEqual([{ label: 'biling', rows: 5, used: 5 }]);
    expect(result.rowsUsed).toBe(600);
    expect(result.classes.map((c) => c.label)).toEqual(['billing', 'shipping']);
  });

  describe('skips with a reason', () => {
    it('when no row has a label', () => {
      const c = new LabelNoiseCollector();
      c.add(0, '', 'hello');
      c.add(1, '  ', 'world');
      expect(c.finish()).toMatchObject({ skipped: { reason: 'no_labels' }, rowsSeen: 2, labelledRows: 0 });
      expect(new LabelNoiseCollector().finish()).toMatchObject({ skipped: { reason: 'no_labels' }, rowsSeen: 0 });
    });

    it('when every row has the same label', () => {
      const c = new LabelNoiseCollector();
      for (let i = 0; i < 100; i++) c.add(i, 'billing', `invoice number ${i}`);
      expect(c.finish()).toMatchObject({ skipped: { reason: 'single_class' }, classCounts: { billing: 100 } });
    });

    it('when fewer than two classes have enough rows', () => {
      const c = new LabelNoiseCollector();
      for (let i = 0; i < 100; i++) c.add(i, i < 90 ? 'billing' : 'shipping', `ticket ${i}`);
      const r = c.finish();
      expect(r).toMatchObject({ skipped: { reason: 'too_few_rows_per_class' }, classCounts: { billing: 90, shipping: 10 } });
      const lenient = new LabelNoiseCollector();
      for (let i = 0; i < 100; i++) lenient.add(i, i < 90 ? 'billing' : 'shipping', i < 90 ? `refund invoice ${i}` : `parcel courier ${i}`);
      expect(lenient.finish({ minRowsPerClass: 10 }).skipped).toBeNull();
    });

    it('when the labels are too many to be classes', () => {
      const c = new LabelNoiseCollector({ maxClasses: 50 });
      for (let i = 0; i < 200; i++) c.add(i, `free text answer ${i}`, `row ${i}`);
      expect(c.finish()).toMatchObject({ skipped: { reason: 'too_many_classes' } });
    });
  });

  it('validates its options', () => {
    expect(() => new LabelNoiseCollector({ maxRows: 0 })).toThrow(RangeError);
    expect(() => new LabelNoiseCollector().finish({ folds: 1 })).toThrow(RangeError);
    expect(() => new LabelNoiseCollector().finish({ folds: 101 })).toThrow(RangeError);
  });
});

describe('fitTemperature', () => {
  it('recovers the temperature that generated the labels', () => {
    // Logits with margins of tens of nats (as naive Bayes gives); labels drawn from softmax(logits / 8).
    const r = prng(99);
    const k = 3;
    const n = 6000;
    const logits = new Float64Array(n * k);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) logits[i * k + j] = (r() - 0.5) * 60;
      const p = Array.from({ length: k }, (_, j) => Math.exp(logits[i * k + j]! / 8));
      const total = p.reduce((a, b) => a + b, 0);
      let u = r() * total;
      let y = 0;
      while (u >= p[y]! && y < k - 1) u -= p[y++]!;
      labels[i] = y;
    }
    expect(fitTemperature(logits, labels, k)).toBeGreaterThan(7.2);
    expect(fitTemperature(logits, labels, k)).toBeLessThan(8.8);
  });

  it('sharpens rather than softens when the scores are too timid', () => {
    // Every label is the argmax: the likelihood keeps improving as T falls, to the edge of the search.
    const logits = Float64Array.from([1, 0, 0, 1, 1, 0, 0, 1]);
    expect(fitTemperature(logits, Int32Array.from([0, 1, 0, 1]), 2)).toBeLessThan(0.05);
  });
});
