/**
 * A realistic run for the pipeline report tests, as the stores hold it: the pinned run, its corpus audit verdict
 * and report.json, four gated checkpoints with their decision.json, an arena PASS on the last one, and a canary
 * that an alarm rolled back, with the events the local runtime would have carried.
 */
import type { AssembleInput, BusEvent, DecisionDocument } from '../../../functions/reports/pipeline-report-data';
import { parseRunConfig, runConfigHash } from '../../../functions/runs/run-config';
import type { CheckpointHistoryEntry, RunRecord } from '../../../functions/runs/run-record';
import type { VerdictRecord } from '../../../functions/stores/verdict-store';

export const RUN_ID = 'support-bot-7';
export const BASE = 'bedrock:meta.llama3-1-8b-instruct-v1:0';
export const JUDGE = 'bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0';
export const CANDIDATE = 'openai:support-bot-7-ckpt-800#family=meta';
export const AUDIT_HTML = 's3://artifacts/audits/corpora/support.jsonl/v1/report.html';

export function runRecord(): RunRecord {
  const config = parseRunConfig({
    runId: RUN_ID,
    baseModel: BASE,
    judgeModel: JUDGE,
    rubricVersion: '2026-11-v1',
    heldout: { uri: 's3://corpora/heldout.jsonl', rubric: 'judge:task-completion' },
    corpusAudit: { uri: 's3://corpora/corpora/support.jsonl', versionId: 'v1' },
    drift: { noisePoints: 1, failPoints: 5 },
    arena: { effectFloor: 0.55 },
  });
  return { runId: RUN_ID, config, configHash: runConfigHash(config), registeredAt: '2026-11-10T08:00:00.000Z' };
}

function verdict(fields: Partial<VerdictRecord> & Pick<VerdictRecord, 'subject' | 'key' | 'kind'>): VerdictRecord {
  return { verdict: 'PASS', reasons: [], configHash: runRecord().configHash, config: runRecord().config, summary: {}, reportUri: '', createdAt: '2026-11-11T10:00:00.000Z', ...fields };
}

export function corpusVerdict(overrides: Partial<VerdictRecord> = {}): VerdictRecord {
  return verdict({
    subject: 'corpus#s3://corpora/corpora/support.jsonl',
    key: 'version#v1',
    kind: 'corpus-audit',
    verdict: 'WARN',
    reasons: ['secrets: 3 rows quarantined', 'near-duplicates: 41 rows in 17 clusters'],
    configHash: 'a1b2c3d4e5f60718',
    config: {},
    summary: {
      auditId: 'audit-1',
      corpus: { uri: 's3://corpora/corpora/support.jsonl', versionId: 'v1' },
      verdict: 'WARN',
      counts: { input: 12345, clean: 12001, quarantined: 344, warned: 58 },
      findingsByCheck: { secrets: 3, pii: 212, duplicates: 129, injection: 0 },
      artifacts: { report: 's3://artifacts/audits/corpora/support.jsonl/v1/report.json', reportHtml: AUDIT_HTML },
      finishedAt: '2026-11-10T07:30:00.000Z',
    },
    reportUri: 's3://artifacts/audits/corpora/support.jsonl/v1/report.json',
    createdAt: '2026-11-10T07:30:00.000Z',
    ...overrides,
  });
}

export const auditReport = {
  counts: { rows: 12345, clean: 12001, quarantined: 344, warned: 58 },
  rules: [
    { rule: 'pii.email', check: 'pii', severity: 'high', action: 'quarantine', count: 212, examples: [{ line: 17, evidence: 'j***@example.com', field: 'messages[1].content' }, { line: 90, evidence: 'a***@corp.test' }] },
    { rule: 'secrets.aws-access-key', check: 'secrets', severity: 'critical', action: 'quarantine', count: 3, examples: [{ line: 404, evidence: 'AKIA************MPLE' }] },
  ],
};

const STEPS = [
  { checkpoint: 'ckpt-200', step: 200, verdict: 'PASS', loss: 1.21, heldout: 61.2, drift: { refusal: -0.4, arithmetic: 0.8 } },
  { checkpoint: 'ckpt-400', step: 400, verdict: 'WARN', loss: 0.97, heldout: 66.8, drift: { refusal: -2.6, arithmetic: 0.3 } },
  { checkpoint: 'ckpt-600', step: 600, verdict: 'PASS', loss: 0.88, heldout: 70.3, drift: { refusal: -0.9, arithmetic: -0.2 } },
  { checkpoint: 'ckpt-800', step: 800, verdict: 'PASS', loss: 0.85, heldout: 70.6, drift: { refusal: -0.5, arithmetic: 0.1 } },
] as const;

export const CHECKPOINTS = STEPS.map((s) => s.checkpoint);

export function history(): CheckpointHistoryEntry[] {
  return STEPS.map((s) => ({ checkpoint: s.checkpoint, step: s.step, verdict: s.verdict, trainingLoss: s.loss, heldoutScore: s.heldout, recordedAt: `2026-11-11T0${s.step / 200}:00:00.000Z` }));
}

export function decisions(): Map<string, DecisionDocument> {
  return new Map(
    STEPS.map((s) => [
      s.checkpoint,
      {
        verdict: s.verdict,
        reasons: [`held-out ${s.heldout.toFixed(2)} points`, ...Object.entries(s.drift).map(([axis, d]) => `${axis}: ${d >= 0 ? 'gained' : 'dropped'} ${Math.abs(d).toFixed(2)} points`)],
        heldout: { points: s.heldout, interval: { lower: s.heldout - 2.1, upper: s.heldout + 2.0 } },
        drift: Object.entries(s.drift).map(([axis, d]) => ({ axis, verdict: d < -1 ? 'WARN' : 'PASS', differencePoints: d, dropPoints: -d, interval: { lower: d - 1.2, upper: d + 1.1, confidence: 0.95 } })),
        ...(s.step === 800
          ? { earlyStop: { recommend: true, reason: 'held-out gained less than 0.5 points for 3 checkpoints while the training loss fell', stalled: 3 } }
          : {}),
      } as DecisionDocument,
    ]),
  );
}

export function gateVerdicts(): VerdictRecord[] {
  return STEPS.map((s) =>
    verdict({
      subject: `run#${RUN_ID}`,
      key: `checkpoint#${s.checkpoint}#gate`,
      kind: 'checkpoint-gate',
      verdict: s.verdict,
      summary: { step: s.step, candidateModel: `openai:support-bot-7-${s.checkpoint}#family=meta`, promote: s.step === 800, scores: { heldout: s.heldout } },
      reportUri: `s3://artifacts/runs/${RUN_ID}/${s.checkpoint}/decision.json`,
      createdAt: `2026-11-11T0${s.step / 200}:00:00.000Z`,
    }),
  );
}

export function arenaVerdict(overrides: Partial<VerdictRecord> = {}): VerdictRecord {
  return verdict({
    subject: `run#${RUN_ID}`,
    key: 'checkpoint#ckpt-800#arena',
    kind: 'arena',
    verdict: 'PASS',
    reasons: ['win rate 0.610 [0.560, 0.657] (Wilson 95%, 379 decided of 400 pairs): the lower bound is above 0.5 and the win rate reaches the effect floor 0.55'],
    summary: {
      step: 800,
      candidateModel: CANDIDATE,
      promote: true,
      scores: { winRate: 0.6095, winRateInterval: [0.5596, 0.6572], wins: 231, losses: 148, ties: 21, errors: 0, errorRate: 0 },
    },
    reportUri: `s3://artifacts/runs/${RUN_ID}/ckpt-800/arena.json`,
    createdAt: '2026-11-11T05:00:00.000Z',
    ...overrides,
  });
}

export const ALARM = 'finegate-canary-rubric-drop-task-completion';

export function canaryVerdict(overrides: Partial<VerdictRecord> = {}): VerdictRecord {
  return verdict({
    subject: `run#${RUN_ID}`,
    key: 'canary#14',
    kind: 'canary',
    verdict: 'FAIL',
    reasons: [`alarm ${ALARM} is in ALARM: Threshold Crossed: 3 out of the last 5 datapoints were greater than or equal to the threshold (2.0)`],
    summary: { action: 'rollback', candidateVersion: '14', currentVersion: '12', candidateWeight: 0.1, candidateModel: CANDIDATE, trigger: { kind: 'alarm', alarmName: ALARM, alarmReason: 'Threshold Crossed' } },
    createdAt: '2026-11-12T11:41:54.870Z',
    ...overrides,
  });
}

/** The canary's events, as the local runtime's log has them (not in time order: the report sorts them). */
export function canaryEvents(): BusEvent[] {
  return [
    {
      source: 'finegate.canary',
      'detail-type': 'Canary Rolled Back',
      time: '2026-11-12T11:41:55Z',
      detail: {
        runId: RUN_ID,
        candidateVersion: '14',
        candidateModel: CANDIDATE,
        currentVersion: '12',
        verdict: 'FAIL',
        reasons: [`alarm ${ALARM} is in ALARM`],
        trigger: { kind: 'alarm', alarmName: ALARM, alarmReason: 'Threshold Crossed' },
        rolledBackAt: '2026-11-12T11:41:54.870Z',
      },
    },
    {
      source: 'finegate.canary',
      'detail-type': 'Canary Started',
      time: '2026-11-12T11:02:07Z',
      detail: { runId: RUN_ID, candidateModel: CANDIDATE, currentModel: BASE, candidateVersion: '14', currentVersion: '13', weight: 0.05, startedAt: '2026-11-12T11:02:06.512Z' },
    },
    {
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      time: '2026-11-12T11:41:52Z',
      detail: { alarmName: ALARM, state: { value: 'ALARM', reason: 'Threshold Crossed: 3 out of the last 5 datapoints were greater than or equal to the threshold (2.0)' }, previousState: { value: 'OK' } },
    },
    // Before the canary started, and another run's canary: neither belongs on this timeline.
    { source: 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change', time: '2026-11-12T09:00:00Z', detail: { alarmName: ALARM, state: { value: 'OK' }, previousState: { value: 'INSUFFICIENT_DATA' } } },
    { source: 'finegate.canary', 'detail-type': 'Canary Started', time: '2026-11-12T08:00:00Z', detail: { runId: 'other-run', candidateVersion: '9', weight: 0.05, startedAt: '2026-11-12T08:00:00Z' } },
  ];
}

/** The whole run: every gate decided, the canary rolled back by its alarm. */
export function fullInput(): AssembleInput {
  return {
    runId: RUN_ID,
    generatedAt: '2026-11-12T12:00:00.000Z',
    run: runRecord(),
    corpus: { record: corpusVerdict(), report: auditReport, reportHtmlHref: 'support.corpus-audit.html' },
    history: history(),
    decisions: decisions(),
    verdicts: [...gateVerdicts(), arenaVerdict(), canaryVerdict()],
    events: canaryEvents(),
    timeline: [{ at: '2026-11-12T11:20:00.000Z', kind: 'weight', title: 'Weight raised to 10% of live traffic' }],
  };
}
