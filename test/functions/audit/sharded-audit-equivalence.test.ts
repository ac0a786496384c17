import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseAuditConfig, type AuditConfig } from '../../../functions/audit/audit-config';
import { auditCorpus } from '../../../functions/audit/audit-corpus';
import type { AuditReport } from '../../../functions/audit/audit-report';
import { planShards, type ShardPlan } from '../../../functions/audit/shard-plan';
import { reduceShards, type ShardStore } from '../../../functions/audit/shard-reduce';
import { scanShard } from '../../../functions/audit/shard-scan';
import { decodeLabelTexts, decodeShardSummary, decodeShingles, encodeLabelTexts, encodeShardSummary, encodeShingles } from '../../../functions/audit/shard-summary-codec';
import { FileArtifactSink } from '../../../functions/stores/file-artifact-sink';
import { FileCorpusSource } from '../../../functions/stores/file-corpus-source';
import { chatRow, plantedCorpus } from '../../../infra/demo/synthetic-corpus';

/*
 * The sharded audit (plan → scan per shard → reduce) against the single audit (auditCorpus) on the same corpus:
 * the same findings (kinds, line numbers, rule ids, evidence), the same quarantine and clean corpus byte for byte,
 * the same counts and verdict. The corpus has duplicates, near-duplicates and eval-split leaks whose two rows lie in
 * different shards, held-out leakage, label noise, malformed lines and blank lines.
 */

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'finegate-sharded-test-'));
}

/** The planted demo corpus, plus rows that repeat rows of its first shard from its last one. */
function corpusLines(): { lines: (string | Buffer)[]; heldout: string[] } {
  const { train, heldout } = plantedCorpus({ rows: 900, seed: 5 });
  const lines: (string | Buffer)[] = [...train];
  const user = (line: string) => JSON.parse(line).messages[1].content as string;
  // Exact and normalised repeats of early rows, near the end.
  lines.push(train[2]!);
  lines.push(train[4]!.replace('"messages"', ' "messages"'));
  // Near-duplicates of early rows: one word changed.
  lines.push(train[6]!.replace(/"row-7"/, '"near-7"').replace(/(\w+)(\W+)$/, 'changed$2'));
  lines.push(chatRow('near-9', 'billing', user(train[8]!).replace(/\s\w+/, ' unusual'), 'Thanks for reaching out; we will look at it.'));
  // Eval rows after the training rows they repeat (the earlier training rows become leaks), and before them.
  lines.push(train[10]!.replace('}', ', "split": "test"}'));
  lines.splice(60, 0, chatRow('eval-early', 'billing', 'My invoice for the premium plan shows a double charge from last week and I want a refund now please', 'We refunded the duplicate charge.', { split: 'eval' }));
  lines.push(chatRow('train-late', 'billing', 'My invoice for the premium plan shows a double charge from last week and I want a refund now please', 'A different answer entirely.'));
  // Malformed lines, a blank line, a CRLF line, an over-long line, a line that starts like gzip.
  lines.splice(300, 0, '{"messages": [');
  lines.splice(450, 0, Buffer.from([0x7b, 0xff, 0x7d]));
  lines.splice(500, 0, '');
  lines.splice(520, 0, chatRow('crlf', 'account', 'I cannot reset my password since the update', 'Use the recovery link.') + '\r');
  lines.splice(610, 0, chatRow('long', 'technical', 'x '.repeat(1500), 'too long'));
  lines.splice(700, 0, Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from(' not json')]));
  return { lines, heldout };
}

function joinLines(lines: (string | Buffer)[]): Buffer {
  return Buffer.concat(lines.flatMap((l) => [Buffer.isBuffer(l) ? l : Buffer.from(l), Buffer.from('\n')]));
}

function unzip(path: string): string {
  return gunzipSync(readFileSync(path)).toString('utf8');
}

/** The report without what differs between any two runs (times, speed, artifact locations). */
function comparable(report: AuditReport): Partial<AuditReport> {
  const { startedAt: _s, finishedAt: _f, performance: _p, artifacts: _a, ...rest } = report;
  return rest;
}

class MemoryShardStore implements ShardStore {
  readonly summaries: string[] = [];
  readonly blobs: Buffer[] = [];
  readonly labels: string[] = [];
  get shards(): number {
    return this.summaries.length;
  }
  async summary(index: number) {
    return decodeShardSummary(this.summaries[index]!);
  }
  async shingles(index: number) {
    return decodeShingles(this.blobs[index]!);
  }
  async labelTexts(index: number) {
    return decodeLabelTexts(this.labels[index]!);
  }
}

async function* chunked(bytes: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let k = 0;
  for (let at = 0; at < bytes.length; ) {
    const size = sizes[k++ % sizes.length]!;
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

async function plan(bytes: Buffer, shards: number): Promise<ShardPlan> {
  const { lines } = await planShards(chunked(bytes, [65_536]), { targetBytes: 2 ** 40 });
  // Odd chunk sizes: cuts fall inside chunks and at their edges.
  return planShards(chunked(bytes, [7, 65_536, 1, 3001]), { linesPerShard: Math.ceil(lines / shards) });
}

async function sharded(corpusPath: string, heldoutPath: string, config: AuditConfig, shards: number) {
  const bytes = readFileSync(corpusPath);
  const thePlan = await plan(bytes, shards);
  const store = new MemoryShardStore();
  for (const item of thePlan.shards) {
    const chunks = item.mode === 'bytes' ? chunked(bytes.subarray(item.start, item.end), [4096, 13]) : chunked(bytes, [8192]);
    const { summary, shingles, labelTexts } = await scanShard({ item, chunks, config });
    // Through the stored form, as between the map and the reduce.
    store.summaries.push(encodeShardSummary(summary));
    store.blobs.push(encodeShingles(shingles));
    store.labels.push(encodeLabelTexts(labelTexts));
  }
  const sink = new FileArtifactSink(join(tmp(), 'sharded'));
  const result = await reduceShards({ auditId: 'eq', source: new FileCorpusSource(corpusPath), heldout: new FileCorpusSource(heldoutPath), sink, config, store, startedAt: new Date() });
  return { plan: thePlan, result, dir: sink.dir };
}

function shardOf(p: ShardPlan, line: number): number {
  return p.shards.findLastIndex((s) => s.firstLine <= line);
}

describe('the sharded audit equals the single audit', async () => {
  const dir = tmp();
  const { lines, heldout } = corpusLines();
  const plainPath = join(dir, 'corpus.jsonl');
  writeFileSync(plainPath, joinLines(lines));
  const gzipPath = join(dir, 'corpus.jsonl.gz');
  writeFileSync(gzipPath, gzipSync(joinLines(lines)));
  const heldoutPath = join(dir, 'heldout.jsonl');
  writeFileSync(heldoutPath, heldout.join('\n') + '\n');
  const config = parseAuditConfig({ limits: { maxLineBytes: 2048 }, labelNoise: { maxRows: 500 } });

  const single = async (path: string) => {
    const sink = new FileArtifactSink(join(tmp(), 'single'));
    const result = await auditCorpus({ auditId: 'eq', source: new FileCorpusSource(path), heldout: new FileCorpusSource(heldoutPath), sink, config });
    return { result, dir: sink.dir };
  };
  const reference = await single(plainPath);
  const findingRules = new Set([...reference.result.findings.values()].flatMap((e) => e.findings.map((f) => f.rule)));

  it('the corpus exercises what the sharded path must get right', () => {
    for (const rule of ['duplicate.exact', 'duplicate.normalized', 'near_duplicate.minhash', 'leakage.heldout', 'leakage.eval-split', 'label_noise.confident-learning', 'parse.invalid-json', 'parse.invalid-utf8', 'parse.line-too-long', 'secrets.aws-access-key-id']) {
      expect(findingRules, rule).toContain(rule);
    }
    expect(reference.result.report.counts.blankLines).toBe(1);
  });

  for (const [shards, compressed] of [
    [1, false],
    [3, false],
    [7, false],
    [3, true],
  ] as const) {
    it(`with ${shards} shard${shards > 1 ? 's' : ''} of a ${compressed ? 'gzip' : 'plain'} corpus`, async () => {
      const path = compressed ? gzipPath : plainPath;
      const ref = compressed ? await single(gzipPath) : reference;
      const { plan: p, result, dir: out } = await sharded(path, heldoutPath, config, shards);
      expect(p.shards.length).toBe(shards);
      expect(p.mode).toBe(compressed ? 'lines' : 'bytes');

      expect(comparable(result.report)).toEqual(comparable(ref.result.report));
      for (const artifact of ['findings.jsonl.gz', 'quarantine.jsonl.gz', 'clean.jsonl.gz']) {
        expect(unzip(join(out, artifact)), artifact).toBe(unzip(join(ref.dir, artifact)));
      }
      expect(result.reduce.rows).toBe(ref.result.report.counts.rows);
      // Fewer shingle sets than rows were needed: only rows sharing a band key with another row.
      expect(result.reduce.rowsWithSharedKeys).toBeLessThan(result.reduce.rows / 2);

      if (shards > 1) {
        // The repeats the corpus plants across shards were found across shards.
        const crossShard = (rule: string) =>
          [...result.findings.entries()].some(([line, e]) => e.findings.some((f) => f.rule === rule && f.duplicateOf !== undefined && shardOf(p, f.duplicateOf) !== shardOf(p, line)));
        for (const rule of ['duplicate.exact', 'duplicate.normalized', 'near_duplicate.minhash', 'leakage.eval-split']) expect(crossShard(rule), rule).toBe(true);
      }
    });
  }

  it('a truncated gzip corpus: the last shard meets the damage, and the audit fails as the single audit does', async () => {
    const gz = readFileSync(gzipPath);
    const truncatedPath = join(dir, 'truncated.jsonl.gz');
    writeFileSync(truncatedPath, gz.subarray(0, Math.floor(gz.length * 0.7)));
    const sink = new FileArtifactSink(join(tmp(), 'single-truncated'));
    const ref = await auditCorpus({ auditId: 'eq', source: new FileCorpusSource(truncatedPath), heldout: new FileCorpusSource(heldoutPath), sink, config });
    expect(ref.report.corpus.truncated).toBeDefined();
    const { plan: p, result, dir: out } = await sharded(truncatedPath, heldoutPath, config, 3);
    expect(p.shards.length).toBe(3);
    expect(comparable(result.report)).toEqual(comparable(ref.report));
    expect(unzip(join(out, 'quarantine.jsonl.gz'))).toBe(unzip(join(sink.dir, 'quarantine.jsonl.gz')));
  });

  it('a different configuration (no exact dedup, no leakage) still matches with 7 shards', async () => {
    const other = parseAuditConfig({ dedup: { exact: false }, leakage: { enabled: false }, limits: { maxLineBytes: 2048 } });
    const sink = new FileArtifactSink(join(tmp(), 'single-other'));
    const ref = await auditCorpus({ auditId: 'eq', source: new FileCorpusSource(plainPath), heldout: new FileCorpusSource(heldoutPath), sink, config: other });
    const { result, dir: out } = await sharded(plainPath, heldoutPath, other, 7);
    expect(comparable(result.report)).toEqual(comparable(ref.report));
    expect(unzip(join(out, 'findings.jsonl.gz'))).toBe(unzip(join(sink.dir, 'findings.jsonl.gz')));
  });
});
