import { randomUUID } from 'node:crypto';
import { ALARM_STATE_CHANGE } from '../../events/cloudwatch-alarm-state-change';
import { SOURCES } from '../../events/event-sources';
import type { EventBridgeEvent } from './eventbridge-server';
import { MetricMathError, planMetricQueries, runMetricQueries, type MetricQueryPlan, type MetricQuerySpec } from './metric-math';
import { parseStatistic, type MetricStore } from './metric-store';

/**
 * CloudWatch metric alarms over the local metric store: defined from the template (AWS::CloudWatch::Alarm) or by
 * PutMetricAlarm, evaluated on a timer, every state change reported so that it can be published as CloudWatch's
 * "CloudWatch Alarm State Change" event.
 *
 * Time is accelerated by `timeScale`: an alarm period of P seconds lasts P/timeScale seconds of wall time, and its
 * periods are aligned to multiples of that since the epoch. Datapoints keep their wall timestamps.
 *
 * An evaluation looks at the alarm's last EvaluationPeriods complete periods (N) and counts breaching datapoints
 * against DatapointsToAlarm (M):
 * - notBreaching: a missing datapoint counts as good; ALARM with M breaching, OK otherwise;
 * - breaching: a missing datapoint counts as breaching; ALARM with M breaching, OK otherwise;
 * - missing (the default): no datapoint at all is INSUFFICIENT_DATA; otherwise the present datapoints decide:
 *   ALARM when M of them breach (all of them, when fewer than M are present), OK otherwise;
 * - ignore: as missing, except that no datapoint at all keeps the current state.
 * CloudWatch also reaches further back than N periods when datapoints are missing (its "evaluation range"); this
 * runtime does not, which only matters for `missing` and `ignore`.
 *
 * As in CloudWatch, a new alarm starts in INSUFFICIENT_DATA, and PutMetricAlarm on an existing alarm replaces its
 * configuration but leaves its state unchanged until the next evaluation. SetAlarmState sets a state that the next
 * evaluation recomputes. Percentile alarms are always evaluated, whatever EvaluateLowSampleCountPercentile says.
 */

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
export type ComparisonOperator = 'GreaterThanOrEqualToThreshold' | 'GreaterThanThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';
export type TreatMissingData = 'missing' | 'notBreaching' | 'breaching' | 'ignore';

const STATES: readonly AlarmStateValue[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];
const OPERATORS: Readonly<Record<ComparisonOperator, { text: string; breaches: (value: number, threshold: number) => boolean }>> = {
  GreaterThanOrEqualToThreshold: { text: 'greater than or equal to', breaches: (v, t) => v >= t },
  GreaterThanThreshold: { text: 'greater than', breaches: (v, t) => v > t },
  LessThanThreshold: { text: 'less than', breaches: (v, t) => v < t },
  LessThanOrEqualToThreshold: { text: 'less than or equal to', breaches: (v, t) => v <= t },
};
const TREATMENTS: readonly TreatMissingData[] = ['missing', 'notBreaching', 'breaching', 'ignore'];

/** The metric of a Namespace/MetricName alarm. */
export interface SingleMetric {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  periodSeconds: number;
  statistic?: string;
  extendedStatistic?: string;
  unit?: string;
}

export interface AlarmDefinition {
  alarmName: string;
  alarmDescription?: string;
  actionsEnabled: boolean;
  alarmActions: string[];
  okActions: string[];
  insufficientDataActions: string[];
  /** A Namespace/MetricName alarm's metric; exactly one of `metric` and `metrics`. */
  metric?: SingleMetric;
  /** A Metrics[] alarm's queries; the one with returnData is watched. */
  metrics?: MetricQuerySpec[];
  threshold: number;
  comparisonOperator: ComparisonOperator;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: TreatMissingData;
  evaluateLowSampleCountPercentile?: 'evaluate' | 'ignore';
}

/** A definition CloudWatch would refuse, with the error code it would answer. */
export class InvalidAlarmError extends Error {
  constructor(
    readonly code: 'MissingParameter' | 'InvalidParameterValue' | 'InvalidParameterCombination',
    message: string,
  ) {
    super(message);
    this.name = 'InvalidAlarmError';
  }
}

/** AWS::CloudWatch::Alarm properties, intrinsics resolved (numbers and booleans may be strings, as CloudFormation allows). */
export function fromTemplateProperties(props: Record<string, unknown>): AlarmDefinition {
  return alarmDefinition(props, true);
}

/** PutMetricAlarm input (the same field names as the template's). */
export function fromPutMetricAlarmInput(input: Record<string, unknown>): AlarmDefinition {
  return alarmDefinition(input, false);
}

export interface AlarmStateSnapshot {
  value: AlarmStateValue;
  reason: string;
  /** JSON text, as CloudWatch's StateReasonData. */
  reasonData?: string;
  /** As CloudWatch writes it in the event: 2026-11-26T22:10:00.000+0000. */
  timestamp: string;
}

export interface AlarmStateChange {
  alarmName: string;
  alarmArn: string;
  previousState: AlarmStateSnapshot;
  state: AlarmStateSnapshot;
  /** The alarm's metrics and description, as the event's detail.configuration carries them. */
  configuration: { description?: string; metrics: Record<string, unknown>[] };
  /** Wall time of the change, epoch milliseconds. */
  at: number;
  /** For an ALARM reached by evaluation: wall time at which the period of its first breaching datapoint ended. */
  firstBreachAt?: number;
  cause: 'evaluation' | 'SetAlarmState';
}

export interface AlarmHistoryEntry {
  at: number;
  previous: AlarmStateValue;
  value: AlarmStateValue;
  reason: string;
  cause: 'evaluation' | 'SetAlarmState';
  firstBreachAt?: number;
}

/** An alarm as DescribeAlarms returns it in MetricAlarms. */
export interface MetricAlarmDescription {
  AlarmName: string;
  AlarmArn: string;
  AlarmDescription?: string;
  AlarmConfigurationUpdatedTimestamp: Date;
  ActionsEnabled: boolean;
  OKActions: string[];
  AlarmActions: string[];
  InsufficientDataActions: string[];
  StateValue: AlarmStateValue;
  StateReason: string;
  StateReasonData?: string;
  StateUpdatedTimestamp: Date;
  StateTransitionedTimestamp: Date;
  MetricName?: string;
  Namespace?: string;
  Statistic?: string;
  ExtendedStatistic?: string;
  Dimensions?: { Name: string; Value: string }[];
  Period?: number;
  Unit?: string;
  EvaluationPeriods: number;
  DatapointsToAlarm: number;
  Threshold: number;
  ComparisonOperator: ComparisonOperator;
  TreatMissingData: TreatMissingData;
  EvaluateLowSampleCountPercentile?: string;
  Metrics?: Record<string, unknown>[];
}

export interface AlarmEvaluatorOptions {
  /** Wall time runs this much faster than alarm time. @default 1 */
  timeScale?: number;
  /** For alarm ARNs. @default '000000000000' */
  account?: string;
  /** For alarm ARNs. @default 'us-east-1' */
  region?: string;
  /** The clock of the timer and of define/setState. @default Date.now */
  now?: () => number;
  /** Hears what fails outside a caller's reach: a listener's error, an alarm that cannot be evaluated. @default console.error */
  onError?: (error: unknown) => void;
}

interface AlarmRecord {
  definition: AlarmDefinition;
  arn: string;
  plan: MetricQueryPlan;
  /** The id of the query whose series is compared with the threshold. */
  watched: string;
  periodSeconds: number;
  /** The event's id of a single-metric alarm's metric (CloudWatch gives it a UUID). */
  metricEventId: string;
  state: { value: AlarmStateValue; reason: string; reasonData?: string; updatedAt: number; transitionedAt: number };
  configurationUpdatedAt: number;
  history: AlarmHistoryEntry[];
}

interface Datapoint {
  timestamp: number;
  value: number | undefined;
}

interface Verdict {
  value: AlarmStateValue;
  reason: string;
  reasonData?: string;
  firstBreachAt?: number;
}

const SINGLE_METRIC_ID = 'm1';
/** After a period boundary, the timer waits this much for the last datapoints of the period to be stored. */
const SETTLE_MS = 5;

export class AlarmEvaluator {
  private readonly alarms = new Map<string, AlarmRecord>();
  private readonly listeners = new Set<(change: AlarmStateChange) => unknown>();
  private readonly timeScale: number;
  private readonly now: () => number;
  private readonly onError: (error: unknown) => void;
  private timer: NodeJS.Timeout | undefined;
  readonly account: string;
  readonly region: string;

  constructor(
    private readonly store: MetricStore,
    options: AlarmEvaluatorOptions = {},
  ) {
    this.timeScale = options.timeScale ?? 1;
    if (!(this.timeScale > 0) || !Number.isFinite(this.timeScale)) throw new RangeError(`timeScale must be a positive number, got ${this.timeScale}`);
    this.account = options.account ?? '000000000000';
    this.region = options.region ?? 'us-east-1';
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? ((error) => console.error('alarm evaluator:', error));
  }

  /** Creates or replaces an alarm; a replaced alarm keeps its state (as PutMetricAlarm does). */
  define(definition: AlarmDefinition, now: number = this.now()): void {
    const { plan, watched, periodSeconds } = planAlarm(definition);
    const existing = this.alarms.get(definition.alarmName);
    this.alarms.set(definition.alarmName, {
      definition,
      arn: `arn:aws:cloudwatch:${this.region}:${this.account}:alarm:${definition.alarmName}`,
      plan,
      watched,
      periodSeconds,
      metricEventId: existing?.metricEventId ?? randomUUID(),
      state: existing?.state ?? { value: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', updatedAt: now, transitionedAt: now },
      configurationUpdatedAt: now,
      history: existing?.history ?? [],
    });
  }

  /** Deletes alarms; throws (deleting none) when one does not exist, as DeleteAlarms does. */
  delete(names: readonly string[]): void {
    const unknown = names.filter((name) => !this.alarms.has(name));
    if (unknown.length > 0) throw new AlarmNotFoundError(unknown);
    for (const name of names) this.alarms.delete(name);
  }

  /**
   * Evaluates every alarm over its last EvaluationPeriods complete periods at `now`, reports each state change to
   * the listeners and returns the changes.
   */
  evaluate(now: number = this.now()): AlarmStateChange[] {
    const changes: AlarmStateChange[] = [];
    for (const record of this.alarms.values()) {
      let verdict: Verdict | undefined;
      try {
        verdict = this.judge(record, now);
      } catch (error) {
        this.onError(error);
        continue;
      }
      if (verdict === undefined || verdict.value === record.state.value) continue;
      changes.push(this.transition(record, verdict, now, 'evaluation'));
    }
    return changes;
  }

  /** SetAlarmState: the state holds until the next evaluation recomputes it. Returns the change, if the value changed. */
  setState(name: string, value: AlarmStateValue, reason: string, reasonData?: string, now: number = this.now()): AlarmStateChange | undefined {
    const record = this.alarms.get(name);
    if (!record) throw new AlarmNotFoundError([name]);
    if (!STATES.includes(value)) throw new InvalidAlarmError('InvalidParameterValue', `StateValue must be one of ${STATES.join(', ')}, got ${String(value)}`);
    if (reasonData !== undefined) {
      try {
        JSON.parse(reasonData);
      } catch {
        throw new InvalidAlarmError('InvalidParameterValue', 'StateReasonData is not valid JSON');
      }
    }
    if (value === record.state.value) {
      record.state = { ...record.state, reason, ...(reasonData === undefined ? {} : { reasonData }), updatedAt: now };
      return undefined;
    }
    return this.transition(record, { value, reason, ...(reasonData === undefined ? {} : { reasonData }) }, now, 'SetAlarmState');
  }

  /** Alarms in DescribeAlarms' MetricAlarms shape, by name; optionally those starting with `prefix` or named in `names`. */
  describe(prefix?: string, names?: readonly string[]): MetricAlarmDescription[] {
    return [...this.alarms.values()]
      .filter((r) => (prefix === undefined || r.definition.alarmName.startsWith(prefix)) && (names === undefined || names.includes(r.definition.alarmName)))
      .sort((a, b) => (a.definition.alarmName < b.definition.alarmName ? -1 : 1))
      .map(describeAlarm);
  }

  /** The state changes of an alarm, oldest first. */
  history(name: string): AlarmHistoryEntry[] {
    const record = this.alarms.get(name);
    if (!record) throw new AlarmNotFoundError([name]);
    return record.history.map((entry) => ({ ...entry }));
  }

  /** Hears every state change; returns the function that stops it. */
  onStateChange(listener: (change: AlarmStateChange) => unknown): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Evaluates on a timer: every `intervalMs`, or by default just after each boundary of the shortest (scaled) alarm
   * period, so a period is judged as soon as it is complete.
   */
  start(options: { intervalMs?: number } = {}): void {
    if (this.timer) return;
    const schedule = () => {
      this.timer = setTimeout(() => {
        this.evaluate(this.now());
        if (this.timer) schedule();
      }, this.nextDelay(options.intervalMs));
      this.timer.unref();
    };
    schedule();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private nextDelay(intervalMs: number | undefined): number {
    if (intervalMs !== undefined) return Math.max(1, intervalMs);
    const periods = [...this.alarms.values()].map((r) => r.periodSeconds);
    const period = ((periods.length > 0 ? Math.min(...periods) : 60) * 1000) / this.timeScale;
    const now = this.now();
    return Math.max(1, Math.ceil((Math.floor(now / period) + 1) * period - now) + SETTLE_MS);
  }

  private judge(record: AlarmRecord, now: number): Verdict | undefined {
    const def = record.definition;
    const periodMs = (record.periodSeconds * 1000) / this.timeScale;
    const n = def.evaluationPeriods;
    const end = Math.floor(now / periodMs) * periodMs;
    const start = end - n * periodMs;
    const results = runMetricQueries(record.plan, this.store, { start, end, timeScale: this.timeScale });
    const series = results.get(record.watched)!.values;
    const points: Datapoint[] = Array.from({ length: n }, (_, k) => {
      const timestamp = start + k * periodMs;
      return { timestamp, value: series.get(timestamp) };
    });
    return verdict(def, record, points, { now, start, periodMs });
  }

  private transition(record: AlarmRecord, verdict: Verdict, now: number, cause: AlarmStateChange['cause']): AlarmStateChange {
    const previous = record.state;
    record.state = { value: verdict.value, reason: verdict.reason, ...(verdict.reasonData === undefined ? {} : { reasonData: verdict.reasonData }), updatedAt: now, transitionedAt: now };
    const firstBreachAt = verdict.value === 'ALARM' ? verdict.firstBreachAt : undefined;
    record.history.push({
      at: now,
      previous: previous.value,
      value: verdict.value,
      reason: verdict.reason,
      cause,
      ...(firstBreachAt === undefined ? {} : { firstBreachAt }),
    });
    const snapshot = (s: AlarmRecord['state']): AlarmStateSnapshot => ({
      value: s.value,
      reason: s.reason,
      ...(s.reasonData === undefined ? {} : { reasonData: s.reasonData }),
      timestamp: cloudWatchTimestamp(s.updatedAt),
    });
    const change: AlarmStateChange = {
      alarmName: record.definition.alarmName,
      alarmArn: record.arn,
      previousState: snapshot(previous),
      state: snapshot(record.state),
      configuration: {
        ...(record.definition.alarmDescription === undefined ? {} : { description: record.definition.alarmDescription }),
        metrics: eventMetrics(record),
      },
      at: now,
      ...(firstBreachAt === undefined ? {} : { firstBreachAt }),
      cause,
    };
    for (const listener of this.listeners) {
      try {
        const result = listener(change);
        if (result instanceof Promise) result.catch(this.onError);
      } catch (error) {
        this.onError(error);
      }
    }
    return change;
  }
}

/** An alarm name that does not exist (CloudWatch's ResourceNotFound). */
export class AlarmNotFoundError extends Error {
  constructor(readonly names: readonly string[]) {
    super(`Alarm${names.length === 1 ? '' : 's'} ${names.join(', ')} not found`);
    this.name = 'AlarmNotFoundError';
  }
}

/**
 * The EventBridge event CloudWatch puts on the default bus for a state change (source aws.cloudwatch, detail-type
 * "CloudWatch Alarm State Change", the alarm's ARN as the resource).
 */
export function alarmStateChangeEvent(change: AlarmStateChange, where: { account: string; region: string }): EventBridgeEvent & Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': ALARM_STATE_CHANGE,
    source: SOURCES.cloudwatch,
    account: where.account,
    time: new Date(change.at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: where.region,
    resources: [change.alarmArn],
    detail: {
      alarmName: change.alarmName,
      state: change.state,
      previousState: change.previousState,
      configuration: change.configuration,
    },
  };
}

/* ---------------------------------------------------------------------------------------------------------------- */

function verdict(def: AlarmDefinition, record: AlarmRecord, points: readonly Datapoint[], at: { now: number; start: number; periodMs: number }): Verdict | undefined {
  const { breaches, text } = OPERATORS[def.comparisonOperator];
  const n = def.evaluationPeriods;
  const m = def.datapointsToAlarm;
  const present = points.filter((p): p is { timestamp: number; value: number } => p.value !== undefined);
  const missing = points.filter((p) => p.value === undefined);
  const breaching = present.filter((p) => breaches(p.value, def.threshold));
  const good = present.filter((p) => !breaches(p.value, def.threshold));
  const treat = def.treatMissingData;
  const reasonData = (listed: readonly { timestamp: number; value: number }[]) => stateReasonData(def, record, present, listed, at);
  const previous = record.state.value;

  if (present.length === 0 && (treat === 'missing' || treat === 'ignore')) {
    if (treat === 'ignore') return undefined;
    return { value: 'INSUFFICIENT_DATA', reason: `Insufficient Data: ${count(n, 'datapoint')} ${n === 1 ? 'was' : 'were'} unknown.`, reasonData: reasonData([]) };
  }

  const missingBreach = treat === 'breaching' ? missing.length : 0;
  const needed = treat === 'missing' || treat === 'ignore' ? Math.min(m, present.length) : m;
  const threshold = formatNumber(def.threshold);
  if (breaching.length + missingBreach >= needed) {
    const listed = [...breaching].reverse();
    const first = Math.min(...[...breaching, ...(treat === 'breaching' ? missing : [])].map((p) => p.timestamp));
    const reason = thresholdCrossed({ listed, n, missingTreated: missingBreach, treatedAs: 'Breaching', comparison: text, threshold, minimum: `(minimum ${count(m, 'datapoint')} for ${previous} -> ALARM transition)` });
    return { value: 'ALARM', reason, reasonData: reasonData(listed), firstBreachAt: first + at.periodMs };
  }
  const listed = [...good].reverse();
  const missingGood = treat === 'notBreaching' ? missing.length : 0;
  const reason = thresholdCrossed({ listed, n, missingTreated: missingGood, treatedAs: 'NonBreaching', comparison: `not ${text}`, threshold, minimum: `(minimum ${count(n - m + 1, 'datapoint')} for ${previous} -> OK transition)` });
  return { value: 'OK', reason, reasonData: reasonData(listed) };
}

/** CloudWatch's wording: "Threshold Crossed: 2 out of the last 3 datapoints [2.5 (26/11/26 22:10:00), …] were …". */
function thresholdCrossed(r: { listed: readonly { timestamp: number; value: number }[]; n: number; missingTreated: number; treatedAs: string; comparison: string; threshold: string; minimum: string }): string {
  const missingNote = `${count(r.missingTreated, 'missing datapoint')} ${r.missingTreated === 1 ? 'was' : 'were'} treated as [${r.treatedAs}]`;
  if (r.listed.length === 0) return `Threshold Crossed: no datapoints were received for ${count(r.missingTreated, 'period')} and ${missingNote}.`;
  const list = `[${r.listed.map((p) => `${formatNumber(p.value)} (${reasonDate(p.timestamp)})`).join(', ')}]`;
  const verb = r.listed.length === 1 ? 'was' : 'were';
  const head = r.n === 1 ? `Threshold Crossed: 1 datapoint ${list} ${verb}` : `Threshold Crossed: ${r.listed.length} out of the last ${r.n} datapoints ${list} ${verb}`;
  const missing = r.missingTreated > 0 ? ` and ${missingNote}` : '';
  return `${head} ${r.comparison} the threshold (${r.threshold})${missing}${r.n === 1 ? '' : ` ${r.minimum}`}.`;
}

function stateReasonData(
  def: AlarmDefinition,
  record: AlarmRecord,
  present: readonly { timestamp: number; value: number }[],
  listed: readonly { timestamp: number; value: number }[],
  at: { now: number; start: number },
): string {
  return JSON.stringify({
    version: '1.0',
    queryDate: cloudWatchTimestamp(at.now),
    startDate: cloudWatchTimestamp(at.start),
    ...(def.metric ? { statistic: def.metric.statistic ?? def.metric.extendedStatistic, ...(def.metric.unit ? { unit: def.metric.unit } : {}) } : {}),
    period: record.periodSeconds,
    recentDatapoints: present.map((p) => p.value),
    threshold: def.threshold,
    evaluatedDatapoints: listed.map((p) => ({ timestamp: cloudWatchTimestamp(p.timestamp), value: p.value })),
  });
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** As CloudWatch prints numbers in a reason: 2.0, 2.5. */
function formatNumber(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

/** dd/MM/yy HH:mm:ss in UTC, as in CloudWatch's reasons. */
function reasonDate(ms: number): string {
  const d = new Date(ms);
  const two = (v: number) => String(v).padStart(2, '0');
  return `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${two(d.getUTCFullYear() % 100)} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

/** 2026-11-26T22:10:00.000+0000, as CloudWatch writes timestamps in events and reason data. */
function cloudWatchTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

function planAlarm(def: AlarmDefinition): { plan: MetricQueryPlan; watched: string; periodSeconds: number } {
  const queries: MetricQuerySpec[] = def.metric
    ? [
        {
          id: SINGLE_METRIC_ID,
          returnData: true,
          metricStat: {
            namespace: def.metric.namespace,
            metricName: def.metric.metricName,
            dimensions: def.metric.dimensions,
            periodSeconds: def.metric.periodSeconds,
            stat: (def.metric.statistic ?? def.metric.extendedStatistic)!,
            ...(def.metric.unit === undefined ? {} : { unit: def.metric.unit }),
          },
        },
      ]
    : def.metrics!;
  let plan: MetricQueryPlan;
  try {
    plan = planMetricQueries(queries);
  } catch (error) {
    if (error instanceof MetricMathError) throw new InvalidAlarmError('InvalidParameterValue', `${def.alarmName}: ${error.message}`);
    throw error;
  }
  const watched = queries.filter((q) => q.returnData);
  if (watched.length !== 1) throw new InvalidAlarmError('InvalidParameterValue', `${def.alarmName}: exactly one of Metrics must have ReturnData true, got ${watched.length}`);
  const periodSeconds = plan.periods.get(watched[0]!.id)!;
  if (![10, 20, 30].includes(periodSeconds) && periodSeconds % 60 !== 0) {
    throw new InvalidAlarmError('InvalidParameterValue', `${def.alarmName}: an alarm's period must be 10, 20, 30 or a multiple of 60 seconds, got ${periodSeconds}`);
  }
  // CloudWatch's limit: N periods span at most a day, or 7 days for periods of an hour or more.
  const limit = periodSeconds >= 3600 ? 7 * 86_400 : 86_400;
  if (periodSeconds * def.evaluationPeriods > limit) {
    throw new InvalidAlarmError('InvalidParameterValue', `${def.alarmName}: Period × EvaluationPeriods must be at most ${limit} seconds, got ${periodSeconds * def.evaluationPeriods}`);
  }
  return { plan, watched: watched[0]!.id, periodSeconds };
}

function describeAlarm(record: AlarmRecord): MetricAlarmDescription {
  const def = record.definition;
  const dimensions = (dims: Record<string, string>) => Object.entries(dims).map(([Name, Value]) => ({ Name, Value }));
  return {
    AlarmName: def.alarmName,
    AlarmArn: record.arn,
    ...(def.alarmDescription === undefined ? {} : { AlarmDescription: def.alarmDescription }),
    AlarmConfigurationUpdatedTimestamp: new Date(record.configurationUpdatedAt),
    ActionsEnabled: def.actionsEnabled,
    OKActions: [...def.okActions],
    AlarmActions: [...def.alarmActions],
    InsufficientDataActions: [...def.insufficientDataActions],
    StateValue: record.state.value,
    StateReason: record.state.reason,
    ...(record.state.reasonData === undefined ? {} : { StateReasonData: record.state.reasonData }),
    StateUpdatedTimestamp: new Date(record.state.updatedAt),
    StateTransitionedTimestamp: new Date(record.state.transitionedAt),
    ...(def.metric
      ? {
          MetricName: def.metric.metricName,
          Namespace: def.metric.namespace,
          ...(def.metric.statistic === undefined ? {} : { Statistic: def.metric.statistic }),
          ...(def.metric.extendedStatistic === undefined ? {} : { ExtendedStatistic: def.metric.extendedStatistic }),
          Dimensions: dimensions(def.metric.dimensions),
          Period: def.metric.periodSeconds,
          ...(def.metric.unit === undefined ? {} : { Unit: def.metric.unit }),
        }
      : {
          Metrics: def.metrics!.map((q) => ({
            Id: q.id,
            ...(q.metricStat
              ? {
                  MetricStat: {
                    Metric: { Namespace: q.metricStat.namespace, MetricName: q.metricStat.metricName, Dimensions: dimensions({ ...q.metricStat.dimensions }) },
                    Period: q.metricStat.periodSeconds,
                    Stat: q.metricStat.stat,
                    ...(q.metricStat.unit === undefined ? {} : { Unit: q.metricStat.unit }),
                  },
                }
              : { Expression: q.expression }),
            ...(q.label === undefined ? {} : { Label: q.label }),
            ReturnData: q.returnData,
            ...(q.periodSeconds === undefined ? {} : { Period: q.periodSeconds }),
          })),
        }),
    EvaluationPeriods: def.evaluationPeriods,
    DatapointsToAlarm: def.datapointsToAlarm,
    Threshold: def.threshold,
    ComparisonOperator: def.comparisonOperator,
    TreatMissingData: def.treatMissingData,
    ...(def.evaluateLowSampleCountPercentile === undefined ? {} : { EvaluateLowSampleCountPercentile: def.evaluateLowSampleCountPercentile }),
  };
}

/** detail.configuration.metrics of CloudWatch's event: camelCase, dimensions as a map. */
function eventMetrics(record: AlarmRecord): Record<string, unknown>[] {
  const def = record.definition;
  if (def.metric) {
    return [
      {
        id: record.metricEventId,
        metricStat: {
          metric: { namespace: def.metric.namespace, name: def.metric.metricName, dimensions: { ...def.metric.dimensions } },
          period: def.metric.periodSeconds,
          stat: def.metric.statistic ?? def.metric.extendedStatistic,
          ...(def.metric.unit === undefined ? {} : { unit: def.metric.unit }),
        },
        returnData: true,
      },
    ];
  }
  return def.metrics!.map((q) => ({
    id: q.id,
    ...(q.metricStat
      ? {
          metricStat: {
            metric: { namespace: q.metricStat.namespace, name: q.metricStat.metricName, dimensions: { ...q.metricStat.dimensions } },
            period: q.metricStat.periodSeconds,
            stat: q.metricStat.stat,
            ...(q.metricStat.unit === undefined ? {} : { unit: q.metricStat.unit }),
          },
        }
      : { expression: q.expression }),
    ...(q.label === undefined ? {} : { label: q.label }),
    returnData: q.returnData,
    ...(q.periodSeconds === undefined ? {} : { period: q.periodSeconds }),
  }));
}

/* ---------------------------------------------------------------------------------------------------------------- */

/** Reads the fields of an alarm; `lenient` takes numbers and booleans as strings too (CloudFormation does). */
function alarmDefinition(props: Record<string, unknown>, lenient: boolean): AlarmDefinition {
  const f = fields(props, lenient);
  const alarmName = f.string('AlarmName', { required: true, max: 255 })!;
  if (props.ThresholdMetricId !== undefined) throw new InvalidAlarmError('InvalidParameterValue', `${alarmName}: anomaly detection alarms (ThresholdMetricId) are not supported here`);
  const hasSingle = props.MetricName !== undefined || props.Namespace !== undefined;
  if (hasSingle && props.Metrics !== undefined) throw new InvalidAlarmError('InvalidParameterCombination', `${alarmName}: give either MetricName/Namespace or Metrics, not both`);
  if (!hasSingle && props.Metrics === undefined) throw new InvalidAlarmError('MissingParameter', `${alarmName}: MetricName and Namespace, or Metrics, are required`);

  const evaluationPeriods = f.integer('EvaluationPeriods', { required: true, min: 1 })!;
  const datapointsToAlarm = f.integer('DatapointsToAlarm', { min: 1 }) ?? evaluationPeriods;
  if (datapointsToAlarm > evaluationPeriods) throw new InvalidAlarmError('InvalidParameterValue', `${alarmName}: DatapointsToAlarm (${datapointsToAlarm}) must not exceed EvaluationPeriods (${evaluationPeriods})`);
  const comparisonOperator = f.oneOf('ComparisonOperator', Object.keys(OPERATORS), true) as ComparisonOperator;
  const treatMissingData = (f.oneOf('TreatMissingData', TREATMENTS, false) ?? 'missing') as TreatMissingData;
  const lowSample = f.oneOf('EvaluateLowSampleCountPercentile', ['evaluate', 'ignore'], false) as 'evaluate' | 'ignore' | undefined;
  const description = f.string('AlarmDescription', { max: 1024 });

  const definition: AlarmDefinition = {
    alarmName,
    ...(description === undefined ? {} : { alarmDescription: description }),
    actionsEnabled: f.boolean('ActionsEnabled') ?? true,
    alarmActions: f.strings('AlarmActions'),
    okActions: f.strings('OKActions'),
    insufficientDataActions: f.strings('InsufficientDataActions'),
    threshold: f.number('Threshold', true)!,
    comparisonOperator,
    evaluationPeriods,
    datapointsToAlarm,
    treatMissingData,
    ...(lowSample === undefined ? {} : { evaluateLowSampleCountPercentile: lowSample }),
  };

  if (hasSingle) {
    const statistic = f.string('Statistic');
    const extendedStatistic = f.string('ExtendedStatistic');
    if ((statistic === undefined) === (extendedStatistic === undefined)) {
      throw new InvalidAlarmError(statistic === undefined ? 'MissingParameter' : 'InvalidParameterCombination', `${alarmName}: give exactly one of Statistic and ExtendedStatistic`);
    }
    checkStatistic(alarmName, statistic, extendedStatistic);
    const unit = f.string('Unit');
    definition.metric = {
      namespace: f.string('Namespace', { required: true, max: 255 })!,
      metricName: f.string('MetricName', { required: true, max: 255 })!,
      dimensions: dimensionsOf(props.Dimensions, `${alarmName}: Dimensions`),
      periodSeconds: f.integer('Period', { required: true, min: 1 })!,
      ...(statistic === undefined ? {} : { statistic }),
      ...(extendedStatistic === undefined ? {} : { extendedStatistic }),
      ...(unit === undefined ? {} : { unit }),
    };
  } else {
    if (!Array.isArray(props.Metrics) || props.Metrics.length === 0) throw new InvalidAlarmError('InvalidParameterValue', `${alarmName}: Metrics must be a non-empty list`);
    definition.metrics = props.Metrics.map((m: unknown, i) => metricQuery(m, `${alarmName}: Metrics[${i}]`, lenient));
  }
  planAlarm(definition);
  return definition;
}

function checkStatistic(alarmName: string, statistic: string | undefined, extendedStatistic: string | undefined): void {
  try {
    const parsed = parseStatistic((statistic ?? extendedStatistic)!);
    if (statistic !== undefined && parsed.kind !== 'basic') throw new RangeError(`Statistic must be one of Sum, Average, Minimum, Maximum, SampleCount (percentiles go in ExtendedStatistic), got ${statistic}`);
    if (extendedStatistic !== undefined && parsed.kind !== 'percentile') throw new RangeError(`ExtendedStatistic must be a percentile such as p99, got ${extendedStatistic}`);
  } catch (error) {
    throw new InvalidAlarmError('InvalidParameterValue', `${alarmName}: ${(error as Error).message}`);
  }
}

function metricQuery(raw: unknown, where: string, lenient: boolean): MetricQuerySpec {
  if (!isObject(raw)) throw new InvalidAlarmError('InvalidParameterValue', `${where} must be an object`);
  const f = fields(raw, lenient, where);
  const label = f.string('Label');
  const expression = f.string('Expression');
  const period = f.integer('Period', { min: 1 });
  const query: MetricQuerySpec = {
    id: f.string('Id', { required: true })!,
    returnData: f.boolean('ReturnData') ?? true,
    ...(label === undefined ? {} : { label }),
    ...(expression === undefined ? {} : { expression }),
    ...(period === undefined ? {} : { periodSeconds: period }),
  };
  if (raw.MetricStat !== undefined) {
    if (!isObject(raw.MetricStat) || !isObject(raw.MetricStat.Metric)) throw new InvalidAlarmError('InvalidParameterValue', `${where}.MetricStat needs a Metric`);
    const stat = fields(raw.MetricStat, lenient, `${where}.MetricStat`);
    const metric = fields(raw.MetricStat.Metric, lenient, `${where}.MetricStat.Metric`);
    const unit = stat.string('Unit');
    query.metricStat = {
      namespace: metric.string('Namespace', { required: true, max: 255 })!,
      metricName: metric.string('MetricName', { required: true, max: 255 })!,
      dimensions: dimensionsOf(raw.MetricStat.Metric.Dimensions, `${where}.MetricStat.Metric.Dimensions`),
      periodSeconds: stat.integer('Period', { required: true, min: 1 })!,
      stat: stat.string('Stat', { required: true })!,
      ...(unit === undefined ? {} : { unit }),
    };
  }
  return query;
}

function dimensionsOf(raw: unknown, where: string): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (!Array.isArray(raw)) throw new InvalidAlarmError('InvalidParameterValue', `${where} must be a list of {Name, Value}`);
  const dimensions: Record<string, string> = {};
  for (const d of raw as unknown[]) {
    if (!isObject(d) || typeof d.Name !== 'string' || typeof d.Value !== 'string' || d.Name === '' || d.Value === '') {
      throw new InvalidAlarmError('InvalidParameterValue', `${where} must be a list of {Name, Value} with non-empty strings`);
    }
    if (d.Name in dimensions) throw new InvalidAlarmError('InvalidParameterValue', `${where} names ${d.Name} twice`);
    dimensions[d.Name] = d.Value;
  }
  return dimensions;
}

function fields(props: Record<string, unknown>, lenient: boolean, where?: string) {
  const label = (name: string) => (where ? `${where}.${name}` : name);
  const missing = (name: string) => new InvalidAlarmError('MissingParameter', `${label(name)} is required`);
  const invalid = (name: string, what: string) => new InvalidAlarmError('InvalidParameterValue', `${label(name)} ${what}, got ${JSON.stringify(props[name])}`);
  const number = (name: string, required = false): number | undefined => {
    const raw = props[name];
    if (raw === undefined || raw === null) {
      if (required) throw missing(name);
      return undefined;
    }
    const value = typeof raw === 'number' ? raw : lenient && typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
    if (!Number.isFinite(value)) throw invalid(name, 'must be a number');
    return value;
  };
  return {
    number,
    integer(name: string, options: { required?: boolean; min?: number } = {}): number | undefined {
      const value = number(name, options.required);
      if (value === undefined) return undefined;
      if (!Number.isInteger(value) || (options.min !== undefined && value < options.min)) throw invalid(name, `must be an integer of at least ${options.min ?? 0}`);
      return value;
    },
    string(name: string, options: { required?: boolean; max?: number } = {}): string | undefined {
      const raw = props[name];
      if (raw === undefined || raw === null) {
        if (options.required) throw missing(name);
        return undefined;
      }
      if (typeof raw !== 'string' || raw.length === 0 || (options.max !== undefined && raw.length > options.max)) throw invalid(name, `must be a string of 1 to ${options.max ?? 'any number of'} characters`);
      return raw;
    },
    boolean(name: string): boolean | undefined {
      const raw = props[name];
      if (raw === undefined || raw === null) return undefined;
      if (typeof raw === 'boolean') return raw;
      if (lenient && (raw === 'true' || raw === 'false')) return raw === 'true';
      throw invalid(name, 'must be a boolean');
    },
    strings(name: string): string[] {
      const raw = props[name];
      if (raw === undefined || raw === null) return [];
      if (!Array.isArray(raw) || raw.some((v) => typeof v !== 'string')) throw invalid(name, 'must be a list of strings');
      return [...(raw as string[])];
    },
    oneOf(name: string, allowed: readonly string[], required: boolean): string | undefined {
      const raw = props[name];
      if (raw === undefined || raw === null) {
        if (required) throw missing(name);
        return undefined;
      }
      if (typeof raw !== 'string' || !allowed.includes(raw)) throw invalid(name, `must be one of ${allowed.join(', ')}`);
      return raw;
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
