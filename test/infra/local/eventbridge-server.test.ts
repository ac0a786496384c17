import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EventBridgeClient, EventBridgeServiceException, PutEventsCommand, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { startEventBridgeServer, type LocalEventBridgeServer, type PublishedEvent } from '../../../infra/local/eventbridge-server';

let server: LocalEventBridgeServer;
let client: EventBridgeClient;
let received: PublishedEvent[] = [];

beforeAll(async () => {
  server = await startEventBridgeServer({
    account: '000000000000',
    region: 'eu-west-1',
    onEvents: (published) => received.push(...published),
    extraRoutes: (_req, res, url) => {
      if (url.pathname !== '/_control/ping') return false;
      res.end('pong');
      return true;
    },
  });
  client = new EventBridgeClient({
    endpoint: server.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client?.destroy();
  await server?.stop();
});

beforeEach(() => {
  received = [];
});

const entry = (overrides: Record<string, unknown> = {}) => ({
  EventBusName: 'finegate',
  Source: 'finegate.corpus',
  DetailType: 'Corpus Audited',
  Detail: JSON.stringify({ verdict: 'PASS' }),
  ...overrides,
});

describe('EventBridge PutEvents endpoint, driven by the real SDK client', () => {
  it('accepts entries, returns event ids, and publishes EventBridge-shaped events', async () => {
    const time = new Date('2025-01-02T03:04:05.678Z');
    const out = await client.send(
      new PutEventsCommand({ Entries: [entry({ Time: time, Resources: ['arn:aws:s3:::b'] }), entry({ EventBusName: undefined })] }),
    );
    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries).toHaveLength(2);
    const ids = out.Entries!.map((e) => e.EventId);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);

    expect(received.map((p) => p.eventBusName)).toEqual(['finegate', 'default']);
    expect(received[0]!.event).toEqual({
      version: '0',
      id: ids[0],
      'detail-type': 'Corpus Audited',
      source: 'finegate.corpus',
      account: '000000000000',
      time: '2025-01-02T03:04:05Z',
      region: 'eu-west-1',
      resources: ['arn:aws:s3:::b'],
      detail: { verdict: 'PASS' },
    });
    expect(received[1]!.event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('takes the bus from an ARN', async () => {
    await client.send(new PutEventsCommand({ Entries: [entry({ EventBusName: 'arn:aws:events:eu-west-1:000000000000:event-bus/custom' })] }));
    expect(received[0]!.eventBusName).toBe('custom');
  });

  it('fails malformed entries one by one, as EventBridge does', async () => {
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          entry({ Source: undefined }),
          entry({ DetailType: undefined }),
          entry({ Detail: undefined }),
          entry({ Detail: 'not json' }),
          entry({ Detail: '[1,2]' }),
          entry({ Source: 'aws.s3' }),
          entry(),
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(6);
    expect(out.Entries!.slice(0, 6)).toEqual([
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.' },
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.' },
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' },
    ]);
    expect(out.Entries![6]!.EventId).toBeDefined();
    expect(received).toHaveLength(1);
  });

  it('rejects more than ten entries with a ValidationException', async () => {
    const call = client.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry()) }));
    await expect(call).rejects.toSatisfy(
      (e: unknown) =>
        e instanceof EventBridgeServiceException &&
        e.name === 'ValidationException' &&
        e.$metadata.httpStatusCode === 400 &&
        /length less than or equal to 10/.test(e.message),
    );
    expect(received).toHaveLength(0);
  });

  it('rejects an empty request and an oversized one', async () => {
    await expect(client.send(new PutEventsCommand({ Entries: [] }))).rejects.toThrow(/greater than or equal to 1/);
    const big = JSON.stringify({ blob: 'x'.repeat(300 * 1024) });
    await expect(client.send(new PutEventsCommand({ Entries: [entry({ Detail: big })] }))).rejects.toThrow(/over the limit/);
  });

  it('answers other operations with UnknownOperationException', async () => {
    await expect(client.send(new ListRulesCommand({}))).rejects.toSatisfy(
      (e: unknown) => e instanceof EventBridgeServiceException && e.name === 'UnknownOperationException',
    );
  });

  it('passes non-API requests to the extra routes', async () => {
    expect(await (await fetch(`${server.endpoint}/_control/ping`)).text()).toBe('pong');
    expect((await fetch(`${server.endpoint}/nowhere`)).status).toBe(404);
  });
});
