import { hash } from 'node:crypto';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import { auditConfigHash, type AuditConfig } from './audit-config';
import type { ArtifactSink, CorpusSource } from './audit-ports';
import type { AuditReport, RuleSummary } from './audit-report';
import { decideAuditVerdict } from './audit-verdict';
import { formatPath, parseCorpusLine, type CorpusRow } from './corpus-row';
import { maskSpans } from './evidence-mask';
import type { Check, Finding } from './finding';
import type { Embedder } from './embedder';
import { paraphrasePass, type ParaphraseResult, type ParaphraseRow } from './paraphrase-pass';
import { judgeRelabel, RelabelSampler, type Relabeler } from './judge-relabel';
import { LabelNoiseCollector } from './label-noise';
import { decodeLine, newLineReaderStats, readLines, type RawLine } from './line-reader';
import { Shingler } from './shingles';
import { NearDuplicateIndex } from './near-duplicate-index';
import { RowScanner, type MaskSpan } from './row-scanner';
import { SkewCollector } from './skew';

/**
 * The corpus audit, independent of where the corpus lives. Pass 1 streams the input once and decides every line
 * (row checks, exact and near-duplicates, leakage, label features, skew); pass 2 streams it again and writes the
 * clean corpus, the quarantine and the findings. Two passes keep memory bounded by the decisions, not the text,
 * and let a later row (an eval row in the same file) change the decision for an earlier one.
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

export interface AuditResult {
  report: AuditReport;
  /** Findings per affected line, as written to findings.jsonl.gz. */
  findings: Map<number, LineFindings>;
}

export interface LineFindings {
  id?: string;
  quarantined: boolean;
  findings: Finding[];
}

type Group = 'train' | 'eval';

const PROGRESS_EVERY = 4096;

export async function auditCorpus(input: AuditCorpusInput): Promise<AuditResult> {
  const { config } = input;
  const now = input.now ?? (() => new Date());
  const startedAt = now();
  const started = performance.now();
  const scanner = new RowScanner(config);
  const shingler = new Shingler({ shingleSize: config.dedup.shingleSize });
  const dedupOptions = { bands: config.dedup.bands, rowsPerBand: config.dedup.rowsPerBand, threshold: config.dedup.threshold };

  // Per group: exact keys → first line, and the near-duplicate index of representatives.
  const groups: Record<Group, { normalized: Map<number, number>; prompts: Map<number, number>; near: NearDuplicateIndex }> = {
    train: { normalized: new Map(), prompts: new Map(), near: new NearDuplicateIndex(dedupOptions) },
    eval: { normalized: new Map(), prompts: new Map(), near: new NearDuplicateIndex(dedupOptions) },
  };
  const heldoutFile = { rows: 0, normalized: new Map<number, number>(), prompts: new Map<number, number>(), near: new NearDuplicateIndex(dedupOptions), parseErrors: 0 };

  const affected = new Map<number, LineFindings>();
  const quarantined = new Set<number>();
  const clusterHeads = new Set<number>();
  const labelNoise = config.labelNoise.enabled ? new LabelNoiseCollector({ seed: config.labelNoise.seed, maxRows: config.labelNoise.maxRows }) : undefined;
  const labelLines: number[] = [];
  if (config.labelNoise.judgeModel && !input.relabeler) throw new Error(`labelNoise.judgeModel ${config.labelNoise.judgeModel} is configured but no relabeler was given`);
  const relabelSample = config.labelNoise.enabled && input.relabeler ? new RelabelSampler({ n: config.labelNoise.judgeSample, seed: config.labelNoise.seed }) : undefined;
  const skew = new SkewCollector();
  let evalRows = 0;

  const addFindings = (line: number, id: string | undefined, findings: Finding[]) => {
    if (findings.length === 0) return;
    let entry = affected.get(line);
    if (!entry) affected.set(line, (entry = { id, quarantined: false, findings: [] }));
    entry.findings.push(...findings);
    if (findings.some((f) => f.action === 'quarantine')) {
      entry.quarantined = true;
      quarantined.add(line);
    }
  };

  // Held-out file first: training rows are tested against all of it.
  if (config.leakage.enabled && input.heldout) {
    for await (const raw of readLines(await input.heldout.open(), { maxLineBytes: config.limits.maxLineBytes })) {
      const parsed = raw.tooLong ? undefined : parseCorpusLine(decodeLine(raw.bytes).text);
      if (!parsed?.ok) {
        heldoutFile.parseErrors++;
        continue;
      }
      heldoutFile.rows++;
      const sh = shingler.row(parsed.row.segments);
      if (!heldoutFile.normalized.has(sh.key)) heldoutFile.normalized.set(sh.key, firstEntry(raw.lineNumber, 0));
      if (heldoutFile.near.query(sh.shingles) === undefined) heldoutFile.near.insert(raw.lineNumber, sh.shingles);
      if (sh.promptTokens >= config.leakage.minPromptWords && !heldoutFile.prompts.has(sh.promptKey)) {
        heldoutFile.prompts.set(sh.promptKey, raw.lineNumber);
      }
    }
  }

  // Pass 1: decide every line.
  const stats1 = newLineReaderStats();
  let rows = 0;
  for await (const raw of readLines(await input.source.open(), { maxLineBytes: config.limits.maxLineBytes }, stats1)) {
    rows++;
    if (rows % PROGRESS_EVERY === 0) input.onProgress?.({ pass: 1, lines: stats1.lines, bytes: stats1.bytes });
    const line = raw.lineNumber;
    const problem = lineProblem(raw);
    if (problem) {
      addFindings(line, undefined, [problem]);
      continue;
    }
    const decoded = decodeLine(raw.bytes);
    if (!decoded.valid) {
      addFindings(line, undefined, [parseFinding('parse.invalid-utf8', 'line is not valid UTF-8')]);
      continue;
    }
    const parsed = parseCorpusLine(decoded.text);
    if (!parsed.ok) {
      addFindings(line, undefined, [parseFinding(parsed.rule, parsed.reason)]);
      continue;
    }
    const row = parsed.row;
    const findings: Finding[] = [];
    scanner.scanRow(row, findings);

    const group: Group = config.leakage.enabled && row.split !== undefined && config.leakage.heldoutSplits.includes(row.split.toLowerCase()) ? 'eval' : 'train';
    if (group === 'eval') evalRows++;
    const g = groups[group];
    const other = groups[group === 'train' ? 'eval' : 'train'];
    const sh = shingler.row(row.segments);
    const shingles = sh.shingles;
    const normalizedKey = sh.key;
    const tokens = sh.tokens;
    // The same band keys serve every index queried for this row: all share the band parameters.
    const keys = g.near.keysOf(shingles);
    let duplicate = false;

    if (config.dedup.exact) {
      // One map per group: normalised key → first line and a hash of its raw bytes, so a repeat is known to be
      // byte-identical ("exact") or identical after normalisation, with one lookup.
      const first = g.normalized.get(normalizedKey);
      if (first !== undefined) {
        const exact = (first & RAW_MASK) === rawHash(raw.bytes);
        const of = lineOf(first);
        findings.push(dupFinding('duplicate', exact ? 'duplicate.exact' : 'duplicate.normalized', of, 1));
        clusterHeads.add(of);
        duplicate = true;
      } else g.normalized.set(normalizedKey, firstEntry(line, rawHash(raw.bytes)));
    }

    // Leakage: a training row that repeats a held-out row (held-out file, or eval rows of the same file).
    if (config.leakage.enabled) {
      const promptKey = sh.promptTokens >= config.leakage.minPromptWords ? sh.promptKey : undefined;
      if (group === 'train') {
        const leak = leakageOf(normalizedKey, promptKey, shingles, keys, heldoutFile, 'held-out file') ?? leakageOf(normalizedKey, promptKey, shingles, keys, other, 'eval split');
        if (leak) findings.push(leak);
      } else {
        // An eval row found after the training row it repeats: quarantine that earlier training row.
        const leakedTrain = leakedTrainLine(normalizedKey, promptKey, shingles, keys, other);
        if (leakedTrain) {
          addFindings(leakedTrain.line, undefined, [{ ...leakageFinding('leakage.eval-split', leakedTrain.similarity), duplicateOf: line, evidence: `repeats eval row at line ${line}` }]);
        }
      }
      if (promptKey !== undefined && !g.prompts.has(promptKey)) g.prompts.set(promptKey, line);
    }

    if (!duplicate && config.dedup.near) {
      const match = g.near.query(shingles, keys);
      if (match) {
        findings.push(dupFinding('near_duplicate', 'near_duplicate.minhash', match.id, match.similarity));
        clusterHeads.add(match.id);
        duplicate = true;
      } else g.near.insert(line, shingles, keys);
    }

    const chars = row.segments.reduce((sum, s) => sum + s.text.length, 0);
    if (group === 'train' && !duplicate) {
      if (row.label !== undefined && (labelNoise || relabelSample)) {
        // The classifier reads a row's opening: a system prompt shared by every row would be all it sees.
        const text = labelText(row);
        labelNoise?.add(labelLines.length, row.label, text);
        relabelSample?.add(labelLines.length, row.label, text);
        labelLines.push(line);
      }
    }
    // Approximate tokens: words, or characters / 4 for scripts without spaces, whichever is larger.
    skew.add({ label: row.label, source: row.source, chars, tokens: Math.max(tokens, Math.round(chars / 4)) });
    addFindings(line, row.id, findings);
  }
  input.onProgress?.({ pass: 1, lines: stats1.lines, bytes: stats1.bytes });

  // Label noise needs the whole corpus: suspects are flagged for review, never removed (a classifier's doubt is no proof).
  const labelResult = labelNoise?.finish({ folds: config.labelNoise.folds });
  if (labelResult && !labelResult.skipped) {
    for (const suspect of labelResult.suspects) {
      const line = labelLines[suspect.rowIndex]!;
      addFindings(line, undefined, [
        {
          check: 'label_noise',
          rule: 'label_noise.confident-learning',
          severity: 'low',
          action: 'warn',
          evidence: `labelled ${JSON.stringify(suspect.givenLabel)}, likely ${JSON.stringify(suspect.suggestedLabel)} (p=${suspect.suggestedConfidence.toFixed(2)})`,
        },
      ]);
    }
  }
  // Paraphrases: rows still clean after pass 1, embedded and compared by cosine (a re-read of the input).
  if (config.paraphrase.model && !input.embedder) throw new Error(`paraphrase.model ${config.paraphrase.model} is configured but no embedder was given`);
  let paraphrase: ParaphraseResult | undefined;
  if (input.embedder) {
    paraphrase = await paraphrasePass(paraphraseRows(input.source, config, quarantined), {
      embedder: input.embedder,
      threshold: config.paraphrase.threshold,
      batchSize: config.paraphrase.batchSize,
      concurrency: config.paraphrase.concurrency,
      maxChars: config.paraphrase.maxChars,
      maxErrorShare: config.paraphrase.maxErrorShare,
      signal: input.signal,
    });
    for (const pair of paraphrase.pairs) {
      addFindings(pair.line, undefined, [
        {
          check: 'near_duplicate',
          rule: 'near_duplicate.embedding',
          severity: 'low',
          action: 'quarantine',
          evidence: `cosine ${pair.similarity.toFixed(3)} with line ${pair.duplicateOf} (${paraphrase.model})`,
          duplicateOf: pair.duplicateOf,
          similarity: round3(pair.similarity),
        },
      ]);
      clusterHeads.add(pair.duplicateOf);
    }
  }

  const judged = relabelSample && input.relabeler ? await judgeRelabel(relabelSample.sample(), relabelSample.labels(), input.relabeler, { concurrency: 4 }) : undefined;
  const skewResult = skew.finish({ maxImbalance: config.skew.maxImbalance, maxTokens: config.skew.maxTokens });

  // Pass 2: write clean, quarantine and findings.
  const clean = openGzip(input.sink, 'clean.jsonl.gz');
  const quarantine = openGzip(input.sink, 'quarantine.jsonl.gz');
  const stats2 = newLineReaderStats();
  let cleanCount = 0;
  let quarantineCount = 0;
  let seen = 0;
  for await (const raw of readLines(await input.source.open(), { maxLineBytes: config.limits.maxLineBytes }, stats2)) {
    seen++;
    if (seen % PROGRESS_EVERY === 0) input.onProgress?.({ pass: 2, lines: stats2.lines, bytes: stats2.bytes });
    const entry = affected.get(raw.lineNumber);
    if (entry?.quarantined) {
      quarantineCount++;
      await quarantine.write(Buffer.from(JSON.stringify(quarantineRecord(raw, entry, scanner)) + '\n'));
    } else {
      cleanCount++;
      await clean.write(raw.bytes);
      await clean.write(NEWLINE);
    }
  }
  if (seen !== rows || stats2.truncated !== stats1.truncated) {
    throw new Error(`corpus changed between passes (${rows} rows, then ${seen}): audit aborted`);
  }
  const findingsOut = openGzip(input.sink, 'findings.jsonl.gz');
  const lines = [...affected.keys()].sort((a, b) => a - b);
  for (const line of lines) {
    const entry = affected.get(line)!;
    await findingsOut.write(Buffer.from(JSON.stringify(findingsRecord(line, entry)) + '\n'));
  }
  await Promise.all([clean.close(), quarantine.close(), findingsOut.close()]);

  const finishedAt = now();
  const durationMs = performance.now() - started;
  const summary = summarise(affected);
  const counts = {
    lines: stats1.lines,
    blankLines: stats1.blankLines,
    rows,
    clean: cleanCount,
    quarantined: quarantineCount,
    warned: [...affected.values()].filter((e) => !e.quarantined).length,
    evalRows,
  };
  const verdict = decideAuditVerdict({ config, counts, rules: summary.rules, labelNoise: labelResult, judgeRelabel: judged, paraphrase, skew: skewResult, truncated: stats1.truncated });
  const report: AuditReport = {
    auditId: input.auditId,
    corpus: { uri: input.source.uri, bytes: stats1.bytes, compressed: stats1.compressed, ...(stats1.truncated ? { truncated: stats1.truncated } : {}) },
    startedAt: startedAt.toISOString(),
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
      clusters: clusterHeads.size,
    },
    leakage: {
      enabled: config.leakage.enabled,
      heldout: input.heldout?.uri,
      heldoutRows: heldoutFile.rows,
      heldoutParseErrors: heldoutFile.parseErrors,
      evalSplitRows: evalRows,
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
      rowsPerSecond: Math.round(rows / (durationMs / 1000)),
      mbPerSecond: Number((stats1.bytes / 1e6 / (durationMs / 1000)).toFixed(1)),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    },
    artifacts: { clean: clean.uri, quarantine: quarantine.uri, findings: findingsOut.uri },
  };
  return { report, findings: affected };
}

const NEWLINE = Buffer.from('\n');
const RAW_BITS = 2 ** 21;
const RAW_MASK = RAW_BITS - 1;

/** 21 bits of a line's SHA-1 (native, faster than any byte loop in JS): tells a byte-identical repeat from a normalised one. */
function rawHash(bytes: Buffer): number {
  return parseInt(hash('sha1', bytes, 'hex').slice(0, 6), 16) & RAW_MASK;
}

/** A line number and a raw hash in one safe integer (line < 2^32). */
function firstEntry(line: number, raw: number): number {
  return line * RAW_BITS + raw;
}

function lineOf(entry: number): number {
  return Math.floor(entry / RAW_BITS);
}

/** What a row's label is about: its user and assistant turns, without system prompts. */
function labelText(row: CorpusRow): string {
  let out = '';
  for (const s of row.segments) if (s.role !== 'system') out += (out === '' ? '' : '\n') + s.text;
  return out;
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

function lineProblem(raw: RawLine): Finding | undefined {
  if (raw.partial) return parseFinding('parse.truncated-line', `input ends inside this line (${raw.byteLength} bytes read)`);
  if (raw.tooLong) return parseFinding('parse.line-too-long', `line is ${raw.byteLength} bytes, over the limit`);
  return undefined;
}

function parseFinding(rule: string, reason: string): Finding {
  return { check: 'parse', rule, severity: 'medium', action: 'quarantine', evidence: reason };
}

function dupFinding(check: 'duplicate' | 'near_duplicate', rule: string, of: number, similarity: number): Finding {
  return {
    check,
    rule,
    severity: 'low',
    action: 'quarantine',
    evidence: check === 'duplicate' ? `same as line ${of}` : `Jaccard ${similarity.toFixed(3)} with line ${of}`,
    duplicateOf: of,
    ...(check === 'near_duplicate' ? { similarity: round3(similarity) } : {}),
  };
}

function leakageFinding(rule: string, similarity: number): Finding {
  return { check: 'leakage', rule, severity: 'high', action: 'quarantine', evidence: '', similarity: round3(similarity) };
}

interface LeakIndex {
  normalized: Map<number, number>;
  prompts: Map<number, number>;
  near: NearDuplicateIndex;
}

function leakageOf(normalizedKey: number, promptKey: number | undefined, shingles: Uint32Array, keys: Uint32Array, index: LeakIndex, where: string): Finding | undefined {
  const rule = where === 'held-out file' ? 'leakage.heldout' : 'leakage.eval-split';
  const entry = index.normalized.get(normalizedKey);
  if (entry !== undefined) {
    const exact = lineOf(entry);
    return { ...leakageFinding(rule, 1), duplicateOf: exact, evidence: `repeats ${where} line ${exact}` };
  }
  if (promptKey !== undefined) {
    const prompt = index.prompts.get(promptKey);
    if (prompt !== undefined) return { ...leakageFinding(rule, 1), duplicateOf: prompt, evidence: `asks the same as ${where} line ${prompt}` };
  }
  const near = index.near.query(shingles, keys);
  if (near) return { ...leakageFinding(rule, near.similarity), duplicateOf: near.id, evidence: `Jaccard ${near.similarity.toFixed(3)} with ${where} line ${near.id}` };
  return undefined;
}

function leakedTrainLine(normalizedKey: number, promptKey: number | undefined, shingles: Uint32Array, keys: Uint32Array, train: LeakIndex): { line: number; similarity: number } | undefined {
  const entry = train.normalized.get(normalizedKey);
  if (entry !== undefined) return { line: lineOf(entry), similarity: 1 };
  if (promptKey !== undefined) {
    const prompt = train.prompts.get(promptKey);
    if (prompt !== undefined) return { line: prompt, similarity: 1 };
  }
  const near = train.near.query(shingles, keys);
  return near ? { line: near.id, similarity: near.similarity } : undefined;
}

/** The quarantined line with every secret and PII value masked: the quarantine is safe to share. */
function quarantineRecord(raw: RawLine, entry: LineFindings, scanner: RowScanner): Record<string, unknown> {
  const base = { line: raw.lineNumber, ...(entry.id !== undefined ? { id: entry.id } : {}), reasons: [...new Set(entry.findings.filter((f) => f.action === 'quarantine').map((f) => f.rule))] };
  const decoded = decodeLine(raw.bytes);
  const parsed = raw.tooLong || raw.partial || !decoded.valid ? undefined : parseCorpusLine(decoded.text);
  if (parsed?.ok) {
    const spans: MaskSpan[] = [];
    scanner.scanRow(parsed.row, [], spans);
    return { ...base, row: maskRow(parsed.row, spans) };
  }
  const text = decoded.text;
  return { ...base, text: maskSpans(text, scanner.maskableSpans(text)), ...(raw.tooLong ? { bytes: raw.byteLength, keptBytes: raw.bytes.length } : {}) };
}

function maskRow(row: CorpusRow, spans: MaskSpan[]): Record<string, unknown> {
  if (spans.length === 0) return row.value;
  const value = structuredClone(row.value);
  const byPath = new Map<string, MaskSpan[]>();
  for (const span of spans) {
    const key = formatPath(span.path);
    byPath.set(key, [...(byPath.get(key) ?? []), span]);
  }
  for (const group of byPath.values()) {
    const path = group[0]!.path;
    let parent: Record<string | number, unknown> = value;
    for (const part of path.slice(0, -1)) parent = parent[part] as Record<string | number, unknown>;
    const last = path[path.length - 1]!;
    const original = parent[last];
    // Object-valued tool arguments were scanned as their JSON text; that text, masked, replaces them.
    parent[last] = maskSpans(typeof original === 'string' ? original : JSON.stringify(original), group);
  }
  return value;
}

function findingsRecord(line: number, entry: LineFindings): Record<string, unknown> {
  return {
    line,
    ...(entry.id !== undefined ? { id: entry.id } : {}),
    action: entry.quarantined ? 'quarantined' : 'kept',
    findings: entry.findings.map((f) => ({
      check: f.check,
      rule: f.rule,
      severity: f.severity,
      action: f.action,
      evidence: f.evidence,
      ...(f.field ? { field: f.field } : {}),
      ...(f.duplicateOf !== undefined ? { duplicateOf: f.duplicateOf } : {}),
      ...(f.similarity !== undefined ? { similarity: f.similarity } : {}),
    })),
  };
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

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

const BATCH_BYTES = 256 * 1024;

/** A gzip artifact written in batches: one zlib call per 256 KiB instead of one per line. */
function openGzip(sink: ArtifactSink, name: string): { uri: string; write: (chunk: Buffer) => Promise<void>; close: () => Promise<void> } {
  const writer = sink.open(name, 'application/gzip');
  // Level 1: compressing the clean corpus at level 6 costs as much CPU as auditing it; level 1 is ~3× faster for ~15% more bytes.
  const gzip = createGzip({ level: 1 });
  gzip.pipe(writer.stream);
  let failure: Error | undefined;
  writer.stream.on('error', (error) => (failure = error));
  gzip.on('error', (error) => (failure = error));
  let batch: Buffer[] = [];
  let batchBytes = 0;
  const flush = async () => {
    if (batchBytes === 0) return;
    const chunk = Buffer.concat(batch, batchBytes);
    batch = [];
    batchBytes = 0;
    if (!gzip.write(chunk)) await once(gzip, 'drain');
    if (failure) throw failure;
  };
  return {
    uri: writer.uri,
    write: async (chunk: Buffer) => {
      batch.push(chunk);
      batchBytes += chunk.length;
      if (batchBytes >= BATCH_BYTES) await flush();
    },
    close: async () => {
      await flush();
      gzip.end();
      await once(gzip, 'end');
      if (failure) throw failure;
      await writer.done();
    },
  };
}
