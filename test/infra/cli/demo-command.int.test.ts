import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoCommand } from '../../../infra/cli/demo-command';
import { resetAwsClients } from '../../../functions/stores/aws-clients';

/*
 * `npm start`: the four gates on an embedded runtime of its own (the command starts and stops it), with the
 * printed summary and the reports checked. The outcomes are the demo's story: the planted corpus fails and its clean
 * corpus does not; the over-refusing checkpoint fails drift on the domain axis; the final checkpoint wins the arena;
 * its canary is rolled back by an alarm; the retrained run's is promoted.
 */

let out: string;
let printed = '';
let code: number;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'finegate-demo-'));
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    printed += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write;
  try {
    code = await demoCommand(['--out', out]);
  } finally {
    process.stdout.write = write;
    resetAwsClients();
  }
}, 180_000);

afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

describe('finegate demo (npm start)', () => {
  it('tells the whole story and exits 0', () => {
    expect(code, printed).toBe(0);
    expect(printed).toMatch(/uploaded corpus: FAIL · 2000 rows/);
    expect(printed).toMatch(/its clean corpus, uploaded again: (PASS|WARN)/);
    expect(printed).toMatch(/ckpt-0800 \(step 800\): FAIL · held-out [\d.]+ · largest drift drop domain [\d.]+ points \(FAIL\)/);
    expect(printed).toMatch(/ckpt-1200 \(step 1200, final\): PASS .* → to the arena/);
    expect(printed).toMatch(/ckpt-1200: PASS · wins \d+, losses 0/);
    expect(printed).toMatch(/ROLLED BACK: /);
    expect(printed).toMatch(/PROMOTED: the live alias serves the candidate's model alone/);
  });

  it('writes the audit reports and one run report per run', async () => {
    for (const file of ['audit-uploaded/report.html', 'audit-clean/report.html']) expect((await readFile(join(out, file), 'utf8')).length).toBeGreaterThan(1000);
    const v1 = await readFile(join(out, 'support-bot-v1.html'), 'utf8');
    const v2 = await readFile(join(out, 'support-bot-v2.html'), 'utf8');
    expect(v1).toContain('rolled back');
    expect(v2).toContain('promoted');
  });
});
