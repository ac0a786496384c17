import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetAwsClients } from '../../../functions/stores/aws-clients';
import { LambdaAliasControl } from '../../../functions/stores/lambda-alias-control';
import { startScriptedServer, type RecordedRequest, type ScriptedReply, type ScriptedServer } from '../../support/scripted-http-server';

/*
 * The Lambda control plane has no local emulator, so the adapter is tested with the REAL LambdaClient pointed
 * (AWS_ENDPOINT_URL_LAMBDA) at a local HTTP server on 127.0.0.1 that speaks Lambda's REST-JSON wire protocol: it
 * checks the request shapes the SDK actually sends (method, path such as /2015-03-31/functions/<name>/aliases/live,
 * query, JSON body with RoutingConfig.AdditionalVersionWeights, RevisionId) and answers as Lambda does, errors named
 * by the x-amzn-ErrorType header. Its state (alias, $LATEST configuration, versions) follows Lambda's documented
 * semantics closely enough to exercise the adapter's read-modify-write and polling.
 */

const FUNCTION = 'finegate-canary-router';
const BASE = `/2015-03-31/functions/${FUNCTION}`;

interface Alias {
  FunctionVersion: string;
  RoutingConfig?: { AdditionalVersionWeights: Record<string, number> };
  Description?: string;
  RevisionId: string;
}

class FakeLambda {
  alias: Alias = { FunctionVersion: '12', RevisionId: 'alias-rev-1' };
  latest: { Environment: { Variables: Record<string, string> }; RevisionId: string; LastUpdateStatus: string; LastUpdateStatusReason?: string } = {
    Environment: { Variables: { MODEL_REF: 'local:echo', COHORT: 'current', SHADOW_QUEUE_URL: 'https://sqs/q', ROLLOUT_EXECUTION_ARN: 'arn:old' } },
    RevisionId: 'fn-rev-1',
    LastUpdateStatus: 'Successful',
  };
  versions = new Map<string, Record<string, string>>([['12', { MODEL_REF: 'local:echo', COHORT: 'current' }]]);
  /** Polls that still report InProgress after an update, and how an update ends. */
  inProgressPolls = 2;
  updateOutcome: { status: 'Successful' } | { status: 'Failed'; reason: string } = { status: 'Successful' };
  private pendingPolls = 0;
  /** PUT alias requests answered 412 before the next one succeeds. */
  failAliasWrites = 0;
  private revision = 1;

  reply(request: RecordedRequest): ScriptedReply {
    const url = new URL(request.url, 'http://x');
    const path = decodeURIComponent(url.pathname);
    const body = (request.json ?? {}) as Record<string, unknown>;
    if (path === `${BASE}/aliases/live` && request.method === 'GET') return ok(this.aliasBody());
    if (path === `${BASE}/aliases/live` && request.method === 'PUT') {
      if (body.RevisionId !== this.alias.RevisionId || this.failAliasWrites-- > 0) return error(412, 'PreconditionFailedException', 'The RevisionId provided does not match the latest RevisionId');
      const weights = (body.RoutingConfig as Alias['RoutingConfig'])?.AdditionalVersionWeights;
      this.alias = {
        FunctionVersion: (body.FunctionVersion as string | undefined) ?? this.alias.FunctionVersion,
        // UpdateAlias leaves the description as it was unless the request gives one.
        ...((body.Description as string | undefined) ?? this.alias.Description ? { Description: (body.Description as string | undefined) ?? this.alias.Description } : {}),
        ...(weights !== undefined ? (Object.keys(weights).length > 0 ? { RoutingConfig: { AdditionalVersionWeights: weights } } : {}) : this.alias.RoutingConfig ? { RoutingConfig: this.alias.RoutingConfig } : {}),
        RevisionId: `alias-rev-${++this.revision}`,
      };
      return ok(this.aliasBody());
    }
    if (path === `${BASE}/configuration` && request.method === 'GET') {
      const qualifier = url.searchParams.get('Qualifier');
      if (qualifier !== null) {
        const variables = this.versions.get(qualifier);
        return variables ? ok({ FunctionName: FUNCTION, Version: qualifier, Environment: { Variables: variables } }) : error(404, 'ResourceNotFoundException', `Function not found: ${qualifier}`);
      }
      if (this.pendingPolls > 0) {
        this.pendingPolls--;
        return ok({ FunctionName: FUNCTION, Version: '$LATEST', ...this.latest, LastUpdateStatus: 'InProgress' });
      }
      return ok({ FunctionName: FUNCTION, Version: '$LATEST', ...this.latest });
    }
    if (path === `${BASE}/configuration` && request.method === 'PUT') {
      if (body.RevisionId !== this.latest.RevisionId) return error(412, 'PreconditionFailedException', 'stale RevisionId');
      const environment = body.Environment as { Variables: Record<string, string> };
      this.latest = {
        Environment: { Variables: environment.Variables },
        RevisionId: `fn-rev-${++this.revision}`,
        LastUpdateStatus: this.updateOutcome.status,
        ...(this.updateOutcome.status === 'Failed' ? { LastUpdateStatusReason: this.updateOutcome.reason } : {}),
      };
      this.pendingPolls = this.inProgressPolls;
      return ok({ FunctionName: FUNCTION, Version: '$LATEST', ...this.latest, LastUpdateStatus: 'InProgress' });
    }
    if (path === `${BASE}/versions` && request.method === 'POST') {
      if (body.RevisionId !== undefined && body.RevisionId !== this.latest.RevisionId) return error(412, 'PreconditionFailedException', 'stale RevisionId');
      // Lambda returns the latest version again when neither code nor configuration changed since it.
      const last = [...this.versions.entries()].at(-1)!;
      if (JSON.stringify(last[1]) === JSON.stringify(this.latest.Environment.Variables)) return ok({ FunctionName: FUNCTION, Version: last[0], Environment: { Variables: last[1] } }, 201);
      const version = String(Math.max(...[...this.versions.keys()].map(Number)) + 1);
      this.versions.set(version, { ...this.latest.Environment.Variables });
      return ok({ FunctionName: FUNCTION, Version: version, Description: body.Description, Environment: { Variables: this.latest.Environment.Variables } }, 201);
    }
    return error(400, 'InvalidRequestContentException', `unexpected ${request.method} ${path}`);
  }

  private aliasBody() {
    return { AliasArn: `arn:aws:lambda:us-east-1:123456789012:function:${FUNCTION}:live`, Name: 'live', Description: '', ...this.alias };
  }
}

function ok(body: object, status = 200): ScriptedReply {
  return { status, headers: { 'x-amzn-requestid': '0f1e2d3c-0000-4000-8000-000000000000' }, body };
}

function error(status: number, type: string, message: string): ScriptedReply {
  return { status, headers: { 'x-amzn-errortype': type }, body: { Type: 'User', message } };
}

let server: ScriptedServer;
let lambda: FakeLambda;
const saved = { ...process.env };
const control = () => new LambdaAliasControl(FUNCTION, 'live', { pollIntervalMs: 1, sleep: async () => {} });
const calls = () => server.requests.map((r) => `${r.method} ${decodeURIComponent(r.url)}`);

beforeAll(async () => {
  server = await startScriptedServer((request) => lambda.reply(request));
  Object.assign(process.env, { AWS_ENDPOINT_URL_LAMBDA: server.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'test' });
  delete process.env.AWS_PROFILE;
  resetAwsClients();
});

beforeEach(() => {
  lambda = new FakeLambda();
  server.requests.length = 0;
});

afterAll(async () => {
  process.env = saved;
  resetAwsClients();
  await server.close();
});

describe('LambdaAliasControl against a server speaking the Lambda REST-JSON protocol', () => {
  it('reads the alias: the current version and the candidate weight', async () => {
    expect(await control().getWeights()).toEqual({ currentVersion: '12' });
    lambda.alias = { FunctionVersion: '12', RoutingConfig: { AdditionalVersionWeights: { '13': 0.05 } }, RevisionId: 'r' };
    expect(await control().getWeights()).toEqual({ currentVersion: '12', candidate: { version: '13', weight: 0.05 } });
    const request = server.requests[0]!;
    expect(request.method).toBe('GET');
    expect(request.url).toBe(`${BASE}/aliases/live`);
    expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/us-east-1\/lambda\/aws4_request/);
  });

  it('weights the candidate with RoutingConfig.AdditionalVersionWeights, keeping the current version, under the revision read', async () => {
    await control().setCandidateWeight('13', 0.05);
    const put = server.requests.find((r) => r.method === 'PUT')!;
    expect(put.url).toBe(`${BASE}/aliases/live`);
    expect(put.json).toEqual({ FunctionVersion: '12', RoutingConfig: { AdditionalVersionWeights: { '13': 0.05 } }, Description: 'finegate canary: version 13 at weight 0.05 over 12', RevisionId: 'alias-rev-1' });
    expect(lambda.alias.RoutingConfig).toEqual({ AdditionalVersionWeights: { '13': 0.05 } });
  });

  it('raises the weight of the same candidate, and refuses a second candidate or the current version', async () => {
    await control().setCandidateWeight('13', 0.05);
    await control().setCandidateWeight('13', 0.1);
    expect(lambda.alias.RoutingConfig).toEqual({ AdditionalVersionWeights: { '13': 0.1 } });
    await expect(control().setCandidateWeight('14', 0.05)).rejects.toThrow(/already routes 0.1 to version 13/);
    await expect(control().setCandidateWeight('12', 0.05)).rejects.toThrow(/current version/);
  });

  it('refuses weights outside (0, 1) before any call', async () => {
    await expect(control().setCandidateWeight('13', 0)).rejects.toThrow(RangeError);
    await expect(control().setCandidateWeight('13', 1)).rejects.toThrow(RangeError);
    expect(server.requests).toHaveLength(0);
  });

  it('clears the candidate with an empty AdditionalVersionWeights map; clearing again is a no-op success', async () => {
    lambda.alias = { FunctionVersion: '12', RoutingConfig: { AdditionalVersionWeights: { '13': 0.1 } }, RevisionId: 'alias-rev-7' };
    expect(await control().clearCandidate()).toEqual({ cleared: true, version: '13' });
    const put = server.requests.find((r) => r.method === 'PUT')!;
    expect(put.json).toEqual({ FunctionVersion: '12', RoutingConfig: { AdditionalVersionWeights: {} }, Description: expect.stringMatching(/^finegate canary: rolled back version 13 at \d{4}-/), RevisionId: 'alias-rev-7' });
    expect(lambda.alias).not.toHaveProperty('RoutingConfig');
    // The candidate it cleared is read back: a retried rollback can finish what this one started.
    expect(await control().getWeights()).toEqual({ currentVersion: '12', rolledBack: '13' });

    server.requests.length = 0;
    expect(await control().clearCandidate()).toEqual({ cleared: false });
    expect(calls()).toEqual([`GET ${BASE}/aliases/live`]);
  });

  it('weights the candidate over another current version in the same update', async () => {
    await control().setCandidateWeight('14', 0.05, '13');
    expect(server.requests.find((r) => r.method === 'PUT')!.json).toEqual({ FunctionVersion: '13', RoutingConfig: { AdditionalVersionWeights: { '14': 0.05 } }, Description: 'finegate canary: version 14 at weight 0.05 over 13', RevisionId: 'alias-rev-1' });
  });

  it('clears the candidate and restores the previous version in one update; a second call finds nothing to do', async () => {
    lambda.alias = { FunctionVersion: '13', RoutingConfig: { AdditionalVersionWeights: { '14': 0.05 } }, RevisionId: 'alias-rev-4' };
    expect(await control().clearCandidate('12')).toEqual({ cleared: true, version: '14', restored: '12' });
    expect(server.requests.filter((r) => r.method === 'PUT').map((r) => r.json)).toEqual([
      { FunctionVersion: '12', RoutingConfig: { AdditionalVersionWeights: {} }, Description: expect.stringMatching(/^finegate canary: rolled back version 14 at /), RevisionId: 'alias-rev-4' },
    ]);
    server.requests.length = 0;
    expect(await control().clearCandidate('12')).toEqual({ cleared: false });
    expect(calls()).toEqual([`GET ${BASE}/aliases/live`]);
  });

  it('re-reads and retries an alias write that lost a race (PreconditionFailedException)', async () => {
    lambda.alias = { FunctionVersion: '12', RoutingConfig: { AdditionalVersionWeights: { '13': 0.1 } }, RevisionId: 'alias-rev-7' };
    lambda.failAliasWrites = 1;
    expect(await control().clearCandidate()).toEqual({ cleared: true, version: '13' });
    expect(calls()).toEqual([`GET ${BASE}/aliases/live`, `PUT ${BASE}/aliases/live`, `GET ${BASE}/aliases/live`, `PUT ${BASE}/aliases/live`]);
  });

  it('promotes: the alias points at the candidate with no routing left', async () => {
    lambda.alias = { FunctionVersion: '12', RoutingConfig: { AdditionalVersionWeights: { '13': 0.1 } }, RevisionId: 'alias-rev-3' };
    await control().promote('13');
    expect(server.requests.find((r) => r.method === 'PUT')!.json).toEqual({ FunctionVersion: '13', RoutingConfig: { AdditionalVersionWeights: {} }, Description: 'finegate canary: serving version 13', RevisionId: 'alias-rev-3' });
    expect(await control().getWeights()).toEqual({ currentVersion: '13' });
    server.requests.length = 0;
    await control().promote('13');
    expect(calls()).toEqual([`GET ${BASE}/aliases/live`]);
  });

  it('publishes a version pinning the model: merged environment, waits for LastUpdateStatus Successful, PublishVersion with the revision written', async () => {
    const version = await control().publishVersion('bedrock:meta.llama3-1-8b-instruct-v1:0', 'candidate', { otherModelRef: 'local:echo', runId: 'support-bot-7' });
    expect(version).toBe('13');
    const update = server.requests.find((r) => r.method === 'PUT')!;
    expect(update.url).toBe(`${BASE}/configuration`);
    // The whole map is sent (UpdateFunctionConfiguration replaces it): other variables kept, a stale pin removed.
    expect(update.json).toEqual({
      Environment: {
        Variables: { MODEL_REF: 'bedrock:meta.llama3-1-8b-instruct-v1:0', COHORT: 'candidate', SHADOW_QUEUE_URL: 'https://sqs/q', OTHER_MODEL_REF: 'local:echo', RUN_ID: 'support-bot-7' },
      },
      RevisionId: 'fn-rev-1',
    });
    const polls = server.requests.filter((r) => r.method === 'GET' && r.url === `${BASE}/configuration`);
    expect(polls).toHaveLength(4); // before the update, then InProgress twice, then Successful
    const publish = server.requests.at(-1)!;
    expect(publish.method).toBe('POST');
    expect(publish.url).toBe(`${BASE}/versions`);
    expect(publish.json).toEqual({ RevisionId: lambda.latest.RevisionId, Description: 'finegate canary: candidate bedrock:meta.llama3-1-8b-instruct-v1:0' });
    expect(lambda.versions.get('13')).toMatchObject({ MODEL_REF: 'bedrock:meta.llama3-1-8b-instruct-v1:0', COHORT: 'candidate' });
  });

  it('publishes without updating when the environment already pins the model', async () => {
    lambda.latest.Environment.Variables = { MODEL_REF: 'local:echo', COHORT: 'current' };
    expect(await control().publishVersion('local:echo', 'current')).toBe('12');
    expect(server.requests.some((r) => r.method === 'PUT')).toBe(false);
  });

  it('fails when the configuration update fails, naming Lambda’s reason, and publishes nothing', async () => {
    lambda.updateOutcome = { status: 'Failed', reason: 'The environment variables exceed 4 KB' };
    await expect(control().publishVersion('local:echo', 'candidate')).rejects.toThrow(/ended Failed: The environment variables exceed 4 KB/);
    expect(server.requests.some((r) => r.method === 'POST')).toBe(false);
  });

  it('reads what a version pins (GetFunctionConfiguration with the Qualifier)', async () => {
    lambda.versions.set('13', { MODEL_REF: 'local:echo', COHORT: 'current', RUN_ID: 'run-1', ROLLOUT_EXECUTION_ARN: 'arn:aws:states:us-east-1:123456789012:execution:rollout:x', PREVIOUS_VERSION: '12', OTHER: 'y' });
    expect(await control().versionPin('13')).toEqual({
      modelRef: 'local:echo',
      cohort: 'current',
      runId: 'run-1',
      rolloutExecutionArn: 'arn:aws:states:us-east-1:123456789012:execution:rollout:x',
      previousVersion: '12',
    });
    expect(server.requests[0]!.url).toBe(`${BASE}/configuration?Qualifier=13`);
    await expect(control().versionPin('99')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
