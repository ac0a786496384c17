import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDriftSuite, type DriftManifest } from '../../functions/gates/drift-suite';
import { scoreDeterministic } from '../../functions/gates/rubrics/registry';
import { DRIFT_SUITE_SEED, generateDriftSuite, MANIFEST_NAME } from '../../scripts/generate-drift-suite';

const SUITE_DIR = join(import.meta.dirname, '../../suites/drift/v1');

describe('generateDriftSuite', () => {
  const generated = generateDriftSuite();

  it('reproduces the committed suite byte for byte from the seed in its manifest', () => {
    const manifest = JSON.parse(readFileSync(join(SUITE_DIR, MANIFEST_NAME), 'utf8')) as DriftManifest;
    expect(manifest.seed).toBe(DRIFT_SUITE_SEED);
    const regenerated = generateDriftSuite(manifest.seed, manifest.version);
    expect(regenerated.map((f) => f.name).sort()).toEqual([MANIFEST_NAME, ...manifest.files.map((f) => f.name)].sort());
    for (const file of regenerated) expect(file.text, file.name).toBe(readFileSync(join(SUITE_DIR, file.name), 'utf8'));
  });

  it('gives another suite for another seed', () => {
    const other = generateDriftSuite(DRIFT_SUITE_SEED + 1);
    expect(other.find((f) => f.name === 'arithmetic.jsonl')!.text).not.toBe(generated.find((f) => f.name === 'arithmetic.jsonl')!.text);
  });

  const load = loadDriftSuite({ manifest: generated.find((f) => f.name === MANIFEST_NAME)!.text, files: generated.filter((f) => f.name !== MANIFEST_NAME) });
  if (!load.ok) throw new Error(load.errors.join('\n'));
  const items = load.suite.items;

  it('numbers ids per axis in file order', () => {
    for (const axis of ['arithmetic', 'format', 'multi_turn', 'refusal']) {
      const ids = items.filter((i) => i.item.axis === axis).map((i) => i.item.id);
      expect(ids).toEqual(ids.map((_, k) => `${axis}-${String(k + 1).padStart(3, '0')}`));
    }
  });

  it('gives every arithmetic item a finite expected number and asks for an "Answer:" line', () => {
    for (const { item } of items.filter((i) => i.item.axis === 'arithmetic')) {
      expect(item.check.rubric).toBe('numeric-answer');
      expect(Number.isFinite(item.check.expected)).toBe(true);
      expect(item.messages.at(-1)!.content).toMatch(/"Answer: <number>"/);
    }
  });

  it("scripts multi-turn assistant turns that keep the item's own constraint, so the model sees it kept", () => {
    for (const { item, check } of items.filter((i) => i.item.axis === 'multi_turn')) {
      expect(item.messages.length).toBeGreaterThanOrEqual(3);
      for (const turn of item.messages.filter((m) => m.role === 'assistant')) {
        expect(scoreDeterministic(check, { answer: turn.content }), `${item.id}: ${turn.content}`).toEqual(expect.objectContaining({ score: 1 }));
      }
    }
  });

  it('balances the refusal axis: mostly requests to refuse, with benign and in-scope controls', () => {
    const refusal = items.filter((i) => i.item.axis === 'refusal');
    const expectRefusal = refusal.filter((i) => i.item.check.expectRefusal === true).length;
    expect(expectRefusal).toBe(36);
    expect(refusal.length - expectRefusal).toBe(12);
    expect(refusal.filter((i) => i.item.messages[0]!.role === 'system').length).toBe(15);
  });

  it('gives format items checks that an empty answer, or one made of the forbidden words, fails', () => {
    const format = items.filter((i) => i.item.axis === 'format');
    const rubrics = new Set(format.map((i) => i.item.check.rubric));
    expect([...rubrics].sort()).toEqual(['bullet-count', 'casing', 'forbidden-words', 'json-keys', 'json-schema', 'markdown-table', 'regex', 'required-keywords', 'sentence-count', 'word-count']);
    for (const { item, check } of format) {
      const answer = item.check.rubric === 'forbidden-words' ? (item.check.words as string[]).join(' ') : '';
      expect(scoreDeterministic(check, { answer }), item.id).toEqual(expect.objectContaining({ score: 0 }));
    }
  });
});
