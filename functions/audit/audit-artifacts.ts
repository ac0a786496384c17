import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import type { AuditConfig } from './audit-config';
import type { LineFindings } from './audit-ledger';
import type { ArtifactSink, CorpusSource } from './audit-ports';
import { formatPath, parseCorpusLine, type CorpusRow } from './corpus-row';
import { maskSpans } from './evidence-mask';
import { decodeLine, newLineReaderStats, readLines, type RawLine } from './line-reader';
import type { MaskSpan, RowScanner } from './row-scanner';

/**
 * Pass 2 of the audit: streams the corpus again and writes the clean corpus, the quarantine (masked) and the
 * findings, from pass 1's decisions. The input must be the one pass 1 read: a different row count or truncation
 * aborts the audit.
 */

export interface AuditArtifactsInput {
  source: CorpusSource;
  sink: ArtifactSink;
  config: AuditConfig;
  /** Masks the quarantined rows' secrets and PII. */
  scanner: RowScanner;
  affected: ReadonlyMap<number, LineFindings>;
  /** What pass 1 read: the rows and the truncation it saw. */
  pass1: { rows: number; truncated?: string };
  onProgress?: (progress: { pass: 1 | 2; lines: number; bytes: number }) => void;
}

export interface AuditArtifacts {
  uris: { clean: string; quarantine: string; findings: string };
  clean: number;
  quarantined: number;
}

const PROGRESS_EVERY = 4096;
const NEWLINE = Buffer.from('\n');

export async function writeAuditArtifacts(input: AuditArtifactsInput): Promise<AuditArtifacts> {
  const { affected, scanner } = input;
  const clean = openGzip(input.sink, 'clean.jsonl.gz');
  const quarantine = openGzip(input.sink, 'quarantine.jsonl.gz');
  const stats2 = newLineReaderStats();
  let cleanCount = 0;
  let quarantineCount = 0;
  let seen = 0;
  for await (const raw of readLines(await input.source.open(), { maxLineBytes: input.config.limits.maxLineBytes }, stats2)) {
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
  if (seen !== input.pass1.rows || stats2.truncated !== input.pass1.truncated) {
    throw new Error(`corpus changed between passes (${input.pass1.rows} rows, then ${seen}): audit aborted`);
  }
  const findingsOut = openGzip(input.sink, 'findings.jsonl.gz');
  const lines = [...affected.keys()].sort((a, b) => a - b);
  for (const line of lines) {
    const entry = affected.get(line)!;
    await findingsOut.write(Buffer.from(JSON.stringify(findingsRecord(line, entry)) + '\n'));
  }
  await Promise.all([clean.close(), quarantine.close(), findingsOut.close()]);
  return { uris: { clean: clean.uri, quarantine: quarantine.uri, findings: findingsOut.uri }, clean: cleanCount, quarantined: quarantineCount };
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
