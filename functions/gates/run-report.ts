/**
 * The run report: one row per checkpoint (held-out score, each drift axis, verdict) and a chart of held-out and each
 * axis's candidate − base difference across checkpoints, as Markdown and as one self-contained HTML file.
 */
import { checkpointChart, driftAxes } from '../reports/svg-chart';

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
  const axes = driftAxes(r.rows);
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
  const axes = driftAxes(r.rows);
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
<h2>Held-out score and drift across checkpoints</h2>${checkpointChart(r)}
<table id="checkpoints"><thead><tr><th>checkpoint</th><th>step</th><th>held-out</th>${axes.map((a) => `<th>${esc(a)} Δ</th>`).join('')}<th>verdict</th></tr></thead><tbody>${rows}</tbody></table>
<p>Generated ${esc(r.generatedAt)}.</p></body></html>
`;
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}
