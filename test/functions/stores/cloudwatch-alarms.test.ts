import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetAwsClients } from '../../../functions/stores/aws-clients';
import { CloudWatchAlarms } from '../../../functions/stores/cloudwatch-alarms';
import { startScriptedServer, type ScriptedReply, type ScriptedServer } from '../../support/scripted-http-server';

/*
 * CloudWatch alarms have no local emulator: the adapter is tested with the REAL CloudWatchClient pointed
 * (AWS_ENDPOINT_URL_CLOUDWATCH) at a local server that checks the wire requests. This SDK speaks CloudWatch's AWS JSON
 * 1.0 protocol (POST /, X-Amz-Target GraniteServiceVersion20100801.DescribeAlarms, query-compatible error codes);
 * the server asserts exactly that, so a change of protocol in a future SDK shows up here.
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

describe('CloudWatchAlarms against a server speaking CloudWatch’s JSON protocol', () => {
  it('lists the alarms by prefix, metric and composite, across pages', async () => {
    replies = [
      json({
        MetricAlarms: [
          { AlarmName: 'finegate-canary-win-rate', StateValue: 'OK', StateReason: 'Threshold Crossed: no datapoints were less than the threshold' },
          { AlarmName: 'finegate-canary-errors', StateValue: 'ALARM', StateReason: 'Threshold Crossed: 3 out of the last 3 datapoints were greater than the threshold (0.05)' },
        ],
        CompositeAlarms: [],
        NextToken: 'page-2',
      }),
      json({ MetricAlarms: [{ AlarmName: 'finegate-canary-latency-p99', StateValue: 'INSUFFICIENT_DATA' }], CompositeAlarms: [{ AlarmName: 'finegate-canary-any', StateValue: 'ALARM' }] }),
    ];
    expect(await new CloudWatchAlarms().byPrefix('finegate-canary-')).toEqual([
      { name: 'finegate-canary-win-rate', state: 'OK', reason: 'Threshold Crossed: no datapoints were less than the threshold' },
      { name: 'finegate-canary-errors', state: 'ALARM', reason: 'Threshold Crossed: 3 out of the last 3 datapoints were greater than the threshold (0.05)' },
      { name: 'finegate-canary-latency-p99', state: 'INSUFFICIENT_DATA' },
      { name: 'finegate-canary-any', state: 'ALARM' },
    ]);
    const [first, second] = server.requests;
    expect(first!.method).toBe('POST');
    expect(first!.url).toBe('/');
    expect(first!.headers['x-amz-target']).toBe('GraniteServiceVersion20100801.DescribeAlarms');
    expect(first!.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(first!.headers.authorization).toMatch(/Credential=AKIDTEST\/\d{8}\/us-east-1\/monitoring\/aws4_request/);
    expect(first!.json).toEqual({ AlarmNamePrefix: 'finegate-canary-', AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], MaxRecords: 100 });
    expect(second!.json).toMatchObject({ NextToken: 'page-2' });
  });

  it('refuses an empty prefix, which would read every alarm in the account', async () => {
    await expect(new CloudWatchAlarms().byPrefix('')).rejects.toThrow(/prefix is required/);
    expect(server.requests).toHaveLength(0);
  });

  it('passes a service error on', async () => {
    replies = [{ status: 400, headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': 'InvalidNextToken;Sender' }, body: { __type: 'com.amazonaws.cloudwatch#InvalidNextToken', message: 'The service couldn’t process your request because of a bad token.' } }];
    await expect(new CloudWatchAlarms().byPrefix('finegate-canary-')).rejects.toMatchObject({ name: 'InvalidNextToken' });
  });
});
