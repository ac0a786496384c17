import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { driftAxes, exitCodeFor, formatGateOutcome, gateCommand, GATE_HELP, outcomeFromRecord, parseGateArgs, type GateOutcome } from '../../../infra/cli/gate-command';
import { UsageError } from '../../../infra/cli/usage-error';

const sample = JSON.parse(readFileSync(new URL('../../../events/samples/gate-verdict.json', import.meta.url), 'utf8'));
const base = ['run-1', 'ckpt-100', '--candidate', 'local:echo', '--step', '100'];

function usage(argv: string[]): string {
  try {
    parseGateArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`expected a usage error for ${JSON.stringify(argv)}`);
}

describe('finegate gate: arguments', () => {
  it('builds the Checkpoint Ready detail and the connection options', () => {
    expect(parseGateArgs([...base, '--loss', '0.42', '--final', '--promote', '--local', '--state-dir', '/tmp/s', '--timeout', '30'])).toEqual({
      detail: { runId: 'run-1', checkpoint: 'ckpt-100', step: 100, candidateModel: 'local:echo', trainingLoss: 0.42, final: true, promote: true },
      local: true,
      stateDir: '/tmp/s',
      stackName: 'Finegate',
      timeoutMs: 30_000,
    });
  });

  it('defaults: not final, no promote field, no loss, deployed stack Finegate, 600 s', () => {
    expect(parseGateArgs([...base, '--stack', 'Other', '--region', 'eu-west-1'])).toEqual({
      detail: { runId: 'run-1', checkpoint: 'ckpt-100', step: 100, candidateModel: 'local:echo', final: false },
      local: false,
      stateDir: '.finegate',
      stackName: 'Other',
      region: 'eu-west-1',
      timeoutMs: 600_000,
    });
  });

  it.each([
    [[], /which run and checkpoint/],
    [['run-1'], /which run and checkpoint/],
    [['run-1', 'c', 'extra', '--candidate', 'local:x', '--step', '1'], /unexpected argument: extra/],
    [['run-1', 'c', '--step', '1'], /give --candidate <model ref>/],
    [['run-1', 'c', '--candidate', 'local:x'], /give --step <n>/],
    [[...base, '--bogus'], /Unknown option '--bogus'/],
    [[...base, '--timeout', '0'], /--timeout must be a positive number of seconds, got '0'/],
    [[...base, '--timeout', 'soon'], /--timeout must be a positive number/],
  ])('%j → %s', (argv, message) => {
    expect(usage(argv)).toMatch(message);
  });

  it.each([
    [['run-1', 'ckpt', '--candidate', 'local:x', '--step', '1.5'], /^invalid Checkpoint Ready event: step \(--step "1\.5"\): .*int/],
    [['run-1', 'ckpt', '--candidate', 'local:x', '--step=-3'], /step \(--step "-3"\): .*(>=|≥|at least|too small)/i],
    [['run-1', 'ckpt', '--candidate', 'local:x', '--step', '0x10'], /step \(--step "0x10"\)/],
    [['run-1', 'ckpt', '--candidate', 'local:x', '--step', ''], /step \(--step ""\)/],
    [[...base, '--loss', 'low'], /trainingLoss \(--loss "low"\)/],
    [['run-1', 'ckpt', '--candidate', 'gpt-4o', '--step', '1'], /candidateModel \(--candidate "gpt-4o"\): /],
    [['run/1', 'ckpt', '--candidate', 'local:x', '--step', '1'], /runId \(<runId> "run\/1"\): a run id is letters/],
    [['run-1', 'ckpt#1', '--candidate', 'local:x', '--step', '1'], /checkpoint \(<checkpoint> "ckpt#1"\): a checkpoint name is/],
  ])('names the bad field of the event: %j', (argv, message) => {
    expect(usage(argv)).toMatch(message);
  });

  it('reports every bad field at once', () => {
    const message = usage(['run/1', 'ckpt', '--candidate', 'nope', '--step', 'x']);
    expect(message).toMatch(/runId .*; step .*; candidateModel /);
  });

  it('needs a local runtime for --local, and says how to start one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'finegate-gate-'));
    const error = await gateCommand([...base, '--local', '--state-dir', dir]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(new RegExp(`no local runtime is up \\(no ${dir}/local.json\\); start one with: npx finegate local up --state-dir ${dir}`));
  });

  it('documents the command and its exit codes', () => {
    expect(GATE_HELP).toMatch(/^Usage: finegate gate <runId> <checkpoint> --candidate <model ref> --step <n>/);
    expect(GATE_HELP).toMatch(/Exit codes: 0 PASS or WARN, 1 FAIL or INCONCLUSIVE, 2 .*\n3 no verdict within the timeout/);
  });
});

describe('finegate gate: exit codes by verdict', () => {
  it.each([
    ['PASS', 0],
    ['WARN', 0],
    ['FAIL', 1],
    ['INCONCLUSIVE', 1],
  ] as const)('%s → %d', (verdict, code) => {
    expect(exitCodeFor(verdict)).toBe(code);
  });
});

describe('finegate gate: drift axes', () => {
  it('reads the gate-decide shape: dropPoints and an [lower, upper] interval of candidate − base', () => {
    expect(driftAxes({ drift: { refusal: { verdict: 'FAIL', dropPoints: 46.67, interval: [-60, -33.33] }, arithmetic: { verdict: 'PASS', dropPoints: 0 } } })).toEqual([
      { axis: 'refusal', verdict: 'FAIL', drop: 46.67, interval: [-60, -33.33] },
      { axis: 'arithmetic', verdict: 'PASS', drop: 0 },
    ]);
  });

  it('reads the sample event shape: delta (candidate − base) with lower and upper', () => {
    expect(driftAxes(sample.detail.scores)).toEqual([{ axis: 'reasoning', drop: 2.4, interval: [-3.9, -0.8] }]);
  });

  it('has no axes when drift was not scored', () => {
    expect(driftAxes({})).toEqual([]);
    expect(driftAxes({ drift: 'n/a' })).toEqual([]);
  });
});

describe('finegate gate: the verdict table', () => {
  const fail: GateOutcome = {
    runId: 'support-bot-7',
    checkpoint: 'ckpt-2',
    step: 200,
    verdict: 'FAIL',
    reasons: ['refusal: drop 46.67 points (base 100, candidate 53.33; candidate − base 95% CI [-60, -33.33], 15 items)'],
    promote: false,
    configHash: 'ff7a9aab059e413a',
    scores: { heldout: 96.666, errorRate: 0.0125, drift: { arithmetic: { verdict: 'PASS', dropPoints: 0, interval: [-1.5, 1.5] }, refusal: { verdict: 'FAIL', dropPoints: 46.67, interval: [-60, -33.33] } } },
    reportUri: 's3://artifacts/runs/support-bot-7/ckpt-2/decision.json',
  };

  it('prints the held-out score, each drift axis aligned, the verdict, reasons and report', () => {
    expect(formatGateOutcome(fail)).toBe(
      [
        'run support-bot-7  checkpoint ckpt-2  step 200',
        'verdict:  FAIL',
        'held-out: 96.67 points',
        'drift vs base (drop = base − candidate in points; interval: 95% paired bootstrap of candidate − base):',
        '  axis        verdict   drop          interval',
        '  arithmetic  PASS      0.00     [-1.50, 1.50]',
        '  refusal     FAIL     46.67  [-60.00, -33.33]',
        'errors:   1.25% of model and judge calls',
        'config:   ff7a9aab059e413a',
        'reasons:',
        '  - refusal: drop 46.67 points (base 100, candidate 53.33; candidate − base 95% CI [-60, -33.33], 15 items)',
        'report:   s3://artifacts/runs/support-bot-7/ckpt-2/decision.json',
        '',
      ].join('\n'),
    );
  });

  it('says what was not scored, and marks a promotion', () => {
    const text = formatGateOutcome({ runId: 'r', checkpoint: 'c', verdict: 'PASS', reasons: [], promote: true, configHash: 'h', scores: {} });
    expect(text).toMatch(/^verdict:  PASS  \(promoted: goes on to the arena\)$/m);
    expect(text).toMatch(/^held-out: — \(not scored\)$/m);
    expect(text).toMatch(/^drift vs base: — \(not scored\)$/m);
    expect(text).toMatch(/^report:   —$/m);
    expect(text).not.toMatch(/reasons:/);
  });

  it('reads a stored verdict record as the same outcome', () => {
    const outcome = outcomeFromRecord('r', 'c', {
      subject: 'run#r',
      key: 'checkpoint#c#gate',
      kind: 'checkpoint-gate',
      verdict: 'WARN',
      reasons: ['x'],
      configHash: 'h',
      config: null,
      summary: { step: 7, promote: false, scores: { heldout: 50 } },
      reportUri: 's3://a/b',
      createdAt: '2026-01-01T00:00:00Z',
    });
    expect(outcome).toEqual({ runId: 'r', checkpoint: 'c', step: 7, verdict: 'WARN', reasons: ['x'], promote: false, configHash: 'h', scores: { heldout: 50 }, reportUri: 's3://a/b' });
  });
});
