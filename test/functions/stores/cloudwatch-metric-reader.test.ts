import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MetricQuery } from '../../../functions/canary/canary-observation';
import { resetAwsClients } from '../../../functions/stores/aws-clients';
import { CloudWatchMetricReader } from '../../../functions/stores/cloudwatch-metric-reader';
import { startScriptedServer, type ScriptedReply, type ScriptedServer } from '../../support/scripted-http-server';

/*
 * GetMetricData through the REAL CloudWatchClient against a local server speaking CloudWatch's AWS JSON 1.0 protocol
 * (X-Amz-Target GraniteServiceVersion20100801.GetMetricData; timestamps as epoch seconds). No local emulator serves it.
 */

let server: ScriptedServer;
let replies: ScriptedReply[] = [];
const saved = { ...process.env };
const json = (body: object): ScriptedReply => ({ status: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body });

beforeAll(async () => {
  server = await startScriptedServer(() => replies.shift() ?? { status: 500, body: { __type: 'InternalFailure', message: 'unscripted' } });
  Object.assign(process.env, { AWS_ENDPOINT_URL_CLOUDWATCH: server.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'test' });
  delete process.env.AWS_PROFILE;
  resetAwsClients();
});

beforeEach(() => {
  replies = [];
  server.requests.length = 0;
});

afterAll(async () => {
  process.env = saved;
  resetAwsClients();
  await server.close();
});

const start = new Date('2026-11-12T11:00:00Z');
const at = (minutes: number) => start.getTime() / 1000 + minutes * 60;
const queries: MetricQuery[] = [
  { id: 'wins', namespace: 'finegate/canary', metricName: 'ShadowWin', dimensions: { RunId: 'run-1' }, stat: 'Sum' },
  { id: 'r0_candidate_samplecount', namespace: 'finegate/canary', metricName: 'Rubric_refusal', dimensions: { RunId: 'run-1', Cohort: 'candidate' }, stat: 'SampleCount' },
];

describe('CloudWatchMetricReader', () => {
  it('asks for each query per period and places each datapoint in its period; a period without one stays undefined', async () => {
    replies = [
      json({
        MetricDataResults: [
          { Id: 'wins', Label: 'ShadowWin', StatusCode: 'Complete', Timestamps: [at(0), at(10)], Values: [3, 5] },
          { Id: 'r0_candidate_samplecount', Label: 'Rubric_refusal', StatusCode: 'PartialData', Timestamps: [at(5)], Values: [12] },
        ],
        NextToken: 'more',
      }),
      json({ MetricDataResults: [{ Id: 'r0_candidate_samplecount', Timestamps: [at(10)], Values: [4] }], Messages: [] }),
    ];
    const series = await new CloudWatchMetricReader().read(queries, { start, periods: 3, periodSeconds: 300 });
    expect(series.get('wins')).toEqual([3, undefined, 5]);
    expect(series.get('r0_candidate_samplecount')).toEqual([undefined, 12, 4]);

    const [first, second] = server.requests;
    expect(first!.headers['x-amz-target']).toBe('GraniteServiceVersion20100801.GetMetricData');
    expect(first!.json).toEqual({
      MetricDataQueries: [
        { Id: 'wins', MetricStat: { Metric: { Namespace: 'finegate/canary', MetricName: 'ShadowWin', Dimensions: [{ Name: 'RunId', Value: 'run-1' }] }, Period: 300, Stat: 'Sum' }, ReturnData: true },
        {
          Id: 'r0_candidate_samplecount',
          MetricStat: { Metric: { Namespace: 'finegate/canary', MetricName: 'Rubric_refusal', Dimensions: [{ Name: 'RunId', Value: 'run-1' }, { Name: 'Cohort', Value: 'candidate' }] }, Period: 300, Stat: 'SampleCount' },
          ReturnData: true,
        },
      ],
      StartTime: at(0),
      EndTime: at(15),
      ScanBy: 'TimestampAscending',
    });
    expect(second!.json).toMatchObject({ NextToken: 'more' });
  });
});
