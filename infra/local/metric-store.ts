/**
 * The metrics of the local CloudWatch: datapoints as EMF lines and PutMetricData deliver them, and their statistics
 * per period as GetMetricData and the alarms read them.
 *
 * CloudWatch's semantics, as far as finegate relies on them:
 * - a metric is its namespace, its name and its exact set of dimensions: a query with {A} does not see datapoints
 *   published with {A, B};
 * - a query that names a unit sees only the datapoints published with that unit (none given is 'None');
 * - buckets are aligned to the query's start: bucket k holds [start + k·period, start + (k+1)·period), and a bucket
 *   without a datapoint has no value (never 0);
 * - percentiles are nearest-rank over the raw values, each weighted by its count: pNN is the smallest value whose
 *   cumulative count reaches NN% of the bucket's sample count (CloudWatch's own are approximations of the same).
 */

export interface MetricIdentity {
  namespace: string;
  metricName: string;
  dimensions: Readonly<Record<string, string>>;
}

export interface MetricDatapoint extends MetricIdentity {
  /** Epoch milliseconds. */
  timestamp: number;
  /** One value, or many (EMF arrays, PutMetricData Values). */
  values: readonly number[];
  /** How often each value occurred (PutMetricData Counts); 1 each when absent. */
  counts?: readonly number[];
  unit?: string;
  /** 1 (high resolution) or 60; kept for the record, buckets do not depend on it. */
  storageResolution?: number;
}

export type BasicStatistic = 'Sum' | 'Average' | 'Minimum' | 'Maximum' | 'SampleCount';

/** A statistic as CloudWatch names it: one of the basic five, or a percentile `pNN` / `pNN.NN`. */
export type Statistic = { kind: 'basic'; name: BasicStatistic } | { kind: 'percentile'; name: string; percent: number };

/** CloudWatch's standard units; a datapoint or query with another unit is refused. */
export const METRIC_UNITS: ReadonlySet<string> = new Set([
  'Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Bits',
  'Kilobits', 'Megabits', 'Gigabits', 'Terabits', 'Percent', 'Count', 'Bytes/Second', 'Kilobytes/Second',
  'Megabytes/Second', 'Gigabytes/Second', 'Terabytes/Second', 'Bits/Second', 'Kilobits/Second', 'Megabits/Second',
  'Gigabits/Second', 'Terabits/Second', 'Count/Second', 'None',
]);

const BASIC: ReadonlySet<string> = new Set<BasicStatistic>(['Sum', 'Average', 'Minimum', 'Maximum', 'SampleCount']);
const PERCENTILE = /^p(\d{1,3}(?:\.\d{1,2})?)$/;
/** CloudWatch's limit on dimensions per metric. */
const MAX_DIMENSIONS = 30;

/** Parses a statistic name, or throws a RangeError naming what CloudWatch accepts. */
export function parseStatistic(name: string): Statistic {
  if (BASIC.has(name)) return { kind: 'basic', name: name as BasicStatistic };
  const match = PERCENTILE.exec(name);
  if (match) {
    const percent = Number(match[1]);
    if (percent >= 0 && percent <= 100) return { kind: 'percentile', name, percent };
  }
  throw new RangeError(`unsupported statistic "${name}": expected Sum, Average, Minimum, Maximum, SampleCount or a percentile p0–p100 (e.g. p99, p99.9)`);
}

interface Sample {
  timestamp: number;
  value: number;
  count: number;
  unit: string;
}

interface Series {
  identity: MetricIdentity;
  /** In timestamp order, so a time range is found by binary search. */
  samples: Sample[];
}

export class MetricStore {
  private readonly series = new Map<string, Series>();

  /** Stores a datapoint; throws a RangeError for one CloudWatch would refuse (no value, bad count, unknown unit…). */
  put(datapoint: MetricDatapoint): void {
    checkDatapoint(datapoint);
    const key = metricKey(datapoint);
    let series = this.series.get(key);
    if (!series) {
      series = { identity: { namespace: datapoint.namespace, metricName: datapoint.metricName, dimensions: { ...datapoint.dimensions } }, samples: [] };
      this.series.set(key, series);
    }
    const unit = datapoint.unit ?? 'None';
    datapoint.values.forEach((value, i) => insertSample(series.samples, { timestamp: datapoint.timestamp, value, count: datapoint.counts?.[i] ?? 1, unit }));
  }

  /**
   * The statistic per bucket of `periodMs` from `start` (inclusive) to `end` (exclusive), epoch milliseconds; only
   * buckets with at least one datapoint have a value. With `unit`, only the datapoints published with that unit count.
   */
  statistics(metric: MetricIdentity, stat: string | Statistic, start: number, end: number, periodMs: number, unit?: string): Map<number, number> {
    const statistic = typeof stat === 'string' ? parseStatistic(stat) : stat;
    if (!(periodMs > 0) || !Number.isFinite(start) || !Number.isFinite(end)) throw new RangeError(`a statistics query needs a positive period and a finite range, got ${periodMs} ms over [${start}, ${end})`);
    if (unit !== undefined && !METRIC_UNITS.has(unit)) throw new RangeError(`unknown unit "${unit}"`);
    const result = new Map<number, number>();
    const series = this.series.get(metricKey(metric));
    if (!series || end <= start) return result;
    const { samples } = series;
    let bucketStart = Number.NaN;
    let bucket: Sample[] = [];
    const flush = () => {
      if (bucket.length > 0) result.set(bucketStart, compute(statistic, bucket));
      bucket = [];
    };
    for (let i = firstAtOrAfter(samples, start); i < samples.length; i++) {
      const sample = samples[i]!;
      if (sample.timestamp >= end) break;
      if (unit !== undefined && sample.unit !== unit) continue;
      const k = Math.floor((sample.timestamp - start) / periodMs);
      const at = start + k * periodMs;
      if (at !== bucketStart) {
        flush();
        bucketStart = at;
      }
      bucket.push(sample);
    }
    flush();
    return result;
  }

  /** Every metric stored, optionally of one namespace. */
  list(namespace?: string): MetricIdentity[] {
    return [...this.series.values()].map((s) => s.identity).filter((m) => namespace === undefined || m.namespace === namespace);
  }
}

/** namespace, name and the sorted dimension pairs: the identity CloudWatch matches a query against. */
function metricKey(metric: MetricIdentity): string {
  const dims = Object.entries(metric.dimensions)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}\u0001${value}`)
    .join('\u0002');
  return `${metric.namespace}\u0000${metric.metricName}\u0000${dims}`;
}

/** Throws the RangeError `put` would throw for this datapoint, storing nothing: to check a batch before storing any of it. */
export function checkDatapoint(d: MetricDatapoint): void {
  if (typeof d.namespace !== 'string' || d.namespace.length === 0 || d.namespace.length > 1024) throw new RangeError('a datapoint needs a namespace of 1 to 1024 characters');
  if (typeof d.metricName !== 'string' || d.metricName.length === 0 || d.metricName.length > 1024) throw new RangeError('a datapoint needs a metric name of 1 to 1024 characters');
  const dims = Object.entries(d.dimensions);
  if (dims.length > MAX_DIMENSIONS) throw new RangeError(`a metric has at most ${MAX_DIMENSIONS} dimensions, ${d.metricName} has ${dims.length}`);
  for (const [name, value] of dims) {
    if (name.length === 0 || typeof value !== 'string' || value.length === 0) throw new RangeError(`dimension "${name}" of ${d.metricName} needs a non-empty name and value`);
  }
  if (!Number.isFinite(d.timestamp)) throw new RangeError(`datapoint of ${d.metricName} has no valid timestamp`);
  if (d.values.length === 0) throw new RangeError(`datapoint of ${d.metricName} has no value`);
  for (const v of d.values) if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`datapoint of ${d.metricName} has a value that is not a finite number: ${String(v)}`);
  if (d.counts !== undefined) {
    if (d.counts.length !== d.values.length) throw new RangeError(`datapoint of ${d.metricName} has ${d.counts.length} counts for ${d.values.length} values`);
    for (const c of d.counts) if (typeof c !== 'number' || !Number.isFinite(c) || c <= 0) throw new RangeError(`datapoint of ${d.metricName} has a count that is not a positive number: ${String(c)}`);
  }
  if (d.unit !== undefined && !METRIC_UNITS.has(d.unit)) throw new RangeError(`datapoint of ${d.metricName} has an unknown unit "${d.unit}"`);
  if (d.storageResolution !== undefined && d.storageResolution !== 1 && d.storageResolution !== 60) throw new RangeError(`storage resolution of ${d.metricName} must be 1 or 60, got ${d.storageResolution}`);
}

/** Appends in the common case (datapoints arrive in time order), otherwise inserts after equal timestamps. */
function insertSample(samples: Sample[], sample: Sample): void {
  const last = samples[samples.length - 1];
  if (last === undefined || last.timestamp <= sample.timestamp) {
    samples.push(sample);
    return;
  }
  samples.splice(firstIndex(samples, (t) => t > sample.timestamp), 0, sample);
}

function firstAtOrAfter(samples: readonly Sample[], timestamp: number): number {
  return firstIndex(samples, (t) => t >= timestamp);
}

/** Binary search: the first sample whose timestamp satisfies a predicate that is monotone over time. */
function firstIndex(samples: readonly Sample[], reached: (timestamp: number) => boolean): number {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (reached(samples[mid]!.timestamp)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function compute(statistic: Statistic, samples: readonly Sample[]): number {
  if (statistic.kind === 'percentile') return percentile(samples, statistic.percent);
  let count = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const s of samples) {
    count += s.count;
    sum += s.value * s.count;
    if (s.value < min) min = s.value;
    if (s.value > max) max = s.value;
  }
  switch (statistic.name) {
    case 'Sum':
      return sum;
    case 'Average':
      return sum / count;
    case 'Minimum':
      return min;
    case 'Maximum':
      return max;
    case 'SampleCount':
      return count;
  }
}

/** Nearest rank, weighted by counts: the smallest value whose cumulative count reaches percent% of the total. */
function percentile(samples: readonly Sample[], percent: number): number {
  const sorted = [...samples].sort((a, b) => a.value - b.value);
  const total = sorted.reduce((n, s) => n + s.count, 0);
  const rank = Math.max(Math.ceil((percent / 100) * total - 1e-9), Number.MIN_VALUE);
  let cumulative = 0;
  for (const s of sorted) {
    cumulative += s.count;
    if (cumulative >= rank) return s.value;
  }
  return sorted[sorted.length - 1]!.value;
}
