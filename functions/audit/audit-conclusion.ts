import { auditConfigHash, type AuditConfig } from './audit-config';
import { writeAuditArtifacts } from './audit-artifacts';
import type { AuditLedger, LineFindings } from './audit-ledger';
import type { ArtifactSink, CorpusSource } from './audit-ports';
import type { AuditReport, RuleSummary } from './audit-report';
import { decideAuditVerdict } from './audit-verdict';
import { parseCorpusLine } from './corpus-row';
import type { Embedder } from './embedder';
import type { Check } from './finding';
import { judgeRelabel, type Relabeler } from './judge-relabel';
import { decodeLine, readLines } from './line-reader';
import { paraphrasePass, type ParaphraseResult, type ParaphraseRow } from './paraphrase-pass';
import type { RowScanner } from './row-scanner';

/**
 * Everything after pass 1, whoever ran it (one Lambda, or the shards and their reduce): label noise, paraphrases,
 * the judge's re-labelling, skew, pass 2 (clean, quarantine, findings), the verdict and the report.
 */

export interface AuditResult {
  report: AuditReport;
  /** Findings per affected line, as written to findings.jsonl.gz. */
  findings: Map<number, LineFindings>;
}

/** What pass 1 read from the corpus. */
export interface Pass1Stats {
  lines: number;
  blankLines: number;
  /** Non-blank lines. */
  rows: number;
  /** Decompressed bytes. */
  bytes: number;
  compressed: boolean;
  truncated?: string;
}

export interface ConcludeAuditInput {
  auditId: string;
  source: CorpusSource;
  heldout?: CorpusSource;
  sink: ArtifactSink;
  config: AuditConfig;
  ledger: AuditLedger;
  scanner: RowScanner;
  pass1: Pass1Stats;
  startedAt: Date;
  now: () => Date;
  /** Milliseconds since the audit started. */
  elapsedMs: () => number;
  relabeler?: Relabeler;
  embedder?: Embedder;
  signal?: AbortSignal;
  onProgress?: (progress: { pass: 1 | 2; lines: number; bytes: number }) => void;
}

export async function concludeAudit(input: ConcludeAuditInput): Promise<AuditResult> {
  const { config, ledger, pass1 } = input;
  const labelResult = ledger.finishLabelNoise();
  // Paraphrases: rows still clean after pass 1, embedded and compared by cosine (a re-read of the input).
  if (config.paraphrase.model && !input.embedder) throw new Error(`paraphrase.model ${config.paraphrase.model} is configured but no embedder was given`);
  let paraphrase: ParaphraseResult | undefined;
  if (input.embedder) {
    paraphrase = await paraphrasePass(paraphraseRows(input.source, config, ledger.quarantined), {
      embedder: input.embedder,
      threshold: config.paraphrase.threshold,
      batchSize: config.paraphrase.batchSize,
      concurrency: config.paraphrase.concurrency,
      maxChars: config.paraphrase.maxChars,
      maxErrorShare: config.paraphrase.maxErrorShare,
      signal: input.signal,
    });
    for (const pair of paraphrase.pairs) {
      ledger.addFindings(pair.line, undefined, [
        {
          check: 'near_duplicate',
          rule: 'near_duplicate.embedding',
          severity: 'low',
          action: 'quarantine',
          evidence: `cosine ${pair.similarity.toFixed(3)} with line ${pair.duplicateOf} (${paraphrase.model})`,
          duplicateOf: pair.duplicateOf,
          similarity: Math.round(pair.similarity * 1000) / 1000,
        },
      ]);
      ledger.clusterHeads.add(pair.duplicateOf);
    }
  }

  const sample = ledger.relabelSample;
  const judged = sample && input.relabeler ? await judgeRelabel(sample.sample(), sample.labels(), input.relabeler, { concurrency: 4 }) : undefined;
  const skewResult = ledger.skew.finish({ maxImbalance: config.skew.maxImbalance, maxTokens: config.skew.maxTokens });

  const artifacts = await writeAuditArtifacts({
    source: input.source,
    sink: input.sink,
    config,
    scanner: input.scanner,
    affected: ledger.affected,
    pass1: { rows: pass1.rows, truncated: pass1.truncated },
    onProgress: input.onProgress,
  });

  const finishedAt = input.now();
  const durationMs = input.elapsedMs();
  const affected = ledger.affected;
  const summary = summarise(affected);
  const counts = {
    lines: pass1.lines,
    blankLines: pass1.blankLines,
    rows: pass1.rows,
    clean: artifacts.clean,
    quarantined: artifacts.quarantined,
    warned: [...affected.values()].filter((e) => !e.quarantined).length,
    evalRows: ledger.evalRows,
  };
  const verdict = decideAuditVerdict({ config, counts, rules: summary.rules, labelNoise: labelResult, judgeRelabel: judged, paraphrase, skew: skewResult, truncated: pass1.truncated });
  const report: AuditReport = {
    auditId: input.auditId,
    corpus: { uri: input.source.uri, bytes: pass1.bytes, compressed: pass1.compressed, ...(pass1.truncated ? { truncated: pass1.truncated } : {}) },
    startedAt: input.startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    verdict: verdict.verdict,
    reasons: verdict.reasons,
    configHash: auditConfigHash(config),
    config,
    counts,
    findingsByCheck: summary.byCheck,
    rules: summary.rules,
    dedup: {
      threshold: config.dedup.threshold,
      bands: config.dedup.bands,
      rowsPerBand: config.dedup.rowsPerBand,
      shingleSize: config.dedup.shingleSize,
      exactDuplicates: countRule(summary.rules, 'duplicate.exact'),
      normalizedDuplicates: countRule(summary.rules, 'duplicate.normalized'),
      nearDuplicates: countRule(summary.rules, 'near_duplicate.minhash'),
      clusters: ledger.clusterHeads.size,
    },
    leakage: {
      enabled: config.leakage.enabled,
      heldout: input.heldout?.uri,
      heldoutRows: ledger.heldout.rows,
      heldoutParseErrors: ledger.heldout.parseErrors,
      evalSplitRows: ledger.evalRows,
      leakedRows: summary.byCheck.leakage ?? 0,
    },
    paraphrase: paraphrase
      ? {
          model: paraphrase.model,
          threshold: paraphrase.threshold,
          pairs: paraphrase.pairs.length,
          embedded: paraphrase.embedded,
          errors: paraphrase.errors,
          calls: paraphrase.calls,
          incomplete: paraphrase.incomplete,
          ...(paraphrase.reason ? { reason: paraphrase.reason } : {}),
        }
      : { skipped: 'no embedding model configured: paraphrases below the MinHash threshold are not detected' },
    labelNoise: labelResult,
    ...(judged ? { judgeRelabel: { ...judged, judgeModel: config.labelNoise.judgeModel! } } : {}),
    skew: skewResult,
    performance: {
      durationMs: Math.round(durationMs),
      rowsPerSecond: Math.round(pass1.rows / (durationMs / 1000)),
      mbPerSecond: Number((pass1.bytes / 1e6 / (durationMs / 1000)).toFixed(1)),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    },
    artifacts: artifacts.uris,
  };
  return { report, findings: affected };
}

/**
 * The rows the paraphrase pass embeds: parsed rows not already quarantined, without system turns (a system prompt
 * shared by every row would pull all embeddings together).
 */
async function* paraphraseRows(source: CorpusSource, config: AuditConfig, quarantined: ReadonlySet<number>): AsyncGenerator<ParaphraseRow> {
  for await (const raw of readLines(await source.open(), { maxLineBytes: config.limits.maxLineBytes })) {
    if (quarantined.has(raw.lineNumber) || raw.tooLong || raw.partial) continue;
    const decoded = decodeLine(raw.bytes);
    const parsed = decoded.valid ? parseCorpusLine(decoded.text) : undefined;
    if (!parsed?.ok) continue;
    const text = parsed.row.segments
      .filter((s) => s.role !== 'system')
      .map((s) => s.text)
      .join('\n');
    yield { line: raw.lineNumber, text };
  }
}

function summarise(affected: Map<number, LineFindings>): { byCheck: Partial<Record<Check, number>>; rules: RuleSummary[] } {
  const byCheck: Partial<Record<Check, number>> = {};
  const rules = new Map<string, RuleSummary>();
  for (const [line, entry] of affected) {
    for (const f of entry.findings) {
      byCheck[f.check] = (byCheck[f.check] ?? 0) + 1;
      let r = rules.get(f.rule);
      if (!r) rules.set(f.rule, (r = { rule: f.rule, check: f.check, severity: f.severity, action: f.action, count: 0, examples: [] }));
      r.count++;
      if (r.examples.length < 3) r.examples.push({ line, evidence: f.evidence, ...(f.field ? { field: f.field } : {}) });
    }
  }
  const order = { critical: 0, high: 1, medium: 2, low: 3 } as const;
  return { byCheck, rules: [...rules.values()].sort((a, b) => order[a.severity] - order[b.severity] || b.count - a.count) };
}

function countRule(rules: RuleSummary[], rule: string): number {
  return rules.find((r) => r.rule === rule)?.count ?? 0;
}
