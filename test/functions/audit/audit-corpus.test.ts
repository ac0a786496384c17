import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseAuditConfig } from '../../../functions/audit/audit-config';
import { auditCorpus } from '../../../functions/audit/audit-corpus';
import { runAuditJob } from '../../../functions/audit/audit-job';
import { FileArtifactSink } from '../../../functions/stores/file-artifact-sink';
import { FileCorpusSource } from '../../../functions/stores/file-corpus-source';
import { chatRow, plantedCorpus } from '../../../infra/demo/synthetic-corpus';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'finegate-audit-test-'));
}

function writeCorpus(dir: string, name: string, lines: string[] | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, Buffer.isBuffer(lines) ? lines : lines.join('\n') + '\n');
  return path;
}

function readJsonl(path: string): Record<string, any>[] {
  const text = gunzipSync(readFileSync(path)).toString('utf8');
  return text === '' ? [] : text.trimEnd().split('\n').map((l) => JSON.parse(l));
}

async function audit(lines: string[] | Buffer, options: { heldout?: string[]; config?: object } = {}) {
  const dir = tmp();
  const source = new FileCorpusSource(writeCorpus(dir, 'corpus.jsonl', lines));
  const heldout = options.heldout ? new FileCorpusSource(writeCorpus(dir, 'heldout.jsonl', options.heldout)) : undefined;
  const sink = new FileArtifactSink(join(dir, 'out'));
  const result = await auditCorpus({ auditId: 't', source, heldout, sink, config: parseAuditConfig(options.config ?? {}) });
  return { ...result, dir: sink.dir };
}

describe('auditCorpus on a corpus with planted problems', async () => {
  const corpus = plantedCorpus({ rows: 1500, seed: 21 });
  const { report, findings, dir } = await audit(corpus.train, { heldout: corpus.heldout });

  it('accounts for every row: clean + quarantined = input rows', () => {
    expect(report.counts.rows).toBe(corpus.train.length);
    expect(report.counts.clean + report.counts.quarantined).toBe(report.counts.rows);
    expect(readJsonl(join(dir, 'clean.jsonl.gz')).length).toBe(report.counts.clean);
    expect(readJsonl(join(dir, 'quarantine.jsonl.gz')).length).toBe(report.counts.quarantined);
  });

  it('finds each planted problem on its line', () => {
    const missed: string[] = [];
    for (const p of corpus.planted) {
      const checks = findings.get(p.line)?.findings.map((f) => f.check) ?? [];
      if (!checks.includes(p.kind as never)) missed.push(`${p.kind}@${p.line}`);
    }
    const labelMisses = missed.filter((m) => m.startsWith('label_noise'));
    expect(missed.filter((m) => !m.startsWith('label_noise'))).toEqual([]);
    // Confident learning is statistical: most planted flips, not necessarily all.
    expect(labelMisses.length).toBeLessThanOrEqual(5);
  });

  it('quarantines few rows that were not planted', () => {
    const plantedLines = new Set(corpus.planted.map((p) => p.line));
    const extra = [...findings.entries()].filter(([line, e]) => e.quarantined && !plantedLines.has(line));
    expect(extra.map(([line, e]) => `${line}:${e.findings.map((f) => f.rule).join(',')}`)).toEqual([]);
  });

  it('fails the corpus and says why', () => {
    expect(report.verdict).toBe('FAIL');
    expect(report.reasons.join('\n')).toMatch(/secrets/);
  });

  it('writes findings in the documented format and never a raw secret', () => {
    const rows = readJsonl(join(dir, 'findings.jsonl.gz'));
    expect(rows[0]).toMatchObject({ line: expect.any(Number), action: expect.stringMatching(/^(quarantined|kept)$/), findings: expect.any(Array) });
    const dup = rows.find((r) => r.findings.some((f: { check: string }) => f.check === 'duplicate'));
    expect(dup!.findings.find((f: { check: string }) => f.check === 'duplicate').duplicateOf).toEqual(expect.any(Number));
    const everything = gunzipSync(readFileSync(join(dir, 'quarantine.jsonl.gz'))).toString() + gunzipSync(readFileSync(join(dir, 'findings.jsonl.gz'))).toString();
    const secrets = corpus.train.join('\n').match(/AKIA[A-Z2-7]{16}|ghp_[A-Za-z0-9]{36}|4111 1111 1111 1111|maria\.gonzalez@fastmail\.com/g) ?? [];
    expect(secrets.length).toBeGreaterThan(0);
    for (const s of secrets) expect(everything).not.toContain(s);
  });

  it('passes the clean corpus it wrote, audited again', async () => {
    const clean = gunzipSync(readFileSync(join(dir, 'clean.jsonl.gz')));
    const again = await audit(clean, { heldout: corpus.heldout });
    expect(['PASS', 'WARN']).toContain(again.report.verdict);
    expect(again.report.counts.quarantined).toBe(0);
  });
});

describe('auditCorpus on bad input', () => {
  const good = (i: number) => chatRow(`r${i}`, 'a', `question number ${i} about the weather in town ${i * 7}`, `answer ${i}: it is sunny and mild today`);

  it('quarantines malformed lines with their line numbers and completes', async () => {
    const lines = [good(1), '{"messages": [', good(2), '{"foo": 1}', '', good(3)];
    const bytes = Buffer.concat([Buffer.from(lines.join('\n') + '\n'), Buffer.from([0x7b, 0xff, 0x7d, 0x0a])]);
    const { report, findings } = await audit(bytes);
    expect(report.counts.rows).toBe(6);
    expect(report.counts.blankLines).toBe(1);
    expect(findings.get(2)!.findings[0]!.rule).toBe('parse.invalid-json');
    expect(findings.get(4)!.findings[0]!.rule).toBe('parse.unknown-shape');
    expect(findings.get(7)!.findings[0]!.rule).toBe('parse.invalid-utf8');
    expect(report.counts.clean + report.counts.quarantined).toBe(6);
  });

  it('fails an empty corpus', async () => {
    const { report } = await audit(Buffer.alloc(0));
    expect(report.verdict).toBe('FAIL');
    expect(report.reasons[0]).toMatch(/empty/);
  });

  it('fails a truncated gzip corpus but keeps what it read', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => good(i));
    const gz = gzipSync(lines.join('\n') + '\n');
    const { report } = await audit(gz.subarray(0, Math.floor(gz.length / 2)));
    expect(report.verdict).toBe('FAIL');
    expect(report.corpus.truncated).toBeDefined();
    expect(report.counts.rows).toBeGreaterThan(100);
    expect(report.counts.clean + report.counts.quarantined).toBe(report.counts.rows);
    expect(report.rules.some((r) => r.rule === 'parse.truncated-line')).toBe(true);
  });

  it('quarantines a line over the size limit', async () => {
    const long = chatRow('big', 'a', 'q '.repeat(1500), 'a');
    const { findings } = await audit([good(1), long], { config: { limits: { maxLineBytes: 2048 } } });
    expect(findings.get(2)!.findings[0]!.rule).toBe('parse.line-too-long');
  });
});

describe('leakage through the split field', () => {
  const q = (i: number) => `Explain in detail how the ${i}th planet of the fictional system orbits its two suns every season`;
  it('quarantines the training row whether the eval row comes after or before it', async () => {
    const train1 = JSON.stringify({ prompt: q(1), completion: 'It follows a wide ellipse.', split: 'train' });
    const eval1 = JSON.stringify({ prompt: q(1), completion: 'Different wording of the answer.', split: 'eval' });
    const eval2 = JSON.stringify({ prompt: q(2), completion: 'A figure eight.', split: 'test' });
    const train2 = JSON.stringify({ prompt: q(2), completion: 'Like a figure eight.', split: 'train' });
    const other = JSON.stringify({ prompt: 'Name a colour of the sky at dusk over the sea', completion: 'Orange.', split: 'train' });
    const { findings, report } = await audit([train1, other, eval1, eval2, train2]);
    expect(findings.get(1)?.findings.map((f) => f.rule)).toContain('leakage.eval-split');
    expect(findings.get(5)?.findings.map((f) => f.rule)).toContain('leakage.eval-split');
    expect(findings.get(2)).toBeUndefined();
    expect(findings.get(3)).toBeUndefined();
    expect(report.leakage.evalSplitRows).toBe(2);
  });
});

describe('runAuditJob', () => {
  it('writes report.json, report.md and report.html', async () => {
    const dir = tmp();
    const corpus = plantedCorpus({ rows: 300, seed: 4 });
    const source = new FileCorpusSource(writeCorpus(dir, 'c.jsonl', corpus.train));
    const sink = new FileArtifactSink(join(dir, 'out'));
    const report = await runAuditJob({ auditId: 'job', source, sink, config: parseAuditConfig({}) });
    expect(JSON.parse(readFileSync(join(sink.dir, 'report.json'), 'utf8')).verdict).toBe(report.verdict);
    expect(readFileSync(join(sink.dir, 'report.md'), 'utf8')).toMatch(/^# Corpus audit: FAIL/);
    const html = readFileSync(join(sink.dir, 'report.html'), 'utf8');
    expect(html).toContain('id="chart-length"');
    expect(html).not.toMatch(/AKIA[A-Z2-7]{16}/);
  });
});

describe('label accuracy from a judge that re-labels a sample', async () => {
  const rows = [...(await import('../../../infra/demo/synthetic-corpus')).syntheticCorpus({ rows: 800, seed: 8, rowChars: 400 })];
  const truth = new Map(rows.map((line) => [JSON.parse(line).messages[1].content as string, JSON.parse(line).label as string]));
  const labelOf = (text: string) => [...truth.entries()].find(([user]) => text.includes(user))?.[1];
  const config = { labelNoise: { judgeModel: 'local:keyword-classifier', judgeSample: 200 } };

  it('passes labels a judge agrees with, and reports agreement with its interval', async () => {
    const { report } = await auditCorpusWith(rows, config, async (text) => ({ label: labelOf(text)! }));
    expect(report.judgeRelabel).toMatchObject({ sampled: 200, judged: 200, errors: 0, agreement: 1 });
    expect(report.reasons.join('\n')).not.toMatch(/judge/);
  });

  it('fails when the judge disagrees with more than 10% of the labels', async () => {
    let n = 0;
    const { report } = await auditCorpusWith(rows, config, async (text, labels) => {
      const given = labelOf(text)!;
      return { label: n++ % 4 === 0 ? labels.find((l) => l !== given)! : given };
    });
    expect(report.verdict).toBe('FAIL');
    expect(report.reasons[0]).toMatch(/judge agrees with/);
  });

  it('is INCONCLUSIVE, never PASS, when the judge keeps failing; errors are not disagreements', async () => {
    const { report } = await auditCorpusWith(rows, config, async () => ({ error: 'ThrottlingException after 4 attempts' }));
    expect(report.verdict).toBe('INCONCLUSIVE');
    expect(report.judgeRelabel).toMatchObject({ errors: 200, judged: 0 });
  });
});

async function auditCorpusWith(lines: string[], config: object, relabeler: (text: string, labels: readonly string[]) => Promise<{ label: string } | { error: string }>) {
  const dir = tmp();
  const source = new FileCorpusSource(writeCorpus(dir, 'corpus.jsonl', lines));
  return auditCorpus({ auditId: 'j', source, sink: new FileArtifactSink(join(dir, 'out')), config: parseAuditConfig(config), relabeler });
}

describe('paraphrase pass by embeddings', async () => {
  const { HashedBagOfWordsEmbedder } = await import('../../../functions/audit/hashed-embedder');
  const base = 'Customers on the annual plan can cancel within thirty days and receive a full refund to the original payment method';
  // The same sentence with its clauses swapped: far below Jaccard 0.85 on 5-gram shingles, near 1.0 in bag-of-words cosine.
  const swapped = 'To the original payment method a full refund is received by customers on the annual plan who cancel within thirty days';
  const lines = [
    JSON.stringify({ prompt: 'What is the refund policy?', completion: base }),
    JSON.stringify({ prompt: 'How do I reset my router to factory settings?', completion: 'Hold the reset button for ten seconds until the lights blink.' }),
    JSON.stringify({ prompt: 'What is the refund policy?', completion: swapped }),
  ];

  it('quarantines a reworded repeat the MinHash check misses', async () => {
    const dir = tmp();
    const { report, findings } = await auditCorpus({
      auditId: 'p',
      source: new FileCorpusSource(writeCorpus(dir, 'c.jsonl', lines)),
      sink: new FileArtifactSink(join(dir, 'out')),
      config: parseAuditConfig({ paraphrase: { model: 'local:hashed-bow', threshold: 0.8 } }),
      embedder: new HashedBagOfWordsEmbedder(),
    });
    expect(findings.get(3)?.findings.map((f) => f.rule)).toEqual(['near_duplicate.embedding']);
    expect(findings.get(3)?.findings[0]?.duplicateOf).toBe(1);
    expect(report.paraphrase).toMatchObject({ model: 'local:hashed-bow', pairs: 1, embedded: 3, errors: 0, incomplete: false });
  });

  it('makes the audit INCONCLUSIVE when the embedding model keeps failing', async () => {
    const dir = tmp();
    const { report } = await auditCorpus({
      auditId: 'p2',
      source: new FileCorpusSource(writeCorpus(dir, 'c.jsonl', lines)),
      sink: new FileArtifactSink(join(dir, 'out')),
      config: parseAuditConfig({ paraphrase: { model: 'openai:text-embedding-3-small' } }),
      embedder: { model: 'openai:text-embedding-3-small', embed: async () => Promise.reject(new Error('429 Too Many Requests after 5 attempts')) },
    });
    expect(report.verdict).toBe('INCONCLUSIVE');
    expect(report.reasons[0]).toMatch(/paraphrase pass/);
  });

  it('reports the pass as skipped when no model is configured', async () => {
    const { report } = await audit(lines);
    expect(report.paraphrase.skipped).toMatch(/no embedding model/);
  });
});

describe('tool-call arguments', () => {
  it('scans object-valued arguments and masks the secret they carry in the quarantine', async () => {
    const secret = 'ghp_' + 'Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa12';
    const row = JSON.stringify({
      messages: [
        { role: 'user', content: 'Open the repository settings for me please' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'open_repo', arguments: { token: secret, repo: 'acme/api' } } }] },
      ],
    });
    const { findings, dir } = await audit([row]);
    expect(findings.get(1)?.findings.map((f) => f.rule)).toContain('secrets.github-token');
    const quarantined = gunzipSync(readFileSync(join(dir, 'quarantine.jsonl.gz'))).toString();
    expect(quarantined).not.toContain(secret);
    expect(quarantined).toContain('open_repo');
  });
});
