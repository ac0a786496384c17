import type { AuditReport } from './audit-report';

/** report.md: one page a person reads in a minute. Verdict and reasons first, details after. */
export function renderAuditMarkdown(r: AuditReport): string {
  const c = r.counts;
  const out: string[] = [];
  out.push(`# Corpus audit: ${r.verdict}`, '');
  out.push(`\`${r.corpus.uri}\` · ${c.rows.toLocaleString('en-US')} rows · ${(r.corpus.bytes / 1e6).toFixed(1)} MB${r.corpus.compressed ? ' (gzip)' : ''} · audit ${r.auditId} · config ${r.configHash}`, '');
  out.push('## Why', '');
  for (const reason of r.reasons.slice(0, 12)) out.push(`- ${reason}`);
  if (r.reasons.length > 12) out.push(`- … ${r.reasons.length - 12} more in report.json`);
  out.push('');
  out.push('## Rows', '');
  out.push('| input | clean | quarantined | kept with warnings | blank lines |', '|---:|---:|---:|---:|---:|');
  out.push(`| ${c.rows} | ${c.clean} | ${c.quarantined} | ${c.warned} | ${c.blankLines} |`, '');
  if (r.rules.length > 0) {
    out.push('## Findings', '');
    out.push('| rule | severity | action | rows | example |', '|---|---|---|---:|---|');
    for (const rule of r.rules.slice(0, 25)) {
      const ex = rule.examples[0];
      out.push(`| \`${rule.rule}\` | ${rule.severity} | ${rule.action} | ${rule.count} | ${ex ? `line ${ex.line}${ex.field ? ` ${ex.field}` : ''}: ${cell(ex.evidence)}` : ''} |`);
    }
    if (r.rules.length > 25) out.push(`| … ${r.rules.length - 25} more rules | | | | |`);
    out.push('');
  }
  out.push('## Duplicates and leakage', '');
  const d = r.dedup;
  out.push(`- exact duplicates: ${d.exactDuplicates}, after normalisation: ${d.normalizedDuplicates}, near-duplicates (Jaccard ≥ ${d.threshold}, MinHash-LSH ${d.bands}×${d.rowsPerBand}, verified): ${d.nearDuplicates}, in ${d.clusters} clusters`);
  const l = r.leakage;
  out.push(`- leakage: ${l.enabled ? `${l.leakedRows} training rows repeat held-out rows (held-out file: ${l.heldout ?? 'none'}${l.heldout ? `, ${l.heldoutRows} rows` : ''}; eval rows by split field: ${l.evalSplitRows})` : 'disabled'}`);
  const para = r.paraphrase;
  out.push(`- paraphrases: ${para.skipped ?? `${para.pairs} rows with cosine ≥ ${para.threshold} to an earlier row (${para.model}, ${para.embedded} rows embedded, ${para.errors} errors${para.incomplete ? `, INCOMPLETE: ${para.reason}` : ''})`}`, '');
  out.push('## Labels', '');
  const ln = r.labelNoise;
  if (!ln) out.push('- label noise: disabled');
  else if (ln.skipped) out.push(`- label noise: not estimated (${ln.skipped.detail})`);
  else {
    out.push(`- estimated label accuracy **${pct(ln.estimatedLabelAccuracy)}** (confident learning over ${ln.rowsUsed} rows, ${ln.folds}-fold naive Bayes); ${ln.suspectCount} likely mislabels flagged for review`);
    out.push(`- classifier agreement ${pct(ln.classifierAgreement)}, Cohen's κ ${ln.classifierKappa === null ? 'n/a' : ln.classifierKappa.toFixed(2)} (reported, not decided on: a classifier's disagreement is not label error)`);
  }
  const j = r.judgeRelabel;
  if (j) {
    out.push(
      `- judge \`${j.judgeModel}\` re-labelled ${j.sampled} sampled rows: agreement ${j.agreement === null ? 'n/a' : pct(j.agreement)} (95% CI ${pct(j.agreementInterval.lower)}–${pct(j.agreementInterval.upper)}), κ ${j.kappa === null ? 'n/a' : j.kappa.toFixed(2)}, ${j.errors} errors (counted apart, never as disagreement)`,
    );
  }
  out.push('');
  out.push('## Skew', '');
  const s = r.skew;
  if (s.classes.counts.length > 0) out.push(`- classes: ${s.classes.counts.slice(0, 12).map((x) => `${x.name} ${x.rows}`).join(', ')} (imbalance ${ratio(s.classes.imbalanceRatio)})`);
  if (s.sources.counts.length > 0) out.push(`- sources: ${s.sources.counts.slice(0, 10).map((x) => `${x.name} ${x.rows}`).join(', ')} (imbalance ${ratio(s.sources.imbalanceRatio)})`);
  const t = s.length.tokens;
  out.push(`- length (approx. tokens): median ${t.p50}, p90 ${t.p90}, p99 ${t.p99}, max ${t.max}`);
  for (const w of s.warnings) out.push(`- ⚠ ${w.message}`);
  out.push('');
  out.push('## Files', '');
  out.push(`- clean corpus: \`${r.artifacts.clean}\``, `- quarantine (masked): \`${r.artifacts.quarantine}\``, `- findings: \`${r.artifacts.findings}\``);
  out.push('', `Audited ${r.finishedAt} in ${(r.performance.durationMs / 1000).toFixed(1)} s (${r.performance.rowsPerSecond} rows/s). Secrets and PII are masked in every report.`, '');
  return out.join('\n');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/`/g, "'").slice(0, 80);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function ratio(x: number | null): string {
  return x === null ? 'n/a' : `${x.toFixed(1)}:1`;
}
