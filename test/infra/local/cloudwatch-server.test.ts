import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  ListMetricsCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AlarmEvaluator } from '../../../infra/local/alarm-evaluator';
import { startCloudWatchServer, type LocalCloudWatchServer } from '../../../infra/local/cloudwatch-server';
import { MetricStore } from '../../../infra/local/metric-store';
import { resetAwsClients } from '../../../functions/stores/aws-clients';
import { CloudWatchAlarms } from '../../../functions/stores/cloudwatch-alarms';
import { CloudWatchMetricReader } from '../../../functions/stores/cloudwatch-metric-reader';

/*
 * The local CloudWatch endpoint through the REAL @aws-sdk/client-cloudwatch (AWS JSON 1.0, query-compatible
 * errors) and through finegate's own adapters, pointed at it with AWS_ENDPOINT_URL_CLOUDWATCH.
 */

const T0 = Date.parse('2026-11-26T22:00:00Z');
const MINUTE = 60_000;
const at = (minutes: number) => new Date(T0 + minutes * MINUTE);

let server: LocalCloudWatchServer;
let store: MetricStore;
let evaluator: AlarmEvaluator;
let client: CloudWatchClient;
const saved = { ...process.env };

beforeAll(async () => {
  store = new MetricStore();
  evaluator = new AlarmEvaluator(store, { account: '111122223333', region: 'eu-west-1' });
  server = await startCloudWatchServer({ store, evaluator });
  Object.assign(process.env, { AWS_ENDPOINT_URL_CLOUDWATCH: server.endpoint, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'test' });
  delete process.env.AWS_PROFILE;
  resetAwsClients();
  client = new CloudWatchClient({});
});

beforeEach(() => {
  const names = evaluator.describe().map((a) => a.AlarmName);
  if (names.length > 0) evaluator.delete(names);
});

afterAll(async () => {
  process.env = saved;
  resetAwsClients();
  client.destroy();
  await server.stop();
});

const dims = (record: Record<string, string>) => Object.entries(record).map(([Name, Value]) => ({ Name, Value }));

describe('PutMetricData and GetMetricData', () => {
  it('stores Value, Values and Counts and answers MetricStat and Expression queries per period, in wall time', async () => {
    await client.send(
      new PutMetricDataCommand({
        Namespace: 'finegate/canary',
        MetricData: [
          { MetricName: 'ShadowWin', Dimensions: dims({ RunId: 'run-1' }), Timestamp: at(0.5), Value: 1, Unit: 'Count' },
          { MetricName: 'ShadowWin', Dimensions: dims({ RunId: 'run-1' }), Timestamp: at(1.5), Values: [0, 1], Counts: [3, 2], Unit: 'Count' },
          { MetricName: 'ShadowLoss', Dimensions: dims({ RunId: 'run-1' }), Timestamp: at(1.5), Values: [1], Unit: 'Count' },
          { MetricName: 'ShadowLoss', Dimensions: dims({ RunId: 'run-1' }), Timestamp: at(2.5), Value: 4, Unit: 'Count' },
        ],
      }),
    );
    const metric = (MetricName: string) => ({ Metric: { Namespace: 'finegate/canary', MetricName, Dimensions: dims({ RunId: 'run-1' }) }, Period: 60, Stat: 'Sum' });
    const out = await client.send(
      new GetMetricDataCommand({
        StartTime: at(0),
        EndTime: at(3),
        ScanBy: 'TimestampAscending',
        MetricDataQueries: [
          { Id: 'wins', MetricStat: metric('ShadowWin'), ReturnData: true },
          { Id: 'losses', MetricStat: metric('ShadowLoss'), ReturnData: false },
          { Id: 'rate', Expression: 'FILL(wins, 0) / (FILL(wins, 0) + losses)', Label: 'win rate' },
          { Id: 'n', MetricStat: { ...metric('ShadowWin'), Stat: 'SampleCount' }, Label: 'pairs' },
        ],
      }),
    );
    expect(out.MetricDataResults).toEqual([
      { Id: 'wins', Label: 'ShadowWin', StatusCode: 'Complete', Timestamps: [at(0), at(1)], Values: [1, 2] },
      { Id: 'rate', Label: 'win rate', StatusCode: 'Complete', Timestamps: [at(1), at(2)], Values: [2 / 3, 0] },
      { Id: 'n', Label: 'pairs', StatusCode: 'Complete', Timestamps: [at(0), at(1)], Values: [1, 5] },
    ]);
    expect(out.Messages).toEqual([]);

    // ScanBy defaults to TimestampDescending, as in CloudWatch.
    const descending = await client.send(new GetMetricDataCommand({ StartTime: at(0), EndTime: at(3), MetricDataQueries: [{ Id: 'wins', MetricStat: metric('ShadowWin') }] }));
    expect(descending.MetricDataResults![0]!.Timestamps).toEqual([at(1), at(0)]);

    // The rollout's reader: a period CloudWatch returns nothing for stays undefined.
    const series = await new CloudWatchMetricReader().read(
      [
        { id: 'wins', namespace: 'finegate/canary', metricName: 'ShadowWin', dimensions: { RunId: 'run-1' }, stat: 'Sum' },
        { id: 'losses', namespace: 'finegate/canary', metricName: 'ShadowLoss', dimensions: { RunId: 'run-1' }, stat: 'Sum' },
      ],
      { start: at(0), periods: 4, periodSeconds: 60 },
    );
    expect(series.get('wins')).toEqual([1, 2, undefined, undefined]);
    expect(series.get('losses')).toEqual([undefined, 1, 4, undefined]);
  });

  it('reads gzip bodies: the SDK compresses PutMetricData', async () => {
    const compressing = new CloudWatchClient({ requestMinCompressionSizeBytes: 1 });
    try {
      const MetricData = Array.from({ length: 300 }, (_, i) => ({ MetricName: 'Latency', Dimensions: dims({ Stage: 'gzip' }), Timestamp: at(i % 2), Value: i }));
      await compressing.send(new PutMetricDataCommand({ Namespace: 'finegate/test', MetricData }));
    } finally {
      compressing.destroy();
    }
    const sums = store.statistics({ namespace: 'finegate/test', metricName: 'Latency', dimensions: { Stage: 'gzip' } }, 'SampleCount', T0, T0 + 2 * MINUTE, MINUTE);
    expect([...sums.values()]).toEqual([150, 150]);

    // And a gzip body sent by hand, with the headers the SDK sets.
    const body = gzipSync(JSON.stringify({ Namespace: 'finegate/test', MetricData: [{ MetricName: 'Latency', Dimensions: dims({ Stage: 'raw' }), Timestamp: T0 / 1000, Value: 42 }] }));
    const status = await post(body, { 'content-encoding': 'gzip', 'x-amz-target': 'GraniteServiceVersion20100801.PutMetricData' });
    expect(status).toBe(200);
    expect(store.statistics({ namespace: 'finegate/test', metricName: 'Latency', dimensions: { Stage: 'raw' } }, 'Sum', T0, T0 + MINUTE, MINUTE).get(T0)).toBe(42);
  });

  it('answers bad requests with CloudWatch’s errors, which the SDK types', async () => {
    const query = { Id: 'e', Expression: 'FILL(x, 0) +', ReturnData: true };
    await expect(client.send(new GetMetricDataCommand({ StartTime: at(0), EndTime: at(1), MetricDataQueries: [query] }))).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringMatching(/unexpected end of expression at position 12/),
      $metadata: { httpStatusCode: 400 },
    });
    await expect(client.send(new GetMetricDataCommand({ StartTime: at(1), EndTime: at(0), MetricDataQueries: [{ Id: 'e', Expression: '1' }] }))).rejects.toMatchObject({ name: 'InvalidParameterValueException', message: expect.stringMatching(/StartTime must be less than/) });
    await expect(client.send(new PutMetricDataCommand({ Namespace: 'AWS/Lambda', MetricData: [{ MetricName: 'Errors', Value: 1 }] }))).rejects.toMatchObject({ name: 'InvalidParameterValueException', message: expect.stringMatching(/reserved/) });
    await expect(client.send(new PutMetricDataCommand({ Namespace: 'finegate/test', MetricData: [{ MetricName: 'Errors' }] }))).rejects.toMatchObject({ name: 'MissingRequiredParameterException' });
    // A batch with one bad datum stores none of it.
    await expect(
      client.send(new PutMetricDataCommand({ Namespace: 'finegate/test', MetricData: [{ MetricName: 'Atomic', Value: 1 }, { MetricName: 'Atomic', Value: 1, Unit: 'Furlongs' as 'Count' }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    expect(store.list('finegate/test').map((m) => m.metricName)).not.toContain('Atomic');
    await expect(client.send(new ListMetricsCommand({}))).rejects.toMatchObject({ name: 'UnknownOperationException' });
  });
});

describe('alarms over the wire', () => {
  const alarmInput = (AlarmName: string) => ({
    AlarmName,
    AlarmDescription: 'Latency too high',
    Namespace: 'finegate/test',
    MetricName: 'Latency',
    Dimensions: dims({ Stage: 'alarm' }),
    ExtendedStatistic: 'p90',
    Period: 60,
    EvaluationPeriods: 2,
    DatapointsToAlarm: 2,
    Threshold: 100,
    ComparisonOperator: 'GreaterThanThreshold' as const,
    TreatMissingData: 'notBreaching',
  });

  it('PutMetricAlarm, then the evaluation, as DescribeAlarms and the rollout’s alarm reader see them', async () => {
    await client.send(new PutMetricAlarmCommand(alarmInput('finegate-canary-latency')));
    expect(await new CloudWatchAlarms().byPrefix('finegate-canary-')).toEqual([{ name: 'finegate-canary-latency', state: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation' }]);

    const values = (slow: number) => Array.from({ length: 10 }, (_, i) => (i < 10 - slow ? 50 : 500));
    await client.send(
      new PutMetricDataCommand({
        Namespace: 'finegate/test',
        MetricData: [
          { MetricName: 'Latency', Dimensions: dims({ Stage: 'alarm' }), Timestamp: at(0.5), Values: values(2), Unit: 'Milliseconds' },
          { MetricName: 'Latency', Dimensions: dims({ Stage: 'alarm' }), Timestamp: at(1.5), Values: values(3), Unit: 'Milliseconds' },
        ],
      }),
    );
    evaluator.evaluate(T0 + 2 * MINUTE);
    const [alarm] = await new CloudWatchAlarms().byPrefix('finegate-canary-');
    expect(alarm).toEqual({
      name: 'finegate-canary-latency',
      state: 'ALARM',
      reason: 'Threshold Crossed: 2 out of the last 2 datapoints [500.0 (26/11/26 22:01:00), 500.0 (26/11/26 22:00:00)] were greater than the threshold (100.0) (minimum 2 datapoints for INSUFFICIENT_DATA -> ALARM transition).',
    });

    const described = await client.send(new DescribeAlarmsCommand({ AlarmNames: ['finegate-canary-latency'] }));
    expect(described.CompositeAlarms).toEqual([]);
    expect(described.MetricAlarms![0]).toMatchObject({
      AlarmName: 'finegate-canary-latency',
      AlarmArn: 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:finegate-canary-latency',
      AlarmDescription: 'Latency too high',
      StateValue: 'ALARM',
      StateUpdatedTimestamp: new Date(T0 + 2 * MINUTE),
      ExtendedStatistic: 'p90',
      Dimensions: [{ Name: 'Stage', Value: 'alarm' }],
      Period: 60,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Threshold: 100,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      ActionsEnabled: true,
    });
    expect(JSON.parse(described.MetricAlarms![0]!.StateReasonData!)).toMatchObject({ statistic: 'p90', period: 60, recentDatapoints: [500, 500] });
  });

  it('PutMetricAlarm with Metrics and an expression, echoed by DescribeAlarms', async () => {
    const stat = (MetricName: string) => ({ Metric: { Namespace: 'AWS/Lambda', MetricName, Dimensions: dims({ FunctionName: 'router' }) }, Period: 60, Stat: 'Sum' });
    await client.send(
      new PutMetricAlarmCommand({
        AlarmName: 'finegate-canary-error-rate',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 0.05,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        TreatMissingData: 'notBreaching',
        Metrics: [
          { Id: 'errors', MetricStat: stat('Errors'), ReturnData: false },
          { Id: 'invocations', MetricStat: stat('Invocations'), ReturnData: false },
          { Id: 'errorRate', Expression: 'FILL(errors, 0) / invocations', Label: 'Error rate', ReturnData: true },
        ],
      }),
    );
    const described = await client.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'finegate-canary-error' }));
    expect(described.MetricAlarms![0]!.Metrics).toEqual([
      { Id: 'errors', MetricStat: stat('Errors'), ReturnData: false },
      { Id: 'invocations', MetricStat: stat('Invocations'), ReturnData: false },
      { Id: 'errorRate', Expression: 'FILL(errors, 0) / invocations', Label: 'Error rate', ReturnData: true },
    ]);
    await expect(
      client.send(new PutMetricAlarmCommand({ AlarmName: 'broken', ComparisonOperator: 'GreaterThanThreshold', Threshold: 1, EvaluationPeriods: 1, Metrics: [{ Id: 'e', Expression: 'nope * 2', ReturnData: true }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException', message: expect.stringMatching(/reads "nope"/) });
  });

  it('filters DescribeAlarms by state and pages with MaxRecords and NextToken', async () => {
    for (const name of ['finegate-canary-a', 'finegate-canary-b', 'finegate-canary-c']) await client.send(new PutMetricAlarmCommand(alarmInput(name)));
    await client.send(new SetAlarmStateCommand({ AlarmName: 'finegate-canary-b', StateValue: 'ALARM', StateReason: 'drill' }));
    const alarming = await client.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }));
    expect(alarming.MetricAlarms!.map((a) => [a.AlarmName, a.StateReason])).toEqual([['finegate-canary-b', 'drill']]);

    const first = await client.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'finegate-canary-', MaxRecords: 2 }));
    expect(first.MetricAlarms!.map((a) => a.AlarmName)).toEqual(['finegate-canary-a', 'finegate-canary-b']);
    const second = await client.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'finegate-canary-', MaxRecords: 2, NextToken: first.NextToken }));
    expect(second.MetricAlarms!.map((a) => a.AlarmName)).toEqual(['finegate-canary-c']);
    expect(second.NextToken).toBeUndefined();
    await expect(client.send(new DescribeAlarmsCommand({ NextToken: 'not a token' }))).rejects.toMatchObject({ name: 'InvalidNextToken' });
    await expect(client.send(new DescribeAlarmsCommand({ AlarmNames: ['a'], AlarmNamePrefix: 'a' }))).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
  });

  it('SetAlarmState and DeleteAlarms, with ResourceNotFound for an alarm that does not exist', async () => {
    await client.send(new PutMetricAlarmCommand(alarmInput('finegate-canary-drill')));
    const heard: string[] = [];
    const stop = evaluator.onStateChange((c) => heard.push(`${c.alarmName}:${c.state.value}:${c.cause}`));
    try {
      await client.send(new SetAlarmStateCommand({ AlarmName: 'finegate-canary-drill', StateValue: 'ALARM', StateReason: 'drill', StateReasonData: '{"by":"test"}' }));
    } finally {
      stop();
    }
    expect(heard).toEqual(['finegate-canary-drill:ALARM:SetAlarmState']);
    await expect(client.send(new SetAlarmStateCommand({ AlarmName: 'nope', StateValue: 'OK', StateReason: 'x' }))).rejects.toMatchObject({ name: 'ResourceNotFound', $metadata: { httpStatusCode: 404 } });
    await expect(client.send(new SetAlarmStateCommand({ AlarmName: 'finegate-canary-drill', StateValue: 'OK', StateReason: 'x', StateReasonData: '{' }))).rejects.toMatchObject({ name: 'InvalidFormatFault' });
    await expect(client.send(new DeleteAlarmsCommand({ AlarmNames: ['finegate-canary-drill', 'nope'] }))).rejects.toMatchObject({ name: 'ResourceNotFound' });
    await client.send(new DeleteAlarmsCommand({ AlarmNames: ['finegate-canary-drill'] }));
    expect(await new CloudWatchAlarms().byPrefix('finegate-canary-')).toEqual([]);
  });
});

function post(body: Buffer, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.endpoint}/`, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'content-length': body.length, ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}
