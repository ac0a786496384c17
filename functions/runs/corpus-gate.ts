import type { Verdict } from '../../events/corpus-audited';
import { corpusSubject } from '../audit/corpus-identity';
import type { VerdictRecord, VerdictStore } from '../stores/verdict-store';
import type { RunConfig } from './run-config';

/*
 * Training must not start on a corpus that failed its audit (stage 1), so a run is registered only against a
 * corpus whose stored audit verdict is PASS or WARN. No verdict, FAIL and INCONCLUSIVE all refuse: the gate fails
 * closed.
 */

export interface CorpusGatePassed {
  passed: true;
  verdict: Extract<Verdict, 'PASS' | 'WARN'>;
  subject: string;
  /** The verdict's key: `version#<id>` (or `etag#…` for an unversioned bucket). */
  key: string;
  configHash: string;
  reportUri: string;
  auditedAt: string;
}

export interface CorpusGateRefused {
  passed: false;
  reason: string;
  verdict?: Verdict;
  subject: string;
  key?: string;
}

export type CorpusGateResult = CorpusGatePassed | CorpusGateRefused;

/** Registration refused by the corpus gate. */
export class CorpusGateError extends Error {
  override readonly name = 'CorpusGateError';
  constructor(readonly result: CorpusGateRefused) {
    super(result.reason);
  }
}

/**
 * The audit verdict of the run's corpus: of the pinned version when `versionId` is given, else the latest audit
 * of the object (by audit time).
 */
export async function checkCorpusAudit(corpusAudit: RunConfig['corpusAudit'], verdicts: Pick<VerdictStore, 'get' | 'list'>): Promise<CorpusGateResult> {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(corpusAudit.uri);
  if (!match) return { passed: false, reason: `corpusAudit.uri ${corpusAudit.uri} is not s3://bucket/key`, subject: corpusAudit.uri };
  const subject = corpusSubject(match[1]!, match[2]!);
  const what = corpusAudit.versionId ? `${corpusAudit.uri} (version ${corpusAudit.versionId})` : corpusAudit.uri;

  let record: VerdictRecord | undefined;
  if (corpusAudit.versionId) {
    record = await verdicts.get(subject, `version#${corpusAudit.versionId}`);
  } else {
    const audits = (await verdicts.list(subject)).filter((v) => v.kind === 'corpus-audit');
    record = audits.reduce<VerdictRecord | undefined>((latest, v) => (latest === undefined || v.createdAt > latest.createdAt ? v : latest), undefined);
  }
  if (!record || record.kind !== 'corpus-audit') {
    return { passed: false, reason: `no corpus audit verdict for ${what}: audit the corpus (upload it under the corpus prefix, or run finegate audit) before registering a run`, subject };
  }
  if (record.verdict === 'PASS' || record.verdict === 'WARN') {
    return { passed: true, verdict: record.verdict, subject, key: record.key, configHash: record.configHash, reportUri: record.reportUri, auditedAt: record.createdAt };
  }
  const reasons = record.reasons.slice(0, 3).join('; ');
  return {
    passed: false,
    verdict: record.verdict,
    subject,
    key: record.key,
    reason: `the corpus audit of ${what} is ${record.verdict}${reasons ? ` (${reasons})` : ''}; training must not start on it (report: ${record.reportUri})`,
  };
}

/** checkCorpusAudit, throwing CorpusGateError when the corpus may not be trained on. */
export async function requireCorpusAudit(corpusAudit: RunConfig['corpusAudit'], verdicts: Pick<VerdictStore, 'get' | 'list'>): Promise<CorpusGatePassed> {
  const result = await checkCorpusAudit(corpusAudit, verdicts);
  if (!result.passed) throw new CorpusGateError(result);
  return result;
}
