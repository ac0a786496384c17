import { describe, expect, it } from 'vitest';
import type { CheckpointReportRow } from '../../../functions/gates/run-report';
import { checkpointChart, driftAxes } from '../../../functions/reports/svg-chart';

const row = (checkpoint: string, step: number, heldout: number | undefined, drift: Record<string, number | undefined>, verdict = 'PASS'): CheckpointReportRow => ({
  checkpoint,
  step,
  verdict,
  ...(heldout === undefined ? {} : { heldout }),
  drift: Object.fromEntries(Object.entries(drift).map(([axis, d]) => [axis, { verdict, ...(d === undefined ? {} : { difference: d }) }])),
  reasons: [],
});

const thresholds = { noisePoints: 1, failPoints: 5 };

function attr(svg: string, selector: RegExp, name: string): number[] {
  return [...svg.matchAll(selector)].map((m) => Number(new RegExp(`${name}="([-\\d.]+)"`).exec(m[0])![1]));
}

describe('checkpoint chart', () => {
  const rows = [row('c1', 100, 60, { refusal: -0.5, math: 1 }), row('c2', 200, undefined, { refusal: undefined, math: 0.5 }, 'INCONCLUSIVE'), row('c3', 300, 72, { refusal: -7, math: 0 }, 'FAIL')];
  const svg = checkpointChart({ rows, thresholds });

  it('draws one marker per scored checkpoint and axis, left to right by step, each titled', () => {
    const heldout = [...svg.matchAll(/<circle class="point heldout" data-checkpoint="(\w+)"/g)].map((m) => m[1]);
    expect(heldout).toEqual(['c1', 'c3']);
    expect(svg.match(/<circle class="point drift" data-checkpoint="\w+" data-axis="refusal"/g)).toHaveLength(2);
    expect(svg.match(/<circle class="point drift" data-checkpoint="\w+" data-axis="math"/g)).toHaveLength(3);
    const xs = attr(svg, /<circle class="point drift"[^>]*data-axis="math"[^>]*>/g, 'cx');
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
    expect(svg).toContain('<title>refusal at c3 (step 300): −7.0 points, FAIL</title>');
    expect(svg.match(/<polyline/g)).toHaveLength(3);
  });

  it('shades the noise band around zero and the warn band down to the fail line, which is dashed red', () => {
    const noise = /<rect class="band noise" x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"/.exec(svg)!;
    const warn = /<rect class="band warn" x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"/.exec(svg)!;
    // The warn band starts where the noise band ends (−1) and is twice as tall (−1 to −5 against −1 to +1).
    expect(Number(warn[1])).toBeCloseTo(Number(noise[1]) + Number(noise[2]), 0);
    expect(Number(warn[2])).toBeCloseTo(2 * Number(noise[2]), 0);
    expect(svg).toMatch(/<line [^>]*stroke="#cf222e" stroke-dasharray="4 3"\/>/);
    // A drop beyond the plotted range stays inside the panel.
    for (const cy of attr(svg, /<circle class="point drift"[^>]*>/g, 'cy')) {
      expect(cy).toBeGreaterThan(0);
      expect(cy).toBeLessThan(200);
    }
  });

  it('places a lone checkpoint in the middle, draws nothing for no rows, and escapes axis names', () => {
    const one = checkpointChart({ rows: [row('only', 50, 40, { 'a<b': 0 })], thresholds });
    expect(attr(one, /<circle class="point heldout"[^>]*>/g, 'cx')).toEqual([(56 + 638) / 2]);
    expect(one).toContain('data-axis="a&lt;b"');
    expect(one).not.toContain('a<b');
    expect(one).not.toMatch(/NaN|Infinity/);
    expect(checkpointChart({ rows: [], thresholds })).toBe('');
    expect(driftAxes(rows)).toEqual(['math', 'refusal']);
  });
});

describe('checkpoint chart: a drop far beyond the fail line', () => {
  const rows = [row('c1', 400, 72, { domain: 0 }), row('c2', 800, 90, { domain: -100 }, 'FAIL'), row('c3', 1200, 95, { domain: 0 })];
  const svg = checkpointChart({ rows, thresholds });

  it('marks the failing point in the FAIL colour, the passing ones in the axis colour', () => {
    const fills = [...svg.matchAll(/<circle class="point drift" data-checkpoint="(\w+)"[^>]*fill="(#[0-9a-f]+)"/g)].map((m) => [m[1], m[2]]);
    expect(fills.find(([c]) => c === 'c2')![1]).toBe('#cf222e');
    expect(fills.filter(([c]) => c !== 'c2').every(([, f]) => f !== '#cf222e')).toBe(true);
  });

  it('labels the ends of the scale instead of crowding the fail ticks onto zero', () => {
    expect(svg).toMatch(/>−110<\/text>/);
    expect(svg).not.toMatch(/>−5<\/text>/);
  });
});
