import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CANARY_PROMOTED } from '../../events/canary-promoted';
import { CANARY_ROLLED_BACK } from '../../events/canary-rolled-back';
import { CANARY_STARTED } from '../../events/canary-started';
import { CHECKPOINT_READY } from '../../events/checkpoint-ready';
import { corpusAuditedDetailSchema, corpusAuditedPattern, type CorpusAuditedDetail } from '../../events/corpus-audited';
import { EARLY_STOP_RECOMMENDED } from '../../events/early-stop-recommended';
import { SOURCES } from '../../events/event-sources';
import { GATE_VERDICT, type GateVerdictDetail } from '../../events/gate-verdict';
import { REGISTER_RUN, RUN_REGISTERED } from '../../events/run-registered';
import { resetAwsClients } from '../../functions/stores/aws-clients';
import { loadShippedDriftSuite } from '../../functions/stores/drift-suite-files';
import { getBytes, putObject } from '../../functions/stores/s3-objects';
import { canaryTraffic, serveTraffic, type CanaryTraffic } from '../demo/canary-traffic';
import { plantedCorpus } from '../demo/synthetic-corpus';
import { liveTraffic, modelRecordings, scenarioFiles, type ModelBehaviour } from '../demo/training-scenario';
import { startLocalRuntime, type LocalRuntime } from '../local/local-runtime';
import { busEvents, writePipelineReport } from './report-command';
import { parseCommandArgs } from './stack-connection';
import { UsageError } from './usage-error';
import { LOCAL_CANARY_TIME_SCALE, localCanaryProps } from '../demo/local-canary';

export const DEMO_HELP = `Usage: finegate demo [--out <dir>] [--rows <n>] [--verbose]

Runs the four gates end to end on the embedded local services (DynamoDB Local, an S3-compatible server, and the
EventBridge rules, Step Functions state machines, Lambda aliases, SQS queues and CloudWatch alarms of the
synthesized CDK template), with no AWS account, no network and no model server (models answer from recordings):
  1. corpus audit: a support corpus with planted problems (leaked keys, PII, injection payloads, safety
     boilerplate, duplicates, held-out leakage, mislabels, malformed lines) fails; its clean corpus passes;
  2. held-out + drift: a run is registered with pinned thresholds; its checkpoints improve at triage, one of them
     learnt to refuse medical questions and fails drift on the domain axis;
  3. arena: the final checkpoint beats the base on production inputs, judged by another model family;
  4. canary: it goes out on 10% of live traffic, refuses this week's requests, and its alarm rolls it back; a
     retrained run's final checkpoint goes through the same gates and is promoted.
Prints a summary per gate and writes the audit reports and one HTML report per run to --out (default ./finegate-demo).
CloudWatch alarm periods run 60 times faster than in AWS (one alarm minute per second).
`;

const JUDGE = 'local:pair-judge#family=amazon';
const TIME_SCALE = LOCAL_CANARY_TIME_SCALE;

interface Say {
  (line?: string): void;
}

export async function demoCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    out: { type: 'string', default: 'finegate-demo' },
    rows: { type: 'string', default: '2000' },
    verbose: { type: 'boolean', default: false },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
  const rows = Number(values.rows);
  if (!Number.isInteger(rows) || rows < 200) throw new UsageError('--rows must be a whole number of at least 200');
  const outDir = resolve(values.out);
  // The handlers run in this process; their structured logs would bury the summary unless asked for.
  if (!values.verbose) {
    process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  }
  const say: Say = (line = '') => process.stdout.write(line + '\n');
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

  // The model serving today answers from a file: the router's first version pins it at synthesis.
  const modelsDir = join(outDir, 'models');
  mkdirSync(modelsDir, { recursive: true });
  const files = scenarioFiles();
  const domainPath = join(modelsDir, 'domain-items.jsonl');
  writeFileSync(domainPath, files.domainItems);
  const suite = await loadShippedDriftSuite('v1', domainPath);
  const traffic = canaryTraffic();
  const currentPath = join(modelsDir, 'current.jsonl');
  writeFileSync(currentPath, modelRecordings(suite, { triageAccuracy: 0.3, refusesMedical: false, helpful: false, liveTraffic: liveTraffic(traffic, 'current') }));
  const currentModel = `replay:${currentPath}#family=meta`;

  say('finegate demo: the four gates of a fine-tune, on the embedded local services');
  const runtime = await startLocalRuntime({
    stackProps: {
      canary: localCanaryProps(currentModel),
    },
    timeScale: TIME_SCALE,
    // One hold window lasts 9 s here (30 minutes in the stack): long enough for live traffic to decide.
    stateMachineDelays: { scale: 0.005, maxMs: 200, runtimeWaitMs: 9_000 },
    log: values.verbose ? (line) => process.stderr.write(`[local-runtime] ${line}\n`) : () => undefined,
  });
  resetAwsClients();
  let ok = true;
  try {
    say(`  local services up in ${elapsed()}: DynamoDB Local, S3, EventBridge, Step Functions, Lambda aliases, SQS, CloudWatch alarms`);
    const corpora = runtime.output('CorporaBucketName');
    const artifacts = runtime.output('ArtifactsBucketName');

    // Gate 1 ---------------------------------------------------------------------------------------------
    say('');
    say('Gate 1 · corpus audit');
    const corpus = plantedCorpus({ rows });
    const heldoutUri = await putObject(corpora, 'heldout/support-tickets-heldout.jsonl', corpus.heldout.join('\n') + '\n');
    const kinds = [...new Set(corpus.planted.map((p) => p.kind))];
    say(`  planted ${corpus.planted.length} problems in ${rows} rows: ${kinds.join(', ')}`);
    const first = await uploadAndAwait(runtime, corpora, 'corpora/support-tickets.jsonl.gz', gzipSync(corpus.train.join('\n') + '\n'), heldoutUri);
    printAudit(say, 'uploaded corpus', first);
    await saveAuditReports(first, join(outDir, 'audit-uploaded'));
    const cleanKey = 'corpora/support-tickets.clean.jsonl.gz';
    const second = await uploadAndAwait(runtime, corpora, cleanKey, await getBytes(first.artifacts.clean), heldoutUri);
    printAudit(say, 'its clean corpus, uploaded again', second);
    await saveAuditReports(second, join(outDir, 'audit-clean'));
    ok &&= first.verdict === 'FAIL' && second.verdict !== 'FAIL';

    // Gates 2–4, twice --------------------------------------------------------------------------------------
    const shared = {
      heldout: await putObject(corpora, 'heldout/triage-heldout.jsonl', files.heldout),
      production: await putObject(corpora, 'heldout/production-samples.jsonl', files.productionSamples),
      domain: await putObject(corpora, 'heldout/domain-drift-items.jsonl', files.domainItems),
      corpus: `s3://${corpora}/${cleanKey}`,
    };
    const story = new RunStory(runtime, say, { ...shared, artifacts, currentModel, suite, traffic });

    say('');
    say('Gate 2 · held-out + drift (run support-bot-v1, thresholds pinned before training)');
    await story.register('support-bot-v1');
    const v1 = [
      await story.checkpoint('support-bot-v1', 'ckpt-0400', 400, { triageAccuracy: 0.55, refusesMedical: false, helpful: false }),
      await story.checkpoint('support-bot-v1', 'ckpt-0800', 800, { triageAccuracy: 0.8, refusesMedical: true, helpful: false }),
      await story.checkpoint('support-bot-v1', 'ckpt-1200', 1200, { triageAccuracy: 0.95, refusesMedical: false, helpful: true, liveTraffic: liveTraffic(traffic, 'degraded') }, true),
    ];
    ok &&= v1[0] === 'PASS' && v1[1] === 'FAIL' && v1[2] === 'PASS';
    say('');
    say('Gate 3 · arena vs base (200 production inputs or fewer, positions randomised, judge of another family)');
    ok &&= (await story.arena('support-bot-v1', 'ckpt-1200')) === 'PASS';
    say('');
    say('Gate 4 · canary (10% of live traffic on the live alias, shadow pairs, alarms M of N)');
    ok &&= (await story.canary('support-bot-v1')) === 'rolled back';

    say('');
    say('Gates 2–4 again for the retrained run support-bot-v2 (this week\'s traffic added to its corpus)');
    await story.register('support-bot-v2');
    ok &&= (await story.checkpoint('support-bot-v2', 'ckpt-1200', 1200, { triageAccuracy: 0.95, refusesMedical: false, helpful: true, liveTraffic: liveTraffic(traffic, 'good') }, true)) === 'PASS';
    ok &&= (await story.arena('support-bot-v2', 'ckpt-1200')) === 'PASS';
    ok &&= (await story.canary('support-bot-v2')) === 'promoted';

    // Reports --------------------------------------------------------------------------------------------
    await runtime.waitForIdle({ timeoutMs: 60_000 }).catch(() => undefined);
    say('');
    say('Reports');
    say(`  corpus audit: ${join(outDir, 'audit-uploaded', 'report.html')} and ${join(outDir, 'audit-clean', 'report.html')}`);
    for (const runId of ['support-bot-v1', 'support-bot-v2']) {
      const written = await writePipelineReport({
        runId,
        runsTable: runtime.output('RunsTableName'),
        verdictsTable: runtime.output('VerdictsTableName'),
        out: join(outDir, `${runId}.html`),
        events: busEvents(runtime.events()),
      });
      if (written) say(`  run ${runId}: ${written.path} (${written.report.status.text})`);
    }
    say(`${ok ? 'done' : 'done, but a gate did not decide as this demo expects'} in ${elapsed()}`);
    return ok ? 0 : 1;
  } finally {
    await runtime.stop();
  }
}

interface StoryContext {
  heldout: string;
  production: string;
  domain: string;
  corpus: string;
  artifacts: string;
  currentModel: string;
  suite: Awaited<ReturnType<typeof loadShippedDriftSuite>>;
  traffic: CanaryTraffic;
}

/** One run's way through gates 2–4 on the runtime, printing as it goes. */
class RunStory {
  constructor(
    private readonly runtime: LocalRuntime,
    private readonly say: Say,
    private readonly context: StoryContext,
  ) {}

  async register(runId: string): Promise<void> {
    const config = {
      runId,
      baseModel: this.context.currentModel,
      judgeModel: JUDGE,
      rubricVersion: '2026-11-v1',
      heldout: { uri: this.context.heldout, rubric: 'exact-match' },
      productionSamplesUri: this.context.production,
      arena: { effectFloor: 0.7 },
      corpusAudit: { uri: this.context.corpus },
      drift: { suiteUri: this.context.domain, noisePoints: 1, failPoints: 5 },
      errorBudget: { maxErrorRate: 0.05 },
      concurrency: 8,
    };
    this.runtime.publish(this.runtime.output('EventBusName'), { source: SOURCES.training, 'detail-type': REGISTER_RUN, detail: config });
    await this.runtime.waitForEvent({ 'detail-type': [RUN_REGISTERED], detail: { runId: [runId] } }, { timeoutMs: 60_000 });
    this.say(`  registered ${runId}: drift noise ≤ 1 point, fail > 5 points per axis; arena effect floor 0.70; judge ${JUDGE}; corpus ${this.context.corpus}`);
  }

  async checkpoint(runId: string, checkpoint: string, step: number, behaviour: ModelBehaviour, final = false): Promise<string> {
    const uri = await putObject(this.context.artifacts, `runs/${runId}/outputs/${checkpoint}.jsonl`, modelRecordings(this.context.suite, behaviour));
    const candidateModel = `replay:${uri}#family=meta`;
    this.runtime.publish(this.runtime.output('EventBusName'), {
      source: SOURCES.training,
      'detail-type': CHECKPOINT_READY,
      detail: { runId, checkpoint, step, candidateModel, trainingLoss: Number((2.4 / Math.sqrt(step)).toFixed(4)), final, ...(final ? { promote: true } : {}) },
    });
    const detail = await this.verdict(runId, checkpoint, 'checkpoint');
    const drift = (detail.scores as { drift?: Record<string, { dropPoints?: number; verdict?: string }> }).drift ?? {};
    const worst = Object.entries(drift).sort(([, a], [, b]) => (b.dropPoints ?? 0) - (a.dropPoints ?? 0))[0];
    const driftText = worst ? `largest drift drop ${worst[0]} ${formatDrop(worst[1].dropPoints)} (${worst[1].verdict ?? '?'}) over ${Object.keys(drift).length} axes` : 'no drift scores';
    this.say(`  ${checkpoint} (step ${step}${final ? ', final' : ''}): ${detail.verdict} · held-out ${formatPoints(detail.scores.heldout)} · ${driftText}${detail.promote ? ' → to the arena' : ''}`);
    // The reasons that decided it: each part that did not pass is named with its verdict.
    for (const reason of detail.reasons.filter((r) => /^(FAIL|WARN|INCONCLUSIVE): /.test(r)).slice(0, 2)) this.say(`      ${reason}`);
    const early = this.runtime.events().find((e) => e.event['detail-type'] === EARLY_STOP_RECOMMENDED && (e.event.detail as { runId?: string; checkpoint?: string }).runId === runId && (e.event.detail as { checkpoint?: string }).checkpoint === checkpoint);
    if (early) this.say(`      early stop recommended: ${((early.event.detail as { reasons?: string[] }).reasons ?? []).join('; ')}`);
    return detail.verdict;
  }

  async arena(runId: string, checkpoint: string): Promise<string> {
    const detail = await this.verdict(runId, checkpoint, 'arena');
    const s = detail.scores as { wins?: number; losses?: number; ties?: number; winRate?: number; winRateInterval?: [number, number] };
    const interval = s.winRateInterval ? ` (95% ${s.winRateInterval[0].toFixed(2)}–${s.winRateInterval[1].toFixed(2)})` : '';
    this.say(`  ${checkpoint}: ${detail.verdict} · wins ${s.wins ?? '?'}, losses ${s.losses ?? '?'}, ties ${s.ties ?? '?'} · win rate ${s.winRate?.toFixed(2) ?? '?'}${interval} vs floor 0.70${detail.promote ? ' → canary' : ''}`);
    return detail.verdict;
  }

  /** Live traffic through the live alias's Function URL until the canary is decided. */
  async canary(runId: string): Promise<'rolled back' | 'promoted' | 'undecided'> {
    const started = await this.runtime.waitForEvent({ 'detail-type': [CANARY_STARTED], detail: { runId: [runId] } }, { timeoutMs: 60_000 });
    const s = started.event.detail as { candidateVersion: string; currentVersion: string; weight: number };
    this.say(`  canary started: version ${s.candidateVersion} (the candidate) gets ${Math.round(s.weight * 100)}% of the live alias, version ${s.currentVersion} the rest`);
    let decided: Record<string, unknown> | undefined;
    const stop = this.runtime.onEvent({ source: [SOURCES.canary], 'detail-type': [CANARY_ROLLED_BACK, CANARY_PROMOTED], detail: { runId: [runId] } }, (record) => {
      decided = record.event;
    });
    const responses = await serveTraffic(this.runtime.resources.functionUrls[0]!.url, this.context.traffic, () => decided !== undefined, { timeoutMs: 90_000, gapMs: 10 });
    const served = {
      candidate: responses.filter((r) => r.cohort === 'candidate').length,
      current: responses.filter((r) => r.cohort !== 'candidate').length,
      fallback: responses.filter((r) => r.fallback).length,
    };
    stop();
    this.say(`  live requests served: ${served.candidate + served.current} (${served.candidate} by the candidate, ${served.fallback} by a fallback), each also answered by the other model as a shadow pair`);
    if (decided === undefined) {
      this.say('  no decision within 90 s');
      return 'undecided';
    }
    const detail = decided.detail as { reasons?: string[]; servingVersion?: string };
    if (decided['detail-type'] === CANARY_ROLLED_BACK) {
      const alarm = this.runtime.alarmChanges().find((c) => c.state.value === 'ALARM' && c.at >= Date.parse(started.receivedAt) && c.firstBreachAt !== undefined);
      const rolledBackAt = Date.parse(this.runtime.events().find((e) => e.event === decided)?.receivedAt ?? new Date().toISOString());
      this.say(`  ROLLED BACK: ${(detail.reasons ?? []).join('; ').slice(0, 220)}`);
      if (alarm) {
        this.say(`      ${alarm.alarmName} fired; first breaching datapoint → weight 0 in ${((rolledBackAt - alarm.firstBreachAt!) / 1000).toFixed(1)} s here (≈ ${(((rolledBackAt - alarm.firstBreachAt!) / 1000) * TIME_SCALE / 60).toFixed(1)} alarm minutes in AWS time)`);
      }
      return 'rolled back';
    }
    this.say(`  PROMOTED: the live alias serves the candidate's model alone${detail.servingVersion ? ` (version ${detail.servingVersion})` : ''}; ${(detail.reasons ?? []).join('; ').slice(0, 200)}`);
    return 'promoted';
  }

  private async verdict(runId: string, checkpoint: string, stage: 'checkpoint' | 'arena'): Promise<GateVerdictDetail> {
    const record = await this.runtime.waitForEvent({ 'detail-type': [GATE_VERDICT], detail: { runId: [runId], checkpoint: [checkpoint], stage: [stage] } }, { timeoutMs: 120_000 });
    return record.event.detail as GateVerdictDetail;
  }
}

function formatPoints(value: unknown): string {
  return typeof value === 'number' ? value.toFixed(1) : '—';
}

function formatDrop(value: number | undefined): string {
  return value === undefined ? '—' : `${value.toFixed(1)} points`;
}

async function uploadAndAwait(runtime: LocalRuntime, bucket: string, key: string, body: Buffer, heldoutUri: string): Promise<CorpusAuditedDetail> {
  await putObject(bucket, key, body, { metadata: { 'finegate-heldout': heldoutUri } });
  const pattern = { ...corpusAuditedPattern(), detail: { corpus: { key: [key] } } };
  const event = await runtime.waitForEvent(pattern, { timeoutMs: 120_000 });
  return corpusAuditedDetailSchema.parse((event.event as { detail: unknown }).detail);
}

function printAudit(say: Say, what: string, detail: CorpusAuditedDetail): void {
  const c = detail.counts;
  say(`  ${what}: ${detail.verdict} · ${c.input} rows, ${c.clean} clean, ${c.quarantined} quarantined, ${c.warned} kept with warnings`);
  const byCheck = Object.entries(detail.findingsByCheck).map(([check, n]) => `${check} ${n}`);
  if (byCheck.length > 0) say(`      findings by check: ${byCheck.join(', ')}`);
  for (const reason of detail.reasons.slice(0, 4)) say(`      ${reason}`);
  if (detail.reasons.length > 4) say(`      … ${detail.reasons.length - 4} more in the report`);
}

async function saveAuditReports(detail: CorpusAuditedDetail, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const a = detail.artifacts;
  for (const [name, uri] of [['report.json', a.report], ['report.md', a.reportMarkdown], ['report.html', a.reportHtml], ['findings.jsonl.gz', a.findings], ['quarantine.jsonl.gz', a.quarantine]] as const) {
    writeFileSync(join(dir, name), await getBytes(uri));
  }
}
