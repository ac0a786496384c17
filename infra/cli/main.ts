import { arenaCommand, ARENA_HELP } from './arena-command';
import { auditCommand, AUDIT_HELP } from './audit-command';
import { canaryCommand, CANARY_HELP } from './canary-command';
import { demoCommand, DEMO_HELP } from './demo-command';
import { dlqCommand, DLQ_HELP } from './dlq-command';
import { emitCommand, EMIT_HELP } from './emit-command';
import { gateCommand, GATE_HELP } from './gate-command';
import { localCommand, LOCAL_HELP } from './local-command';
import { reportCommand, REPORT_HELP } from './report-command';
import { runCommand, RUN_HELP } from './run-command';
import { UsageError } from './usage-error';
import { verdictsCommand, VERDICTS_HELP } from './verdicts-command';

const HELP = `finegate — gates for LLM fine-tunes

Usage: finegate <command> [options]

Commands:
  audit <file|s3://bucket/key>   audit a fine-tuning corpus (stage 1): duplicates, leakage, label noise,
                                 secrets, PII, injection, URLs, invisible Unicode, code, topics, skew
  run register <run.yaml>        pin a training run's thresholds before it starts (refused if they differ later)
  gate <runId> <checkpoint>      gate a checkpoint (stage 2): publish Checkpoint Ready, wait for and print its
                                 verdict: held-out score, drift per axis vs base, reasons, report
  verdicts <runId>               list a run's verdicts in checkpoint order (table or --json)
  report <runId>                 write one offline HTML page of a run's four gates (--out <file>)
  arena --base <ref> --candidate <ref> --judge <ref> --samples <file>
                                 pairwise comparison against the base (stage 3), judged by another model family
  canary status|rollback|promote the production canary (stage 4): alias weights, alarms, verdicts; roll back
                                 or promote now, with a reason
  emit checkpoint-ready <runId> <checkpoint> --candidate <ref> --step <n>
                                 publish Checkpoint Ready as a training job does, without waiting
  dlq list|redrive               the dead-letter queues: counts and reasons; send their messages back
  local up | status              run finegate on embedded services in the foreground (for --local), or check it
  demo                           the four gates end to end on the embedded local services (npm start)

Run 'finegate <command> --help' for a command's options.
`;

const COMMANDS: Record<string, { run: (args: string[]) => Promise<number>; help: string }> = {
  audit: { run: auditCommand, help: AUDIT_HELP },
  arena: { run: arenaCommand, help: ARENA_HELP },
  canary: { run: canaryCommand, help: CANARY_HELP },
  run: { run: runCommand, help: RUN_HELP },
  gate: { run: gateCommand, help: GATE_HELP },
  verdicts: { run: verdictsCommand, help: VERDICTS_HELP },
  report: { run: reportCommand, help: REPORT_HELP },
  local: { run: localCommand, help: LOCAL_HELP },
  dlq: { run: dlqCommand, help: DLQ_HELP },
  emit: { run: emitCommand, help: EMIT_HELP },
  demo: { run: demoCommand, help: DEMO_HELP },
};

/**
 * Returns the process exit code: 0 PASS/WARN, 1 FAIL or INCONCLUSIVE, 2 bad usage or unreadable input,
 * 3 no verdict within the timeout (gate).
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`finegate: unknown command '${name}'\n\n${HELP}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.help);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`finegate ${name}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
