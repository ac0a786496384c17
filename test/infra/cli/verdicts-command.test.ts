import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckpointHistoryEntry } from '../../../functions/runs/run-record';
import type { VerdictRecord } from '../../../functions/stores/verdict-store';
import { UsageError } from '../../../infra/cli/usage-error';
import { formatVerdictsTable, parseVerdictsArgs, verdictRows, verdictsCommand, VERDICTS_HELP } from '../../../infra/cli/verdicts-command';

function verdict(key: string, fields: Partial<VerdictRecord> = {}): VerdictRecord {
  return {
    subject: 'run#r1',
    key,
    kind: key.endsWith('#arena') ? 'arena' : 'checkpoint-gate',
    verdict: 'PASS',
    reasons: [],
    configHash: 'c0ffee',
    config: null,
    summary: {},
    reportUri: '',
    createdAt: '2026-11-12T09:00:00.000Z',
    ...fields,
  };
}

function entry(checkpoint: string, step: number, fields: Partial<CheckpointHistoryEntry> = {}): CheckpointHistoryEntry {
  return { checkpoint, step, verdict: 'PASS', recordedAt: '2026-11-12T09:00:00.000Z', ...fields };
}

describe('finegate verdicts: arguments', () => {
  it('parses the run id and the connection options', () => {
    expect(parseVerdictsArgs(['r1', '--local', '--json', '--state-dir', 'st'])).toEqual({ runId: 'r1', json: true, local: true, stateDir: 'st', stackName: 'Finegate' });
    expect(parseVerdictsArgs(['r1', '--stack', 'S', '--region', 'eu-west-1'])).toEqual({ runId: 'r1', json: false, local: false, stateDir: '.finegate', stackName: 'S', region: 'eu-west-1' });
  });

  it.each([
    [[], /which run\? give <runId>/],
    [['r1', 'r2'], /unexpected argument: r2/],
    [['r1', '--all'], /Unknown option '--all'/],
    [['run#1'], /invalid run id "run#1": a run id is letters, digits/],
  ])('%j → %s', (argv, message) => {
    expect(() => parseVerdictsArgs(argv)).toThrow(UsageError);
    expect(() => parseVerdictsArgs(argv)).toThrow(message);
  });

  it('needs a local runtime for --local', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'finegate-verdicts-'));
    await expect(verdictsCommand(['r1', '--local', '--state-dir', dir])).rejects.toThrow(/no local runtime is up .*start one with: npx finegate local up/);
  });

  it('documents the command', () => {
    expect(VERDICTS_HELP).toMatch(/^Usage: finegate verdicts <runId> \[--json\]/);
    expect(VERDICTS_HELP).toMatch(/Exit codes: 0 listed/);
  });
});

describe('finegate verdicts: order', () => {
  it('follows the run history by step, the gate before the arena, whatever order the keys sort in', () => {
    const records = [
      verdict('checkpoint#ckpt-10#gate', { summary: { step: 1000, scores: { heldout: 80 } } }),
      verdict('checkpoint#ckpt-2#arena', { verdict: 'WARN', createdAt: '2026-11-12T10:00:00.000Z' }),
      verdict('checkpoint#ckpt-2#gate', { summary: { step: 200, scores: { heldout: 70.5 }, promote: true } }),
      verdict('version#v1'),
    ];
    const history = [entry('ckpt-2', 200, { heldoutScore: 70.5 }), entry('ckpt-10', 1000, { heldoutScore: 80 })];
    expect(verdictRows(records, history).map((r) => [r.checkpoint, r.step, r.stage, r.verdict, r.heldout, r.promote])).toEqual([
      ['ckpt-2', 200, 'gate', 'PASS', 70.5, true],
      ['ckpt-2', 200, 'arena', 'WARN', undefined, false],
      ['ckpt-10', 1000, 'gate', 'PASS', 80, false],
    ]);
  });

  it('puts checkpoints missing from the history last, by their own step, and takes held-out from the history', () => {
    const records = [
      verdict('checkpoint#late#gate', { verdict: 'INCONCLUSIVE', summary: { step: 50 } }),
      verdict('checkpoint#orphan#gate', { verdict: 'INCONCLUSIVE', summary: { step: 5 } }),
      verdict('checkpoint#first#gate'),
    ];
    const rows = verdictRows(records, [entry('first', 100, { heldoutScore: 12.5 })]);
    expect(rows.map((r) => [r.checkpoint, r.step, r.heldout])).toEqual([
      ['first', 100, 12.5],
      ['orphan', 5, undefined],
      ['late', 50, undefined],
    ]);
  });
});

describe('finegate verdicts: table', () => {
  it('prints one aligned line per verdict', () => {
    const rows = verdictRows(
      [
        verdict('checkpoint#ckpt-1#gate', { summary: { step: 100, scores: { heldout: 100 } }, createdAt: '2026-11-12T09:01:00.000Z' }),
        verdict('checkpoint#ckpt-2#gate', { verdict: 'FAIL', summary: { step: 200, scores: { heldout: 96.67 } }, createdAt: '2026-11-12T09:02:00.000Z' }),
      ],
      [entry('ckpt-1', 100), entry('ckpt-2', 200)],
    );
    expect(formatVerdictsTable('r1', rows, 'c0ffee')).toBe(
      [
        'run r1  (config hash c0ffee): 2 verdicts',
        'checkpoint  step  stage  verdict  held-out  config hash  time',
        'ckpt-1       100  gate   PASS       100.00  c0ffee       2026-11-12T09:01:00.000Z',
        'ckpt-2       200  gate   FAIL        96.67  c0ffee       2026-11-12T09:02:00.000Z',
        '',
      ].join('\n'),
    );
  });

  it('says when a run has no verdicts yet', () => {
    expect(formatVerdictsTable('r1', [])).toBe('run r1: 0 verdicts\n');
  });
});
