import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parseModelRef } from '../../functions/models/model-ref';
import { arenaSampleSize, DEFAULT_ARENA_CONFIDENCE, DEFAULT_ARENA_POWER } from '../../functions/runs/arena-sample-size';
import { checkCorpusAudit, type CorpusGatePassed } from '../../functions/runs/corpus-gate';
import { parseRunConfig, RunConfigError, type RunConfig } from '../../functions/runs/run-config';
import { RunConflictError, type RunRecord } from '../../functions/runs/run-record';
import { DynamoRunStore } from '../../functions/stores/dynamo-run-store';
import { DynamoVerdictStore } from '../../functions/stores/dynamo-verdict-store';
import { UsageError } from './usage-error';

export const RUN_HELP = `Usage: finegate run register <run.yaml> --local [--runs-table <name>] [--verdicts-table <name>]

Registers a fine-tuning run before training starts: checks run.yaml (every wrong field is named), requires a
PASS or WARN audit of the corpus it trains on, and pins the configuration with a conditional write. The
thresholds the run's checkpoints will be judged by (drift limits, arena effect floor and sample size, judge
model, rubric version, error budget) can never change afterwards. Registering the identical file again changes
nothing; a different configuration under the same runId is refused, naming the fields that differ.

Prints the config hash every verdict of the run will record, and the number of non-tied arena comparisons
needed to resolve the run's effect floor.

Options:
  --local                  write through the DynamoDB endpoint in the environment (AWS_ENDPOINT_URL_DYNAMODB),
                           e.g. the embedded services of 'npm run local' with their SDK variables exported
  --runs-table <name>      the runs table (default: $FINEGATE_RUNS_TABLE)
  --verdicts-table <name>  the verdicts table holding corpus audits (default: $FINEGATE_VERDICTS_TABLE)

Exit codes: 0 registered, or already registered identically; 1 refused (corpus audit not PASS/WARN, or a
different configuration already registered); 2 bad usage, unreadable or invalid run.yaml.
`;

/** `finegate run <subcommand>`; returns the exit code. */
export async function runCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'register') return registerCommand(rest);
  throw new UsageError(sub === undefined ? 'which run command? (register; see --help)' : `unknown run command '${sub}' (register; see --help)`);
}

async function registerCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { local: { type: 'boolean', default: false }, 'runs-table': { type: 'string' }, 'verdicts-table': { type: 'string' } },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [file, ...extra] = parsed.positionals;
  if (!file) throw new UsageError('which run? give the path of a run.yaml (see --help)');
  if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra[0]}`);
  if (!parsed.values.local) {
    throw new UsageError('only --local registration is available: against a deployed stack, put a "Register Run" event (source finegate.training) on the finegate bus');
  }
  if (!process.env.AWS_ENDPOINT_URL_DYNAMODB) {
    throw new UsageError('--local needs AWS_ENDPOINT_URL_DYNAMODB (and the other SDK variables the local runtime prints) in the environment');
  }
  const runsTable = parsed.values['runs-table'] ?? process.env.FINEGATE_RUNS_TABLE;
  const verdictsTable = parsed.values['verdicts-table'] ?? process.env.FINEGATE_VERDICTS_TABLE;
  if (!runsTable) throw new UsageError('which runs table? give --runs-table or set FINEGATE_RUNS_TABLE (the stack output RunsTableName)');
  if (!verdictsTable) throw new UsageError('which verdicts table? give --verdicts-table or set FINEGATE_VERDICTS_TABLE (the stack output VerdictsTableName)');

  const config = await loadRunConfig(file);
  const corpus = await checkCorpusAudit(config.corpusAudit, new DynamoVerdictStore(verdictsTable));
  if (!corpus.passed) {
    process.stderr.write(`refused: ${corpus.reason}\n`);
    return 1;
  }
  const runs = new DynamoRunStore(runsTable);
  try {
    const { created, record } = await runs.register(config);
    process.stdout.write(formatRegistration(record, created, corpus));
    return 0;
  } catch (error) {
    if (!(error instanceof RunConflictError)) throw error;
    const existing = await runs.get(config.runId);
    process.stderr.write(formatConflict(error, existing, config));
    return 1;
  }
}

export async function loadRunConfig(path: string): Promise<RunConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return parseRunConfig(text);
  } catch (error) {
    if (error instanceof RunConfigError) throw new UsageError(`${path}: ${error.message}`);
    throw error;
  }
}

export function formatRegistration(record: RunRecord, created: boolean, corpus: CorpusGatePassed): string {
  const { config } = record;
  const needed = arenaSampleSize(config.arena.effectFloor);
  const judge = parseModelRef(config.judgeModel);
  const base = parseModelRef(config.baseModel);
  const lines = [
    created ? `registered run ${record.runId}` : `run ${record.runId} is already registered with this configuration: nothing changed`,
    `config hash: ${record.configHash}`,
    `registered at: ${record.registeredAt}${config.study ? `  study: ${config.study}` : ''}`,
    `corpus audit: ${corpus.verdict} (${config.corpusAudit.uri}, ${corpus.key})`,
    `judge: ${judge.id} (${judge.family}), base: ${base.id} (${base.family}), rubric version ${config.rubricVersion}`,
    `drift: suite ${config.drift.suiteVersion}; a drop of ≤ ${config.drift.noisePoints} point(s) passes, > ${config.drift.failPoints} fails`,
    `arena: effect floor ${config.arena.effectFloor} needs ${needed} non-tied comparisons (${DEFAULT_ARENA_CONFIDENCE * 100}% confidence, ${DEFAULT_ARENA_POWER * 100}% power); pinned sample ${config.arena.sampleSize}${config.arena.maxSampleSize ? `, up to ${config.arena.maxSampleSize}` : ''}`,
    `error budget: ${config.errorBudget.maxErrorRate * 100}% of calls`,
  ];
  return lines.join('\n') + '\n';
}

export function formatConflict(error: RunConflictError, existing: RunRecord | undefined, requested: RunConfig): string {
  const lines = [`refused: ${error.message}`];
  if (existing) {
    lines.push(`  pinned ${existing.registeredAt} (config hash ${existing.configHash}); a registered run's configuration never changes:`);
    for (const field of error.fields) lines.push(`  ${field}: ${show(valueAt(existing.config, field))} (pinned) → ${show(valueAt(requested, field))} (requested)`);
    lines.push('  register the new configuration under a new runId');
  }
  return lines.join('\n') + '\n';
}

function valueAt(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), value);
}

function show(value: unknown): string {
  return value === undefined ? '(unset)' : JSON.stringify(value);
}
