import type { Verdict } from '../../events/corpus-audited';
import type { AuditConfig } from './audit-config';
import type { AuditCounts, RuleSummary } from './audit-report';
import type { LabelNoiseResult } from './label-noise';
import type { SkewResult } from './skew';

export interface AuditVerdictInput {
  config: AuditConfig;
  counts: AuditCounts;
  rules: RuleSummary[];
  labelNoise?: LabelNoiseResult;
  skew: SkewResult;
  truncated?: string;
}

/**
 * The corpus verdict, a pure function of the audit's figures and the configuration. The verdict is about the
 * corpus as uploaded: FAIL means training must not start on it (the clean corpus, audited again, may pass).
 * Fails closed: an empty or truncated input is never a PASS.
 */
export function decideAuditVerdict(input: AuditVerdictInput): { verdict: Verdict; reasons: string[] } {
  const { config, counts, rules } = input;
  const fail: string[] = [];
  const warn: string[] = [];

  if (counts.rows === 0) fail.push('corpus is empty: no rows to audit');
  if (input.truncated) fail.push(`corpus could not be read to its end (${input.truncated})`);

  const serious = rules.filter((r) => r.action === 'quarantine' && (r.severity === 'critical' || r.severity === 'high'));
  for (const r of serious) fail.push(`${r.count} row(s) quarantined by ${r.rule} (${r.severity})`);

  const share = counts.rows === 0 ? 0 : counts.quarantined / counts.rows;
  if (share > config.limits.maxQuarantinedShare) {
    fail.push(`${pct(share)} of rows quarantined, above the ${pct(config.limits.maxQuarantinedShare)} limit`);
  }
  const warnedShare = counts.rows === 0 ? 0 : counts.warned / counts.rows;
  if (warnedShare > config.limits.maxWarnedShare) {
    fail.push(`${pct(warnedShare)} of kept rows carry warnings, above the ${pct(config.limits.maxWarnedShare)} limit`);
  }

  const ln = input.labelNoise;
  if (ln && !ln.skipped) {
    if (ln.estimatedLabelAccuracy < config.labelNoise.minLabelAccuracy) {
      fail.push(`estimated label accuracy ${pct(ln.estimatedLabelAccuracy)} is below ${pct(config.labelNoise.minLabelAccuracy)} (${ln.method})`);
    } else if (ln.suspects.length > 0) {
      warn.push(`${ln.suspects.length} likely mislabelled row(s) flagged for review (estimated label accuracy ${pct(ln.estimatedLabelAccuracy)})`);
    }
  } else if (ln?.skipped && ln.skipped.reason !== 'no_labels' && ln.skipped.reason !== 'single_class') {
    warn.push(`label noise not estimated: ${ln.skipped.detail}`);
  }

  for (const r of rules) {
    if (serious.includes(r)) continue;
    warn.push(`${r.count} row(s) ${r.action === 'quarantine' ? 'quarantined' : 'flagged'} by ${r.rule} (${r.severity})`);
  }
  for (const w of input.skew.warnings) warn.push(w.message);

  if (fail.length > 0) return { verdict: 'FAIL', reasons: [...fail, ...warn] };
  if (warn.length > 0) return { verdict: 'WARN', reasons: warn };
  return { verdict: 'PASS', reasons: ['no findings'] };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
