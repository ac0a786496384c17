import type { Verdict } from '../../events/corpus-audited';
import type { AuditConfig } from './audit-config';
import type { AuditCounts, RuleSummary } from './audit-report';
import type { JudgeRelabelResult } from './judge-relabel';
import type { LabelNoiseResult } from './label-noise';
import type { SkewResult } from './skew';

export interface AuditVerdictInput {
  config: AuditConfig;
  counts: AuditCounts;
  rules: RuleSummary[];
  labelNoise?: LabelNoiseResult;
  judgeRelabel?: JudgeRelabelResult;
  paraphrase?: { incomplete: boolean; reason?: string; errors: number; model: string };
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

  const inconclusive: string[] = [];
  const judge = input.judgeRelabel;
  const ln = input.labelNoise;
  if (judge && judge.sampled > 0) {
    // A judge of another model re-labelled a sample: its agreement is the label-accuracy estimate.
    if (judge.errorRate > config.labelNoise.maxJudgeErrorRate || judge.agreement === null) {
      inconclusive.push(`label judge failed on ${pct(judge.errorRate)} of ${judge.sampled} sampled rows, above the ${pct(config.labelNoise.maxJudgeErrorRate)} budget`);
    } else if (judge.agreement < config.labelNoise.minLabelAccuracy) {
      fail.push(`judge agrees with ${pct(judge.agreement)} of ${judge.judged} sampled labels (95% CI ${pct(judge.agreementInterval.lower)}–${pct(judge.agreementInterval.upper)}), below ${pct(config.labelNoise.minLabelAccuracy)}`);
    } else if (judge.disagreements.length > 0) {
      warn.push(`judge disagrees with ${judge.disagreements.length} of ${judge.judged} sampled labels (agreement ${pct(judge.agreement)}, κ ${judge.kappa === null ? 'n/a' : judge.kappa.toFixed(2)})`);
    }
    if (ln && !ln.skipped && ln.suspects.length > 0) warn.push(`${ln.suspects.length} likely mislabelled row(s) flagged for review by confident learning`);
  } else if (ln && !ln.skipped) {
    if (ln.estimatedLabelAccuracy < config.labelNoise.minLabelAccuracy) {
      fail.push(`estimated label accuracy ${pct(ln.estimatedLabelAccuracy)} is below ${pct(config.labelNoise.minLabelAccuracy)} (${ln.method})`);
    } else if (ln.suspects.length > 0) {
      warn.push(`${ln.suspects.length} likely mislabelled row(s) flagged for review (estimated label accuracy ${pct(ln.estimatedLabelAccuracy)})`);
    }
  } else if (ln?.skipped && ln.skipped.reason !== 'no_labels' && ln.skipped.reason !== 'single_class') {
    warn.push(`label noise not estimated: ${ln.skipped.detail}`);
  }

  if (input.paraphrase?.incomplete) {
    inconclusive.push(`paraphrase pass with ${input.paraphrase.model} did not complete (${input.paraphrase.reason ?? `${input.paraphrase.errors} rows failed to embed`})`);
  }

  for (const r of rules) {
    if (serious.includes(r)) continue;
    warn.push(`${r.count} row(s) ${r.action === 'quarantine' ? 'quarantined' : 'flagged'} by ${r.rule} (${r.severity})`);
  }
  for (const w of input.skew.warnings) warn.push(w.message);

  if (fail.length > 0) return { verdict: 'FAIL', reasons: [...fail, ...inconclusive, ...warn] };
  if (inconclusive.length > 0) return { verdict: 'INCONCLUSIVE', reasons: [...inconclusive, ...warn] };
  if (warn.length > 0) return { verdict: 'WARN', reasons: warn };
  return { verdict: 'PASS', reasons: ['no findings'] };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
