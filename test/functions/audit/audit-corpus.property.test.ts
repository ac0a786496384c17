import { Writable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAuditConfig } from '../../../functions/audit/audit-config';
import { auditCorpus } from '../../../functions/audit/audit-corpus';
import type { ArtifactSink, CorpusSource } from '../../../functions/audit/audit-ports';
import { parseCorpusLine } from '../../../functions/audit/corpus-row';

// Each run audits a whole corpus twice over (two passes, three gzip artifacts): few runs, fixed seed.
const RUNS = { seed: 20_261_112, numRuns: 40 };
const MAX_LINE_BYTES = 32_768;
const config = parseAuditConfig({ limits: { maxLineBytes: MAX_LINE_BYTES } });

/** The corpus in memory, handed out in small chunks so lines straddle chunk boundaries. */
class MemorySource implements CorpusSource {
  readonly uri = 'memory://corpus.jsonl';
  constructor(private readonly bytes: Buffer) {}
  async open(): Promise<AsyncIterable<Uint8Array>> {
    const bytes = this.bytes;
    return (async function* () {
      for (let i = 0; i < bytes.length; i += 97) yield bytes.subarray(i, i + 97);
    })();
  }
}

class MemorySink implements ArtifactSink {
  readonly files = new Map<string, Buffer[]>();
  open(name: string) {
    const chunks: Buffer[] = [];
    this.files.set(name, chunks);
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        done();
      },
    });
    return {
      uri: `memory://${name}`,
      stream,
      done: async () => {
        if (!stream.writableFinished) await new Promise<void>((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
      },
    };
  }
  lines(name: string): string[] {
    const text = gunzipSync(Buffer.concat(this.files.get(name) ?? [])).toString('utf8');
    return text === '' ? [] : text.slice(0, -1).split('\n');
  }
}

// Rows from a small vocabulary, so exact and near-duplicates happen by chance.
const words = fc.array(fc.constantFrom('refund', 'order', 'parcel', 'late', 'login', 'error', 'the', 'my', 'is', 'when', 'invoice', 'help', 'café', '😀'), { minLength: 1, maxLength: 12 }).map((w) => w.join(' '));
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const text = fc.oneof({ weight: 5, arbitrary: words }, { weight: 1, arbitrary: fc.tuple(words, loneSurrogate).map(([w, s]) => w + s) });
const meta = fc.record({ id: fc.string({ maxLength: 6 }), label: fc.constantFrom('billing', 'shipping'), split: fc.constantFrom('train', 'eval', 'test') }, { requiredKeys: [] });

const validRow = fc.oneof(
  fc.record({ messages: fc.tuple(text, text).map(([q, a]) => [{ role: 'user', content: q }, { role: 'assistant', content: a }]) }),
  fc.record({ prompt: text, completion: text }),
  fc.record({ schemaVersion: fc.constant('bedrock-conversation-2024'), messages: fc.tuple(text, text).map(([q, a]) => [{ role: 'user', content: [{ text: q }] }, { role: 'assistant', content: [{ text: a }] }]) }),
  fc.record({ instruction: text, input: text, output: text }, { requiredKeys: ['instruction', 'output'] }),
);

/**
 * One corpus line (without its `\n`), of every kind the audit must survive. Big lines are described, not built, so a
 * counterexample prints as a few numbers; `materialize` builds the bytes.
 */
type LineSpec = { text: string } | { bytes: number[] } | { longCompletion: number } | { nestedDepth: number };
const lineSpec: fc.Arbitrary<LineSpec> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(validRow, meta).map(([row, m]) => ({ text: JSON.stringify({ ...m, ...row }) })) },
  // Invalid JSON, unknown shapes, JSON that is not an object.
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).filter((s) => !s.includes('\n')).map((text) => ({ text })) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }).map((v) => ({ text: JSON.stringify(v) })) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => ({ text: JSON.stringify(v) })) },
  // Blank lines, CRLF endings, random bytes (invalid UTF-8), lines over the size limit.
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\t', '\r', ' \r', '\r\r', ' \r ').map((text) => ({ text })) },
  { weight: 1, arbitrary: validRow.map((row) => ({ text: JSON.stringify(row) + '\r' })) },
  { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 255 }).filter((c) => c !== 0x0a), { maxLength: 40 }).map((bytes) => ({ bytes })) },
  { weight: 1, arbitrary: fc.integer({ min: MAX_LINE_BYTES - 40, max: 2 * MAX_LINE_BYTES }).map((longCompletion) => ({ longCompletion })) },
  // A valid row with a deeply nested extra field.
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 16_000 }).map((nestedDepth) => ({ nestedDepth })) },
);

function materialize(spec: LineSpec): Buffer {
  if ('text' in spec) return Buffer.from(spec.text);
  if ('bytes' in spec) return Buffer.from(spec.bytes);
  if ('longCompletion' in spec) return Buffer.from(JSON.stringify({ prompt: 'q', completion: 'a'.repeat(spec.longCompletion) }));
  return Buffer.from(`{"prompt":"q","completion":"a","extra":${'['.repeat(spec.nestedDepth)}${']'.repeat(spec.nestedDepth)}}`);
}

/** A corpus of such lines, with some repeated verbatim (duplicates), optionally gzip-compressed. */
const corpus = fc
  .record({
    lines: fc.array(lineSpec, { minLength: 0, maxLength: 25 }),
    repeats: fc.array(fc.nat(), { maxLength: 5 }),
    finalNewline: fc.boolean(),
    gzip: fc.boolean(),
  })
  .map(({ lines, repeats, finalNewline, gzip }) => {
    const all = [...lines];
    for (const r of repeats) if (lines.length > 0) all.splice(r % (all.length + 1), 0, lines[r % lines.length]!);
    return { lines: all, finalNewline, gzip };
  });

const isBlank = (b: Buffer) => b.every((c) => c === 0x20 || c === 0x09 || c === 0x0d);
const stripCr = (b: Buffer) => (b.length > 0 && b[b.length - 1] === 0x0d ? b.subarray(0, -1) : b);

/** Lines joined as a file: every line ends in `\n` except, optionally, the last. */
function join(lines: Buffer[], finalNewline: boolean): Buffer {
  return Buffer.concat(lines.flatMap((l, i) => (i < lines.length - 1 || finalNewline ? [l, Buffer.from('\n')] : [l])));
}

type Audit = Awaited<ReturnType<typeof auditCorpus>>;

/** The three artifacts agree with the report and the findings: every row is in exactly one of clean or quarantine. */
function expectArtifactsAccountForRows({ report, findings }: Audit, sink: MemorySink): { clean: string[] } {
  expect(report.counts.clean + report.counts.quarantined).toBe(report.counts.rows);
  const quarantinedLines = [...findings].filter(([, e]) => e.quarantined).map(([l]) => l);
  const quarantine = sink.lines('quarantine.jsonl.gz').map((l) => JSON.parse(l) as { line: number; reasons: string[] });
  const clean = sink.lines('clean.jsonl.gz');
  expect(quarantine.length).toBe(report.counts.quarantined);
  expect(clean.length).toBe(report.counts.clean);
  // Every quarantined line is in the findings, with the reason it was quarantined for.
  expect(quarantine.map((q) => q.line).sort((a, b) => a - b)).toEqual(quarantinedLines.sort((a, b) => a - b));
  for (const q of quarantine) {
    expect(q.reasons.length).toBeGreaterThan(0);
    expect(findings.get(q.line)!.findings.some((f) => f.action === 'quarantine' && q.reasons.includes(f.rule))).toBe(true);
  }
  // findings.jsonl.gz lists exactly the lines with findings.
  expect(sink.lines('findings.jsonl.gz').map((l) => (JSON.parse(l) as { line: number }).line)).toEqual([...findings.keys()].sort((a, b) => a - b));
  return { clean };
}

describe('auditCorpus on small random corpora', () => {
  it('never throws, and accounts for every line: clean + quarantined = non-blank lines', async () => {
    await fc.assert(
      fc.asyncProperty(corpus, async ({ lines: specs, finalNewline, gzip }) => {
        const lines = specs.map(materialize);
        const plain = join(lines, finalNewline);
        // Plain bytes that open with the gzip magic are read as gzip; the damaged-gzip property covers that.
        fc.pre(gzip || !(plain[0] === 0x1f && plain[1] === 0x8b));
        // A last line that is empty and unterminated is no line at all.
        const physical = !finalNewline && lines.length > 0 && lines[lines.length - 1]!.length === 0 ? lines.slice(0, -1) : lines;
        const nonBlank = physical.map((l, i) => ({ line: i + 1, bytes: stripCr(l) })).filter((l) => !isBlank(l.bytes));

        const sink = new MemorySink();
        const audit = await auditCorpus({ auditId: 'p', source: new MemorySource(gzip ? gzipSync(plain) : plain), sink, config, now: () => new Date(0) });
        const { report, findings } = audit;

        expect(report.corpus.truncated).toBeUndefined();
        expect(report.counts.lines).toBe(physical.length);
        expect(report.counts.rows).toBe(nonBlank.length);
        const { clean } = expectArtifactsAccountForRows(audit, sink);
        // The clean corpus is the other lines, byte for byte (CRLF ends stripped), in order.
        const kept = nonBlank.filter((l) => !findings.get(l.line)?.quarantined);
        expect(clean).toEqual(kept.map((l) => l.bytes.toString('utf8')));

        // Garbage never reaches the clean corpus: a line that is not a parseable row is quarantined for it.
        for (const l of nonBlank) {
          const utf8 = Buffer.from(l.bytes.toString('utf8')).equals(l.bytes);
          const parsed = l.bytes.length <= MAX_LINE_BYTES && utf8 ? parseCorpusLine(l.bytes.toString('utf8')) : undefined;
          if (parsed?.ok) continue;
          const entry = findings.get(l.line);
          expect(entry?.quarantined, `line ${l.line} is not a row but was kept`).toBe(true);
          expect(entry!.findings.some((f) => f.check === 'parse')).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('on a truncated gzip corpus: never throws, fails the corpus, and still accounts for every row it read', async () => {
    await fc.assert(
      fc.asyncProperty(corpus, fc.double({ min: 0, max: 1, noNaN: true }), async ({ lines: specs, finalNewline }, cut) => {
        const full = gzipSync(join(specs.map(materialize), finalNewline));
        const damaged = full.subarray(0, 2 + Math.floor(cut * (full.length - 3)));
        const sink = new MemorySink();
        const audit = await auditCorpus({ auditId: 'p', source: new MemorySource(damaged), sink, config, now: () => new Date(0) });
        expect(audit.report.corpus.truncated).toMatch(/input ends early/);
        expect(audit.report.verdict).toBe('FAIL');
        expectArtifactsAccountForRows(audit, sink);
      }),
      { ...RUNS, numRuns: 20 },
    );
  });
});
