import { CORPUS_AUDITED, type CorpusAuditedDetail } from '../../events/corpus-audited';
import { SOURCES } from '../../events/event-sources';
import type { EventPublisher } from '../stores/event-publisher';
import type { VerdictStore } from '../stores/verdict-store';
import type { AuditReport } from './audit-report';

/**
 * The end of an audit, single or sharded: the verdict written once (a conditional put), then "Corpus Audited", then the
 * verdict marked published. A retry that finds the verdict written publishes its event only if it was never marked
 * (the first attempt stopped in between), and then the stored detail: an audit's event is never lost and never
 * contradicts its verdict.
 */
export async function recordAuditVerdict(
  deps: { verdicts: VerdictStore; events: EventPublisher },
  audit: { subject: string; verdictKey: string; report: AuditReport; detail: CorpusAuditedDetail },
): Promise<{ created: boolean; published: boolean }> {
  const { subject, verdictKey, report, detail } = audit;
  const created = await deps.verdicts.putOnce({
    subject,
    key: verdictKey,
    kind: 'corpus-audit',
    verdict: report.verdict,
    reasons: report.reasons,
    configHash: report.configHash,
    config: report.config,
    summary: detail as unknown as Record<string, unknown>,
    reportUri: report.artifacts.report!,
    createdAt: report.finishedAt,
  });
  const stored = created ? undefined : await deps.verdicts.get(subject, verdictKey);
  if (stored !== undefined && stored.publishedAt !== undefined) return { created, published: false };
  await publishAudited(deps, stored === undefined ? detail : (stored.summary as unknown as CorpusAuditedDetail), subject, verdictKey);
  return { created, published: true };
}

/** "Corpus Audited" for a corpus, then its verdict marked published. */
export async function publishAudited(deps: { verdicts: VerdictStore; events: EventPublisher }, detail: CorpusAuditedDetail, subject: string, verdictKey: string): Promise<void> {
  await deps.events.publish(SOURCES.corpus, CORPUS_AUDITED, detail, [`arn:aws:s3:::${detail.corpus.bucket}/${detail.corpus.key}`]);
  await deps.verdicts.markPublished(subject, verdictKey);
}
