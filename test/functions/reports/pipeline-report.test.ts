import { describe, expect, it } from 'vitest';
import { renderPipelineReport } from '../../../functions/reports/pipeline-report';
import { assemblePipelineReport, canaryTimeline, canaryVerdict as canarySummary, checkpointRow, relativeHref, type AssembleInput } from '../../../functions/reports/pipeline-report-data';
import { ALARM, arenaVerdict, AUDIT_HTML, CANDIDATE, canaryEvents, canaryVerdict, CHECKPOINTS, corpusVerdict, fullInput, gateVerdicts, history, RUN_ID, runRecord } from './pipeline-report-fixture';

function render(input: AssembleInput): string {
  return renderPipelineReport(assemblePipelineReport(input));
}

/** The text of the element with this id (tags dropped, entities left as written). */
function section(html: string, id: string): string {
  const match = new RegExp(`<section id="${id}">([\\s\\S]*?)</section>`).exec(html);
  if (!match) throw new Error(`no section ${id}`);
  return match[1]!;
}

const bare = (): AssembleInput => ({ runId: RUN_ID, generatedAt: '2026-11-12T12:00:00.000Z', run: runRecord(), history: [], decisions: new Map(), verdicts: [] });

describe('pipeline report: the whole run', () => {
  const report = assemblePipelineReport(fullInput());
  const html = renderPipelineReport(report);

  it('names the run, the models and the pinned thresholds in the header, with the gate that stopped the model', () => {
    expect(report.status).toEqual({ outcome: 'stopped', stage: 'canary', text: `stopped by the canary: version 14 was rolled back (FAIL) by alarm ${ALARM} (Threshold Crossed)` });
    expect(html).toContain(`<title>finegate run ${RUN_ID}: stopped</title>`);
    expect(html).toContain(`<p id="status" class="status stopped">Stopped by the canary: version 14 was rolled back (FAIL)`);
    expect(html).toContain('<li class="stage-canary stopped">4. Canary <span class="badge FAIL">FAIL</span> <b>stopped here</b></li>');
    expect(html).toContain(`<dt>base model</dt><dd><code>${runRecord().config.baseModel}</code>`);
    expect(html).toContain(`<dt>candidate</dt><dd><code>${CANDIDATE}</code>`);
    expect(html).toContain(`<dt>judge model</dt><dd><code>${runRecord().config.judgeModel}</code>`);
    expect(html).toContain('a drop of at most 1 point passes, at most 5 points warns, more fails');
    expect(html).toContain(`effect floor 55.0% win rate, ${runRecord().config.arena.sampleSize} non-tied comparisons`);
    expect(html).toContain(`hash <code>${runRecord().configHash}</code>`);
  });

  it('shows the corpus audit: verdict, counts with separators, findings by kind, masked examples, the relative link', () => {
    const corpus = section(html, 'corpus');
    expect(corpus).toContain('<h2>1. Corpus audit <span class="badge WARN">WARN</span></h2>');
    expect(corpus).toContain('<b>12,345</b>rows in');
    expect(corpus).toContain('<b>344</b>quarantined');
    // By kind, most first; a kind with no finding is left out.
    expect([...corpus.matchAll(/<tr><td><code>(\w+)<\/code><\/td><td class="n">([\d,]+)<\/td><td><span class="bar"/g)].map((m) => [m[1], m[2]])).toEqual([
      ['pii', '212'],
      ['duplicates', '129'],
      ['secrets', '3'],
    ]);
    expect(corpus).toContain('<code>AKIA************MPLE</code>');
    expect(corpus).toContain('line 17 <code>messages[1].content</code>: <code>j***@example.com</code>');
    expect(corpus).toContain(`<a id="corpus-report-link" href="support.corpus-audit.html">report.html</a>`);
    expect(corpus).toContain(`<code>${AUDIT_HTML}</code>`);
  });

  it('tabulates and charts every checkpoint: held-out with its interval, each axis Δ with a minus sign, verdicts, early stop', () => {
    const checkpoints = section(html, 'checkpoints');
    expect([...checkpoints.matchAll(/<tr data-checkpoint="([^"]+)">/g)].map((m) => m[1])).toEqual(CHECKPOINTS);
    expect(checkpoints).toContain('<td class="n">70.3 <span class="muted">[68.2, 72.3]</span></td>');
    expect(checkpoints).toContain('<span class="d-WARN" title="WARN, 95% interval −3.8 to −1.5">−2.6</span>');
    expect(checkpoints).toContain('<span class="d-PASS" title="PASS, 95% interval −0.4 to +1.9">+0.8</span>');
    expect(checkpoints).toContain('<span class="badge PASS">PASS</span> <b>promote</b>');
    expect(checkpoints).toContain('<li><b>ckpt-800</b> (step 800): early stop recommended: held-out gained less than 0.5 points');
    expect(checkpoints.match(/<circle class="point heldout"/g)).toHaveLength(4);
    expect(checkpoints.match(/<circle class="point drift"/g)).toHaveLength(8);
    expect(checkpoints).toContain('a drop within 1 point is noise (PASS), up to 5 points warns, more fails');
  });

  it('shows the arena: wins, losses, ties, the win rate with its 95% interval against the effect floor, judge and sample size', () => {
    const arena = section(html, 'arena');
    expect(arena).toContain('<h3>Checkpoint ckpt-800 (step 800) <span class="badge PASS">PASS</span> <b>promote</b></h3>');
    expect(arena).toContain('<div class="card"><b>231</b>wins</div><div class="card"><b>148</b>losses</div><div class="card"><b>21</b>ties</div><div class="card"><b>0</b>errors</div>');
    expect(arena).toContain('<p class="interval">win rate <b>61.0%</b>, 95% interval 56.0% to 65.7%, against the pinned effect floor 55.0%</p>');
    expect(arena).toContain(`<dt>judge</dt><dd><code>${runRecord().config.judgeModel}</code>`);
    expect(arena).toContain(`400 pairs compared (pinned: ${runRecord().config.arena.sampleSize} non-tied comparisons)`);
    expect(arena).toContain('<svg id="arena-interval-0"');
  });

  it('shows the canary timeline in time order and the final verdict', () => {
    const canary = section(html, 'canary');
    expect(canary).toContain('<h2>4. Canary <span class="badge FAIL">FAIL</span></h2>');
    expect([...canary.matchAll(/<li class="(\w+)" data-kind="\w+"><time datetime="([^"]+)">/g)].map((m) => [m[1], m[2]])).toEqual([
      ['started', '2026-11-12T11:02:06.512Z'],
      ['weight', '2026-11-12T11:20:00.000Z'],
      ['alarm', '2026-11-12T11:41:52Z'],
      ['rollback', '2026-11-12T11:41:54.870Z'],
    ]);
    expect(canary).toContain('Canary started: 5% of live traffic to version 14');
    expect(canary).toContain(`Alarm ${ALARM}: OK → ALARM`);
    expect(canary).toContain('<time datetime="2026-11-12T11:02:06.512Z">2026-11-12 11:02:06 UTC</time>');
    expect(canary).toContain(`rolled back by alarm ${ALARM} (Threshold Crossed)`);
  });

  it('is one self-contained page: no script, no external reference of any kind', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|url\(|@import|https?:\/\//i);
  });
});

describe('pipeline report: escaping', () => {
  it('escapes every stored string: reasons, models, checkpoint and axis names, evidence, times, hrefs', () => {
    const input = fullInput();
    const evil = '<script>alert("x")</script>';
    input.verdicts = input.verdicts.map((v) => ({ ...v, reasons: [evil, ...v.reasons] }));
    input.corpus = { record: corpusVerdict({ reasons: [evil] }), report: { rules: [{ rule: `r${evil}`, check: 'pii', severity: 'high', action: 'quarantine', count: 1, examples: [{ line: 1, evidence: evil, field: evil }] }] }, reportHtmlHref: 'javascript:alert(1)' };
    const decisions = new Map(input.decisions);
    decisions.set('ckpt-200', { ...decisions.get('ckpt-200')!, drift: [{ axis: `a${evil}`, verdict: 'PASS', differencePoints: 0.1 }], reasons: [evil] });
    input.decisions = decisions;
    input.history = [{ ...input.history[0]!, checkpoint: 'ckpt-200' }, ...input.history.slice(1)];
    input.timeline = [{ at: evil, kind: 'note', title: evil, detail: evil }];
    const html = render(input);
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('<th class="n">a&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Δ</th>');
    // A stored href that is not relative is not linked.
    expect(html).not.toContain('javascript:');
    expect(html).toContain(`The audit's own report: <code>${AUDIT_HTML}</code>`);
  });
});

describe('pipeline report: missing sections', () => {
  it('a registered run with nothing gated says so in every section and waits for the first checkpoint', () => {
    const html = render(bare());
    expect(html).toContain("No corpus audit verdict for the run's corpus yet.");
    expect(html).toContain('No checkpoint gated yet.');
    expect(html).toContain('No arena verdict yet.');
    expect(html).toContain('No canary verdict yet.');
    expect(html).toContain('<p id="status" class="status pending">Waiting for the first checkpoint</p>');
    expect(html).toContain('<dt>candidate</dt><dd><span class="missing">no checkpoint judged yet</span>');
  });

  it('an unregistered run with a failed gate verdict renders without thresholds, from the verdict alone', () => {
    const gate = { ...gateVerdicts()[0]!, config: null, verdict: 'INCONCLUSIVE' as const, reportUri: '', summary: { step: 200, promote: false, scores: {} } };
    const html = render({ runId: RUN_ID, generatedAt: '2026-11-12T12:00:00.000Z', history: [], decisions: new Map(), verdicts: [gate] });
    expect(html).toContain('The run is not registered: no pinned thresholds and no models to name.');
    expect(html).toContain('The run is not registered, so its corpus is unknown');
    expect(html).toContain('No pinned drift thresholds to chart against');
    expect(html).toContain('<tr data-checkpoint="ckpt-200">');
    expect(html).not.toContain('<svg id="chart-heldout"');
  });

  it('a corpus verdict without report.json shows the counts and kinds, and the note why the examples are missing', () => {
    const input = bare();
    input.corpus = { record: corpusVerdict(), notes: ['report.json (s3://x/report.json) is missing: findings are shown by kind only'] };
    const corpus = section(render(input), 'corpus');
    expect(corpus).toContain('<b>12,345</b>rows in');
    expect(corpus).toContain('<table id="corpus-findings">');
    expect(corpus).not.toContain('corpus-rules');
    expect(corpus).toContain('findings are shown by kind only');
    expect(corpus).toContain(`The audit's own report: <code>${AUDIT_HTML}</code>`);
  });

  it('an arena verdict whose scores are missing (a failed arena) renders n/a, never NaN', () => {
    const input = bare();
    input.verdicts = [arenaVerdict({ verdict: 'INCONCLUSIVE', reasons: ['the arena could not complete: States.Timeout'], summary: { step: null, promote: false, scores: {} } })];
    const html = render(input);
    const arena = section(html, 'arena');
    expect(arena).toContain('no win rate: no pair was decided');
    expect(arena).toContain('<b>n/a</b>wins');
    expect(html).not.toMatch(/NaN|undefined|Infinity/);
    expect(assemblePipelineReport(input).status).toMatchObject({ outcome: 'stopped', stage: 'arena' });
  });
});

describe('pipeline report: status', () => {
  it('promoted when the last canary passed', () => {
    const input = fullInput();
    input.verdicts = [...gateVerdicts(), arenaVerdict(), canaryVerdict({ verdict: 'PASS', reasons: ['held 3 windows'], summary: { action: 'promote', candidateVersion: '14', candidateModel: CANDIDATE } })];
    input.events = [];
    const report = assemblePipelineReport(input);
    expect(report.status).toEqual({ outcome: 'promoted', stage: 'canary', text: `promoted: the canary of version 14 passed and ${CANDIDATE} serves all traffic` });
    expect(report.canary!.timeline.map((e) => e.kind)).toEqual(['weight', 'promotion']);
  });

  it('stopped at the corpus audit when the corpus failed; pending arena and canary otherwise', () => {
    expect(assemblePipelineReport({ ...bare(), corpus: { record: corpusVerdict({ verdict: 'FAIL' }) } }).status).toMatchObject({ outcome: 'stopped', stage: 'corpus' });
    const gated = { ...bare(), history: history(), verdicts: gateVerdicts() };
    expect(assemblePipelineReport(gated).status).toEqual({ outcome: 'pending', stage: 'arena', text: 'ckpt-800 passed held-out + drift and is marked for promotion: waiting for the arena' });
    expect(assemblePipelineReport({ ...gated, verdicts: [...gateVerdicts(), arenaVerdict()] }).status).toMatchObject({ outcome: 'pending', stage: 'canary' });
    const failed = { ...bare(), history: [{ ...history()[0]!, verdict: 'FAIL' as const }], verdicts: [] };
    expect(assemblePipelineReport(failed).status).toMatchObject({ outcome: 'stopped', stage: 'checkpoint', text: 'not promoted: the latest checkpoint ckpt-200 is FAIL at held-out + drift' });
  });
});

describe('pipeline report: assembly', () => {
  it('reads drift from the gate verdict when decision.json is missing: the stored drop becomes candidate − base', () => {
    const row = checkpointRow(history()[1]!, undefined, {
      ...gateVerdicts()[1]!,
      summary: { step: 400, promote: false, scores: { heldout: 66.8, drift: { refusal: { verdict: 'WARN', dropPoints: 2.6, interval: [-3.8, -1.5] }, arithmetic: { verdict: 'PASS', dropPoints: 0 } } } },
    });
    expect(row.drift).toEqual({ refusal: { verdict: 'WARN', difference: -2.6, interval: { lower: -3.8, upper: -1.5 } }, arithmetic: { verdict: 'PASS', difference: 0 } });
    expect(row.heldout).toBe(66.8);
  });

  it('builds the timeline from the verdicts alone when no event is known (deployed), and shows a retried announcement once', () => {
    const verdicts = [canarySummary(canaryVerdict())];
    expect(canaryTimeline({ runId: RUN_ID, events: [], verdicts })).toEqual([
      { at: '2026-11-12T11:41:54.870Z', kind: 'rollback', title: 'Rolled back (FAIL): version 14', detail: `by alarm ${ALARM} (Threshold Crossed); alarm ${ALARM} is in ALARM: Threshold Crossed: 3 out of the last 5 datapoints were greater than or equal to the threshold (2.0)` },
    ]);
    const events = canaryEvents();
    const twice = canaryTimeline({ runId: RUN_ID, events: [...events, events[1]!], verdicts });
    expect(twice.map((e) => e.kind)).toEqual(['started', 'alarm', 'rollback']);
  });

  it('links the audit report relative to the page only within one bucket', () => {
    expect(relativeHref('s3://artifacts/runs/r1/pipeline.html', AUDIT_HTML)).toBe('../../audits/corpora/support.jsonl/v1/report.html');
    expect(relativeHref('s3://artifacts/runs/r1/pipeline.html', 's3://artifacts/runs/r1/a b.html')).toBe('a%20b.html');
    expect(relativeHref('s3://other/runs/r1/pipeline.html', AUDIT_HTML)).toBeUndefined();
    expect(relativeHref('/tmp/report.html', AUDIT_HTML)).toBeUndefined();
  });
});
