import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { ZodError } from 'zod';
import { parseAuditConfig, type AuditConfig } from '../../functions/audit/audit-config';
import type { CorpusSource } from '../../functions/audit/audit-ports';
import { runAuditJob } from '../../functions/audit/audit-job';
import { relabelerFor } from '../../functions/audit/model-relabeler';
import { createEmbedder } from '../../functions/stores/embedder-factory';
import type { AuditReport } from '../../functions/audit/audit-report';
import { FileArtifactSink } from '../../functions/stores/file-artifact-sink';
import { FileCorpusSource } from '../../functions/stores/file-corpus-source';
import { S3CorpusSource } from '../../functions/stores/s3-corpus-source';
import { parseS3Uri } from '../../functions/stores/s3-uri';
import { UsageError } from './usage-error';

export const AUDIT_HELP = `Usage: finegate audit <file|s3://bucket/key> [--heldout <file|s3://…>] [--config <file>] [--out <dir>]

Audits a JSONL or JSONL.gz fine-tuning corpus (OpenAI chat, Bedrock conversation, prompt/completion,
instruction/input/output) with the same code the corpus-audit Lambda runs, and writes to --out:
  clean.jsonl.gz       rows that passed, byte for byte
  quarantine.jsonl.gz  removed rows with their reasons (secrets and PII masked)
  findings.jsonl.gz    one line per affected row: line number, id, action, findings
  report.json / report.md / report.html

Options:
  --heldout <path>   held-out/eval corpus: training rows that repeat it are quarantined as leakage
  --config <file>    audit configuration (JSON or YAML); see README "Configuration"
  --out <dir>        output folder (default: ./finegate-audit/<corpus name>)
  --quiet            no progress bar

Exit codes: 0 PASS or WARN, 1 FAIL or INCONCLUSIVE, 2 bad usage or unreadable input.
`;

export async function auditCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { heldout: { type: 'string' }, config: { type: 'string' }, out: { type: 'string' }, quiet: { type: 'boolean', default: false } },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [input, ...extra] = parsed.positionals;
  if (!input) throw new UsageError('which corpus? give a file or an s3:// URI (see --help)');
  if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra[0]}`);
  const config = await loadAuditConfig(parsed.values.config);
  if (parsed.values.heldout) config.leakage.heldoutUri = parsed.values.heldout;
  const source = sourceFor(input);
  const heldout = config.leakage.heldoutUri ? sourceFor(config.leakage.heldoutUri) : undefined;
  await assertReadable(source);
  if (heldout) await assertReadable(heldout);

  const out = parsed.values.out ?? `finegate-audit/${basename(input).replace(/\.jsonl(\.gz)?$|\.gz$/, '')}`;
  const sink = new FileArtifactSink(out);
  const progress = !parsed.values.quiet && process.stderr.isTTY ? new ProgressLine() : undefined;
  const report = await runAuditJob({ auditId: randomUUID(), source, heldout, sink, config, relabeler: relabelerFor(config), embedder: config.paraphrase.model ? createEmbedder(config.paraphrase.model, config.paraphrase.dimensions) : undefined, onProgress: (p) => progress?.update(p) });
  progress?.clear();
  process.stdout.write(formatAuditSummary(report, sink.dir));
  return report.verdict === 'PASS' || report.verdict === 'WARN' ? 0 : 1;
}

export async function loadAuditConfig(path: string | undefined): Promise<AuditConfig> {
  if (!path) return parseAuditConfig({});
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read config ${path}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new UsageError(`config ${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`);
  }
  try {
    return parseAuditConfig(raw);
  } catch (error) {
    if (error instanceof ZodError) {
      const issue = error.issues[0]!;
      throw new UsageError(`config ${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    throw error;
  }
}

function sourceFor(uri: string): CorpusSource {
  if (uri.startsWith('s3://')) {
    const { bucket, key } = parseS3Uri(uri);
    return new S3CorpusSource(bucket, key);
  }
  return new FileCorpusSource(uri);
}

async function assertReadable(source: CorpusSource): Promise<void> {
  try {
    if (source instanceof S3CorpusSource) await source.resolve();
    else {
      const stream = (await source.open()) as AsyncIterable<Uint8Array> & { destroy?: () => void };
      stream.destroy?.();
    }
  } catch (error) {
    throw new UsageError(`cannot read ${source.uri}: ${(error as Error).message}`);
  }
}

export function formatAuditSummary(report: AuditReport, outDir: string): string {
  const c = report.counts;
  const lines = [
    `verdict: ${report.verdict}`,
    `rows: ${c.rows}  clean: ${c.clean}  quarantined: ${c.quarantined}  kept with warnings: ${c.warned}`,
    ...report.reasons.slice(0, 8).map((r) => `  - ${r}`),
    ...(report.reasons.length > 8 ? [`  … ${report.reasons.length - 8} more in the report`] : []),
    `speed: ${report.performance.rowsPerSecond} rows/s, ${report.performance.mbPerSecond} MB/s`,
    `report: ${outDir}/report.md (also report.html, report.json; clean.jsonl.gz, quarantine.jsonl.gz, findings.jsonl.gz)`,
  ];
  return lines.join('\n') + '\n';
}

class ProgressLine {
  private last = 0;
  update(p: { pass: 1 | 2; lines: number; bytes: number }): void {
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    process.stderr.write(`\r  pass ${p.pass}/2  ${p.lines.toLocaleString('en-US')} lines  ${(p.bytes / 1e6).toFixed(1)} MB   `);
  }
  clear(): void {
    process.stderr.write('\r\x1b[2K');
  }
}
