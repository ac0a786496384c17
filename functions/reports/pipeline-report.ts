import type { ArenaResult, CanarySection, CheckpointSection, CorpusSection, PipelineReport, PipelineStage, PipelineStatus, RunHeader, TimelineEntry } from './pipeline-report-data';
import { checkpointChart, driftAxes, VERDICT_COLOURS } from './svg-chart';

/**
 * The pipeline report: one static HTML page for one run's four gates, readable offline and without script (inline
 * CSS and SVG only, nothing fetched). Every string from the stores is escaped; every section says plainly when its
 * data is missing.
 */
export function renderPipelineReport(report: PipelineReport): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>finegate run ${esc(report.runId)}: ${esc(OUTCOME_LABELS[report.status.outcome])}</title>
<style>${STYLE}</style></head><body>
${header(report)}
${corpusSection(report)}
${checkpointSection(report.checkpoints)}
${arenaSection(report.arena)}
${canarySection(report.canary)}
<footer class="muted">Generated ${time(report.generatedAt)} by finegate. Secrets and PII appear only as the audit masked them.</footer>
</body></html>
`;
}

const OUTCOME_LABELS: Record<PipelineStatus['outcome'], string> = { promoted: 'promoted', stopped: 'stopped', pending: 'in progress', unregistered: 'not registered' };

const STAGE_TITLES: Record<PipelineStage, string> = { corpus: '1. Corpus audit', checkpoint: '2. Held-out and drift', arena: '3. Arena vs base', canary: '4. Canary' };

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1000px;color:#1f2328;padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:2rem 0 .5rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
h3{font-size:1rem;margin:1rem 0 .4rem}.muted{color:#656d76}.missing{color:#656d76;font-style:italic}
.badge{display:inline-block;color:#fff;border-radius:6px;padding:0 .5rem;font-weight:600;font-size:.85em;vertical-align:middle}
.PASS{background:#1a7f37}.WARN{background:#9a6700}.FAIL{background:#cf222e}.INCONCLUSIVE{background:#6e7781}.NONE{background:#afb8c1}
.status{font-size:1.05rem;margin:.4rem 0 .8rem;padding:.4rem .7rem;border-left:4px solid #afb8c1;background:#f6f8fa}
.status.promoted{border-color:#1a7f37}.status.stopped{border-color:#cf222e}.status.pending{border-color:#9a6700}
.stages{display:flex;gap:.5rem;flex-wrap:wrap;list-style:none;padding:0;margin:.6rem 0}
.stages li{border:1px solid #d0d7de;border-radius:6px;padding:.3rem .6rem}.stages li.stopped{border-color:#cf222e}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.4rem 0}dl.kv dt{color:#656d76}dl.kv dd{margin:0}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eaeef2;padding:.3rem .4rem;text-align:left;vertical-align:top}
.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.cards{display:flex;gap:1rem;flex-wrap:wrap;margin:.6rem 0}.card{border:1px solid #d0d7de;border-radius:6px;padding:.5rem .9rem;min-width:110px}
.card b{display:block;font-size:1.3rem}code{font-size:12px;background:#f6f8fa;padding:0 .2rem;border-radius:3px;word-break:break-all}
.bar{display:inline-block;height:10px;background:#0969da;border-radius:2px;vertical-align:middle}
svg.chart{display:block;max-width:100%;height:auto;margin:.4rem 0}
.d-WARN{color:#9a6700;font-weight:600}.d-FAIL{color:#cf222e;font-weight:600}.d-INCONCLUSIVE{color:#6e7781}
ol.timeline{list-style:none;padding:0;margin:.5rem 0;border-left:2px solid #d0d7de}
ol.timeline li{position:relative;padding:.2rem 0 .6rem 1rem}ol.timeline li::before{content:"";position:absolute;left:-6px;top:.55rem;width:10px;height:10px;border-radius:50%;background:#afb8c1}
ol.timeline li.started::before{background:#0969da}ol.timeline li.alarm::before{background:#bc4c00}ol.timeline li.rollback::before{background:#cf222e}ol.timeline li.promotion::before{background:#1a7f37}
ol.timeline time{color:#656d76;font-variant-numeric:tabular-nums;margin-right:.5rem}
footer{margin-top:2.5rem;font-size:12px}
@media print{body{margin:0}h2{break-after:avoid}}
`;

function header(report: PipelineReport): string {
  const { status, run } = report;
  return `<header id="summary">
<h1>Run <code>${esc(report.runId)}</code> <span class="badge ${status.outcome === 'promoted' ? 'PASS' : status.outcome === 'stopped' ? 'FAIL' : 'NONE'}">${esc(OUTCOME_LABELS[status.outcome])}</span></h1>
<p id="status" class="status ${status.outcome}">${esc(capitalise(status.text))}</p>
${stageStrip(report)}
${run ? runDetails(run) : '<p class="missing">The run is not registered: no pinned thresholds and no models to name.</p>'}
</header>`;
}

/** The four gates in order, each with its verdict so far, the one that stopped the model marked. */
function stageStrip(report: PipelineReport): string {
  const lastRow = report.checkpoints.rows[report.checkpoints.rows.length - 1];
  const promotedRow = [...report.checkpoints.rows].reverse().find((row) => row.promote);
  const lastArena = report.arena[report.arena.length - 1];
  const lastCanary = report.canary?.verdicts[report.canary.verdicts.length - 1];
  const verdicts: Record<PipelineStage, string | undefined> = {
    corpus: report.corpus?.verdict,
    checkpoint: (promotedRow ?? lastRow)?.verdict,
    arena: lastArena?.verdict,
    canary: lastCanary?.verdict,
  };
  const items = (Object.keys(STAGE_TITLES) as PipelineStage[]).map((stage) => {
    const verdict = verdicts[stage];
    const stopped = report.status.outcome === 'stopped' && report.status.stage === stage;
    return `<li class="stage-${stage}${stopped ? ' stopped' : ''}">${esc(STAGE_TITLES[stage])} ${badge(verdict)}${stopped ? ' <b>stopped here</b>' : ''}</li>`;
  });
  return `<ol class="stages" id="stages">${items.join('')}</ol>`;
}

function runDetails(run: RunHeader): string {
  const t = run.thresholds;
  return `<dl class="kv" id="models">
<dt>base model</dt><dd><code>${esc(run.baseModel)}</code></dd>
<dt>candidate</dt><dd>${run.candidateModel ? `<code>${esc(run.candidateModel)}</code>${run.candidateCheckpoint ? ` (checkpoint ${esc(run.candidateCheckpoint)})` : ''}` : '<span class="missing">no checkpoint judged yet</span>'}</dd>
<dt>judge model</dt><dd><code>${esc(run.judgeModel)}</code></dd>
</dl>
<h3>Pinned thresholds</h3>
<dl class="kv" id="thresholds">
<dt>configuration</dt><dd>hash <code>${esc(run.configHash)}</code>, registered ${time(run.registeredAt)}, rubric version <code>${esc(run.rubricVersion)}</code></dd>
<dt>held-out</dt><dd>rubric <code>${esc(t.heldoutRubric)}</code></dd>
<dt>drift (suite ${esc(t.driftSuiteVersion)})</dt><dd>a drop of at most ${pointsText(t.driftNoisePoints)} passes, at most ${pointsText(t.driftFailPoints)} warns, more fails</dd>
<dt>arena</dt><dd>effect floor ${pct(t.arenaEffectFloor)} win rate, ${t.arenaSampleSize} non-tied comparisons${t.arenaMaxSampleSize !== undefined ? ` (at most ${t.arenaMaxSampleSize})` : ''}</dd>
<dt>error budget</dt><dd>${pct(t.maxErrorRate)} of calls</dd>
<dt>early stop</dt><dd>no gain of ${pointsText(t.earlyStopMinDelta)} for ${t.earlyStopPatience} checkpoint${t.earlyStopPatience === 1 ? '' : 's'}</dd>
</dl>`;
}

function corpusSection(report: PipelineReport): string {
  const c = report.corpus;
  const title = `<h2>${STAGE_TITLES.corpus}${c ? ` ${badge(c.verdict)}` : ''}</h2>`;
  if (!c) {
    return `<section id="corpus">${title}<p class="missing">${report.run ? "No corpus audit verdict for the run's corpus yet." : 'The run is not registered, so its corpus is unknown: no corpus audit to show.'}</p></section>`;
  }
  return `<section id="corpus">${title}
<p class="muted"><code>${esc(c.uri)}</code> · audited ${time(c.auditedAt)} · config ${esc(c.configHash)}</p>
<div class="cards" id="corpus-counts"><div class="card"><b>${count(c.counts.rows)}</b>rows in</div><div class="card"><b>${count(c.counts.clean)}</b>clean</div><div class="card"><b>${count(c.counts.quarantined)}</b>quarantined</div><div class="card"><b>${count(c.counts.warned)}</b>kept with warnings</div></div>
${c.reasons.length ? `<ul id="corpus-reasons">${c.reasons.slice(0, 10).map((r) => `<li>${esc(r)}</li>`).join('')}</ul>` : ''}
<h3>Findings by kind</h3>
${findingsByCheck(c)}
${c.findings.length ? `<h3>Rules and masked examples</h3>${rulesTable(c)}` : ''}
${c.notes.map((n) => `<p class="muted">${esc(n)}</p>`).join('')}
<p>${auditLink(c)}</p>
</section>`;
}

function findingsByCheck(c: CorpusSection): string {
  if (c.findingsByCheck.length === 0) return '<p>No findings.</p>';
  const max = Math.max(1, ...c.findingsByCheck.map((f) => f.count));
  const rows = c.findingsByCheck
    .map((f) => `<tr><td><code>${esc(f.check)}</code></td><td class="n">${count(f.count)}</td><td><span class="bar" style="width:${Math.max(2, Math.round((f.count / max) * 240))}px"></span></td></tr>`)
    .join('');
  return `<table id="corpus-findings"><thead><tr><th>kind</th><th class="n">findings</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
}

function rulesTable(c: CorpusSection): string {
  const rows = c.findings
    .map((f) => {
      const examples = f.examples.map((e) => `line ${e.line}${e.field ? ` <code>${esc(e.field)}</code>` : ''}: <code>${esc(e.evidence)}</code>`).join('<br>');
      return `<tr><td><code>${esc(f.rule)}</code></td><td>${esc(f.severity)}</td><td>${esc(f.action)}</td><td class="n">${count(f.count)}</td><td>${examples}</td></tr>`;
    })
    .join('');
  return `<table id="corpus-rules"><thead><tr><th>rule</th><th>severity</th><th>action</th><th class="n">rows</th><th>examples (masked)</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function auditLink(c: CorpusSection): string {
  if (!c.reportHtml) return '<span class="muted">The audit wrote no report.html.</span>';
  const href = c.reportHtml.href !== undefined ? safeHref(c.reportHtml.href) : undefined;
  return href !== undefined
    ? `The audit's own report: <a id="corpus-report-link" href="${esc(href)}">report.html</a> <span class="muted">(<code>${esc(c.reportHtml.uri)}</code>)</span>`
    : `The audit's own report: <code>${esc(c.reportHtml.uri)}</code>`;
}

function checkpointSection(s: CheckpointSection): string {
  const title = `<h2>${STAGE_TITLES.checkpoint}</h2>`;
  if (s.rows.length === 0) return `<section id="checkpoints">${title}<p class="missing">No checkpoint gated yet.</p></section>`;
  const axes = driftAxes(s.rows);
  const rows = s.rows
    .map((row) => {
      const drift = axes
        .map((axis) => {
          const d = row.drift[axis];
          if (d?.difference === undefined) return `<td class="n">${d ? `<span class="d-${esc(d.verdict)}">n/a</span>` : 'n/a'}</td>`;
          return `<td class="n"><span class="d-${esc(d.verdict)}" title="${esc(d.verdict)}${d.interval ? `, 95% interval ${signed(d.interval.lower)} to ${signed(d.interval.upper)}` : ''}">${signed(d.difference)}</span></td>`;
        })
        .join('');
      const heldout = row.heldout === undefined ? 'n/a' : `${row.heldout.toFixed(1)}${row.heldoutInterval ? ` <span class="muted">[${row.heldoutInterval.lower.toFixed(1)}, ${row.heldoutInterval.upper.toFixed(1)}]</span>` : ''}`;
      return `<tr data-checkpoint="${esc(row.checkpoint)}"><td>${esc(row.checkpoint)}</td><td class="n">${row.step}</td><td class="n">${row.trainingLoss === undefined ? '' : row.trainingLoss.toFixed(4)}</td><td class="n">${heldout}</td>${drift}<td>${badge(row.verdict)}${row.promote ? ' <b>promote</b>' : ''}</td></tr>`;
    })
    .join('');
  const notes = s.rows.flatMap((row) => row.notes.map((note) => `<li><b>${esc(row.checkpoint)}</b> (step ${row.step}): ${esc(note)}</li>`));
  const latest = s.rows[s.rows.length - 1]!;
  const bands = s.thresholds
    ? `<p class="muted">Drift is candidate − base in points on the frozen suite: a drop within ${pointsText(s.thresholds.noisePoints)} is noise (PASS), up to ${pointsText(s.thresholds.failPoints)} warns, more fails.</p>${checkpointChart({ rows: s.rows, thresholds: s.thresholds })}`
    : '<p class="missing">No pinned drift thresholds to chart against (the run is not registered).</p>';
  return `<section id="checkpoints">${title}
${bands}
<table id="checkpoint-table"><thead><tr><th>checkpoint</th><th class="n">step</th><th class="n">loss</th><th class="n">held-out [95%]</th>${axes.map((a) => `<th class="n">${esc(a)} Δ</th>`).join('')}<th>verdict</th></tr></thead><tbody>${rows}</tbody></table>
${notes.length ? `<h3>Early stop</h3><ul id="early-stop">${notes.join('')}</ul>` : ''}
${s.notes.map((n) => `<p class="muted">${esc(n)}</p>`).join('')}
${latest.reasons.length ? `<h3>Latest checkpoint (${esc(latest.checkpoint)})</h3><ul id="checkpoint-reasons">${latest.reasons.slice(0, 8).map((r) => `<li>${esc(r)}</li>`).join('')}</ul>` : ''}
</section>`;
}

function arenaSection(results: readonly ArenaResult[]): string {
  const title = `<h2>${STAGE_TITLES.arena}</h2>`;
  if (results.length === 0) return `<section id="arena">${title}<p class="missing">No arena verdict yet.</p></section>`;
  return `<section id="arena">${title}${results.map(arenaResult).join('')}</section>`;
}

function arenaResult(a: ArenaResult, index: number): string {
  const cards = [
    ['wins', a.wins],
    ['losses', a.losses],
    ['ties', a.ties],
    ['errors', a.errors],
  ]
    .map(([label, n]) => `<div class="card"><b>${n === undefined ? 'n/a' : count(n as number)}</b>${label}</div>`)
    .join('');
  const interval =
    a.winRate !== undefined && a.interval
      ? `win rate <b>${pct(a.winRate)}</b>, 95% interval ${pct(a.interval.lower)} to ${pct(a.interval.upper)}${a.effectFloor !== undefined ? `, against the pinned effect floor ${pct(a.effectFloor)}` : ''}`
      : 'no win rate: no pair was decided';
  return `<div class="arena-result" id="arena-${index}">
<h3>Checkpoint ${esc(a.checkpoint)}${a.step !== undefined ? ` (step ${a.step})` : ''} ${badge(a.verdict)}${a.promote ? ' <b>promote</b>' : ''}</h3>
<dl class="kv"><dt>candidate</dt><dd>${a.candidateModel ? `<code>${esc(a.candidateModel)}</code>` : 'n/a'}</dd><dt>judge</dt><dd>${a.judgeModel ? `<code>${esc(a.judgeModel)}</code>` : 'n/a'}</dd>
<dt>sample</dt><dd>${a.pairs === undefined ? 'n/a' : `${count(a.pairs)} pairs compared`}${a.plannedSampleSize !== undefined ? ` (pinned: ${count(a.plannedSampleSize)} non-tied comparisons)` : ''}</dd><dt>decided</dt><dd>${time(a.decidedAt)}</dd></dl>
<div class="cards">${cards}</div>
<p class="interval">${interval}</p>
${intervalChart(a, index)}
${a.reasons.length ? `<ul>${a.reasons.slice(0, 6).map((r) => `<li>${esc(r)}</li>`).join('')}</ul>` : ''}
</div>`;
}

/** The win rate's interval on a 0–100% line, with 50% (no effect) and the effect floor marked. */
function intervalChart(a: ArenaResult, index: number): string {
  if (a.winRate === undefined || !a.interval) return '';
  const w = 600;
  const h = 54;
  const x = (v: number) => 20 + Math.min(1, Math.max(0, v)) * (w - 40);
  // 50% is labelled under the line and the floor over it, so the two never collide however close they are.
  const mark = (v: number, colour: string, text: string, dash: string, below: boolean) =>
    `<line x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="${below ? 14 : 10}" y2="${below ? 38 : 34}" stroke="${colour}"${dash ? ` stroke-dasharray="${dash}"` : ''}/><text x="${x(v).toFixed(1)}" y="${below ? 50 : 8}" font-size="10" fill="${colour}" text-anchor="middle">${esc(text)}</text>`;
  return `<svg id="arena-interval-${index}" class="chart" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="win rate interval"><line x1="${x(0)}" x2="${x(1)}" y1="23" y2="23" stroke="#d0d7de"/>${mark(0.5, '#656d76', '50%', '2 2', true)}${a.effectFloor !== undefined ? mark(a.effectFloor, '#9a6700', `effect floor ${pct(a.effectFloor)}`, '4 3', false) : ''}<rect x="${x(a.interval.lower).toFixed(1)}" y="17" width="${Math.max(1, x(a.interval.upper) - x(a.interval.lower)).toFixed(1)}" height="12" rx="3" fill="${VERDICT_COLOURS[a.verdict] ?? '#0969da'}" fill-opacity="0.35"/><circle cx="${x(a.winRate).toFixed(1)}" cy="23" r="5" fill="${VERDICT_COLOURS[a.verdict] ?? '#0969da'}"><title>${esc(`win rate ${pct(a.winRate)} [${pct(a.interval.lower)}, ${pct(a.interval.upper)}]`)}</title></circle><text x="${x(0)}" y="50" font-size="10" fill="#656d76">0%</text><text x="${x(1)}" y="50" font-size="10" fill="#656d76" text-anchor="end">100%</text></svg>`;
}

function canarySection(c: CanarySection | undefined): string {
  const final = c?.verdicts[c.verdicts.length - 1];
  const title = `<h2>${STAGE_TITLES.canary}${final ? ` ${badge(final.verdict)}` : ''}</h2>`;
  if (!c) return `<section id="canary">${title}<p class="missing">No canary verdict yet.</p></section>`;
  const summary = final
    ? `<p id="canary-verdict">Final verdict <b>${esc(final.verdict)}</b> for version ${esc(final.candidateVersion)}${final.candidateModel ? ` (<code>${esc(final.candidateModel)}</code>)` : ''}, ${time(final.decidedAt)}${final.trigger ? `, rolled back by ${esc(final.trigger)}` : ''}.</p>${final.reasons.length ? `<ul>${final.reasons.slice(0, 6).map((r) => `<li>${esc(r)}</li>`).join('')}</ul>` : ''}`
    : '<p class="missing">No canary verdict yet: the canary is still running.</p>';
  const earlier = c.verdicts.length > 1 ? `<p class="muted">Earlier canaries: ${c.verdicts.slice(0, -1).map((v) => `version ${esc(v.candidateVersion)} ${esc(v.verdict)}`).join(', ')}.</p>` : '';
  return `<section id="canary">${title}${summary}${earlier}
<h3>Timeline</h3>
${c.timeline.length ? `<ol class="timeline" id="canary-timeline">${c.timeline.map(timelineItem).join('')}</ol>` : '<p class="missing">No canary events recorded.</p>'}
</section>`;
}

function timelineItem(e: TimelineEntry): string {
  return `<li class="${esc(e.kind)}" data-kind="${esc(e.kind)}">${time(e.at)}<span class="title">${esc(e.title)}</span>${e.detail ? `<div class="muted">${esc(e.detail)}</div>` : ''}</li>`;
}

function badge(verdict: string | undefined): string {
  if (verdict === undefined) return '<span class="badge NONE">none yet</span>';
  const cls = verdict in VERDICT_COLOURS ? verdict : 'NONE';
  return `<span class="badge ${cls}">${esc(verdict)}</span>`;
}

function time(iso: string): string {
  const t = Date.parse(iso);
  const text = Number.isNaN(t) ? iso : new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
  return `<time datetime="${esc(iso)}">${esc(text)}</time>`;
}

/** Only relative links: a stored href may not run script or leave the page's own place. */
function safeHref(href: string): string | undefined {
  return /^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//') ? undefined : href;
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a';
}

function points(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toFixed(2))) : 'n/a';
}

function pointsText(x: number): string {
  return `${points(x)} point${x === 1 ? '' : 's'}`;
}

/** One decimal with its sign, − as a minus sign; a difference that rounds to zero has none. */
function signed(x: number): string {
  const r = Number(x.toFixed(1));
  return `${r > 0 ? '+' : r < 0 ? '−' : ''}${Math.abs(r).toFixed(1)}`;
}

function count(n: number): string {
  return Number.isFinite(n) ? n.toLocaleString('en-US') : 'n/a';
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}
