import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../infra/cli/main';
import { chatRow, plantedCorpus } from '../../../infra/demo/synthetic-corpus';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
  return { out: () => out.join(''), err: () => err.join('') };
}

afterEach(() => vi.restoreAllMocks());

describe('finegate audit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'finegate-cli-'));

  it('exits 1 on a failing corpus and writes every artifact', async () => {
    const corpus = plantedCorpus({ rows: 400, seed: 2 });
    const file = join(dir, 'planted.jsonl.gz');
    writeFileSync(file, gzipSync(corpus.train.join('\n')));
    const heldout = join(dir, 'heldout.jsonl');
    writeFileSync(heldout, corpus.heldout.join('\n'));
    const io = capture();
    const code = await main(['audit', file, '--heldout', heldout, '--out', join(dir, 'out1'), '--quiet']);
    expect(code).toBe(1);
    expect(io.out()).toMatch(/^verdict: FAIL/);
    for (const name of ['clean.jsonl.gz', 'quarantine.jsonl.gz', 'findings.jsonl.gz', 'report.json', 'report.md', 'report.html']) {
      expect(readFileSync(join(dir, 'out1', name)).length, name).toBeGreaterThan(0);
    }
  });

  it('exits 0 on a clean corpus', async () => {
    const file = join(dir, 'clean.jsonl');
    const rows = Array.from({ length: 30 }, (_, i) => chatRow(`r${i}`, 'x', `Question ${i}: how many moons does planet ${i} have in this story?`, `Planet ${i} has ${i % 4} moons.`));
    writeFileSync(file, rows.join('\n') + '\n');
    const io = capture();
    expect(await main(['audit', file, '--out', join(dir, 'out2'), '--quiet'])).toBe(0);
    expect(io.out()).toMatch(/verdict: (PASS|WARN)/);
  });

  it('applies a YAML config', async () => {
    const file = join(dir, 'dups.jsonl');
    const row = chatRow('a', 'x', 'the same question every time about the same old thing', 'the same answer');
    writeFileSync(file, [row, row].join('\n'));
    writeFileSync(join(dir, 'config.yaml'), 'dedup:\n  exact: false\n  near: false\n');
    capture();
    expect(await main(['audit', file, '--config', join(dir, 'config.yaml'), '--out', join(dir, 'out3'), '--quiet'])).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'out3', 'report.json'), 'utf8')).counts.quarantined).toBe(0);
  });

  it.each([
    [['audit'], /which corpus/],
    [['audit', '/nonexistent/corpus.jsonl'], /cannot read/],
    [['audit', 'x.jsonl', '--bogus'], /Unknown option/],
    [['nope'], /unknown command/],
  ])('exits 2 with a clear message for %j', async (argv, message) => {
    const io = capture();
    expect(await main(argv)).toBe(2);
    expect(io.err()).toMatch(message);
  });

  it('exits 2 for an invalid config, naming the field', async () => {
    const file = join(dir, 'one.jsonl');
    writeFileSync(file, chatRow('a', 'x', 'q', 'a'));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ dedup: { threshold: 3 } }));
    const io = capture();
    expect(await main(['audit', file, '--config', join(dir, 'bad.json')])).toBe(2);
    expect(io.err()).toMatch(/dedup\.threshold/);
  });

  it('prints help', async () => {
    const io = capture();
    expect(await main(['audit', '--help'])).toBe(0);
    expect(io.out()).toMatch(/Exit codes/);
  });
});
