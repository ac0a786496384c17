import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseAuditConfig } from '../../../functions/audit/audit-config';
import type { ShardPlanItem } from '../../../functions/audit/shard-plan';
import { ENTRY_EVAL, ENTRY_PROBLEM, ENTRY_TRAIN, scanShard } from '../../../functions/audit/shard-scan';
import { decodeLabelTexts, decodeShardSummary, decodeShingles, encodeLabelTexts, encodeShardSummary, encodeShingles } from '../../../functions/audit/shard-summary-codec';
import { chatRow } from '../../../infra/demo/synthetic-corpus';

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

const config = parseAuditConfig({});
const row = (id: string, text: string, extra: Record<string, unknown> = {}) => chatRow(id, 'billing', text, 'We will refund the charge within five days.', extra);
const lines = [
  row('a', 'My invoice shows a double charge for the premium plan last week'),
  '',
  '{"messages": [',
  row('b', 'Where is my package, the tracking number has not changed for days', { split: 'validation', source: 'web' }),
  row('c', 'Reach me at maria.gonzalez@fastmail.com about the refund please'),
];
const text = lines.join('\n') + '\n';
const bytes = Buffer.from(text);

describe('scanShard', () => {
  it('numbers a byte-range shard from its first corpus line and keeps one compact row per non-blank line', async () => {
    const item: ShardPlanItem = { index: 4, mode: 'bytes', firstLine: 101, start: 0 };
    const { summary, shingles, labelTexts } = await scanShard({ item, chunks: once(bytes), config });
    expect(summary).toMatchObject({ index: 4, firstLine: 101, lines: 5, blankLines: 1, rows: 4, bytes: bytes.length, compressed: false, bands: 16 });
    expect([...summary.line]).toEqual([101, 103, 104, 105]);
    expect([...summary.kind]).toEqual([ENTRY_TRAIN, ENTRY_PROBLEM, ENTRY_EVAL, ENTRY_TRAIN]);
    expect(summary.findings.get(1)![0]!.rule).toBe('parse.invalid-json');
    expect(summary.findings.get(3)!.map((f) => f.check)).toContain('pii');
    expect(summary.ids).toEqual(['a', null, 'b', 'c']);
    expect(summary.sourceNames).toEqual(['web']);
    expect([...summary.source]).toEqual([-1, -1, 0, -1]);
    // Label text only for labelled training rows: the eval row and the parse failure have none.
    expect([...labelTexts.keys()]).toEqual([0, 3]);
    expect(summary.labelTextCount).toBe(2);
    expect(labelTexts.get(0)).toMatch(/^My invoice shows/);
    // Each parsed row's shingle set is sorted and deduplicated; the problem row has none.
    const sets = [0, 1, 2, 3].map((e) => shingles.subarray(summary.shingleOffset[e]!, summary.shingleOffset[e + 1]!));
    expect(sets[1]!.length).toBe(0);
    for (const set of [sets[0]!, sets[2]!, sets[3]!]) {
      expect(set.length).toBeGreaterThan(5);
      for (let i = 1; i < set.length; i++) expect(set[i]!).toBeGreaterThan(set[i - 1]!);
    }
    expect(summary.bandKeys.length).toBe(4 * 16);
    expect(Number.isNaN(summary.promptKey[1]!)).toBe(true);
    expect(Number.isNaN(summary.promptKey[0]!)).toBe(false);
  });

  it('skips a gzip corpus to its first line and stops after its last', async () => {
    const gz = gzipSync(bytes);
    const middle: ShardPlanItem = { index: 1, mode: 'lines', firstLine: 2, lineCount: 3, start: lines[0]!.length + 1, end: lines[0]!.length + 1 + lines.slice(1, 4).join('\n').length + 1 };
    const { summary } = await scanShard({ item: middle, chunks: once(gz), config });
    expect(summary).toMatchObject({ lines: 3, blankLines: 1, rows: 2, compressed: true, bytes: middle.end! - middle.start });
    expect([...summary.line]).toEqual([3, 4]);
    const last: ShardPlanItem = { index: 2, mode: 'lines', firstLine: 5, start: middle.end! };
    const tail = await scanShard({ item: last, chunks: once(gz), config });
    expect(tail.summary).toMatchObject({ lines: 1, blankLines: 0, rows: 1, bytes: bytes.length - middle.end! });
    expect([...tail.summary.line]).toEqual([5]);
  });

  it('aborts when the corpus no longer has the lines the plan counted', async () => {
    const item: ShardPlanItem = { index: 0, mode: 'bytes', firstLine: 1, lineCount: 9, start: 0, end: bytes.length };
    await expect(scanShard({ item, chunks: once(bytes), config })).rejects.toThrow(/corpus changed since it was planned/);
    const gz: ShardPlanItem = { index: 0, mode: 'lines', firstLine: 1, lineCount: 9, start: 0, end: 99 };
    await expect(scanShard({ item: gz, chunks: once(gzipSync(bytes)), config })).rejects.toThrow(/ends at line 5/);
  });

  it('survives the stored form unchanged', async () => {
    const { summary, shingles, labelTexts } = await scanShard({ item: { index: 0, mode: 'bytes', firstLine: 1, start: 0 }, chunks: once(bytes), config });
    const decoded = decodeShardSummary(encodeShardSummary(summary));
    expect(decoded).toEqual(summary);
    expect(decodeLabelTexts(encodeLabelTexts(labelTexts))).toEqual(labelTexts);
    expect(decodeShingles(encodeShingles(shingles))).toEqual(shingles);
    expect(() => decodeShardSummary(encodeShardSummary({ ...summary, rows: 9 }))).toThrow(/inconsistent/);
    expect(() => decodeShingles(new Uint8Array(3))).toThrow(/whole number/);
  });
});
