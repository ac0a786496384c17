import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAuditConfig } from '../../../functions/audit/audit-config';
import type { ShardPlanItem } from '../../../functions/audit/shard-plan';
import { reduceShards, sharedKeys, type ShardStore } from '../../../functions/audit/shard-reduce';
import { scanShard, type ShardScan } from '../../../functions/audit/shard-scan';
import { FileArtifactSink } from '../../../functions/stores/file-artifact-sink';
import { FileCorpusSource } from '../../../functions/stores/file-corpus-source';
import { chatRow } from '../../../infra/demo/synthetic-corpus';

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

const config = parseAuditConfig({});
// Rows with no words in common beyond the shared system prompt: no band key in common either.
const text = (i: number) => Array.from({ length: 24 }, (_, k) => `w${i}x${k}`).join(' ');
const lines = Array.from({ length: 12 }, (_, i) => chatRow(`r${i + 1}`, 'shipping', text(i), `reply ${i} ` + text(i + 100)));
lines[10] = lines[1]!; // line 11 repeats line 2, in another shard

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'finegate-reduce-test-'));
  const path = join(dir, 'corpus.jsonl');
  const bytes = Buffer.from(lines.join('\n') + '\n');
  writeFileSync(path, bytes);
  const cut = lines.slice(0, 6).join('\n').length + 1;
  const items: ShardPlanItem[] = [
    { index: 0, mode: 'bytes', firstLine: 1, lineCount: 6, start: 0, end: cut },
    { index: 1, mode: 'bytes', firstLine: 7, start: cut },
  ];
  return { dir, path, bytes, items };
}

function storeOf(scans: ShardScan[], order = scans.map((_, i) => i)): ShardStore & { blobReads: number } {
  return {
    shards: scans.length,
    blobReads: 0,
    async summary(i) {
      return scans[order[i]!]!.summary;
    },
    async shingles(i) {
      this.blobReads++;
      return scans[order[i]!]!.shingles;
    },
    async labelTexts(i) {
      return scans[order[i]!]!.labelTexts;
    },
  };
}

describe('reduceShards', async () => {
  const { dir, path, bytes, items } = setup();
  const scans = await Promise.all(items.map((item) => scanShard({ item, chunks: once(bytes.subarray(item.start, item.end)), config })));

  it('finds a repeat across shards and reads only the shingle blobs it needs', async () => {
    const store = storeOf(scans);
    const result = await reduceShards({ auditId: 'r', source: new FileCorpusSource(path), sink: new FileArtifactSink(join(dir, 'out')), config, store, startedAt: new Date() });
    expect(result.findings.get(11)!.findings.map((f) => [f.rule, f.duplicateOf])).toEqual([['duplicate.exact', 2]]);
    expect(result.report.counts).toMatchObject({ lines: 12, rows: 12, quarantined: 1, clean: 11 });
    // Lines 2 and 11 share every band key; the other rows share none with anyone.
    expect(result.reduce).toEqual({ shards: 2, rows: 12, rowsWithSharedKeys: 2, shingleBlobsRead: 2 });
  });

  it('refuses shards that do not tile the corpus, or were scanned with other bands', async () => {
    const base = { auditId: 'r', source: new FileCorpusSource(path), sink: new FileArtifactSink(join(dir, 'bad')), config, startedAt: new Date() };
    await expect(reduceShards({ ...base, store: storeOf(scans, [1, 0]) })).rejects.toThrow(/holds shard 1/);
    await expect(reduceShards({ ...base, store: storeOf([scans[1]!]) })).rejects.toThrow(/holds shard 1|starts at line 7/);
    await expect(reduceShards({ ...base, config: parseAuditConfig({ dedup: { bands: 8, rowsPerBand: 16 } }), store: storeOf(scans) })).rejects.toThrow(/8/);
    await expect(reduceShards({ ...base, store: { shards: 0, summary: async () => scans[0]!.summary, shingles: async () => scans[0]!.shingles, labelTexts: async () => scans[0]!.labelTexts } })).rejects.toThrow(/no shards/);
  });

  it('aborts pass 2 when the corpus changed after the shards read it', async () => {
    const changedPath = join(dir, 'changed.jsonl');
    writeFileSync(changedPath, bytes.toString() + lines[0] + '\n');
    await expect(
      reduceShards({ auditId: 'r', source: new FileCorpusSource(changedPath), sink: new FileArtifactSink(join(dir, 'changed')), config, store: storeOf(scans), startedAt: new Date() }),
    ).rejects.toThrow(/corpus changed between passes/);
  });
});

describe('sharedKeys', () => {
  it('lists each key found more than once, over all parts, once', () => {
    expect([...sharedKeys([Float64Array.of(5, 1, 9), Float64Array.of(9, 9, 2), Float64Array.of(1)])]).toEqual([1, 9]);
    expect([...sharedKeys([])]).toEqual([]);
    // 52-bit keys stay exact: keys equal in their low 32 bits are different keys.
    expect([...sharedKeys([Float64Array.of(2 ** 52 - 1, 2 ** 52 - 1, 2 ** 32 + 7, 7)])]).toEqual([2 ** 52 - 1]);
  });
});
