import type { ArtifactSink } from './audit-ports';
import type { AuditReport } from './audit-report';
import { renderAuditHtml } from './report-html';
import { renderAuditMarkdown } from './report-markdown';

/** report.json, report.md and report.html beside the clean corpus, the quarantine and the findings. */
export async function writeReportFiles(sink: ArtifactSink, report: AuditReport): Promise<AuditReport> {
  const json = sink.open('report.json', 'application/json');
  const md = sink.open('report.md', 'text/markdown; charset=utf-8');
  const html = sink.open('report.html', 'text/html; charset=utf-8');
  report.artifacts.report = json.uri;
  report.artifacts.reportMarkdown = md.uri;
  report.artifacts.reportHtml = html.uri;
  json.stream.end(JSON.stringify(report, null, 2) + '\n');
  md.stream.end(renderAuditMarkdown(report));
  html.stream.end(renderAuditHtml(report));
  await Promise.all([json.done(), md.done(), html.done()]);
  return report;
}
