/**
 * The run report: one row per checkpoint (held-out score, each drift axis, verdict) and a chart of held-out and each
 * axis's candidate − base difference across checkpoints, as Markdown and as one self-contained HTML file.
 */

export interface CheckpointReportRow {
  checkpoint: string;
  step: number;
  verdict: string;
  trainingLoss?: number;
  heldout?: number;
  heldoutInterval?: { lower: number; upper: number };
  /** Per axis: candidate − base in points, with its interval and verdict. */
  drift: Record<string, { difference?: number; interval?: { lower: number; upper: number }; verdict: string }>;
  reasons: string[];
}

export interface RunReport {
  runId: string;
  configHash: string;
  baseModel: string;
  generatedAt: string;
  rows: CheckpointReportRow[];
  thresholds: { noisePoints: number; failPoints: number };
}

export function renderRunMarkdown(r: RunReport): string {
  const axes = axesOf(r);
  const out = [`# Run ${r.runId}: checkpoint gate`, '', `base \`${r.baseModel}\` · config ${r.configHash} · drift: a drop ≤ ${r.thresholds.noisePoints} point passes, ≤ ${r.thresholds.failPoints} warns, more fails`, ''];
  out.push(`| checkpoint | step | loss | held-out | ${axes.map((a) => `${a} Δ`).join(' | ')} | verdict |`);
  out.push(`|---|---:|---:|---:|${axes.map(() => '---:').join('|')}|---|`);
  for (const row of r.rows) {
    const drift = axes.map((a) => {
      const d = row.drift[a];
      return d?.difference === undefined ? 'n/a' : `${signed(d.difference)}${d.verdict !== 'PASS' ? ` (${d.verdict})` : ''}`;
    });
    out.push(`| ${row.checkpoint} | ${row.step} | ${row.trainingLoss?.toFixed(4) ?? ''} | ${row.heldout?.toFixed(1) ?? 'n/a'} | ${drift.join(' | ')} | **${row.verdict}** |`);
  }
  const last = r.rows[r.rows.length - 1];
  if (last) {
    out.push('', `Latest (${last.checkpoint}):`);
    for (const reason of last.reasons.slice(0, 8)) out.push(`- ${reason}`);
  }
  out.push('', `Generated ${r.generatedAt}.`, '');
  return out.join('\n');
}

export function renderRunHtml(r: RunReport): string {
  const axes = axesOf(r);
  const rows = r.rows
    .map(
      (row) =>
        `<tr><td>${esc(row.checkpoint)}</td><td class="n">${row.step}</td><td class="n">${row.heldout?.toFixed(1) ?? 'n/a'}</td>${axes
          .map((a) => `<td class="n">${row.drift[a]?.difference === undefined ? 'n/a' : signed(row.drift[a]!.difference!)}</td>`)
          .join('')}<td><b>${esc(row.verdict)}</b></td></tr>`,
    )
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>finegate run ${esc(r.runId)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem auto;max-width:1000px;color:#1f2328}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eaeef2;padding:.3rem}.n{text-align:right}</style>
</head><body><h1>Run ${esc(r.runId)}</h1><p>base <code>${esc(r.baseModel)}</code> · config ${esc(r.configHash)}</p>
<h2>Held-out score and drift across checkpoints</h2>${chart(r, axes)}
<table id="checkpoints"><thead><tr><th>checkpoint</th><th>step</th><th>held-out</th>${axes.map((a) => `<th>${esc(a)} Δ</th>`).join('')}<th>verdict</th></tr></thead><tbody>${rows}</tbody></table>
<p>Generated ${esc(r.generatedAt)}.</p></body></html>
`;
}

const COLOURS = ['#0969da', '#cf222e', '#1a7f37', '#8250df', '#9a6700', '#bc4c00'];

/** Two panels: held-out points (top) and each axis's candidate − base (bottom, with the fail line). */
function chart(r: RunReport, axes: string[]): string {
  const w = 760;
  const h = 180;
  const pad = 40;
  const xs = r.rows.map((row) => row.step);
  const minX = Math.min(...xs);
  const maxX = Math.max(...xs, minX + 1);
  const x = (s: number) => pad + ((s - minX) / (maxX - minX)) * (w - 2 * pad);
  const line = (points: [number, number][], y: (v: number) => number, colour: string) =>
    points.length === 0 ? '' : `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points.map(([s, v]) => `${x(s).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`;
  const held = r.rows.filter((row) => row.heldout !== undefined).map((row) => [row.step, row.heldout!] as [number, number]);
  const hy = (v: number) => h - pad / 2 - (v / 100) * (h - pad);
  const diffs = axes.flatMap((a) => r.rows.map((row) => row.drift[a]?.difference).filter((d): d is number => d !== undefined));
  const lim = Math.max(r.thresholds.failPoints * 2, ...diffs.map(Math.abs), 1);
  const dy = (v: number) => h / 2 - (v / lim) * (h / 2 - 10);
  const top = `<svg id="chart-heldout" width="${w}" height="${h}" role="img" aria-label="held-out score"><text x="4" y="14" font-size="12">held-out (points)</text>${line(held, hy, COLOURS[0]!)}</svg>`;
  const bottom = `<svg id="chart-drift" width="${w}" height="${h}" role="img" aria-label="drift by axis"><line x1="${pad}" x2="${w - pad}" y1="${dy(0)}" y2="${dy(0)}" stroke="#d0d7de"/><line x1="${pad}" x2="${w - pad}" y1="${dy(-r.thresholds.failPoints)}" y2="${dy(-r.thresholds.failPoints)}" stroke="#cf222e" stroke-dasharray="4 3"/>${axes
    .map((a, i) => line(r.rows.filter((row) => row.drift[a]?.difference !== undefined).map((row) => [row.step, row.drift[a]!.difference!] as [number, number]), dy, COLOURS[(i + 1) % COLOURS.length]!) + `<text x="${w - pad + 4}" y="${14 + i * 14}" font-size="11" fill="${COLOURS[(i + 1) % COLOURS.length]}">${esc(a)}</text>`)
    .join('')}<text x="4" y="14" font-size="12">candidate − base (points)</text></svg>`;
  return top + bottom;
}

function axesOf(r: RunReport): string[] {
  return [...new Set(r.rows.flatMap((row) => Object.keys(row.drift)))].sort();
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}
