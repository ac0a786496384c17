import type { CheckpointHistoryEntry } from '../../functions/runs/run-record';
import { DynamoRunStore, runKey } from '../../functions/stores/dynamo-run-store';
import { DynamoVerdictStore } from '../../functions/stores/dynamo-verdict-store';
import type { VerdictRecord } from '../../functions/stores/verdict-store';
import { connect, connectionArgs, CONNECTION_OPTIONS, parseCommandArgs, requireOutput, runIdArgument, type ConnectionArgs } from './stack-connection';
import { formatPoints, formatTable } from './text-table';
import { UsageError } from './usage-error';

export const VERDICTS_HELP = `Usage: finegate verdicts <runId> [--json] [--local [--state-dir .finegate] | --stack Finegate --region <region>]

Lists a run's verdicts, checkpoint gate (stage 2) and arena (stage 3), in the order of the run's checkpoint
history (training step): checkpoint, step, stage, verdict, held-out score (points), the config hash it was
judged under, and when.

Options:
  --json               print the verdicts as a JSON array (with reasons, report URI and scores)
  --local              use the local runtime of 'finegate local up' (found through <state-dir>/local.json)
  --state-dir <dir>    with --local: where 'finegate local up' keeps local.json (default: .finegate)
  --stack <name>       the deployed stack to use (default: Finegate), read with your AWS credentials
  --region <region>    the deployed stack's region (default: the SDK's, e.g. AWS_REGION)

Exit codes: 0 listed (a registered run may have no verdicts yet), 1 no such run, 2 bad usage or no stack to reach.
`;

export interface VerdictsArgs extends ConnectionArgs {
  runId: string;
  json: boolean;
}

export function parseVerdictsArgs(argv: string[]): VerdictsArgs {
  const { values, positionals } = parseCommandArgs(argv, { ...CONNECTION_OPTIONS, json: { type: 'boolean', default: false } });
  return { runId: runIdArgument(positionals), json: values.json, ...connectionArgs(values) };
}

/** `finegate verdicts`; returns the exit code. */
export async function verdictsCommand(argv: string[]): Promise<number> {
  const args = parseVerdictsArgs(argv);
  const connection = await connect(args);
  const verdicts = new DynamoVerdictStore(requireOutput(connection, 'VerdictsTableName'));
  const runs = new DynamoRunStore(requireOutput(connection, 'RunsTableName'));
  const [records, history, run] = await Promise.all([verdicts.list(runKey(args.runId)), runs.history(args.runId), runs.get(args.runId)]);
  const rows = verdictRows(records, history);
  if (rows.length === 0 && !run) {
    process.stderr.write(`finegate verdicts: no run ${args.runId} in ${connection.description} (not registered, no verdicts)\n`);
    return 1;
  }
  if (args.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
  else process.stdout.write(formatVerdictsTable(args.runId, rows, run?.configHash));
  return 0;
}

export interface VerdictRow {
  checkpoint: string;
  step?: number;
  stage: 'gate' | 'arena';
  verdict: VerdictRecord['verdict'];
  heldout?: number;
  configHash: string;
  createdAt: string;
  promote: boolean;
  reasons: string[];
  reportUri?: string;
  scores: Record<string, unknown>;
}

const KEY = /^checkpoint#(.+)#(gate|arena)$/;
const STAGE_ORDER = { gate: 0, arena: 1 } as const;

/**
 * A run's verdicts in its history's order (training step, then checkpoint), the gate before the arena of a
 * checkpoint; verdicts of checkpoints not in the history (a gate that failed before recording one) by their own
 * step, then last by time.
 */
export function verdictRows(records: readonly VerdictRecord[], history: readonly CheckpointHistoryEntry[]): VerdictRow[] {
  const position = new Map<string, number>();
  const entries = new Map<string, CheckpointHistoryEntry>();
  history.forEach((entry, i) => {
    if (!position.has(entry.checkpoint)) position.set(entry.checkpoint, i);
    entries.set(entry.checkpoint, entry);
  });
  const rows: VerdictRow[] = [];
  for (const record of records) {
    const match = KEY.exec(record.key);
    if (!match) continue;
    const [, checkpoint, stage] = match as unknown as [string, string, 'gate' | 'arena'];
    const summary = record.summary ?? {};
    const scores = summary.scores !== null && typeof summary.scores === 'object' ? (summary.scores as Record<string, unknown>) : {};
    const entry = entries.get(checkpoint);
    const step = entry?.step ?? (typeof summary.step === 'number' ? summary.step : undefined);
    const heldout = typeof scores.heldout === 'number' ? scores.heldout : stage === 'gate' ? entry?.heldoutScore : undefined;
    rows.push({
      checkpoint,
      ...(step !== undefined ? { step } : {}),
      stage,
      verdict: record.verdict,
      ...(heldout !== undefined ? { heldout } : {}),
      configHash: record.configHash,
      createdAt: record.createdAt,
      promote: summary.promote === true,
      reasons: record.reasons,
      ...(record.reportUri ? { reportUri: record.reportUri } : {}),
      scores,
    });
  }
  const rank = (row: VerdictRow): [number, number, number] => [
    position.has(row.checkpoint) ? 0 : 1,
    position.get(row.checkpoint) ?? row.step ?? Number.MAX_SAFE_INTEGER,
    STAGE_ORDER[row.stage],
  ];
  return rows.sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!;
    return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0;
  });
}

export function formatVerdictsTable(runId: string, rows: readonly VerdictRow[], runConfigHash?: string): string {
  const head = `run ${runId}${runConfigHash ? `  (config hash ${runConfigHash})` : ''}: ${rows.length} verdict${rows.length === 1 ? '' : 's'}\n`;
  if (rows.length === 0) return head;
  return (
    head +
    formatTable(
      [
        { header: 'checkpoint' },
        { header: 'step', align: 'right' },
        { header: 'stage' },
        { header: 'verdict' },
        { header: 'held-out', align: 'right' },
        { header: 'config hash' },
        { header: 'time' },
      ],
      rows.map((r) => [r.checkpoint, r.step !== undefined ? String(r.step) : '—', r.stage, r.verdict, formatPoints(r.heldout), r.configHash, r.createdAt]),
    )
  );
}
