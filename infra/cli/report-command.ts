import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BusEvent, PipelineReport } from '../../functions/reports/pipeline-report-data';
import { renderPipelineReport } from '../../functions/reports/pipeline-report';
import { PipelineReportSource } from '../../functions/stores/pipeline-report-source';
import { getTextIfExists } from '../../functions/stores/s3-objects';
import type { PublishedEventRecord } from '../local/event-router';
import { connect, connectionArgs, CONNECTION_OPTIONS, parseCommandArgs, requireOutput, runIdArgument, type ConnectionArgs } from './stack-connection';
import { UsageError } from './usage-error';

export const REPORT_HELP = `Usage: finegate report <runId> [--out <file>] [--local [--state-dir .finegate] | --stack Finegate --region <region>]

Writes one static HTML page for a run's four gates, to open in any browser without a network: the corpus
audit (verdict, counts, findings with masked examples), held-out and drift per checkpoint (table and chart
against the pinned bands, early-stop notes), the arena (wins, losses, ties, the win rate's 95% interval against
the effect floor) and the canary (its timeline and final verdict), under a header naming the models, the pinned
thresholds and which gate stopped the model (or that it was promoted). The audit's own report.html is copied
beside the page (<name>.corpus-audit.html) and linked from it.

Options:
  --out <file>         where to write the page (default: finegate-report-<runId>.html)
  --local              use the local runtime of 'finegate local up' (its event log gives the canary timeline)
  --state-dir <dir>    with --local: where 'finegate local up' keeps local.json (default: .finegate)
  --stack <name>       the deployed stack to use (default: Finegate), read with your AWS credentials
  --region <region>    the deployed stack's region (default: the SDK's, e.g. AWS_REGION)

Exit codes: 0 written (whatever the run's verdicts), 1 no such run, 2 bad usage or no stack to reach.
`;

export interface ReportArgs extends ConnectionArgs {
  runId: string;
  out: string;
}

export function parseReportArgs(argv: string[]): ReportArgs {
  const { values, positionals } = parseCommandArgs(argv, { ...CONNECTION_OPTIONS, out: { type: 'string' } });
  const runId = runIdArgument(positionals);
  if (values.out !== undefined && values.out.trim() === '') throw new UsageError('--out needs a file name');
  return { runId, out: values.out ?? `finegate-report-${runId}.html`, ...connectionArgs(values) };
}

/** `finegate report`; returns the exit code. */
export async function reportCommand(argv: string[]): Promise<number> {
  const args = parseReportArgs(argv);
  const connection = await connect(args);
  const events = connection.control ? busEvents(await connection.control.events()) : undefined;
  const written = await writePipelineReport({
    runId: args.runId,
    runsTable: requireOutput(connection, 'RunsTableName'),
    verdictsTable: requireOutput(connection, 'VerdictsTableName'),
    out: args.out,
    ...(events ? { events } : {}),
  });
  if (!written) {
    process.stderr.write(`finegate report: no run ${args.runId} in ${connection.description} (not registered, no verdicts)\n`);
    return 1;
  }
  process.stdout.write(`${written.report.status.text}\nwrote ${written.path}\n  ${pathToFileURL(written.path).href}\n${written.auditReportPath ? `  with the corpus audit's report beside it: ${written.auditReportPath}\n` : ''}`);
  return 0;
}

export interface WritePipelineReportOptions {
  runId: string;
  runsTable: string;
  verdictsTable: string;
  /** The page's file; its directory is created. */
  out: string;
  /** Events the caller has (a local runtime's log), for the canary timeline. */
  events?: readonly BusEvent[];
  now?: () => Date;
}

export interface WrittenPipelineReport {
  path: string;
  report: PipelineReport;
  /** The audit's report.html, copied beside the page, when it could be read. */
  auditReportPath?: string;
}

/**
 * Loads the run's report model, copies the corpus audit's report.html beside the page (so its relative link works
 * offline) and writes the page. Undefined when the run is neither registered nor has a verdict.
 */
export async function writePipelineReport(options: WritePipelineReportOptions): Promise<WrittenPipelineReport | undefined> {
  const source = new PipelineReportSource({ runsTable: options.runsTable, verdictsTable: options.verdictsTable });
  let report = await source.load(options.runId, { ...(options.events ? { events: options.events } : {}), ...(options.now ? { now: options.now } : {}) });
  if (!report) return undefined;
  const path = resolve(options.out);
  await mkdir(dirname(path), { recursive: true });
  let auditReportPath: string | undefined;
  const auditHtml = report.corpus?.reportHtml;
  if (report.corpus && auditHtml?.uri.startsWith('s3://')) {
    const text = await getTextIfExists(auditHtml.uri).catch(() => undefined);
    if (text !== undefined) {
      auditReportPath = join(dirname(path), `${basename(path, extname(path))}.corpus-audit.html`);
      await writeFile(auditReportPath, text);
      report = { ...report, corpus: { ...report.corpus, reportHtml: { ...auditHtml, href: encodeURIComponent(basename(auditReportPath)) } } };
    }
  }
  await writeFile(path, renderPipelineReport(report));
  return { path, report, ...(auditReportPath ? { auditReportPath } : {}) };
}

/** The local runtime's event log as bus events; an event without its own time takes the time it was received. */
export function busEvents(records: readonly PublishedEventRecord[]): BusEvent[] {
  return records.map((record) => {
    const event = record.event as Partial<BusEvent>;
    return { source: String(event.source ?? ''), 'detail-type': String(event['detail-type'] ?? ''), time: typeof event.time === 'string' ? event.time : record.receivedAt, detail: event.detail };
  });
}
