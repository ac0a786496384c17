import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connect, requireOutput } from '../../../infra/cli/stack-connection';
import { UsageError } from '../../../infra/cli/usage-error';
import { startScriptedServer, type ScriptedServer } from '../../support/scripted-http-server';

/*
 * The deployed path of the CLI's connection: the real CloudFormation client (query protocol, XML answers) against a
 * local HTTP server that answers DescribeStacks as CloudFormation does. The local path is covered with
 * `finegate local up` in local-command.test.ts.
 */

const NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

const describeStacks = (outputs: Record<string, string>, status = 'UPDATE_COMPLETE') => `<DescribeStacksResponse xmlns="${NS}">
  <DescribeStacksResult>
    <Stacks>
      <member>
        <StackName>Finegate</StackName>
        <StackId>arn:aws:cloudformation:eu-west-1:123456789012:stack/Finegate/0b4f2a0e</StackId>
        <CreationTime>2026-11-01T09:00:00Z</CreationTime>
        <StackStatus>${status}</StackStatus>
        <Outputs>
${Object.entries(outputs).map(([k, v]) => `          <member><OutputKey>${k}</OutputKey><OutputValue>${v}</OutputValue></member>`).join('\n')}
        </Outputs>
      </member>
    </Stacks>
  </DescribeStacksResult>
  <ResponseMetadata><RequestId>5ccc7dcd-744c-11e5-be70-example</RequestId></ResponseMetadata>
</DescribeStacksResponse>`;

const validationError = (message: string) =>
  `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>${message}</Message></Error><RequestId>b9b4b068-3a41-11e5-94eb-example</RequestId></ErrorResponse>`;

let server: ScriptedServer;
/** The server's next answer. */
let next: { status: number; body: string };
const reply = (body: string) => ({ status: 200, body });
const saved = { ...process.env };

beforeAll(async () => {
  server = await startScriptedServer(() => ({ ...next, headers: { 'content-type': 'text/xml' } }));
});

afterAll(() => server.close());

beforeEach(() => {
  process.env.AWS_ENDPOINT_URL_CLOUDFORMATION = server.url;
  process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
  process.env.AWS_SECRET_ACCESS_KEY = 'secret';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_REGION;
  delete process.env.AWS_DEFAULT_REGION;
  process.env.AWS_CONFIG_FILE = '/nonexistent/finegate-test/config';
  process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/finegate-test/credentials';
});

afterEach(() => {
  process.env = { ...saved };
});

describe('connect to a deployed stack', () => {
  it('reads the stack outputs with DescribeStacks, and points the SDK at the region asked for', async () => {
    next = reply(describeStacks({ EventBusName: 'finegate-bus', VerdictsTableName: 'Finegate-Verdicts-1' }));
    const connection = await connect({ local: false, stackName: 'Finegate', region: 'eu-west-1' });
    expect(connection).toEqual({ outputs: { EventBusName: 'finegate-bus', VerdictsTableName: 'Finegate-Verdicts-1' }, description: 'stack Finegate in eu-west-1' });
    expect(process.env.AWS_REGION).toBe('eu-west-1');
    const request = server.requests.at(-1)!;
    expect(request.body).toMatch(/Action=DescribeStacks/);
    expect(request.body).toMatch(/StackName=Finegate/);
    expect(request.headers.authorization).toMatch(/Credential=AKIDEXAMPLE\/\d+\/eu-west-1\/cloudformation\//);
  });

  it('names the missing output and the ones there are', async () => {
    next = reply(describeStacks({ EventBusName: 'finegate-bus' }));
    const connection = await connect({ local: false, region: 'eu-west-1' });
    expect(() => requireOutput(connection, 'RunsTableName')).toThrow(UsageError);
    expect(() => requireOutput(connection, 'RunsTableName')).toThrow(/stack Finegate in eu-west-1 has no output RunsTableName \(outputs: EventBusName\)/);
  });

  it('says a stack that does not exist does not, and how to deploy it', async () => {
    next = { status: 400, body: validationError('Stack with id Nope does not exist') };
    const error = await connect({ local: false, stackName: 'Nope', region: 'eu-west-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/^stack Nope in eu-west-1 does not exist: deploy it with 'npx cdk deploy', or name another stack with --stack/);
  });

  it('says a stack still being created has nothing to use yet', async () => {
    next = reply(describeStacks({}, 'CREATE_IN_PROGRESS'));
    await expect(connect({ local: false, region: 'eu-west-1' })).rejects.toThrow(/stack Finegate in eu-west-1 is CREATE_IN_PROGRESS: it has no outputs to use yet/);
  });

  it('says there are no credentials, and offers --local', async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    const before = server.requests.length;
    const error = await connect({ local: false, region: 'eu-west-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/^no AWS credentials to read stack Finegate in eu-west-1: configure a profile .* or use --local/);
    expect(server.requests.length).toBe(before);
  });

  it('says CloudFormation cannot be reached', async () => {
    process.env.AWS_ENDPOINT_URL_CLOUDFORMATION = 'http://127.0.0.1:9';
    const error = await connect({ local: false, region: 'eu-west-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/^cannot reach CloudFormation to read stack Finegate in eu-west-1: ECONNREFUSED/);
  });

  it('says there is no region', async () => {
    const error = await connect({ local: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe('no AWS region for stack Finegate: give --region or set AWS_REGION');
  });
});
