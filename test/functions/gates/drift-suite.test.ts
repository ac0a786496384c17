import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  contentHash,
  driftItemRequest,
  loadDriftSuite,
  parseSuiteJsonl,
  serializeItems,
  sha256Hex,
  type DriftItem,
  type DriftManifest,
  type SuiteFile,
} from '../../../functions/gates/drift-suite';

const SUITE_DIR = join(import.meta.dirname, '../../../suites/drift/v1');

function committed(): { manifest: string; files: SuiteFile[] } {
  const manifest = readFileSync(join(SUITE_DIR, 'manifest.json'), 'utf8');
  const names = (JSON.parse(manifest) as DriftManifest).files.map((f) => f.name);
  return { manifest, files: names.map((name) => ({ name, text: readFileSync(join(SUITE_DIR, name), 'utf8') })) };
}

const item = (id: string, over: Partial<DriftItem> = {}): DriftItem => ({
  id,
  axis: 'arithmetic',
  messages: [{ role: 'user', content: 'What is 2 + 2?' }],
  check: { rubric: 'numeric-answer', expected: 4 },
  ...over,
});

/** A small suite of one arithmetic file, with a manifest that vouches for it. */
function tinySuite(items: DriftItem[] = [item('a-1'), item('a-2')]): { manifest: DriftManifest; files: SuiteFile[] } {
  const text = serializeItems(items);
  const entries = [{ name: 'arithmetic.jsonl', axis: 'arithmetic' as const, items: items.length, sha256: sha256Hex(text) }];
  return {
    manifest: { suite: 'drift', version: 'v1', seed: 1, generator: 'test', rubricSetVersion: 'test', files: entries, contentHash: contentHash(entries) },
    files: [{ name: 'arithmetic.jsonl', text }],
  };
}

describe('the committed drift suite', () => {
  it('loads, with every frozen axis holding 40 to 60 items and the manifest hash verified', () => {
    const { manifest, files } = committed();
    const load = loadDriftSuite({ manifest, files });
    if (!load.ok) throw new Error(load.errors.join('\n'));
    const { suite } = load;
    expect(suite.version).toBe('v1');
    expect(suite.contentHash).toBe((JSON.parse(manifest) as DriftManifest).contentHash);
    expect(Object.keys(suite.axisCounts).sort()).toEqual(['arithmetic', 'format', 'multi_turn', 'refusal']);
    for (const count of Object.values(suite.axisCounts)) expect(count >= 40 && count <= 60).toBe(true);
    expect(suite.domainHash).toBeUndefined();
    expect(suite.items.every((i) => i.check.rubric.kind === 'deterministic')).toBe(true);
  });
});

describe('loadDriftSuite', () => {
  it('refuses a frozen file whose content changed', () => {
    const { manifest, files } = committed();
    const tampered = files.map((f) => (f.name === 'refusal.jsonl' ? { ...f, text: f.text.replace('"expectRefusal":true', '"expectRefusal":false') } : f));
    const load = loadDriftSuite({ manifest, files: tampered });
    expect(load).toEqual({ ok: false, errors: ["refusal.jsonl: content differs from the manifest's SHA-256 (the frozen suite was changed)"] });
  });

  it('refuses a missing file, a wrong item count, an item of another axis and a manifest whose hash does not add up', () => {
    const { manifest, files } = tinySuite();
    expect(loadDriftSuite({ manifest, files: [] })).toEqual({ ok: false, errors: ['arithmetic.jsonl: listed in the manifest but not supplied'] });

    const wrongCount = { ...manifest, files: [{ ...manifest.files[0]!, items: 3 }] };
    wrongCount.contentHash = contentHash(wrongCount.files);
    expect(loadDriftSuite({ manifest: wrongCount, files })).toEqual({ ok: false, errors: ['arithmetic.jsonl: 2 items, the manifest says 3'] });

    const mixed = tinySuite([item('a-1'), item('f-1', { axis: 'format' })]);
    expect(loadDriftSuite(mixed)).toEqual({ ok: false, errors: ['arithmetic.jsonl:2: axis format in the arithmetic file'] });

    expect(loadDriftSuite({ manifest: { ...manifest, contentHash: '0'.repeat(64) }, files })).toEqual({ ok: false, errors: ['manifest: contentHash does not match the files it lists'] });
  });

  it('refuses a manifest that is not JSON or not a manifest', () => {
    expect(loadDriftSuite({ manifest: '{', files: [] })).toEqual({ ok: false, errors: ['manifest: not valid JSON'] });
    const load = loadDriftSuite({ manifest: { suite: 'drift' }, files: [] });
    expect(load.ok).toBe(false);
    expect(!load.ok && load.errors.some((e) => e.startsWith('manifest: version:'))).toBe(true);
  });

  it('accepts extra domain files, with their own content hash', () => {
    const { manifest, files } = tinySuite();
    const domain = { name: 'legal.jsonl', text: serializeItems([item('legal-1', { axis: 'domain', check: { rubric: 'required-keywords', keywords: ['clause'] } })]) };
    const load = loadDriftSuite({ manifest, files, extra: [domain] });
    if (!load.ok) throw new Error(load.errors.join('\n'));
    expect(load.suite.axisCounts).toEqual({ arithmetic: 2, domain: 1 });
    expect(load.suite.domainHash).toBe(contentHash([{ name: 'legal.jsonl', sha256: sha256Hex(domain.text) }]));
    expect(load.suite.contentHash).toBe(manifest.contentHash);
  });

  it('refuses extra files that hold other axes, take a frozen name, or reuse an id', () => {
    const { manifest, files } = tinySuite();
    const notDomain = { name: 'mine.jsonl', text: serializeItems([item('m-1')]) };
    expect(loadDriftSuite({ manifest, files, extra: [notDomain] })).toEqual({ ok: false, errors: ['mine.jsonl:1: extra files hold domain items only, not arithmetic'] });
    const clash = { name: 'arithmetic.jsonl', text: '' };
    expect(loadDriftSuite({ manifest, files, extra: [clash] })).toEqual({ ok: false, errors: ['arithmetic.jsonl: an extra file may not take the name of a frozen file'] });
    const dup = { name: 'mine.jsonl', text: serializeItems([item('a-2', { axis: 'domain' })]) };
    expect(loadDriftSuite({ manifest, files, extra: [dup] })).toEqual({ ok: false, errors: ['mine.jsonl:1: duplicate id "a-2" (first at arithmetic.jsonl:2)'] });
  });
});

describe('parseSuiteJsonl', () => {
  it('reports every bad line with its number and skips blank lines', () => {
    const text = [
      JSON.stringify(item('ok-1')),
      '',
      '{not json',
      JSON.stringify(item('bad-1', { messages: [{ role: 'user', content: 'q' }, { role: 'system', content: 's' }] })),
      JSON.stringify(item('bad-2', { messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] })),
      JSON.stringify(item('bad-3', { check: { rubric: 'bleu' } })),
      JSON.stringify(item('bad-4', { check: { rubric: 'word-count', min: 5, max: 1 } })),
      JSON.stringify({ ...item('bad-5'), extra: true }),
      JSON.stringify(item('bad id')),
    ].join('\r\n');
    const { items, errors } = parseSuiteJsonl({ name: 'x.jsonl', text });
    expect(items.map((i) => [i.item.id, i.source.line])).toEqual([['ok-1', 1]]);
    expect(errors).toHaveLength(7);
    expect(errors[0]).toBe('x.jsonl:3: not valid JSON');
    expect(errors[1]).toMatch(/^x\.jsonl:4: .*a system message may only come first/);
    expect(errors[2]).toMatch(/^x\.jsonl:5: .*must end with a user message/);
    expect(errors[3]).toMatch(/^x\.jsonl:6: check: unknown rubric "bleu"/);
    expect(errors[4]).toMatch(/^x\.jsonl:7: check: word-count: invalid parameters: min exceeds max/);
    expect(errors[5]).toMatch(/^x\.jsonl:8: .*extra/);
    expect(errors[6]).toMatch(/^x\.jsonl:9: id: /);
  });
});

describe('driftItemRequest', () => {
  it('lifts a leading system message into the system prompt', () => {
    const withSystem = item('s-1', {
      messages: [
        { role: 'system', content: 'Only banking.' },
        { role: 'user', content: 'Write a poem.' },
      ],
    });
    expect(driftItemRequest(withSystem)).toEqual({ system: 'Only banking.', messages: [{ role: 'user', content: 'Write a poem.' }] });
    expect(driftItemRequest(item('u-1'))).toEqual({ messages: [{ role: 'user', content: 'What is 2 + 2?' }] });
  });
});

describe('contentHash', () => {
  it('depends on names and hashes, not on their order', () => {
    const a = { name: 'a.jsonl', sha256: sha256Hex('a') };
    const b = { name: 'b.jsonl', sha256: sha256Hex('b') };
    expect(contentHash([a, b])).toBe(contentHash([b, a]));
    expect(contentHash([a, b])).not.toBe(contentHash([a, { ...b, name: 'c.jsonl' }]));
    expect(contentHash([a])).toMatch(/^[0-9a-f]{64}$/);
  });
});
