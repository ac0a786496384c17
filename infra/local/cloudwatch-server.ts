import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { AwsJsonError, listenLocal, parseJsonBody, sendAwsJson, sendAwsJsonError } from './aws-json-protocol';
import { AlarmNotFoundError, InvalidAlarmError, fromPutMetricAlarmInput, type AlarmEvaluator, type AlarmStateValue, type MetricAlarmDescription } from './alarm-evaluator';
import { MetricMathError, planMetricQueries, runMetricQueries, type MetricQuerySpec } from './metric-math';
import { checkDatapoint, type MetricDatapoint, type MetricStore } from './metric-store';

/*
 * CloudWatch over its real wire protocol, so that the unmodified @aws-sdk/client-cloudwatch reaches the local
 * metrics and alarms via AWS_ENDPOINT_URL_CLOUDWATCH: AWS JSON 1.0, `X-Amz-Target:
 * GraniteServiceVersion20100801.<Operation>`, timestamps as epoch seconds. CloudWatch is "query compatible": its
 * errors carry `__type` (com.amazonaws.cloudwatch#<Shape>) and an `x-amzn-query-error: <Code>;Sender` header, from
 * which the SDK builds its typed exceptions (ResourceNotFound, InvalidParameterValueException…).
 *
 * PutMetricData (gzip bodies included: the SDK compresses large ones), GetMetricData (MetricStat and Expression
 * queries, one page, in wall time), DescribeAlarms, PutMetricAlarm, SetAlarmState and DeleteAlarms.
 * ARNs carry the evaluator's account and region.
 */

export interface LocalCloudWatchServer {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export interface StartCloudWatchServerOptions {
  store: MetricStore;
  evaluator: AlarmEvaluator;
  host?: string;
  port?: number;
  /** The time PutMetricData gives a datapoint without a Timestamp. @default Date.now */
  now?: () => number;
}

const TARGET_PREFIX = 'GraniteServiceVersion20100801.';
const JSON_10 = 'application/x-amz-json-1.0';
/** PutMetricData takes up to 1 MB per request; bodies are read up to that, and decompressed up to 8 times more. */
const MAX_REQUEST_BYTES = 1024 * 1024;
const MAX_INFLATED_BYTES = 8 * MAX_REQUEST_BYTES;
const MAX_ALARMS_PER_PAGE = 100;
const DEFAULT_ALARMS_PER_PAGE = 50;

/** CloudWatch's error shapes, with the query error code and HTTP status it sends with each. */
const ERRORS = {
  InvalidParameterValue: { shape: 'InvalidParameterValueException', status: 400 },
  MissingParameter: { shape: 'MissingRequiredParameterException', status: 400 },
  InvalidParameterCombination: { shape: 'InvalidParameterCombinationException', status: 400 },
  ResourceNotFound: { shape: 'ResourceNotFound', status: 404 },
  InvalidNextToken: { shape: 'InvalidNextToken', status: 400 },
  InvalidFormat: { shape: 'InvalidFormatFault', status: 400 },
} as const;
type ErrorCode = keyof typeof ERRORS;

class CloudWatchError extends AwsJsonError {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(`com.amazonaws.cloudwatch#${ERRORS[code].shape}`, message, ERRORS[code].status);
  }
}

export async function startCloudWatchServer(options: StartCloudWatchServerOptions): Promise<LocalCloudWatchServer> {
  const { store, evaluator } = options;
  const now = options.now ?? Date.now;

  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    PutMetricData: (input) => {
      const namespace = requiredString(input, 'Namespace');
      if (namespace.startsWith('AWS/')) throw new CloudWatchError('InvalidParameterValue', `The value ${namespace} for parameter Namespace is invalid: namespaces starting with AWS/ are reserved.`);
      const data = requiredList(input, 'MetricData', 1000);
      const datapoints = data.map((item, i) => metricDatum(namespace, item, `MetricData.member.${i + 1}`, now));
      for (const d of datapoints) guard(() => checkDatapoint(d));
      for (const d of datapoints) store.put(d);
      return {};
    },

    GetMetricData: (input) => {
      const queries = requiredList(input, 'MetricDataQueries', 500).map((q, i) => metricDataQuery(q, `MetricDataQueries.member.${i + 1}`));
      const start = timestamp(input, 'StartTime', true)!;
      const end = timestamp(input, 'EndTime', true)!;
      if (start >= end) throw new CloudWatchError('InvalidParameterValue', 'The parameter StartTime must be less than the parameter EndTime.');
      const scanBy = optionalString(input, 'ScanBy') ?? 'TimestampDescending';
      if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending') throw new CloudWatchError('InvalidParameterValue', `ScanBy must be TimestampDescending or TimestampAscending, got ${scanBy}`);
      const plan = guard(() => planMetricQueries(queries));
      const results = guard(() => runMetricQueries(plan, store, { start, end }));
      // Every datapoint fits in one page, so a NextToken is never given and one sent back is read as the first page.
      return {
        MetricDataResults: queries
          .filter((q) => q.returnData)
          .map((q) => {
            const result = results.get(q.id)!;
            const points = [...result.values].sort(([a], [b]) => (scanBy === 'TimestampAscending' ? a - b : b - a));
            return { Id: q.id, Label: result.label, Timestamps: points.map(([t]) => t / 1000), Values: points.map(([, v]) => v), StatusCode: 'Complete' };
          }),
        Messages: [],
      };
    },

    DescribeAlarms: (input) => {
      const names = optionalStringList(input, 'AlarmNames');
      const prefix = optionalString(input, 'AlarmNamePrefix');
      if (names !== undefined && prefix !== undefined) throw new CloudWatchError('InvalidParameterCombination', 'AlarmNames and AlarmNamePrefix cannot be given together.');
      const stateValue = optionalString(input, 'StateValue') as AlarmStateValue | undefined;
      if (stateValue !== undefined && !['OK', 'ALARM', 'INSUFFICIENT_DATA'].includes(stateValue)) throw new CloudWatchError('InvalidParameterValue', `StateValue must be OK, ALARM or INSUFFICIENT_DATA, got ${stateValue}`);
      const types = optionalStringList(input, 'AlarmTypes') ?? ['MetricAlarm'];
      for (const t of types) if (t !== 'MetricAlarm' && t !== 'CompositeAlarm') throw new CloudWatchError('InvalidParameterValue', `AlarmTypes must be MetricAlarm or CompositeAlarm, got ${t}`);
      const maxRecords = input.MaxRecords === undefined ? DEFAULT_ALARMS_PER_PAGE : input.MaxRecords;
      if (typeof maxRecords !== 'number' || !Number.isInteger(maxRecords) || maxRecords < 1 || maxRecords > MAX_ALARMS_PER_PAGE) {
        throw new CloudWatchError('InvalidParameterValue', `MaxRecords must be an integer from 1 to ${MAX_ALARMS_PER_PAGE}`);
      }
      const offset = pageOffset(optionalString(input, 'NextToken'));
      // This runtime has metric alarms only: composite alarms, asked for, are an empty list.
      const alarms = types.includes('MetricAlarm') ? evaluator.describe(prefix, names).filter((a) => stateValue === undefined || a.StateValue === stateValue) : [];
      const page = alarms.slice(offset, offset + maxRecords);
      const next = offset + maxRecords < alarms.length ? Buffer.from(String(offset + maxRecords)).toString('base64') : undefined;
      return { MetricAlarms: page.map(wireAlarm), CompositeAlarms: [], ...(next === undefined ? {} : { NextToken: next }) };
    },

    PutMetricAlarm: (input) => {
      evaluator.define(guard(() => fromPutMetricAlarmInput(input)));
      return {};
    },

    SetAlarmState: (input) => {
      const name = requiredString(input, 'AlarmName');
      const value = requiredString(input, 'StateValue') as AlarmStateValue;
      const reason = requiredString(input, 'StateReason');
      const reasonData = optionalString(input, 'StateReasonData');
      if (reasonData !== undefined) {
        try {
          JSON.parse(reasonData);
        } catch {
          throw new CloudWatchError('InvalidFormat', 'StateReasonData is not valid JSON.');
        }
      }
      guard(() => evaluator.setState(name, value, reason, reasonData));
      return {};
    },

    DeleteAlarms: (input) => {
      const names = requiredList(input, 'AlarmNames', 100).map((n) => {
        if (typeof n !== 'string') throw new CloudWatchError('InvalidParameterValue', 'AlarmNames must be strings');
        return n;
      });
      guard(() => evaluator.delete(names));
      return {};
    },
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const known = error instanceof AwsJsonError ? error : new AwsJsonError('com.amazonaws.cloudwatch#InternalServiceFault', String(error), 500);
      const code = error instanceof CloudWatchError ? `${error.code};Sender` : known.status >= 500 ? 'InternalServiceError;Receiver' : undefined;
      if (code !== undefined) res.setHeader('x-amzn-query-error', code);
      sendAwsJsonError(res, JSON_10, known);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.headers['x-amz-target'];
    const body = await readRequest(req);
    if (req.method !== 'POST' || typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) {
      throw new AwsJsonError('UnknownOperationException', `expected a POST with X-Amz-Target ${TARGET_PREFIX}<Operation>`, 404);
    }
    const operation = operations[target.slice(TARGET_PREFIX.length)];
    if (!operation) throw new AwsJsonError('UnknownOperationException', `Operation ${target} is not supported here`);
    sendAwsJson(res, JSON_10, 200, operation(jsonObject(body)));
  }

  return listenLocal(server, options.host ?? '127.0.0.1', options.port ?? 0);
}

/** The body, inflated when the SDK gzipped it (PutMetricData request compression). */
async function readRequest(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) {
      req.destroy();
      throw new AwsJsonError('RequestEntityTooLarge', 'request too large', 413);
    }
    chunks.push(chunk);
  }
  const raw = Buffer.concat(chunks);
  if (req.headers['content-encoding'] !== 'gzip') return raw.toString('utf8');
  try {
    return gunzipSync(raw, { maxOutputLength: MAX_INFLATED_BYTES }).toString('utf8');
  } catch {
    throw new AwsJsonError('SerializationException', 'the gzip request body could not be decompressed');
  }
}

function jsonObject(body: string): Record<string, unknown> {
  const parsed = parseJsonBody(body);
  if (!isObject(parsed)) throw new AwsJsonError('SerializationException', 'the request body must be a JSON object');
  return parsed;
}

/** Turns the domain errors of the store, the math and the alarms into CloudWatch's. */
function guard<T>(f: () => T): T {
  try {
    return f();
  } catch (error) {
    if (error instanceof InvalidAlarmError) throw new CloudWatchError(error.code, error.message);
    if (error instanceof AlarmNotFoundError) throw new CloudWatchError('ResourceNotFound', error.message);
    if (error instanceof MetricMathError || error instanceof RangeError) throw new CloudWatchError('InvalidParameterValue', error.message);
    throw error;
  }
}

function metricDatum(namespace: string, raw: unknown, where: string, now: () => number): MetricDatapoint {
  if (!isObject(raw)) throw new CloudWatchError('InvalidParameterValue', `${where} must be a structure`);
  const metricName = requiredString(raw, 'MetricName', where);
  if (raw.StatisticValues !== undefined) throw new CloudWatchError('InvalidParameterValue', `${where}.StatisticValues is not supported here: send Value or Values (and Counts)`);
  if (raw.Value !== undefined && raw.Values !== undefined) throw new CloudWatchError('InvalidParameterCombination', `${where}: Value and Values cannot be given together.`);
  if (raw.Counts !== undefined && raw.Values === undefined) throw new CloudWatchError('InvalidParameterCombination', `${where}: Counts needs Values.`);
  let values: number[];
  if (raw.Value !== undefined) values = [raw.Value as number];
  else if (raw.Values !== undefined) values = numberList(raw, 'Values', where);
  else throw new CloudWatchError('MissingParameter', `${where}: one of Value and Values is required.`);
  const unit = optionalString(raw, 'Unit', where);
  const resolution = raw.StorageResolution;
  return {
    namespace,
    metricName,
    dimensions: dimensions(raw.Dimensions, `${where}.Dimensions`),
    timestamp: timestamp(raw, 'Timestamp', false, where) ?? now(),
    values,
    ...(raw.Counts === undefined ? {} : { counts: numberList(raw, 'Counts', where) }),
    ...(unit === undefined ? {} : { unit }),
    ...(resolution === undefined ? {} : { storageResolution: resolution as number }),
  };
}

function metricDataQuery(raw: unknown, where: string): MetricQuerySpec {
  if (!isObject(raw)) throw new CloudWatchError('InvalidParameterValue', `${where} must be a structure`);
  const label = optionalString(raw, 'Label', where);
  const expression = optionalString(raw, 'Expression', where);
  const period = raw.Period;
  if (period !== undefined && typeof period !== 'number') throw new CloudWatchError('InvalidParameterValue', `${where}.Period must be a number`);
  if (raw.ReturnData !== undefined && typeof raw.ReturnData !== 'boolean') throw new CloudWatchError('InvalidParameterValue', `${where}.ReturnData must be a boolean`);
  const query: MetricQuerySpec = {
    id: requiredString(raw, 'Id', where),
    returnData: raw.ReturnData ?? true,
    ...(label === undefined ? {} : { label }),
    ...(expression === undefined ? {} : { expression }),
    ...(period === undefined ? {} : { periodSeconds: period }),
  };
  const stat = raw.MetricStat;
  if (stat !== undefined) {
    if (!isObject(stat) || !isObject(stat.Metric)) throw new CloudWatchError('InvalidParameterValue', `${where}.MetricStat needs a Metric`);
    const unit = optionalString(stat, 'Unit', `${where}.MetricStat`);
    if (typeof stat.Period !== 'number') throw new CloudWatchError('MissingParameter', `${where}.MetricStat.Period is required`);
    query.metricStat = {
      namespace: requiredString(stat.Metric, 'Namespace', `${where}.MetricStat.Metric`),
      metricName: requiredString(stat.Metric, 'MetricName', `${where}.MetricStat.Metric`),
      dimensions: dimensions(stat.Metric.Dimensions, `${where}.MetricStat.Metric.Dimensions`),
      periodSeconds: stat.Period,
      stat: requiredString(stat, 'Stat', `${where}.MetricStat`),
      ...(unit === undefined ? {} : { unit }),
    };
  }
  return query;
}

/** A MetricAlarm as the JSON protocol carries it: timestamps as epoch seconds. */
function wireAlarm(alarm: MetricAlarmDescription): Record<string, unknown> {
  return {
    ...alarm,
    AlarmConfigurationUpdatedTimestamp: alarm.AlarmConfigurationUpdatedTimestamp.getTime() / 1000,
    StateUpdatedTimestamp: alarm.StateUpdatedTimestamp.getTime() / 1000,
    StateTransitionedTimestamp: alarm.StateTransitionedTimestamp.getTime() / 1000,
  };
}

function pageOffset(token: string | undefined): number {
  if (token === undefined) return 0;
  const offset = Number(Buffer.from(token, 'base64').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0) throw new CloudWatchError('InvalidNextToken', 'The service couldn’t process your request because of a bad token.');
  return offset;
}

function dimensions(raw: unknown, where: string): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (!Array.isArray(raw)) throw new CloudWatchError('InvalidParameterValue', `${where} must be a list`);
  const result: Record<string, string> = {};
  for (const d of raw as unknown[]) {
    if (!isObject(d) || typeof d.Name !== 'string' || typeof d.Value !== 'string') throw new CloudWatchError('InvalidParameterValue', `${where} must hold {Name, Value} strings`);
    if (d.Name in result) throw new CloudWatchError('InvalidParameterValue', `${where} names ${d.Name} twice`);
    result[d.Name] = d.Value;
  }
  return result;
}

/** Epoch milliseconds of a timestamp member: the SDK sends epoch seconds; an ISO string is read too. */
function timestamp(input: Record<string, unknown>, field: string, required: boolean, where?: string): number | undefined {
  const raw = input[field];
  const name = where ? `${where}.${field}` : field;
  if (raw === undefined || raw === null) {
    if (required) throw new CloudWatchError('MissingParameter', `The parameter ${name} is required.`);
    return undefined;
  }
  const ms = typeof raw === 'number' ? raw * 1000 : typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
  if (!Number.isFinite(ms)) throw new CloudWatchError('InvalidParameterValue', `${name} is not a timestamp`);
  return ms;
}

function requiredString(input: Record<string, unknown>, field: string, where?: string): string {
  const value = optionalString(input, field, where);
  if (value === undefined) throw new CloudWatchError('MissingParameter', `The parameter ${where ? `${where}.` : ''}${field} is required.`);
  return value;
}

function optionalString(input: Record<string, unknown>, field: string, where?: string): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new CloudWatchError('InvalidParameterValue', `${where ? `${where}.` : ''}${field} must be a string`);
  return value;
}

function optionalStringList(input: Record<string, unknown>, field: string): string[] | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new CloudWatchError('InvalidParameterValue', `${field} must be a list of strings`);
  return value as string[];
}

function requiredList(input: Record<string, unknown>, field: string, max: number): unknown[] {
  const value = input[field];
  if (value === undefined || value === null) throw new CloudWatchError('MissingParameter', `The parameter ${field} is required.`);
  if (!Array.isArray(value) || value.length === 0 || value.length > max) throw new CloudWatchError('InvalidParameterValue', `${field} must be a list of 1 to ${max} members`);
  return value;
}

function numberList(input: Record<string, unknown>, field: string, where: string): number[] {
  const value = input[field];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'number')) throw new CloudWatchError('InvalidParameterValue', `${where}.${field} must be a list of numbers`);
  return value as number[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
