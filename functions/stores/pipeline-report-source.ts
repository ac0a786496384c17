import { checkCorpusAudit } from '../runs/corpus-gate';
import type { RunRecord } from '../runs/run-record';
import {
  assemblePipelineReport,
  relativeHref,
  type AuditReportDocument,
  type BusEvent,
  type DecisionDocument,
  type PipelineReport,
  type TimelineEntry,
} from '../reports/pipeline-report-data';
import { DynamoRunStore, runKey } from './dynamo-run-store';
import { DynamoVerdictStore } from './dynamo-verdict-store';
import { getTextIfExists } from './s3-objects';
import type { VerdictRecord } from './verdict-store';

/*
 * Reads what exists of a run's four gates through the stores the gates write with (runs and verdicts in DynamoDB,
 * decision.json and the audit's report.json in S3) and assembles the pipeline report's model. Nothing it cannot
 * find is an error: a missing document leaves its part of the page saying so.
 */

export interface PipelineReportSourceConfig {
  runsTable: string;
  verdictsTable: string;
}

export interface LoadOptions {
  /** Canary events the caller has (the local runtime's event log); without them the verdicts make the timeline. */
  events?: readonly BusEvent[];
  /** Timeline entries known otherwise (weight changes…). */
  timeline?: readonly TimelineEntry[];
  /** Canary alarm names start with this (the canary's ALARM_NAME_PREFIX). */
  alarmPrefix?: string;
  /** Where the page will be kept (s3://…): the audit's report.html is then linked relative to it. */
  reportUri?: string;
  now?: () => Date;
}

/** decision.json reads in flight at once: a long run has hundreds of checkpoints. */
const READ_CONCURRENCY = 8;

export class PipelineReportSource {
  private readonly runs: DynamoRunStore;
  private readonly verdicts: DynamoVerdictStore;

  constructor(config: PipelineReportSourceConfig) {
    this.runs = new DynamoRunStore(config.runsTable);
    this.verdicts = new DynamoVerdictStore(config.verdictsTable);
  }

  /** The run's report model, or undefined when the run is neither registered nor has any verdict. */
  async load(runId: string, options: LoadOptions = {}): Promise<PipelineReport | undefined> {
    const [run, history, verdicts] = await Promise.all([this.runs.get(runId), this.runs.history(runId), this.verdicts.list(runKey(runId))]);
    if (!run && verdicts.length === 0 && history.length === 0) return undefined;
    const [corpus, { decisions, notes }] = await Promise.all([run ? this.corpus(run, options.reportUri) : undefined, this.decisions(verdicts)]);
    return assemblePipelineReport({
      runId,
      generatedAt: (options.now?.() ?? new Date()).toISOString(),
      ...(run ? { run } : {}),
      ...(corpus ? { corpus } : {}),
      history,
      decisions,
      decisionNotes: notes,
      verdicts,
      ...(options.events ? { events: options.events } : {}),
      ...(options.timeline ? { timeline: options.timeline } : {}),
      ...(options.alarmPrefix ? { alarmPrefix: options.alarmPrefix } : {}),
    });
  }

  /** The audit verdict the run's registration checked (pinned version, else the latest audit) and its report.json. */
  private async corpus(run: RunRecord, pageUri: string | undefined) {
    const gate = await checkCorpusAudit(run.config.corpusAudit, this.verdicts);
    if (gate.key === undefined) return undefined;
    const record = await this.verdicts.get(gate.subject, gate.key);
    if (!record) return undefined;
    const notes: string[] = [];
    let report: AuditReportDocument | undefined;
    if (record.reportUri.startsWith('s3://')) {
      try {
        const text = await getTextIfExists(record.reportUri);
        if (text === undefined) notes.push(`report.json (${record.reportUri}) is missing: findings are shown by kind only`);
        else report = JSON.parse(text) as AuditReportDocument;
      } catch (error) {
        notes.push(`report.json (${record.reportUri}) could not be read (${(error as Error).message}): findings are shown by kind only`);
      }
    }
    const reportHtml = (record.summary as { artifacts?: { reportHtml?: unknown } }).artifacts?.reportHtml;
    const href = pageUri !== undefined && typeof reportHtml === 'string' ? relativeHref(pageUri, reportHtml) : undefined;
    return { record, ...(report ? { report } : {}), ...(href ? { reportHtmlHref: href } : {}), notes };
  }

  /** decision.json of each gated checkpoint, from its gate verdict's report URI; one that cannot be read is noted. */
  private async decisions(verdicts: readonly VerdictRecord[]): Promise<{ decisions: Map<string, DecisionDocument>; notes: string[] }> {
    const wanted = verdicts
      .map((v) => ({ checkpoint: /^checkpoint#(.+)#gate$/.exec(v.key)?.[1], uri: v.reportUri }))
      .filter((w): w is { checkpoint: string; uri: string } => w.checkpoint !== undefined && w.uri.startsWith('s3://'));
    const decisions = new Map<string, DecisionDocument>();
    const notes: string[] = [];
    for (let i = 0; i < wanted.length; i += READ_CONCURRENCY) {
      await Promise.all(
        wanted.slice(i, i + READ_CONCURRENCY).map(async ({ checkpoint, uri }) => {
          try {
            const text = await getTextIfExists(uri);
            if (text === undefined) notes.push(`${checkpoint}: ${uri} is missing; its row shows the verdict's own scores`);
            else decisions.set(checkpoint, JSON.parse(text) as DecisionDocument);
          } catch (error) {
            notes.push(`${checkpoint}: ${uri} could not be read (${(error as Error).message}); its row shows the verdict's own scores`);
          }
        }),
      );
    }
    return { decisions, notes: notes.sort() };
  }
}
