import type { AuditConfig } from './audit-config';
import { concludeAudit, type AuditResult } from './audit-conclusion';
import { AuditLedger, labelText, rawHash, rowChars, rowGroup } from './audit-ledger';
import type { ArtifactSink, CorpusSource } from './audit-ports';
import type { Finding } from './finding';
import type { Embedder } from './embedder';
import type { Relabeler } from './judge-relabel';
import { rowOfLine } from './line-row';
import { newLineReaderStats, readLines } from './line-reader';
import { Shingler } from './shingles';
import { RowScanner } from './row-scanner';

export type { AuditResult } from './audit-conclusion';
export type { LineFindings } from './audit-ledger';

/**
 * The corpus audit, independent of where the corpus lives. Pass 1 streams the input once and decides every line
 * (row checks, exact and near-duplicates, leakage, label features, skew); pass 2 streams it again and writes the
 * clean corpus, the quarantine and the findings. Two passes keep memory bounded by the decisions, not the text,
 * and let a later row (an eval row in the same file) change the decision for an earlier one.
 * The sharded audit (shard-scan.ts, shard-reduce.ts) runs pass 1's parsing in parallel and the same decisions
 * (audit-ledger.ts) and conclusion (audit-conclusion.ts) in its reduce.
 */

export interface AuditCorpusInput {
  auditId: string;
  source: CorpusSource;
  heldout?: CorpusSource;
  sink: ArtifactSink;
  config: AuditConfig;
  onProgress?: (progress: { pass: 1 | 2; lines: number; bytes: number }) => void;
  now?: () => Date;
  /** Required when `labelNoise.judgeModel` is configured: the judge that re-labels the sample. */
  relabeler?: Relabeler;
  /** Required when `paraphrase.model` is configured. */
  embedder?: Embedder;
  /** Stops the paraphrase pass's model calls (the Lambda's deadline). */
  signal?: AbortSignal;
}

const PROGRESS_EVERY = 4096;

export async function auditCorpus(input: AuditCorpusInput): Promise<AuditResult> {
  const { config } = input;
  const now = input.now ?? (() => new Date());
  const startedAt = now();
  const started = performance.now();
  const scanner = new RowScanner(config);
  const shingler = new Shingler({ shingleSize: config.dedup.shingleSize });
  if (config.labelNoise.judgeModel && !input.relabeler) throw new Error(`labelNoise.judgeModel ${config.labelNoise.judgeModel} is configured but no relabeler was given`);
  const ledger = new AuditLedger(config, { relabel: input.relabeler !== undefined });

  // Held-out file first: training rows are tested against all of it.
  if (config.leakage.enabled && input.heldout) await ledger.readHeldout(input.heldout);

  // Pass 1: decide every line.
  const stats1 = newLineReaderStats();
  let rows = 0;
  for await (const raw of readLines(await input.source.open(), { maxLineBytes: config.limits.maxLineBytes }, stats1)) {
    rows++;
    if (rows % PROGRESS_EVERY === 0) input.onProgress?.({ pass: 1, lines: stats1.lines, bytes: stats1.bytes });
    const line = raw.lineNumber;
    const read = rowOfLine(raw);
    if (!read.ok) {
      ledger.addFindings(line, undefined, [read.finding]);
      continue;
    }
    const row = read.row;
    const findings: Finding[] = [];
    scanner.scanRow(row, findings);
    const sh = shingler.row(row.segments);
    ledger.addRow({
      line,
      id: row.id,
      group: rowGroup(row, config),
      rawHash: config.dedup.exact ? rawHash(raw.bytes) : 0,
      key: sh.key,
      promptKey: sh.promptTokens >= config.leakage.minPromptWords ? sh.promptKey : undefined,
      shingles: sh.shingles,
      // The same band keys serve every index queried for this row: all share the band parameters.
      keys: ledger.keysOf(sh.shingles),
      tokens: sh.tokens,
      chars: rowChars(row),
      label: row.label,
      source: row.source,
      findings,
      labelText: () => labelText(row),
    });
  }
  input.onProgress?.({ pass: 1, lines: stats1.lines, bytes: stats1.bytes });

  return concludeAudit({
    auditId: input.auditId,
    source: input.source,
    heldout: input.heldout,
    sink: input.sink,
    config,
    ledger,
    scanner,
    pass1: { lines: stats1.lines, blankLines: stats1.blankLines, rows, bytes: stats1.bytes, compressed: stats1.compressed, truncated: stats1.truncated },
    startedAt,
    now,
    elapsedMs: () => performance.now() - started,
    relabeler: input.relabeler,
    embedder: input.embedder,
    signal: input.signal,
    onProgress: input.onProgress,
  });
}
