import { CHECKPOINT_READY, checkpointReadyDetailSchema, type CheckpointReadyDetail } from '../../events/checkpoint-ready';
import type { Verdict } from '../../events/corpus-audited';
import { SOURCES } from '../../events/event-sources';
import { GATE_VERDICT, gateVerdictDetailSchema } from '../../events/gate-verdict';
import { DynamoVerdictStore } from '../../functions/stores/dynamo-verdict-store';
import { EventBridgePublisher } from '../../functions/stores/eventbridge-publisher';
import type { VerdictRecord } from '../../functions/stores/verdict-store';
import type { LocalControlClient } from './local-control-client';
import { connect, connectionArgs, CONNECTION_OPTIONS, parseCommandArgs, requireOutput, type ConnectionArgs } from './stack-connection';
import { formatPoints, formatTable } from './text-table';
import { UsageError } from './usage-error';

export const GATE_HELP = `Usage: finegate gate <runId> <checkpoint> --candidate <model ref> --step <n> [--loss <x>] [--final] [--promote]
                    [--local [--state-dir .finegate] | --stack Finegate --region <region>] [--timeout 600]

Gates one checkpoint of a registered run (stage 2): publishes a "Checkpoint Ready" event (source
finegate.training) on the finegate event bus, as a training job would, then waits for the checkpoint's
"Gate Verdict" and prints it: the held-out score, each drift axis against the base model (verdict, drop in
points, 95% paired-bootstrap interval of candidate − base), the verdict with its reasons, and the report.
A checkpoint is gated once: if it already has a verdict, that verdict is printed and nothing is published.

Options:
  --candidate <ref>    how to call the checkpoint: bedrock:<modelId>, openai:<model>, replay:<uri>, local:<name>
  --step <n>           the training step the checkpoint was taken at (orders the run's history)
  --loss <x>           the training loss at that step (early stop compares it with the held-out trend)
  --final              the run's last checkpoint
  --promote            marked for promotion: a PASS goes on to the arena (stage 3)
  --local              use the local runtime of 'finegate local up' (found through <state-dir>/local.json)
  --state-dir <dir>    with --local: where 'finegate local up' keeps local.json (default: .finegate)
  --stack <name>       the deployed stack to use (default: Finegate), read with your AWS credentials
  --region <region>    the deployed stack's region (default: the SDK's, e.g. AWS_REGION)
  --timeout <seconds>  how long to wait for the verdict (default: 600)

Exit codes: 0 PASS or WARN, 1 FAIL or INCONCLUSIVE, 2 bad usage, an invalid event or no stack to reach,
3 no verdict within the timeout.
`;

export const EXIT_TIMEOUT = 3;

export interface GateArgs extends ConnectionArgs {
  detail: CheckpointReadyDetail;
  timeoutMs: number;
}

/** The flag (or positional) each Checkpoint Ready field comes from, to name it in errors. */
const FIELD_FLAGS: Record<string, string> = {
  runId: '<runId>',
  checkpoint: '<checkpoint>',
  step: '--step',
  candidateModel: '--candidate',
  trainingLoss: '--loss',
  final: '--final',
  promote: '--promote',
};

export function parseGateArgs(argv: string[]): GateArgs {
  const { values, positionals } = parseCommandArgs(argv, {
    ...CONNECTION_OPTIONS,
    candidate: { type: 'string' },
    step: { type: 'string' },
    loss: { type: 'string' },
    final: { type: 'boolean', default: false },
    promote: { type: 'boolean', default: false },
    timeout: { type: 'string', default: '600' },
  });
  const [runId, checkpoint, ...extra] = positionals;
  if (!runId || !checkpoint) throw new UsageError('which run and checkpoint? give <runId> <checkpoint> (see --help)');
  if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra[0]}`);
  if (values.candidate === undefined) throw new UsageError('which model is the checkpoint? give --candidate <model ref> (bedrock:…, openai:…, replay:…, local:…)');
  if (values.step === undefined) throw new UsageError('at which training step was the checkpoint taken? give --step <n>');
  const timeout = Number(values.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError(`--timeout must be a positive number of seconds, got '${values.timeout}'`);

  const raw = {
    runId,
    checkpoint,
    step: strictNumber(values.step),
    candidateModel: values.candidate,
    ...(values.loss !== undefined ? { trainingLoss: strictNumber(values.loss) } : {}),
    final: values.final,
    ...(values.promote ? { promote: true } : {}),
  };
  const result = checkpointReadyDetailSchema.safeParse(raw);
  if (!result.success) {
    const given: Record<string, string | undefined> = { runId, checkpoint, step: values.step, candidateModel: values.candidate, trainingLoss: values.loss };
    const problems = result.error.issues.map((issue) => {
      const field = String(issue.path[0] ?? '(event)');
      const flag = FIELD_FLAGS[field];
      const text = given[field];
      return `${field}${flag ? ` (${flag}${text !== undefined ? ` ${JSON.stringify(text)}` : ''})` : ''}: ${issue.message}`;
    });
    throw new UsageError(`invalid Checkpoint Ready event: ${problems.join('; ')}`);
  }
  return {
    detail: result.data,
    ...connectionArgs(values),
    timeoutMs: timeout * 1000,
  };
}

/** A number written in full (`Number('')` is 0 and `Number('0x10')` is 16: neither is what was meant). */
function strictNumber(text: string): number {
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text.trim()) ? Number(text) : Number.NaN;
}

/** `finegate gate`; returns the exit code. */
export async function gateCommand(argv: string[]): Promise<number> {
  const args = parseGateArgs(argv);
  const connection = await connect(args);
  const busName = requireOutput(connection, 'EventBusName');
  const { runId, checkpoint } = args.detail;
  const source: VerdictSource = connection.control
    ? new EventLogVerdicts(connection.control, runId, checkpoint)
    : new TableVerdicts(new DynamoVerdictStore(requireOutput(connection, 'VerdictsTableName')), runId, checkpoint);

  const existing = await source.find();
  if (existing) {
    process.stdout.write(`${runId}/${checkpoint} was already gated: a checkpoint has one verdict, never overwritten (gate a new checkpoint name to judge it again); nothing published\n\n`);
    process.stdout.write(formatGateOutcome(existing));
    return exitCodeFor(existing.verdict);
  }

  try {
    await new EventBridgePublisher(busName).publish(SOURCES.training, CHECKPOINT_READY, args.detail);
  } catch (error) {
    throw new UsageError(`could not publish Checkpoint Ready on bus ${busName} of ${connection.description}: ${(error as Error).message}`);
  }
  process.stdout.write(`published Checkpoint Ready for ${runId}/${checkpoint} (step ${args.detail.step}) on ${busName}; waiting up to ${args.timeoutMs / 1000} s for its verdict…\n`);

  const deadline = Date.now() + args.timeoutMs;
  const interval = connection.control ? 500 : 2_000;
  for (;;) {
    const outcome = await source.find();
    if (outcome) {
      process.stdout.write('\n' + formatGateOutcome(outcome));
      return exitCodeFor(outcome.verdict);
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, Math.min(interval, Math.max(0, deadline - Date.now()))));
  }
  process.stderr.write(
    `finegate gate: no Gate Verdict for ${runId}/${checkpoint} within ${args.timeoutMs / 1000} s; the gate may still be running: see 'finegate verdicts ${runId}${args.local ? ' --local' : ''}'\n`,
  );
  return EXIT_TIMEOUT;
}

export function exitCodeFor(verdict: Verdict): number {
  return verdict === 'PASS' || verdict === 'WARN' ? 0 : 1;
}

/** A checkpoint's gate verdict, from the Gate Verdict event or from the verdicts table. */
export interface GateOutcome {
  runId: string;
  checkpoint: string;
  step?: number;
  verdict: Verdict;
  reasons: string[];
  promote: boolean;
  configHash: string;
  scores: Record<string, unknown>;
  reportUri?: string;
}

interface VerdictSource {
  /** The checkpoint's verdict if it has one by now. */
  find(): Promise<GateOutcome | undefined>;
}

/** Locally: the Gate Verdict events the runtime carried, read through its control API, each event once. */
class EventLogVerdicts implements VerdictSource {
  private since = 0;

  constructor(
    private readonly control: LocalControlClient,
    private readonly runId: string,
    private readonly checkpoint: string,
  ) {}

  async find(): Promise<GateOutcome | undefined> {
    const events = await this.control.events({ since: this.since });
    for (const record of events) {
      this.since = Math.max(this.since, record.seq);
      const event = record.event;
      if (event.source !== SOURCES.gate || event['detail-type'] !== GATE_VERDICT) continue;
      const parsed = gateVerdictDetailSchema.safeParse(event.detail);
      if (!parsed.success) continue;
      const d = parsed.data;
      if (d.runId !== this.runId || d.checkpoint !== this.checkpoint || d.stage !== 'checkpoint') continue;
      return {
        runId: d.runId,
        checkpoint: d.checkpoint,
        ...(d.step !== undefined ? { step: d.step } : {}),
        verdict: d.verdict,
        reasons: d.reasons,
        promote: d.promote,
        configHash: d.configHash,
        scores: d.scores,
        ...(d.reportUri ? { reportUri: d.reportUri } : {}),
      };
    }
    return undefined;
  }
}

/** Deployed: the verdict the gate wrote to the verdicts table (consistent reads). */
class TableVerdicts implements VerdictSource {
  constructor(
    private readonly store: DynamoVerdictStore,
    private readonly runId: string,
    private readonly checkpoint: string,
  ) {}

  async find(): Promise<GateOutcome | undefined> {
    const record = await this.store.get(`run#${this.runId}`, `checkpoint#${this.checkpoint}#gate`);
    return record ? outcomeFromRecord(this.runId, this.checkpoint, record) : undefined;
  }
}

export function outcomeFromRecord(runId: string, checkpoint: string, record: VerdictRecord): GateOutcome {
  const summary = record.summary ?? {};
  const step = summary.step;
  return {
    runId,
    checkpoint,
    ...(typeof step === 'number' ? { step } : {}),
    verdict: record.verdict,
    reasons: record.reasons,
    promote: summary.promote === true,
    configHash: record.configHash,
    scores: isObject(summary.scores) ? summary.scores : {},
    ...(record.reportUri ? { reportUri: record.reportUri } : {}),
  };
}

/** One drift axis as the gate reports it: verdict, drop in points (base − candidate), interval of candidate − base. */
export interface DriftAxisRow {
  axis: string;
  verdict?: string;
  drop?: number;
  interval?: [number, number];
}

/** Reads `scores.drift`: `{ axis: { verdict, dropPoints, interval: [lo, hi] } }` (or `delta`, `lower`, `upper`). */
export function driftAxes(scores: Record<string, unknown>): DriftAxisRow[] {
  const drift = scores.drift;
  if (!isObject(drift)) return [];
  return Object.entries(drift).map(([axis, value]) => {
    const v = isObject(value) ? value : {};
    const drop = typeof v.dropPoints === 'number' ? v.dropPoints : typeof v.delta === 'number' ? -v.delta : undefined;
    const interval = pair(v.interval) ?? (isObject(v.interval) ? pair([v.interval.lower, v.interval.upper]) : undefined) ?? pair([v.lower, v.upper]);
    return { axis, ...(typeof v.verdict === 'string' ? { verdict: v.verdict } : {}), ...(drop !== undefined ? { drop } : {}), ...(interval ? { interval } : {}) };
  });
}

function pair(value: unknown): [number, number] | undefined {
  return Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'number' ? [value[0], value[1]] : undefined;
}

export function formatGateOutcome(outcome: GateOutcome): string {
  const { scores } = outcome;
  const lines: string[] = [];
  lines.push(`run ${outcome.runId}  checkpoint ${outcome.checkpoint}${outcome.step !== undefined ? `  step ${outcome.step}` : ''}`);
  lines.push(`verdict:  ${outcome.verdict}${outcome.promote ? '  (promoted: goes on to the arena)' : ''}`);
  lines.push(`held-out: ${typeof scores.heldout === 'number' ? `${formatPoints(scores.heldout)} points` : '— (not scored)'}`);
  const axes = driftAxes(scores);
  if (axes.length > 0) {
    lines.push('drift vs base (drop = base − candidate in points; interval: 95% paired bootstrap of candidate − base):');
    const table = formatTable(
      [{ header: 'axis' }, { header: 'verdict' }, { header: 'drop', align: 'right' }, { header: 'interval', align: 'right' }],
      axes.map((a) => [a.axis, a.verdict ?? '—', formatPoints(a.drop), a.interval ? `[${formatPoints(a.interval[0])}, ${formatPoints(a.interval[1])}]` : '—']),
      '  ',
    );
    lines.push(table.trimEnd());
  } else {
    lines.push('drift vs base: — (not scored)');
  }
  if (typeof scores.errorRate === 'number') lines.push(`errors:   ${(scores.errorRate * 100).toFixed(2)}% of model and judge calls`);
  lines.push(`config:   ${outcome.configHash}`);
  if (outcome.reasons.length > 0) {
    lines.push('reasons:');
    for (const reason of outcome.reasons) lines.push(`  - ${reason}`);
  }
  lines.push(`report:   ${outcome.reportUri || '—'}`);
  return lines.join('\n') + '\n';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
