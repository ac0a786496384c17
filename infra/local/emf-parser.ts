import { METRIC_UNITS, type MetricDatapoint } from './metric-store';

/**
 * CloudWatch Embedded Metric Format, as the Lambda log pipeline reads it from a function's stdout: a JSON line with
 * `_aws: {Timestamp, CloudWatchMetrics: [{Namespace, Dimensions: string[][], Metrics: [{Name, Unit?,
 * StorageResolution?}]}]}` and the values and dimension values as top-level members (a value may be an array).
 *
 * One datapoint per metric per dimension set. An empty set `[]` is the metric with no dimensions; so is a directive
 * whose `Dimensions` is empty altogether (Powertools prints that when no dimension was added, and CloudWatch
 * publishes the metric without dimensions).
 *
 * A line that is not EMF (not JSON, or JSON without `_aws`) gives nothing. A line that is EMF but malformed gives
 * nothing either, and `onInvalid` hears why: CloudWatch drops such a document whole, so no part of it is published.
 */

/** CloudWatch's EMF limits. */
const MAX_DIMENSIONS_PER_SET = 30;
const MAX_VALUES_PER_METRIC = 100;
const MAX_METRICS_PER_DIRECTIVE = 100;

class InvalidEmf extends Error {}

export function parseEmfLine(line: string, onInvalid?: (reason: string) => void): MetricDatapoint[] {
  const text = line.trim();
  if (!text.startsWith('{')) return [];
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return [];
  }
  if (!isObject(document) || !('_aws' in document)) return [];
  try {
    return datapoints(document);
  } catch (error) {
    if (!(error instanceof InvalidEmf)) throw error;
    onInvalid?.(error.message);
    return [];
  }
}

function datapoints(document: Record<string, unknown>): MetricDatapoint[] {
  const aws = document._aws;
  if (!isObject(aws)) throw new InvalidEmf('_aws must be an object');
  const timestamp = aws.Timestamp;
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp) || timestamp < 0) throw new InvalidEmf('_aws.Timestamp must be epoch milliseconds');
  const directives = aws.CloudWatchMetrics;
  if (!Array.isArray(directives)) throw new InvalidEmf('_aws.CloudWatchMetrics must be an array');

  const result: MetricDatapoint[] = [];
  directives.forEach((directive: unknown, d) => {
    const where = `_aws.CloudWatchMetrics[${d}]`;
    if (!isObject(directive)) throw new InvalidEmf(`${where} must be an object`);
    const namespace = directive.Namespace;
    if (typeof namespace !== 'string' || namespace.length === 0 || namespace.length > 1024 || namespace.startsWith(':')) {
      throw new InvalidEmf(`${where}.Namespace must be a string of 1 to 1024 characters, not starting with ':'`);
    }
    if (namespace.startsWith('AWS/')) throw new InvalidEmf(`${where}.Namespace "${namespace}": namespaces starting with AWS/ are reserved for AWS services`);

    const dimensionSets = dimensionSetsOf(directive.Dimensions, document, where);
    const metrics = directive.Metrics;
    if (!Array.isArray(metrics) || metrics.length === 0 || metrics.length > MAX_METRICS_PER_DIRECTIVE) {
      throw new InvalidEmf(`${where}.Metrics must be an array of 1 to ${MAX_METRICS_PER_DIRECTIVE} metric definitions`);
    }
    metrics.forEach((metric: unknown, m) => {
      const at = `${where}.Metrics[${m}]`;
      if (!isObject(metric) || typeof metric.Name !== 'string' || metric.Name.length === 0) throw new InvalidEmf(`${at} must have a Name`);
      const name = metric.Name;
      const unit = metric.Unit;
      if (unit !== undefined && (typeof unit !== 'string' || !METRIC_UNITS.has(unit))) throw new InvalidEmf(`${at}.Unit "${String(unit)}" is not a CloudWatch unit`);
      const resolution = metric.StorageResolution;
      if (resolution !== undefined && resolution !== 1 && resolution !== 60) throw new InvalidEmf(`${at}.StorageResolution must be 1 or 60`);
      const values = valuesOf(document[name], name);
      for (const dimensions of dimensionSets) {
        result.push({
          namespace,
          metricName: name,
          dimensions,
          timestamp,
          values,
          ...(unit === undefined ? {} : { unit: unit as string }),
          ...(resolution === undefined ? {} : { storageResolution: resolution as number }),
        });
      }
    });
  });
  return result;
}

function dimensionSetsOf(sets: unknown, document: Record<string, unknown>, where: string): Record<string, string>[] {
  if (!Array.isArray(sets)) throw new InvalidEmf(`${where}.Dimensions must be an array of dimension sets`);
  if (sets.length === 0) return [{}];
  return sets.map((set: unknown, s) => {
    if (!Array.isArray(set) || set.length > MAX_DIMENSIONS_PER_SET) throw new InvalidEmf(`${where}.Dimensions[${s}] must be an array of at most ${MAX_DIMENSIONS_PER_SET} names`);
    const dimensions: Record<string, string> = {};
    for (const key of set as unknown[]) {
      if (typeof key !== 'string' || key.length === 0) throw new InvalidEmf(`${where}.Dimensions[${s}] holds a name that is not a string`);
      const value = document[key];
      if (typeof value !== 'string' || value.length === 0) throw new InvalidEmf(`dimension "${key}" has no string value in the document`);
      dimensions[key] = value;
    }
    return dimensions;
  });
}

function valuesOf(member: unknown, name: string): number[] {
  if (member === undefined) throw new InvalidEmf(`metric "${name}" has no value in the document`);
  const values = Array.isArray(member) ? member : [member];
  if (values.length === 0 || values.length > MAX_VALUES_PER_METRIC) throw new InvalidEmf(`metric "${name}" must have 1 to ${MAX_VALUES_PER_METRIC} values`);
  for (const v of values) if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidEmf(`metric "${name}" has a value that is not a number: ${JSON.stringify(v)}`);
  return values as number[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
