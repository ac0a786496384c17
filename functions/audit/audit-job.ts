import type { AuditConfig } from './audit-config';
import type { Embedder } from './embedder';
import type { Relabeler } from './judge-relabel';
import { auditCorpus } from './audit-corpus';
import type { ArtifactSink, CorpusSource } from './audit-ports';
import type { AuditReport } from './audit-report';
import { renderAuditHtml } from './report-html';
import { renderAuditMarkdown } from './report-markdown';

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
  const json = input.sink.open('report.json', 'application/json');
  const md = input.sink.open('report.md', 'text/markdown; charset=utf-8');
  const html = input.sink.open('report.html', 'text/html; charset=utf-8');
  report.artifacts.report = json.uri;
  report.artifacts.reportMarkdown = md.uri;
  report.artifacts.reportHtml = html.uri;
  json.stream.end(JSON.stringify(report, null, 2) + '\n');
  md.stream.end(renderAuditMarkdown(report));
  html.stream.end(renderAuditHtml(report));
  await Promise.all([json.done(), md.done(), html.done()]);
  return report;
}
