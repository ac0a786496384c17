/**
 * The pipeline report's model: what is known of one run's four gates (corpus audit, held-out + drift per
 * checkpoint, arena, canary), and the pure helpers that assemble it from what the gates store: the run record and
 * its history, the verdict records, the audit's report.json, each checkpoint's decision.json and, when the caller
 * has them, the canary's events. A section whose data is missing is left out of the model; the renderer says so.
 * Stored documents are read defensively: a field of the wrong type counts as absent, it never throws. The model is
 * plain TypeScript types, so the renderer depends on nothing else.
 */
import { posix } from 'node:path';
import { CANARY_PROMOTED } from '../../events/canary-promoted';
import { CANARY_ROLLED_BACK } from '../../events/canary-rolled-back';
import { CANARY_STARTED } from '../../events/canary-started';
import { ALARM_STATE_CHANGE, CANARY_ALARM_PREFIX } from '../../events/cloudwatch-alarm-state-change';
import type { Verdict } from '../../events/corpus-audited';
import { SOURCES } from '../../events/event-sources';
import type { CheckpointReportRow } from '../gates/run-report';
import type { CheckpointHistoryEntry, RunRecord } from '../runs/run-record';
import type { VerdictRecord } from '../stores/verdict-store';

export interface PipelineReport {
  runId: string;
  generatedAt: string;
  /** The pinned run; absent when the run is not registered. */
  run?: RunHeader;
  status: PipelineStatus;
  corpus?: CorpusSection;
  checkpoints: CheckpointSection;
  /** Arena verdicts in checkpoint order; empty when there is none yet. */
  arena: ArenaResult[];
  canary?: CanarySection;
}

export interface RunHeader {
  configHash: string;
  registeredAt: string;
  baseModel: string;
  judgeModel: string;
  /** The model the latest stage judged (canary, else arena, else the promoted or latest checkpoint). */
  candidateModel?: string;
  /** The checkpoint that candidate came from. */
  candidateCheckpoint?: string;
  rubricVersion: string;
  thresholds: PinnedThresholds;
}

export interface PinnedThresholds {
  heldoutRubric: string;
  driftSuiteVersion: string;
  driftNoisePoints: number;
  driftFailPoints: number;
  arenaEffectFloor: number;
  arenaSampleSize: number;
  arenaMaxSampleSize?: number;
  maxErrorRate: number;
  earlyStopMinDelta: number;
  earlyStopPatience: number;
}

export type PipelineStage = 'corpus' | 'checkpoint' | 'arena' | 'canary';

export interface PipelineStatus {
  /** promoted: the canary passed; stopped: a gate stopped the model; pending: a gate is still to decide. */
  outcome: 'promoted' | 'stopped' | 'pending' | 'unregistered';
  /** The gate that stopped the model, or the one the run waits on. */
  stage?: PipelineStage;
  text: string;
}

export interface CorpusFinding {
  rule: string;
  check: string;
  severity: string;
  action: string;
  count: number;
  /** As report.json holds them: already masked. */
  examples: { line: number; evidence: string; field?: string }[];
}

export interface CorpusSection {
  uri: string;
  verdict: Verdict;
  reasons: string[];
  auditedAt: string;
  configHash: string;
  counts: { rows: number; clean: number; quarantined: number; warned: number };
  /** Rows with findings, by check (kind), most first. */
  findingsByCheck: { check: string; count: number }[];
  /** The rules that fired, most rows first, each with a few masked examples; empty when report.json was not read. */
  findings: CorpusFinding[];
  /** The audit's own report.html; `href` is a link relative to where this page is kept, when one can be made. */
  reportHtml?: { uri: string; href?: string };
  /** Why part of the section is missing (report.json unreadable…). */
  notes: string[];
}

export interface PipelineCheckpointRow extends CheckpointReportRow {
  /** The gate passed the checkpoint and marked it for promotion (the arena runs on it). */
  promote: boolean;
  candidateModel?: string;
  /** Early-stop and trial-stop recommendations made at this checkpoint. */
  notes: string[];
}

export interface CheckpointSection {
  rows: PipelineCheckpointRow[];
  /** The pinned drift bands; absent when neither the run nor a verdict records them. */
  thresholds?: { noisePoints: number; failPoints: number };
  /** Why part of the section is missing (a decision.json unreadable…). */
  notes: string[];
}

export interface ArenaResult {
  checkpoint: string;
  step?: number;
  candidateModel?: string;
  verdict: Verdict;
  reasons: string[];
  promote: boolean;
  wins?: number;
  losses?: number;
  ties?: number;
  errors?: number;
  /** Pairs compared: wins + losses + ties + errors. */
  pairs?: number;
  winRate?: number;
  /** Wilson 95% interval of the win rate over decided pairs. */
  interval?: { lower: number; upper: number };
  effectFloor?: number;
  judgeModel?: string;
  /** The pinned sample size (non-tied comparisons the run asked for). */
  plannedSampleSize?: number;
  decidedAt: string;
  reportUri?: string;
}

export interface CanaryVerdictSummary {
  candidateVersion: string;
  verdict: Verdict;
  action?: 'promote' | 'rollback';
  reasons: string[];
  candidateModel?: string;
  /** What rolled it back, in words. */
  trigger?: string;
  decidedAt: string;
}

export interface CanarySection {
  /** Every canary of the run, oldest first; the last one is the run's final canary verdict. */
  verdicts: CanaryVerdictSummary[];
  timeline: TimelineEntry[];
}

export type TimelineKind = 'started' | 'weight' | 'alarm' | 'rollback' | 'promotion' | 'note';

export interface TimelineEntry {
  /** ISO 8601 time. */
  at: string;
  kind: TimelineKind;
  title: string;
  detail?: string;
}

/** An EventBridge event as a bus carries it; only the members the timeline reads. */
export interface BusEvent {
  source: string;
  'detail-type': string;
  time?: string;
  detail: unknown;
}

/** Decision documents (decision.json) as stored: every member optional, since they are read back from S3. */
export interface DecisionDocument {
  reasons?: unknown;
  heldout?: { points?: unknown; interval?: unknown };
  drift?: unknown;
  earlyStop?: unknown;
  trialStop?: unknown;
}

/** report.json members the corpus section reads. */
export interface AuditReportDocument {
  counts?: unknown;
  rules?: unknown;
}

export interface AssembleInput {
  runId: string;
  generatedAt: string;
  run?: RunRecord;
  /** The corpus audit verdict of the run's corpus, its report.json when read, and a relative link to its report.html. */
  corpus?: { record: VerdictRecord; report?: AuditReportDocument; reportHtmlHref?: string; notes?: string[] };
  history: readonly CheckpointHistoryEntry[];
  /** decision.json by checkpoint name. */
  decisions: ReadonlyMap<string, DecisionDocument>;
  /** Decision documents that could not be read, said in words. */
  decisionNotes?: readonly string[];
  /** The run's verdicts (subject run#<runId>): checkpoint gates, arenas and canaries. */
  verdicts: readonly VerdictRecord[];
  /** Canary events the caller has (the local runtime's event log); deployed, the verdicts alone make the timeline. */
  events?: readonly BusEvent[];
  /** Timeline entries the caller knows of besides the events (weight changes…). */
  timeline?: readonly TimelineEntry[];
  /** Canary alarm names start with this; alarm events of other alarms are not the canary's. @default CANARY_ALARM_PREFIX */
  alarmPrefix?: string;
}

const GATE_KEY = /^checkpoint#(.+)#gate$/;
const ARENA_KEY = /^checkpoint#(.+)#arena$/;
const CANARY_KEY = /^canary#(.+)$/;

/** The whole model from what the stores hold. */
export function assemblePipelineReport(input: AssembleInput): PipelineReport {
  const gates = new Map<string, VerdictRecord>();
  const arenas: VerdictRecord[] = [];
  const canaries: VerdictRecord[] = [];
  for (const record of input.verdicts) {
    const gate = GATE_KEY.exec(record.key);
    if (gate) gates.set(gate[1]!, record);
    else if (ARENA_KEY.test(record.key)) arenas.push(record);
    else if (CANARY_KEY.test(record.key)) canaries.push(record);
  }
  const rows = checkpointRows(input.history, input.decisions, gates);
  const thresholds = driftThresholds(input.run?.config ?? firstConfig(input.verdicts));
  const arena = arenas.map(arenaResult).sort((a, b) => (a.step ?? Infinity) - (b.step ?? Infinity) || compareTime(a.decidedAt, b.decidedAt));
  const canaryVerdicts = canaries.map(canaryVerdict).sort((a, b) => compareTime(a.decidedAt, b.decidedAt));
  const timeline = canaryTimeline({ runId: input.runId, events: input.events ?? [], verdicts: canaryVerdicts, entries: input.timeline ?? [], ...(input.alarmPrefix === undefined ? {} : { alarmPrefix: input.alarmPrefix }) });
  const canary = canaryVerdicts.length > 0 || timeline.length > 0 ? { verdicts: canaryVerdicts, timeline } : undefined;
  const corpus = input.corpus ? corpusSection(input.corpus.record, input.corpus.report, { ...(input.corpus.reportHtmlHref ? { reportHtmlHref: input.corpus.reportHtmlHref } : {}), notes: input.corpus.notes ?? [] }) : undefined;
  const partial = {
    runId: input.runId,
    generatedAt: input.generatedAt,
    ...(input.run ? { run: runHeader(input.run, rows, arena, canaryVerdicts) } : {}),
    ...(corpus ? { corpus } : {}),
    checkpoints: { rows, ...(thresholds ? { thresholds } : {}), notes: [...(input.decisionNotes ?? [])] },
    arena,
    ...(canary ? { canary } : {}),
  };
  return { ...partial, status: pipelineStatus(partial) };
}

/** The header: the pinned configuration, and the candidate the furthest stage judged. */
export function runHeader(run: RunRecord, rows: readonly PipelineCheckpointRow[], arena: readonly ArenaResult[], canary: readonly CanaryVerdictSummary[]): RunHeader {
  const c = run.config;
  const lastCanary = canary[canary.length - 1];
  const lastArena = arena[arena.length - 1];
  const gated = [...rows].reverse().find((row) => row.promote && row.candidateModel) ?? [...rows].reverse().find((row) => row.candidateModel);
  const candidate: { model?: string; checkpoint?: string } = lastCanary?.candidateModel
    ? { model: lastCanary.candidateModel, ...checkpointOf(lastCanary.candidateModel, arena, rows) }
    : lastArena?.candidateModel
      ? { model: lastArena.candidateModel, checkpoint: lastArena.checkpoint }
      : gated
        ? { model: gated.candidateModel!, checkpoint: gated.checkpoint }
        : {};
  return {
    configHash: run.configHash,
    registeredAt: run.registeredAt,
    baseModel: c.baseModel,
    judgeModel: c.judgeModel,
    ...(candidate.model ? { candidateModel: candidate.model } : {}),
    ...(candidate.checkpoint ? { candidateCheckpoint: candidate.checkpoint } : {}),
    rubricVersion: c.rubricVersion,
    thresholds: {
      heldoutRubric: c.heldout.rubric,
      driftSuiteVersion: c.drift.suiteVersion,
      driftNoisePoints: c.drift.noisePoints,
      driftFailPoints: c.drift.failPoints,
      arenaEffectFloor: c.arena.effectFloor,
      arenaSampleSize: c.arena.sampleSize,
      ...(c.arena.maxSampleSize !== undefined ? { arenaMaxSampleSize: c.arena.maxSampleSize } : {}),
      maxErrorRate: c.errorBudget.maxErrorRate,
      earlyStopMinDelta: c.earlyStop.minDelta,
      earlyStopPatience: c.earlyStop.patience,
    },
  };
}

/**
 * Where the run stands, furthest stage first: a canary verdict decides it (promoted or rolled back); else an arena
 * that did not pass stops it; else a corpus that failed its audit; else the checkpoints say what is still awaited.
 */
export function pipelineStatus(report: Omit<PipelineReport, 'status'>): PipelineStatus {
  const canary = report.canary?.verdicts[report.canary.verdicts.length - 1];
  if (canary) {
    if (canary.verdict === 'PASS') return { outcome: 'promoted', stage: 'canary', text: `promoted: the canary of version ${canary.candidateVersion} passed${canary.candidateModel ? ` and ${canary.candidateModel} serves all traffic` : ''}` };
    return { outcome: 'stopped', stage: 'canary', text: `stopped by the canary: version ${canary.candidateVersion} was rolled back (${canary.verdict})${canary.trigger ? ` by ${canary.trigger}` : ''}` };
  }
  if (report.canary && report.canary.timeline.length > 0) return { outcome: 'pending', stage: 'canary', text: 'the canary is running: no canary verdict yet' };
  const arena = report.arena[report.arena.length - 1];
  if (arena && arena.verdict !== 'PASS') return { outcome: 'stopped', stage: 'arena', text: `stopped at the arena: ${arena.checkpoint} is ${arena.verdict} against the base` };
  if (arena?.promote) return { outcome: 'pending', stage: 'canary', text: `the arena passed ${arena.checkpoint}: waiting for the canary` };
  if (report.corpus && (report.corpus.verdict === 'FAIL' || report.corpus.verdict === 'INCONCLUSIVE')) {
    return { outcome: 'stopped', stage: 'corpus', text: `stopped at the corpus audit: ${report.corpus.verdict}; training must not start on this corpus` };
  }
  if (!report.run) return { outcome: 'unregistered', text: `run ${report.runId} is not registered: no pinned thresholds, nothing gated` };
  const rows = report.checkpoints.rows;
  const promoted = [...rows].reverse().find((row) => row.promote);
  if (promoted) return { outcome: 'pending', stage: 'arena', text: `${promoted.checkpoint} passed held-out + drift and is marked for promotion: waiting for the arena` };
  const latest = rows[rows.length - 1];
  if (!latest) return { outcome: 'pending', stage: 'checkpoint', text: 'waiting for the first checkpoint' };
  if (latest.verdict === 'FAIL' || latest.verdict === 'INCONCLUSIVE') {
    return { outcome: 'stopped', stage: 'checkpoint', text: `not promoted: the latest checkpoint ${latest.checkpoint} is ${latest.verdict} at held-out + drift` };
  }
  return { outcome: 'pending', stage: 'checkpoint', text: `${rows.length} checkpoint${rows.length === 1 ? '' : 's'} gated, none marked for promotion yet` };
}

/**
 * One row per checkpoint of the history (decision.json first, the gate verdict's scores when it is missing), then
 * gate verdicts the history lacks (a gate that failed before recording one) by their own step.
 */
export function checkpointRows(history: readonly CheckpointHistoryEntry[], decisions: ReadonlyMap<string, DecisionDocument>, gates: ReadonlyMap<string, VerdictRecord>): PipelineCheckpointRow[] {
  const rows = history.map((entry) => checkpointRow(entry, decisions.get(entry.checkpoint), gates.get(entry.checkpoint)));
  const seen = new Set(history.map((entry) => entry.checkpoint));
  for (const [checkpoint, gate] of gates) {
    const step = num(gate.summary?.step);
    if (seen.has(checkpoint) || step === undefined) continue;
    rows.push(checkpointRow({ checkpoint, step, verdict: gate.verdict, recordedAt: gate.createdAt }, decisions.get(checkpoint), gate));
  }
  return rows.sort((a, b) => a.step - b.step);
}

/** A checkpoint's row: the run report's (held-out, each axis's candidate − base) plus promotion and stop notes. */
export function checkpointRow(entry: CheckpointHistoryEntry, decision?: DecisionDocument, gate?: VerdictRecord): PipelineCheckpointRow {
  const scores = obj(gate?.summary?.scores);
  const heldout = num(entry.heldoutScore) ?? num(decision?.heldout?.points) ?? num(scores?.heldout);
  const heldoutInterval = interval(decision?.heldout?.interval);
  const drift: CheckpointReportRow['drift'] = {};
  if (Array.isArray(decision?.drift)) {
    for (const d of decision.drift.map(obj)) {
      const axis = str(d?.axis);
      if (!d || axis === undefined) continue;
      const difference = num(d.differencePoints);
      const i = interval(d.interval);
      drift[axis] = { verdict: str(d.verdict) ?? 'INCONCLUSIVE', ...(difference !== undefined ? { difference } : {}), ...(i ? { interval: i } : {}) };
    }
  } else {
    // The verdict keeps each axis's drop (base − candidate) and its interval of candidate − base.
    for (const [axis, value] of Object.entries(obj(scores?.drift) ?? {})) {
      const d = obj(value);
      const drop = num(d?.dropPoints);
      const i = interval(d?.interval);
      drift[axis] = { verdict: str(d?.verdict) ?? 'INCONCLUSIVE', ...(drop !== undefined ? { difference: drop === 0 ? 0 : -drop } : {}), ...(i ? { interval: i } : {}) };
    }
  }
  const reasons = strings(decision?.reasons) ?? gate?.reasons ?? [];
  const notes = [stopNote('early stop recommended', decision?.earlyStop), stopNote('trial stop recommended', decision?.trialStop)].filter((n): n is string => n !== undefined);
  const candidateModel = str(gate?.summary?.candidateModel);
  return {
    checkpoint: entry.checkpoint,
    step: entry.step,
    verdict: entry.verdict,
    ...(num(entry.trainingLoss) !== undefined ? { trainingLoss: entry.trainingLoss! } : {}),
    ...(heldout !== undefined ? { heldout } : {}),
    ...(heldoutInterval ? { heldoutInterval } : {}),
    drift,
    reasons,
    promote: gate?.summary?.promote === true,
    ...(candidateModel ? { candidateModel } : {}),
    notes,
  };
}

/** Stage 3 from its verdict record: the scores ArenaDecide returned and the run configuration it was judged under. */
export function arenaResult(record: VerdictRecord): ArenaResult {
  const summary = record.summary ?? {};
  const scores = obj(summary.scores) ?? {};
  const config = obj(record.config);
  const arena = obj(config?.arena);
  const [wins, losses, ties, errors] = [num(scores.wins), num(scores.losses), num(scores.ties), num(scores.errors)];
  const pairs = wins !== undefined && losses !== undefined && ties !== undefined ? wins + losses + ties + (errors ?? 0) : undefined;
  const i = interval(scores.winRateInterval);
  const step = num(summary.step);
  const candidateModel = str(summary.candidateModel);
  const winRate = num(scores.winRate);
  const effectFloor = num(arena?.effectFloor);
  const judgeModel = str(config?.judgeModel);
  const plannedSampleSize = num(arena?.sampleSize);
  return {
    checkpoint: ARENA_KEY.exec(record.key)?.[1] ?? record.key,
    ...(step !== undefined ? { step } : {}),
    ...(candidateModel ? { candidateModel } : {}),
    verdict: record.verdict,
    reasons: record.reasons,
    promote: summary.promote === true,
    ...(wins !== undefined ? { wins } : {}),
    ...(losses !== undefined ? { losses } : {}),
    ...(ties !== undefined ? { ties } : {}),
    ...(errors !== undefined ? { errors } : {}),
    ...(pairs !== undefined ? { pairs } : {}),
    ...(winRate !== undefined ? { winRate } : {}),
    ...(i ? { interval: i } : {}),
    ...(effectFloor !== undefined ? { effectFloor } : {}),
    ...(judgeModel ? { judgeModel } : {}),
    ...(plannedSampleSize !== undefined ? { plannedSampleSize } : {}),
    decidedAt: record.createdAt,
    ...(record.reportUri ? { reportUri: record.reportUri } : {}),
  };
}

/** A canary verdict record (written by promoteCanary or rollbackCanary). */
export function canaryVerdict(record: VerdictRecord): CanaryVerdictSummary {
  const summary = record.summary ?? {};
  const action = summary.action === 'promote' || summary.action === 'rollback' ? summary.action : undefined;
  const candidateModel = str(summary.candidateModel);
  const trigger = triggerText(summary.trigger);
  return {
    candidateVersion: str(summary.candidateVersion) ?? CANARY_KEY.exec(record.key)?.[1] ?? record.key,
    verdict: record.verdict,
    ...(action ? { action } : {}),
    reasons: record.reasons,
    ...(candidateModel ? { candidateModel } : {}),
    ...(trigger ? { trigger } : {}),
    decidedAt: record.createdAt,
  };
}

/**
 * The canary's timeline: the run's Canary Started / Promoted / Rolled Back events, the canary alarms' state changes
 * while it ran, the caller's own entries, and each verdict no event announced (deployed, the verdicts are all there
 * is). Retried announcements are shown once; entries are in time order.
 */
export function canaryTimeline(input: { runId: string; events: readonly BusEvent[]; verdicts: readonly CanaryVerdictSummary[]; entries?: readonly TimelineEntry[]; alarmPrefix?: string }): TimelineEntry[] {
  const entries: TimelineEntry[] = [...(input.entries ?? [])];
  const seen = new Set<string>();
  const ended = new Set<string>();
  let firstStart: number | undefined;
  let lastEnd: number | undefined;
  const once = (key: string, entry: TimelineEntry) => {
    if (seen.has(key)) return;
    seen.add(key);
    entries.push(entry);
  };
  for (const event of input.events) {
    const d = obj(event.detail);
    if (event.source !== SOURCES.canary || !d || d.runId !== input.runId) continue;
    const version = str(d.candidateVersion) ?? '?';
    if (event['detail-type'] === CANARY_STARTED) {
      const at = str(d.startedAt) ?? event.time ?? '';
      firstStart = Math.min(firstStart ?? Infinity, Date.parse(at));
      const weight = num(d.weight);
      once(`started#${version}`, {
        at,
        kind: 'started',
        title: `Canary started: ${weight === undefined ? 'a share' : percent(weight)} of live traffic to version ${version}`,
        detail: `candidate ${str(d.candidateModel) ?? '?'} against current ${str(d.currentModel) ?? '?'} (version ${str(d.currentVersion) ?? '?'})`,
      });
    } else if (event['detail-type'] === CANARY_ROLLED_BACK) {
      const at = str(d.rolledBackAt) ?? event.time ?? '';
      lastEnd = Math.max(lastEnd ?? -Infinity, Date.parse(at));
      ended.add(version);
      const trigger = triggerText(d.trigger);
      const detail = joinDetail(trigger ? `by ${trigger}` : undefined, strings(d.reasons));
      once(`end#${version}`, { at, kind: 'rollback', title: `Rolled back (${str(d.verdict) ?? '?'}): version ${str(d.currentVersion) ?? '?'} serves all traffic again`, ...(detail ? { detail } : {}) });
    } else if (event['detail-type'] === CANARY_PROMOTED) {
      const at = str(d.promotedAt) ?? event.time ?? '';
      lastEnd = Math.max(lastEnd ?? -Infinity, Date.parse(at));
      ended.add(version);
      const detail = joinDetail(undefined, strings(d.reasons));
      once(`end#${version}`, { at, kind: 'promotion', title: `Promoted: version ${str(d.servingVersion) ?? '?'} serves all traffic with ${str(d.candidateModel) ?? 'the candidate'}`, ...(detail ? { detail } : {}) });
    }
  }
  // Alarm events do not name the run: only the canary alarms' changes while this run's canary ran are its own.
  const prefix = input.alarmPrefix ?? CANARY_ALARM_PREFIX;
  if (firstStart !== undefined && Number.isFinite(firstStart)) {
    for (const event of input.events) {
      const d = obj(event.detail);
      const name = str(d?.alarmName);
      if (event.source !== SOURCES.cloudwatch || event['detail-type'] !== ALARM_STATE_CHANGE || name === undefined || !name.startsWith(prefix)) continue;
      const state = obj(d?.state);
      const at = event.time ?? str(state?.timestamp) ?? '';
      const t = Date.parse(at);
      if (!(t >= firstStart) || (lastEnd !== undefined && t > lastEnd)) continue;
      const previous = str(obj(d?.previousState)?.value);
      once(`alarm#${name}#${at}#${str(state?.value)}`, { at, kind: 'alarm', title: `Alarm ${name}: ${previous ? `${previous} → ` : ''}${str(state?.value) ?? '?'}`, ...(str(state?.reason) ? { detail: str(state?.reason)! } : {}) });
    }
  }
  for (const v of input.verdicts) {
    if (ended.has(v.candidateVersion)) continue;
    const promoted = v.action === 'promote' || (v.action === undefined && v.verdict === 'PASS');
    const detail = joinDetail(v.trigger ? `by ${v.trigger}` : undefined, v.reasons);
    entries.push({
      at: v.decidedAt,
      kind: promoted ? 'promotion' : 'rollback',
      title: promoted ? `Promoted (${v.verdict}): version ${v.candidateVersion} passed its canary` : `Rolled back (${v.verdict}): version ${v.candidateVersion}`,
      ...(detail ? { detail } : {}),
    });
  }
  return entries.map((entry, order) => ({ entry, order })).sort((a, b) => compareTime(a.entry.at, b.entry.at) || a.order - b.order).map(({ entry }) => entry);
}

export interface CorpusSectionOptions {
  reportHtmlHref?: string;
  notes?: string[];
  /** Rules listed (most rows first). @default 12 */
  maxRules?: number;
  /** Masked examples per rule. @default 2 */
  maxExamples?: number;
}

/** Stage 1 from its verdict record (the Corpus Audited detail) and, when read, report.json. */
export function corpusSection(record: VerdictRecord, report: AuditReportDocument | undefined, options: CorpusSectionOptions = {}): CorpusSection {
  const summary = record.summary ?? {};
  const summaryCounts = obj(summary.counts);
  const reportCounts = obj(report?.counts);
  const count = (fromReport: unknown, fromSummary: unknown) => num(fromReport) ?? num(fromSummary) ?? 0;
  const byCheck = Object.entries(obj(summary.findingsByCheck) ?? {})
    .map(([check, n]) => ({ check, count: num(n) ?? 0 }))
    .filter((f) => f.count > 0)
    .sort((a, b) => b.count - a.count || a.check.localeCompare(b.check));
  const rules = Array.isArray(report?.rules) ? report.rules.map(obj) : [];
  const findings = rules
    .filter((r): r is Record<string, unknown> => r !== undefined && str(r.rule) !== undefined)
    .map((r) => ({
      rule: str(r.rule)!,
      check: str(r.check) ?? '',
      severity: str(r.severity) ?? '',
      action: str(r.action) ?? '',
      count: num(r.count) ?? 0,
      examples: (Array.isArray(r.examples) ? r.examples.map(obj) : [])
        .filter((e): e is Record<string, unknown> => e !== undefined && str(e.evidence) !== undefined)
        .slice(0, options.maxExamples ?? 2)
        .map((e) => ({ line: num(e.line) ?? 0, evidence: str(e.evidence)!, ...(str(e.field) ? { field: str(e.field)! } : {}) })),
    }))
    .sort((a, b) => b.count - a.count || a.rule.localeCompare(b.rule))
    .slice(0, options.maxRules ?? 12);
  const corpus = obj(summary.corpus);
  const reportHtml = str(obj(summary.artifacts)?.reportHtml);
  return {
    uri: str(corpus?.uri) ?? record.subject.replace(/^corpus#/, ''),
    verdict: record.verdict,
    reasons: record.reasons,
    auditedAt: str(summary.finishedAt) ?? record.createdAt,
    configHash: record.configHash,
    counts: {
      rows: count(reportCounts?.rows, summaryCounts?.input),
      clean: count(reportCounts?.clean, summaryCounts?.clean),
      quarantined: count(reportCounts?.quarantined, summaryCounts?.quarantined),
      warned: count(reportCounts?.warned, summaryCounts?.warned),
    },
    findingsByCheck: byCheck,
    findings,
    ...(reportHtml ? { reportHtml: { uri: reportHtml, ...(options.reportHtmlHref ? { href: options.reportHtmlHref } : {}) } } : {}),
    notes: options.notes ?? [],
  };
}

/**
 * A link from the page at `fromUri` to `toUri`, relative, so the pair keeps working wherever the bucket is served
 * or synced: only between two objects of one bucket; undefined otherwise.
 */
export function relativeHref(fromUri: string, toUri: string): string | undefined {
  const from = /^s3:\/\/([^/]+)\/(.+)$/.exec(fromUri);
  const to = /^s3:\/\/([^/]+)\/(.+)$/.exec(toUri);
  if (!from || !to || from[1] !== to[1]) return undefined;
  const path = posix.relative(posix.dirname(`/${from[2]}`), `/${to[2]}`);
  return path.split('/').map(encodeURIComponent).join('/');
}

/** What rolled a canary back, in words, from a Canary Rolled Back trigger. */
export function triggerText(trigger: unknown): string | undefined {
  const t = obj(trigger);
  switch (t?.kind) {
    case 'alarm':
      return `alarm ${str(t.alarmName) ?? '?'}${str(t.alarmReason) ? ` (${str(t.alarmReason)})` : ''}`;
    case 'decision':
      return "the rollout's own check";
    case 'manual':
      return `an operator: ${str(t.reason) ?? 'no reason given'}`;
    case 'execution':
      return `the rollout execution ending ${str(t.status) ?? 'abnormally'}`;
    default:
      return undefined;
  }
}

/** The checkpoint a deployed candidate came from: the arena (or gate) verdict that named the same model. */
function checkpointOf(model: string, arena: readonly ArenaResult[], rows: readonly PipelineCheckpointRow[]): { checkpoint?: string } {
  const checkpoint = [...arena].reverse().find((a) => a.candidateModel === model)?.checkpoint ?? [...rows].reverse().find((r) => r.candidateModel === model)?.checkpoint;
  return checkpoint ? { checkpoint } : {};
}

function driftThresholds(config: unknown): { noisePoints: number; failPoints: number } | undefined {
  const drift = obj(obj(config)?.drift);
  const noisePoints = num(drift?.noisePoints);
  const failPoints = num(drift?.failPoints);
  return noisePoints !== undefined && failPoints !== undefined ? { noisePoints, failPoints } : undefined;
}

function firstConfig(verdicts: readonly VerdictRecord[]): unknown {
  return verdicts.find((v) => obj(v.config) !== undefined)?.config;
}

function stopNote(label: string, advice: unknown): string | undefined {
  const a = obj(advice);
  if (!a || a.recommend !== true) return undefined;
  const reason = str(a.reason);
  return reason ? `${label}: ${reason}` : label;
}

function joinDetail(lead: string | undefined, reasons: readonly string[] | undefined): string | undefined {
  const parts = [...(lead ? [lead] : []), ...(reasons ?? []).slice(0, 3)];
  return parts.length > 0 ? parts.join('; ') : undefined;
}

function percent(share: number): string {
  return `${Number((share * 100).toFixed(1))}%`;
}

function compareTime(a: string, b: string): number {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isNaN(ta) || Number.isNaN(tb)) return Number.isNaN(ta) === Number.isNaN(tb) ? 0 : Number.isNaN(ta) ? 1 : -1;
  return ta - tb;
}

function interval(value: unknown): { lower: number; upper: number } | undefined {
  if (Array.isArray(value) && value.length === 2) {
    const [lower, upper] = [num(value[0]), num(value[1])];
    return lower !== undefined && upper !== undefined ? { lower, upper } : undefined;
  }
  const o = obj(value);
  const lower = num(o?.lower);
  const upper = num(o?.upper);
  return lower !== undefined && upper !== undefined ? { lower, upper } : undefined;
}

function obj(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}
