import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateAliasCommand,
  DeleteAliasCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvalidParameterValueException,
  InvokeCommand,
  LambdaClient,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
  PreconditionFailedException,
  PublishVersionCommand,
  ResourceConflictException,
  ResourceNotFoundException,
  UpdateAliasCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { resetAwsClients } from '../../../functions/stores/aws-clients';
import { LambdaAliasControl } from '../../../functions/stores/lambda-alias-control';
import { LambdaInvoker, type InvocationOutcome } from '../../../infra/local/lambda-invoker';
import { functionUrlFor, startLambdaServer, type AsyncInvocationFailure, type LambdaInvocationRecord, type LocalLambdaServer } from '../../../infra/local/lambda-server';
import { LambdaVersions } from '../../../infra/local/lambda-versions';
import type { FunctionModel } from '../../../infra/local/template-model';

/*
 * The local Lambda API driven by the real @aws-sdk/client-lambda and by finegate's own LambdaAliasControl adapter,
 * with handlers run in-process by the real LambdaInvoker (test/infra/local/fixtures/handlers.ts).
 */

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const projectRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const invoker = new LambdaInvoker({ projectRoot, region: REGION });

const model = (name: string, handlerExport: string, environment: Record<string, string> = {}): FunctionModel => ({
  logicalId: name,
  name,
  arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`,
  entry: 'test/infra/local/fixtures/handlers.ts',
  handlerExport,
  environment,
  timeoutSeconds: 3,
  memorySize: 256,
  logGroupName: `/aws/lambda/${name}`,
  asyncRetryAttempts: 2,
  asyncMaxEventAgeSeconds: 21_600,
});

const ROUTER = 'finegate-canary-router';
const FAILING = 'finegate-failing';
const WEB = 'finegate-web';

/** A uniform source with a fixed seed (mulberry32): the weighted picks are the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `respond` answers with a structured Function URL response carrying the event it got; the rest run for real. */
async function invoke(fn: FunctionModel, payload: unknown): Promise<InvocationOutcome> {
  if (fn.handlerExport !== 'respond') return invoker.invoke(fn, payload);
  return {
    outcome: 'success',
    requestId: 'r-1',
    durationMs: 1,
    result: { statusCode: 201, headers: { 'X-Cohort': fn.environment.COHORT ?? 'none' }, cookies: ['seen=1; Max-Age=60', 'other=2'], body: JSON.stringify(payload) },
  };
}

let server: LocalLambdaServer;
let client: LambdaClient;
let versions: LambdaVersions;
let records: LambdaInvocationRecord[] = [];
let asyncFailures: AsyncInvocationFailure[] = [];
const saved = { ...process.env };

async function fresh(): Promise<void> {
  await server?.stop();
  versions = new LambdaVersions(
    [model(ROUTER, 'echo', { MODEL_REF: 'local:echo', COHORT: 'current', GREETING: 'current' }), model(FAILING, 'fail'), model(WEB, 'respond', { COHORT: 'current' })],
    { random: seeded(7) },
  );
  server = await startLambdaServer({
    versions,
    invoke,
    account: ACCOUNT,
    region: REGION,
    onInvocation: (record) => records.push(record),
    onAsyncFailure: (failure) => asyncFailures.push(failure),
    asyncRetryBackoff: { baseMs: 1, maxMs: 2 },
  });
  client?.destroy();
  client = new LambdaClient({ endpoint: server.endpoint, region: REGION, credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' }, maxAttempts: 1 });
  Object.assign(process.env, { AWS_ENDPOINT_URL_LAMBDA: server.endpoint });
  resetAwsClients();
}

beforeAll(() => {
  Object.assign(process.env, { AWS_REGION: REGION, AWS_ACCESS_KEY_ID: 'AKIDLOCAL', AWS_SECRET_ACCESS_KEY: 'local' });
  delete process.env.AWS_PROFILE;
});

beforeEach(async () => {
  records = [];
  asyncFailures = [];
  await fresh();
});

afterAll(async () => {
  client?.destroy();
  await server?.stop();
  process.env = saved;
  resetAwsClients();
});

const decode = (payload: Uint8Array | undefined) => JSON.parse(Buffer.from(payload ?? new Uint8Array()).toString('utf8')) as Record<string, unknown>;

describe('local Lambda control plane, driven by the real LambdaClient', () => {
  it('publishes versions, creates and weights an alias, and reads a version’s configuration by Qualifier', async () => {
    const v1 = await client.send(new PublishVersionCommand({ FunctionName: ROUTER, Description: 'current' }));
    expect(v1).toMatchObject({ Version: '1', FunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${ROUTER}:1`, Environment: { Variables: { COHORT: 'current' } } });
    expect(v1.$metadata.httpStatusCode).toBe(201);
    expect((await client.send(new PublishVersionCommand({ FunctionName: ROUTER }))).Version).toBe('1');

    const latest = await client.send(new GetFunctionConfigurationCommand({ FunctionName: ROUTER }));
    const updated = await client.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: ROUTER, RevisionId: latest.RevisionId, Environment: { Variables: { MODEL_REF: 'local:candidate', COHORT: 'candidate' } } }),
    );
    expect(updated).toMatchObject({ LastUpdateStatus: 'Successful', Environment: { Variables: { MODEL_REF: 'local:candidate', COHORT: 'candidate' } } });
    expect((await client.send(new PublishVersionCommand({ FunctionName: ROUTER, RevisionId: updated.RevisionId }))).Version).toBe('2');

    const alias = await client.send(new CreateAliasCommand({ FunctionName: ROUTER, Name: 'live', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.05 } } }));
    expect(alias).toMatchObject({ AliasArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${ROUTER}:live`, FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.05 } } });
    const moved = await client.send(new UpdateAliasCommand({ FunctionName: ROUTER, Name: 'live', RoutingConfig: { AdditionalVersionWeights: { '2': 0.2 } }, RevisionId: alias.RevisionId }));
    expect(moved.RoutingConfig?.AdditionalVersionWeights).toEqual({ '2': 0.2 });

    expect((await client.send(new GetFunctionConfigurationCommand({ FunctionName: ROUTER, Qualifier: '1' }))).Environment?.Variables).toMatchObject({ COHORT: 'current' });
    expect((await client.send(new GetFunctionConfigurationCommand({ FunctionName: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${ROUTER}`, Qualifier: '2' }))).Version).toBe('2');
    expect((await client.send(new GetFunctionCommand({ FunctionName: ROUTER, Qualifier: 'live' }))).Configuration?.Version).toBe('1');
    expect((await client.send(new ListVersionsByFunctionCommand({ FunctionName: ROUTER }))).Versions?.map((v) => v.Version)).toEqual(['$LATEST', '1', '2']);
    expect((await client.send(new ListAliasesCommand({ FunctionName: ROUTER }))).Aliases?.map((a) => a.Name)).toEqual(['live']);
    await client.send(new DeleteAliasCommand({ FunctionName: ROUTER, Name: 'live' }));
    expect((await client.send(new ListAliasesCommand({ FunctionName: ROUTER }))).Aliases).toEqual([]);
  });

  it('answers errors the SDK turns into its own exception classes', async () => {
    await client.send(new PublishVersionCommand({ FunctionName: ROUTER }));
    const created = await client.send(new CreateAliasCommand({ FunctionName: ROUTER, Name: 'live', FunctionVersion: '1' }));

    const missing = await client.send(new GetAliasCommand({ FunctionName: ROUTER, Name: 'nope' })).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect(missing).toMatchObject({ message: expect.stringContaining('Alias not found'), $metadata: { httpStatusCode: 404 } });
    await expect(client.send(new GetFunctionConfigurationCommand({ FunctionName: 'no-such-function' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(client.send(new CreateAliasCommand({ FunctionName: ROUTER, Name: 'live', FunctionVersion: '1' }))).rejects.toBeInstanceOf(ResourceConflictException);
    await expect(client.send(new UpdateAliasCommand({ FunctionName: ROUTER, Name: 'live', RoutingConfig: { AdditionalVersionWeights: { '1': 0.5 } } }))).rejects.toBeInstanceOf(
      InvalidParameterValueException,
    );
    await expect(client.send(new UpdateAliasCommand({ FunctionName: ROUTER, Name: 'live', RoutingConfig: { AdditionalVersionWeights: { '9': 0.5 } } }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await client.send(new UpdateAliasCommand({ FunctionName: ROUTER, Name: 'live', Description: 'moved' }));
    const stale = await client.send(new UpdateAliasCommand({ FunctionName: ROUTER, Name: 'live', FunctionVersion: '1', RevisionId: created.RevisionId })).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(PreconditionFailedException);
    expect(stale).toMatchObject({ $metadata: { httpStatusCode: 412 } });
    const bad = await client.send(new UpdateAliasCommand({ FunctionName: ROUTER, Name: 'live', RoutingConfig: { AdditionalVersionWeights: { '1': 2 } } })).catch((e: unknown) => e);
    expect(bad).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
  });
});

describe('Invoke', () => {
  it('runs the version the alias picks and says which (X-Amz-Executed-Version), with that version’s environment', async () => {
    await client.send(new PublishVersionCommand({ FunctionName: ROUTER }));
    await client.send(new CreateAliasCommand({ FunctionName: ROUTER, Name: 'live', FunctionVersion: '1' }));
    await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: ROUTER, Environment: { Variables: { GREETING: 'edited' } } }));

    const out = await client.send(new InvokeCommand({ FunctionName: ROUTER, Qualifier: 'live', Payload: Buffer.from(JSON.stringify({ id: 'e1' })) }));
    expect(out).toMatchObject({ StatusCode: 200, ExecutedVersion: '1' });
    expect(out.FunctionError).toBeUndefined();
    const result = decode(out.Payload) as { event: unknown; context: { invokedFunctionArn: string; functionVersion: string }; env: Record<string, string> };
    expect(result.event).toEqual({ id: 'e1' });
    expect(result.env.GREETING).toBe('current');
    expect(result.context).toMatchObject({ functionVersion: '1', invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${ROUTER}:live` });

    const unqualified = await client.send(new InvokeCommand({ FunctionName: ROUTER }));
    expect(unqualified.ExecutedVersion).toBe('$LATEST');
    expect((decode(unqualified.Payload) as { event: unknown; env: Record<string, string> })).toMatchObject({ event: {}, env: { GREETING: 'edited' } });

    expect(records.map((r) => [r.functionName, r.qualifier, r.executedVersion, r.error, r.source])).toEqual([
      [ROUTER, 'live', '1', false, 'invoke'],
      [ROUTER, undefined, '$LATEST', false, 'invoke'],
    ]);
    expect(records[0]!.durationMs).toBeGreaterThanOrEqual(0);
    expect(records[0]!.at).toBeInstanceOf(Date);
  });

  it('reports a function error as Lambda does: 200, X-Amz-Function-Error Unhandled, the error payload', async () => {
    const out = await client.send(new InvokeCommand({ FunctionName: FAILING, Payload: Buffer.from('{}') }));
    expect(out).toMatchObject({ StatusCode: 200, FunctionError: 'Unhandled', ExecutedVersion: '$LATEST' });
    const payload = decode(out.Payload) as { errorType: string; errorMessage: string; trace: string[] };
    expect(payload).toMatchObject({ errorType: 'TypeError', errorMessage: 'deliberate failure' });
    expect(payload.trace[0]).toBe('TypeError: deliberate failure');
    expect(records).toMatchObject([{ functionName: FAILING, error: true }]);
  });

  it('accepts an Event invocation with 202 and retries a failure twice; DryRun runs nothing', async () => {
    const out = await client.send(new InvokeCommand({ FunctionName: FAILING, InvocationType: 'Event', Payload: Buffer.from('{"id":"async-1"}') }));
    expect(out.StatusCode).toBe(202);
    await server.idle();
    expect(records.map((r) => [r.source, r.error])).toEqual([
      ['event', true],
      ['event', true],
      ['event', true],
    ]);
    expect(asyncFailures).toMatchObject([{ functionName: FAILING, attempts: 3, payload: { id: 'async-1' }, outcome: { outcome: 'error' } }]);

    records = [];
    expect((await client.send(new InvokeCommand({ FunctionName: ROUTER, InvocationType: 'DryRun' }))).StatusCode).toBe(204);
    expect(records).toEqual([]);
  });

  it('refuses a payload that is not JSON and an unknown function', async () => {
    await expect(client.send(new InvokeCommand({ FunctionName: ROUTER, Payload: Buffer.from('{not json') }))).rejects.toMatchObject({ name: 'InvalidRequestContentException' });
    await expect(client.send(new InvokeCommand({ FunctionName: 'missing' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('LambdaAliasControl against the local Lambda', () => {
  it('runs a canary end to end: pin and publish both cohorts, weight the candidate, traffic follows, roll back, promote', async () => {
    const control = new LambdaAliasControl(ROUTER, 'live', { pollIntervalMs: 1 });
    expect(await control.publishVersion('local:echo', 'current')).toBe('1');
    await client.send(new CreateAliasCommand({ FunctionName: ROUTER, Name: 'live', FunctionVersion: '1' }));
    // The candidate version differs in an unpinned variable too, so the test can see which version answered.
    await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: ROUTER, Environment: { Variables: { MODEL_REF: 'local:echo', COHORT: 'current', GREETING: 'candidate' } } }));
    const candidate = await control.publishVersion('local:candidate', 'candidate', { otherModelRef: 'local:echo', runId: 'run-7', previousVersion: '1' });
    expect(candidate).toBe('2');
    expect(await control.versionPin('2')).toEqual({ modelRef: 'local:candidate', cohort: 'candidate', otherModelRef: 'local:echo', runId: 'run-7', previousVersion: '1' });
    expect(await control.versionPin('1')).toEqual({ modelRef: 'local:echo', cohort: 'current' });

    await control.setCandidateWeight('2', 0.25);
    expect(await control.getWeights()).toEqual({ currentVersion: '1', candidate: { version: '2', weight: 0.25 } });

    const n = 400;
    const url = functionUrlFor(server.endpoint, ROUTER, 'live');
    for (let i = 0; i < n; i++) {
      const response = await fetch(url, { method: 'POST', body: JSON.stringify({ i }), headers: { 'content-type': 'application/json' } });
      const body = (await response.json()) as { env: { GREETING: string } };
      // The answering version's own environment: version 2 carries GREETING=candidate.
      expect(body.env.GREETING).toBe(records.at(-1)!.executedVersion === '2' ? 'candidate' : 'current');
    }
    const share = records.filter((r) => r.executedVersion === '2').length / n;
    // Binomial(400, 0.25): sd ≈ 0.022; the seeded source makes the count reproducible.
    expect(Math.abs(share - 0.25)).toBeLessThan(0.07);
    expect(new Set(records.map((r) => `${r.qualifier}/${r.source}`))).toEqual(new Set(['live/function-url']));

    expect(await control.clearCandidate()).toEqual({ cleared: true, version: '2' });
    records = [];
    for (let i = 0; i < 20; i++) await (await fetch(url, { method: 'POST', body: '{}' })).arrayBuffer();
    expect(records.every((r) => r.executedVersion === '1')).toBe(true);

    await control.promote('2');
    expect(await control.getWeights()).toEqual({ currentVersion: '2' });
  });
});

describe('Function URLs', () => {
  it('sends a payload-2.0 event and maps the structured response back to HTTP', async () => {
    await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: WEB, Environment: { Variables: { COHORT: 'candidate' } } }));
    await client.send(new PublishVersionCommand({ FunctionName: WEB }));
    await client.send(new CreateAliasCommand({ FunctionName: WEB, Name: 'live', FunctionVersion: '1' }));
    const body = JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] });
    const url = `${functionUrlFor(server.endpoint, WEB, 'live')}v1/chat?stream=false`;
    const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: 'Bearer anything', cookie: 'a=1; b=2' } });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-cohort')).toBe('candidate');
    expect(response.headers.getSetCookie()).toEqual(['seen=1; Max-Age=60', 'other=2']);
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    const event = (await response.json()) as Record<string, any>;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/v1/chat',
      rawQueryString: 'stream=false',
      queryStringParameters: { stream: 'false' },
      cookies: ['a=1', 'b=2'],
      body,
      isBase64Encoded: false,
      requestContext: { accountId: ACCOUNT, http: { method: 'POST', path: '/v1/chat', sourceIp: '127.0.0.1' }, requestId: response.headers.get('x-amzn-requestid') },
    });
    expect(event.headers).toMatchObject({ 'content-type': 'application/json', authorization: 'Bearer anything' });
    expect(event.requestContext.domainName).toBe(`${event.requestContext.apiId}.lambda-url.${REGION}.on.aws`);
    expect(records).toMatchObject([{ functionName: WEB, qualifier: 'live', executedVersion: '1', error: false, source: 'function-url' }]);
  });

  it('serves $LATEST unqualified, answers any other result as JSON 200, and a function error as 502', async () => {
    const echo = await fetch(functionUrlFor(server.endpoint, ROUTER), { method: 'GET' });
    expect(echo.status).toBe(200);
    expect(echo.headers.get('content-type')).toBe('application/json');
    expect(((await echo.json()) as { event: { rawPath: string; requestContext: { http: { method: string } } } }).event).toMatchObject({ rawPath: '/', requestContext: { http: { method: 'GET' } } });

    const failed = await fetch(functionUrlFor(server.endpoint, FAILING), { method: 'POST', body: '{}' });
    expect(failed.status).toBe(502);
    expect(await failed.json()).toEqual({ Message: 'Internal Server Error' });
    expect(records.map((r) => [r.functionName, r.qualifier, r.executedVersion, r.error])).toEqual([
      [ROUTER, undefined, '$LATEST', false],
      [FAILING, undefined, '$LATEST', true],
    ]);
  });

  it('has no URL for a numbered version, an unknown alias or an unknown function', async () => {
    await client.send(new PublishVersionCommand({ FunctionName: ROUTER }));
    for (const url of [functionUrlFor(server.endpoint, ROUTER, '1'), functionUrlFor(server.endpoint, ROUTER, 'nope'), functionUrlFor(server.endpoint, 'missing')]) {
      const response = await fetch(url);
      expect(response.status).toBe(404);
      await response.arrayBuffer();
    }
    expect(records).toEqual([]);
  });
});
