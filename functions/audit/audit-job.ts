import type { AuditConfig } from './audit-config';
import type { Embedder } from './embedder';
import type { Relabeler } from './judge-relabel';
import { auditCorpus } from './audit-corpus';
import type { ArtifactSink, CorpusSource } from './audit-ports';
import type { AuditReport } from './audit-report';
import { writeReportFiles } from './audit-report-files';

export interface AuditJobInput {
  auditId: string;
  source: CorpusSource;
  heldout?: CorpusSource;
  sink: ArtifactSink;
  config: AuditConfig;
  onProgress?: (progress: { pass: 1 | 2; lines: number; bytes: number }) => void;
  relabeler?: Relabeler;
  embedder?: Embedder;
  signal?: AbortSignal;
}

/**
 * The audit as the Lambda and the CLI both run it: audit the corpus, then write report.json, report.md and
 * report.html beside the clean corpus, the quarantine and the findings.
 */
export async function runAuditJob(input: AuditJobInput): Promise<AuditReport> {
  const { report } = await auditCorpus(input);
  return writeReportFiles(input.sink, report);
}
