import type { CorpusAuditedDetail } from '../../events/corpus-audited';
import type { AuditReport } from './audit-report';

/** The "Corpus Audited" event detail (and verdict summary) of a finished audit's report. */
export function corpusAuditedDetail(report: AuditReport, corpus: { uri: string; bucket: string; key: string; versionId?: string; etag?: string }): CorpusAuditedDetail {
  return {
    auditId: report.auditId,
    corpus: { uri: corpus.uri, bucket: corpus.bucket, key: corpus.key, versionId: corpus.versionId, etag: corpus.etag },
    verdict: report.verdict,
    reasons: report.reasons.slice(0, 20),
    counts: { input: report.counts.rows, clean: report.counts.clean, quarantined: report.counts.quarantined, warned: report.counts.warned },
    findingsByCheck: report.findingsByCheck,
    artifacts: {
      report: report.artifacts.report!,
      reportMarkdown: report.artifacts.reportMarkdown!,
      reportHtml: report.artifacts.reportHtml!,
      clean: report.artifacts.clean,
      quarantine: report.artifacts.quarantine,
      findings: report.artifacts.findings,
    },
    configHash: report.configHash,
    finishedAt: report.finishedAt,
  };
}
