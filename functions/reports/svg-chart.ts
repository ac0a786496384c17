import type { CheckpointReportRow } from '../gates/run-report';

/**
 * The checkpoint chart shared by the run report and the pipeline report: two inline SVG panels over the training
 * step, held-out points (top) and each drift axis's candidate − base in points (bottom) drawn against the pinned
 * bands: a drop within ±noisePoints is noise, beyond −failPoints fails. One marker per scored checkpoint, each with a
 * <title> naming it, so the chart reads without script and a test can count the points.
 */

export interface CheckpointChartInput {
  rows: readonly CheckpointReportRow[];
  thresholds: { noisePoints: number; failPoints: number };
}

/** Held-out is blue; drift axes take the rest, none of them the red that marks the fail line. */
export const SERIES_COLOURS = ['#0969da', '#8250df', '#1a7f37', '#bc4c00', '#0a3069', '#9a6700', '#57606a'];

export const VERDICT_COLOURS: Record<string, string> = { PASS: '#1a7f37', WARN: '#9a6700', FAIL: '#cf222e', INCONCLUSIVE: '#6e7781' };

const WIDTH = 760;
const HEIGHT = 200;
const LEFT = 44;
const RIGHT = 110;
const TOP = 22;
const BOTTOM = 26;

/** Both panels; an empty string when no row has a step to place. */
export function checkpointChart(input: CheckpointChartInput): string {
  if (input.rows.length === 0) return '';
  const axes = driftAxes(input.rows);
  const x = stepScale(input.rows.map((row) => row.step));
  return heldoutPanel(input.rows, x) + driftPanel(input, axes, x);
}

/** Every drift axis any row reports, sorted: the order of the series and of the table columns. */
export function driftAxes(rows: readonly CheckpointReportRow[]): string[] {
  return [...new Set(rows.flatMap((row) => Object.keys(row.drift)))].sort();
}

function heldoutPanel(rows: readonly CheckpointReportRow[], x: (step: number) => number): string {
  const scored = rows.filter((row) => row.heldout !== undefined && Number.isFinite(row.heldout));
  // The scale spans the scores (to the nearest ten, 5 points of margin) so that gains of a few points show.
  const values = scored.map((row) => row.heldout!);
  const lo = values.length ? clamp(Math.floor((Math.min(...values) - 5) / 10) * 10, 0, 90) : 0;
  const hi = values.length ? clamp(Math.ceil((Math.max(...values) + 5) / 10) * 10, lo + 10, 100) : 100;
  const y = (v: number) => TOP + (1 - (clamp(v, lo, hi) - lo) / (hi - lo)) * (HEIGHT - TOP - BOTTOM);
  const grid = [lo, (lo + hi) / 2, hi].map((v) => hline(y(v), '#eaeef2') + label(LEFT - 6, y(v) + 4, String(v), 'end')).join('');
  const markers = scored
    .map((row) => marker(x(row.step), y(row.heldout!), VERDICT_COLOURS[row.verdict] ?? SERIES_COLOURS[0]!, 'point heldout', `${row.checkpoint} (step ${row.step}): ${row.heldout!.toFixed(1)} points, ${row.verdict}`, row.checkpoint))
    .join('');
  return svg('chart-heldout', 'held-out score by checkpoint', `${grid}${stepLabels(rows, x)}<text x="4" y="14" font-size="12">held-out (points)</text>${polyline(scored.map((row) => [x(row.step), y(row.heldout!)]), SERIES_COLOURS[0]!)}${markers}`);
}

function driftPanel(input: CheckpointChartInput, axes: readonly string[], x: (step: number) => number): string {
  const { noisePoints, failPoints } = input.thresholds;
  const diffs = axes.flatMap((a) => input.rows.map((row) => row.drift[a]?.difference).filter((d): d is number => d !== undefined && Number.isFinite(d)));
  const lim = Math.max(failPoints * 1.6, noisePoints * 2, ...diffs.map((d) => Math.abs(d) * 1.1), 1);
  const mid = TOP + (HEIGHT - TOP - BOTTOM) / 2;
  const y = (v: number) => mid - (clamp(v, -lim, lim) / lim) * ((HEIGHT - TOP - BOTTOM) / 2);
  const band = (from: number, to: number, fill: string, cls: string) =>
    `<rect class="${cls}" x="${LEFT}" y="${fx(y(to))}" width="${WIDTH - LEFT - RIGHT}" height="${fx(Math.max(0, y(from) - y(to)))}" fill="${fill}"/>`;
  const bands =
    band(-failPoints, -noisePoints, '#fff8c5', 'band warn') +
    band(-noisePoints, noisePoints, '#eaeef2', 'band noise') +
    hline(y(0), '#afb8c1') +
    hline(y(-failPoints), '#cf222e', '4 3') +
    hline(y(failPoints), '#afb8c1', '4 3') +
    // The noise and fail ticks only when they stand clear of the zero tick; the scale's ends when a drop goes beyond.
    [
      ...(y(0) - y(failPoints) >= 11 ? [failPoints, -failPoints] : []),
      ...(y(0) - y(noisePoints) >= 11 ? [noisePoints, -noisePoints] : []),
      0,
      ...(lim > failPoints * 1.6 ? [Math.round(lim), -Math.round(lim)] : []),
    ]
      .map((v) => label(LEFT - 6, y(v) + 4, signedNumber(v), 'end'))
      .join('');
  const series = axes
    .map((axis, i) => {
      const colour = SERIES_COLOURS[1 + (i % (SERIES_COLOURS.length - 1))]!;
      const rows = input.rows.filter((row) => row.drift[axis]?.difference !== undefined && Number.isFinite(row.drift[axis]!.difference));
      const markers = rows
        .map((row) => {
          const d = row.drift[axis]!;
          // A drop that warns or fails is marked in its verdict's colour; a passing point keeps its axis's.
          const fill = d.verdict !== undefined && d.verdict !== 'PASS' ? (VERDICT_COLOURS[d.verdict] ?? colour) : colour;
          return marker(x(row.step), y(d.difference!), fill, 'point drift', `${axis} at ${row.checkpoint} (step ${row.step}): ${d.difference! >= 0 ? '+' : '−'}${Math.abs(d.difference!).toFixed(1)} points, ${d.verdict}`, row.checkpoint, axis);
        })
        .join('');
      return `${polyline(rows.map((row) => [x(row.step), y(row.drift[axis]!.difference!)]), colour)}${markers}<text x="${WIDTH - RIGHT + 8}" y="${TOP + 4 + i * 14}" font-size="11" fill="${colour}">${esc(axis)}</text>`;
    })
    .join('');
  const legend = `<text x="${WIDTH - RIGHT + 8}" y="${HEIGHT - BOTTOM - 16}" font-size="10" fill="#656d76">±${noisePoints} noise</text><text x="${WIDTH - RIGHT + 8}" y="${HEIGHT - BOTTOM - 4}" font-size="10" fill="#cf222e">−${failPoints} fails</text>`;
  return svg('chart-drift', 'drift by axis, candidate minus base', `${bands}${stepLabels(input.rows, x)}<text x="4" y="14" font-size="12">candidate − base (points)</text>${series}${legend}`);
}

/** Steps to x; a single step sits in the middle rather than on an edge. */
function stepScale(steps: readonly number[]): (step: number) => number {
  const min = Math.min(...steps);
  const max = Math.max(...steps);
  const left = LEFT + 12;
  const right = WIDTH - RIGHT - 12;
  if (max === min) return () => (left + right) / 2;
  return (step) => left + ((step - min) / (max - min)) * (right - left);
}

/** Each checkpoint's step under the panel; at most about ten, evenly picked, so the labels do not collide. */
function stepLabels(rows: readonly CheckpointReportRow[], x: (step: number) => number): string {
  const steps = [...new Set(rows.map((row) => row.step))].sort((a, b) => a - b);
  const every = Math.max(1, Math.ceil(steps.length / 10));
  return steps
    .filter((_, i) => i % every === 0 || i === steps.length - 1)
    .map((step) => label(x(step), HEIGHT - 8, String(step), 'middle'))
    .join('');
}

function svg(id: string, aria: string, body: string): string {
  return `<svg id="${id}" class="chart" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${esc(aria)}">${body}</svg>`;
}

function polyline(points: readonly (readonly [number, number])[], colour: string): string {
  return points.length === 0 ? '' : `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points.map(([px, py]) => `${fx(px)},${fx(py)}`).join(' ')}"/>`;
}

function marker(cx: number, cy: number, colour: string, cls: string, title: string, checkpoint: string, axis?: string): string {
  return `<circle class="${cls}" data-checkpoint="${esc(checkpoint)}"${axis === undefined ? '' : ` data-axis="${esc(axis)}"`} cx="${fx(cx)}" cy="${fx(cy)}" r="4" fill="${colour}" stroke="#fff" stroke-width="1"><title>${esc(title)}</title></circle>`;
}

function hline(y: number, colour: string, dash?: string): string {
  return `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${fx(y)}" y2="${fx(y)}" stroke="${colour}"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`;
}

function label(x: number, y: number, text: string, anchor: 'start' | 'middle' | 'end'): string {
  return `<text x="${fx(x)}" y="${fx(y)}" font-size="10" fill="#656d76" text-anchor="${anchor}">${esc(text)}</text>`;
}

function signedNumber(v: number): string {
  if (v === 0) return '0';
  return `${v > 0 ? '+' : '−'}${Math.abs(v)}`;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function fx(v: number): string {
  return v.toFixed(1);
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}
