import type { AuditReport } from './audit-report';

/** report.html: one self-contained file (inline CSS and SVG, no network) with the audit's charts. */
export function renderAuditHtml(r: AuditReport): string {
  const c = r.counts;
  const s = r.skew;
  const ln = r.labelNoise;
  const colour = { PASS: '#1a7f37', WARN: '#9a6700', FAIL: '#cf222e', INCONCLUSIVE: '#6e7781' }[r.verdict];
  const findings = r.rules
    .map((rule) => {
      const ex = rule.examples[0];
      return `<tr><td><code>${esc(rule.rule)}</code></td><td>${rule.severity}</td><td>${rule.action}</td><td class="n">${rule.count}</td><td>${ex ? `line ${ex.line}${ex.field ? ` <code>${esc(ex.field)}</code>` : ''}: ${esc(ex.evidence)}` : ''}</td></tr>`;
    })
    .join('');
  const labelText = !ln
    ? 'label noise: disabled'
    : ln.skipped
      ? `label noise not estimated: ${esc(ln.skipped.detail)}`
      : `estimated label accuracy <b>${pct(ln.estimatedLabelAccuracy)}</b> (confident learning, ${ln.rowsUsed} rows); ${ln.suspectCount} likely mislabels flagged; classifier agreement ${pct(ln.classifierAgreement)}, κ ${ln.classifierKappa === null ? 'n/a' : ln.classifierKappa.toFixed(2)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>finegate corpus audit — ${r.verdict}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1000px;color:#1f2328;padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:1.6rem 0 .5rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
.verdict{display:inline-block;color:#fff;background:${colour};border-radius:6px;padding:.1rem .6rem;font-weight:600}
.muted{color:#656d76}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eaeef2;padding:.3rem .4rem;text-align:left;vertical-align:top}
.n{text-align:right;font-variant-numeric:tabular-nums}.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:1rem}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #d0d7de;border-radius:6px;padding:.5rem .9rem;min-width:110px}
.card b{display:block;font-size:1.3rem}code{font-size:12px;background:#f6f8fa;padding:0 .2rem;border-radius:3px;word-break:break-all}
</style></head><body>
<h1>Corpus audit <span class="verdict" id="verdict">${r.verdict}</span></h1>
<div class="muted"><code>${esc(r.corpus.uri)}</code> · ${(r.corpus.bytes / 1e6).toFixed(1)} MB${r.corpus.compressed ? ' gzip' : ''} · audit ${esc(r.auditId)} · config ${r.configHash} · ${esc(r.finishedAt)}</div>
<h2>Why</h2><ul id="reasons">${r.reasons.slice(0, 20).map((x) => `<li>${esc(x)}</li>`).join('')}</ul>
<div class="cards" id="counts">
<div class="card"><b>${c.rows}</b>rows</div><div class="card"><b>${c.clean}</b>clean</div>
<div class="card"><b>${c.quarantined}</b>quarantined</div><div class="card"><b>${c.warned}</b>kept with warnings</div></div>
<h2>Findings</h2>
${r.rules.length ? `<table id="findings"><thead><tr><th>rule</th><th>severity</th><th>action</th><th class="n">rows</th><th>first example (masked)</th></tr></thead><tbody>${findings}</tbody></table>` : '<p>No findings.</p>'}
<h2>Duplicates, leakage, labels</h2>
<ul>
<li>exact duplicates ${r.dedup.exactDuplicates}, after normalisation ${r.dedup.normalizedDuplicates}, near-duplicates ${r.dedup.nearDuplicates} (Jaccard ≥ ${r.dedup.threshold}, verified) in ${r.dedup.clusters} clusters</li>
<li>leakage: ${r.leakage.leakedRows} training rows repeat held-out rows${r.leakage.heldout ? ` (held-out: <code>${esc(r.leakage.heldout)}</code>, ${r.leakage.heldoutRows} rows)` : ''}; eval rows by split: ${r.leakage.evalSplitRows}</li>
<li>paraphrases: ${esc(r.paraphrase.skipped ?? `${r.paraphrase.pairs} rows with cosine ≥ ${r.paraphrase.threshold} to an earlier row (${r.paraphrase.model}; ${r.paraphrase.embedded} embedded, ${r.paraphrase.errors} errors${r.paraphrase.incomplete ? `; incomplete: ${r.paraphrase.reason}` : ''})`)}</li>
<li>${labelText}</li>
${r.judgeRelabel ? `<li>judge <code>${esc(r.judgeRelabel.judgeModel)}</code> re-labelled ${r.judgeRelabel.sampled} rows: agreement ${r.judgeRelabel.agreement === null ? 'n/a' : pct(r.judgeRelabel.agreement)} (95% CI ${pct(r.judgeRelabel.agreementInterval.lower)}–${pct(r.judgeRelabel.agreementInterval.upper)}), ${r.judgeRelabel.errors} errors</li>` : ''}
</ul>
<h2>Shape of the corpus</h2>
<div class="grid">
<figure><figcaption>Length (approx. tokens per row): median ${s.length.tokens.p50}, p90 ${s.length.tokens.p90}, p99 ${s.length.tokens.p99}, max ${s.length.tokens.max}</figcaption>${histogram(s.length.tokens.histogram)}</figure>
${s.classes.counts.length ? `<figure><figcaption>Classes (imbalance ${ratio(s.classes.imbalanceRatio)})</figcaption>${bars(s.classes.counts.slice(0, 15), 'classes')}</figure>` : ''}
${s.sources.counts.length ? `<figure><figcaption>Sources (imbalance ${ratio(s.sources.imbalanceRatio)})</figcaption>${bars(s.sources.counts.slice(0, 15), 'sources')}</figure>` : ''}
</div>
${s.warnings.length ? `<ul>${s.warnings.map((w) => `<li>⚠ ${esc(w.message)}</li>`).join('')}</ul>` : ''}
<h2>Files</h2>
<ul><li>clean: <code>${esc(r.artifacts.clean)}</code></li><li>quarantine (masked): <code>${esc(r.artifacts.quarantine)}</code></li><li>findings: <code>${esc(r.artifacts.findings)}</code></li></ul>
<p class="muted">Audited in ${(r.performance.durationMs / 1000).toFixed(1)} s (${r.performance.rowsPerSecond} rows/s). Secrets and PII are masked in every report.</p>
</body></html>
`;
}

function bars(items: { name: string; rows: number }[], id: string): string {
  const max = Math.max(1, ...items.map((i) => i.rows));
  const h = 22;
  const rows = items
    .map((item, i) => {
      const w = Math.max(1, Math.round((item.rows / max) * 220));
      return `<text x="0" y="${i * h + 15}" font-size="12">${esc(item.name.slice(0, 18))}</text><rect x="120" y="${i * h + 4}" width="${w}" height="14" fill="#0969da"/><text x="${124 + w}" y="${i * h + 15}" font-size="11" fill="#656d76">${item.rows}</text>`;
    })
    .join('');
  return `<svg id="chart-${id}" role="img" aria-label="${id}" width="400" height="${items.length * h + 6}" viewBox="0 0 400 ${items.length * h + 6}">${rows}</svg>`;
}

function histogram(h: { edges: number[]; counts: number[] }): string {
  // Drop empty bins at both ends so the chart shows where the rows are.
  let lo = 0;
  let hi = h.counts.length - 1;
  while (lo <= hi && h.counts[lo] === 0) lo++;
  while (hi >= lo && h.counts[hi] === 0) hi--;
  const bins = [];
  for (let i = lo; i <= hi; i++) bins.push({ from: h.edges[i]!, to: h.edges[i + 1]!, count: h.counts[i]! });
  if (bins.length === 0) return '<p class="muted">no rows</p>';
  const max = Math.max(1, ...bins.map((b) => b.count));
  const w = Math.max(6, Math.floor(360 / bins.length));
  const height = 140;
  const rects = bins
    .map((b, i) => {
      const bh = Math.round((b.count / max) * (height - 20));
      return `<rect x="${i * w + 30}" y="${height - 20 - bh}" width="${w - 2}" height="${bh}" fill="#8250df"><title>${b.from}–${b.to} tokens: ${b.count} rows</title></rect>`;
    })
    .join('');
  const first = bins[0]!.from;
  const last = bins[bins.length - 1]!.to;
  return `<svg id="chart-length" role="img" aria-label="length histogram" width="400" height="${height}" viewBox="0 0 400 ${height}">${rects}<text x="30" y="${height - 5}" font-size="11" fill="#656d76">${first}</text><text x="${bins.length * w + 10}" y="${height - 5}" font-size="11" fill="#656d76" text-anchor="end">${last}</text></svg>`;
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function ratio(x: number | null): string {
  return x === null ? 'n/a' : `${x.toFixed(1)}:1`;
}
