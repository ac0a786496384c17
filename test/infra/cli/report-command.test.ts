import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PublishedEventRecord } from '../../../infra/local/event-router';
import { busEvents, parseReportArgs, reportCommand, REPORT_HELP } from '../../../infra/cli/report-command';
import { UsageError } from '../../../infra/cli/usage-error';

describe('finegate report: arguments', () => {
  it('parses the run id, the output file and the connection options', () => {
    expect(parseReportArgs(['r1', '--local', '--state-dir', 'st', '--out', 'out/r1.html'])).toEqual({ runId: 'r1', out: 'out/r1.html', local: true, stateDir: 'st', stackName: 'Finegate' });
    expect(parseReportArgs(['r1', '--stack', 'S', '--region', 'eu-west-1'])).toEqual({ runId: 'r1', out: 'finegate-report-r1.html', local: false, stateDir: '.finegate', stackName: 'S', region: 'eu-west-1' });
  });

  it.each([
    [[], /which run\? give <runId>/],
    [['r1', 'r2'], /unexpected argument: r2/],
    [['r1', '--open'], /Unknown option '--open'/],
    [['r1', '--out', ' '], /--out needs a file name/],
    [['../r1'], /invalid run id "\.\.\/r1"/],
  ])('%j → %s', (argv, message) => {
    expect(() => parseReportArgs(argv)).toThrow(UsageError);
    expect(() => parseReportArgs(argv)).toThrow(message);
  });

  it('needs a local runtime for --local', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'finegate-report-'));
    await expect(reportCommand(['r1', '--local', '--state-dir', dir])).rejects.toThrow(/no local runtime is up .*start one with: npx finegate local up/);
  });

  it('documents the command', () => {
    expect(REPORT_HELP).toMatch(/^Usage: finegate report <runId> \[--out <file>\]/);
    expect(REPORT_HELP).toMatch(/Exit codes: 0 written/);
  });
});

describe('finegate report: the local event log', () => {
  it('keeps each event as the bus carried it, its own time first, else the time it was received', () => {
    const record = (seq: number, event: Record<string, unknown>): PublishedEventRecord => ({ seq, eventBusName: 'b', event, origin: 'put-events', receivedAt: '2026-11-12T11:00:00.000Z', busExists: true, matchedRules: [] });
    expect(
      busEvents([record(1, { source: 'finegate.canary', 'detail-type': 'Canary Started', time: '2026-11-12T10:59:59Z', detail: { runId: 'r1' } }), record(2, { source: 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change', detail: {} })]),
    ).toEqual([
      { source: 'finegate.canary', 'detail-type': 'Canary Started', time: '2026-11-12T10:59:59Z', detail: { runId: 'r1' } },
      { source: 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change', time: '2026-11-12T11:00:00.000Z', detail: {} },
    ]);
  });
});
