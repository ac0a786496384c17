import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  API_KEY_SECRET_ARN_VARIABLE,
  API_KEY_VARIABLE,
  ApiKeyConfigurationError,
  apiKeyFromSecretValue,
  isDeployedFunction,
  openAiApiKey,
} from '../../../functions/models/api-key';
import { parseModelRef } from '../../../functions/models/model-ref';
import { OpenAIChatModel } from '../../../functions/models/openai-chat-model';
import { SecretsManagerValues, type SecretValueReader } from '../../../functions/stores/secret-value';
import { startScriptedServer, type RecordedRequest, type ScriptedReply, type ScriptedServer } from '../../support/scripted-http-server';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:finegate/openai-AbCdEf';
const KEY = 'sk-test-0123456789abcdef';
const LAMBDA = { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x' };

/** A reader over fixed values that counts its reads; `fail` makes the next reads throw. */
function memoryReader(values: Record<string, string>): SecretValueReader & { reads: number; fail: number } {
  const reader = {
    reads: 0,
    fail: 0,
    async read(secretId: string): Promise<string> {
      reader.reads++;
      await new Promise((r) => setTimeout(r, 5));
      if (reader.fail > 0) {
        reader.fail--;
        throw new Error('ThrottlingException: rate exceeded');
      }
      const value = values[secretId];
      if (value === undefined) throw new Error(`secret ${secretId} not found`);
      return value;
    },
  };
  return reader;
}

async function resolve(option: ReturnType<typeof openAiApiKey>): Promise<string | undefined> {
  return typeof option === 'function' ? option() : option;
}

describe('openAiApiKey: where the key comes from', () => {
  it('reads the secret named by OPENAI_API_KEY_SECRET_ARN, trimmed', async () => {
    const reader = memoryReader({ [SECRET_ARN]: `  ${KEY}\n` });
    const option = openAiApiKey({ env: { [API_KEY_SECRET_ARN_VARIABLE]: SECRET_ARN, ...LAMBDA }, secrets: reader });
    expect(typeof option).toBe('function');
    await expect(resolve(option)).resolves.toBe(KEY);
  });

  it('prefers the secret over OPENAI_API_KEY, locally too', async () => {
    const reader = memoryReader({ [SECRET_ARN]: KEY });
    const option = openAiApiKey({ env: { [API_KEY_SECRET_ARN_VARIABLE]: SECRET_ARN, [API_KEY_VARIABLE]: 'sk-from-env' }, secrets: reader });
    await expect(resolve(option)).resolves.toBe(KEY);
  });

  it('uses OPENAI_API_KEY outside Lambda (CLI, tests, local runtime)', () => {
    expect(openAiApiKey({ env: { [API_KEY_VARIABLE]: 'sk-local' } })).toBe('sk-local');
  });

  it('refuses OPENAI_API_KEY inside a deployed function, without repeating the key', async () => {
    const option = openAiApiKey({ env: { [API_KEY_VARIABLE]: 'sk-leaked-into-config', ...LAMBDA } });
    expect(typeof option).toBe('function');
    const error = await (option as () => Promise<string>)().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiKeyConfigurationError);
    expect((error as Error).message).toMatch(/Secrets Manager.*OPENAI_API_KEY_SECRET_ARN/);
    expect((error as Error).message).not.toContain('sk-leaked-into-config');
  });

  it('is undefined when neither is set; empty values count as unset', () => {
    expect(openAiApiKey({ env: {} })).toBeUndefined();
    expect(openAiApiKey({ env: { [API_KEY_VARIABLE]: '', [API_KEY_SECRET_ARN_VARIABLE]: ' ' } })).toBeUndefined();
  });

  it('knows the Lambda execution environment by AWS_EXECUTION_ENV only', () => {
    expect(isDeployedFunction(LAMBDA)).toBe(true);
    // The local runtime sets the function name, not the execution environment.
    expect(isDeployedFunction({ AWS_LAMBDA_FUNCTION_NAME: 'f' })).toBe(false);
    expect(isDeployedFunction({})).toBe(false);
  });

  it('shares one read among concurrent first calls and does not cache a failure', async () => {
    const reader = memoryReader({ [SECRET_ARN]: KEY });
    const option = openAiApiKey({ env: { [API_KEY_SECRET_ARN_VARIABLE]: SECRET_ARN }, secrets: reader }) as () => Promise<string>;
    await expect(Promise.all([option(), option(), option()])).resolves.toEqual([KEY, KEY, KEY]);
    expect(reader.reads).toBe(1);

    reader.fail = 1;
    await expect(option()).rejects.toThrow(/ThrottlingException/);
    await expect(option()).resolves.toBe(KEY);
    expect(reader.reads).toBe(3);
  });
});

describe('apiKeyFromSecretValue', () => {
  it('takes plain text, or the apiKey field of a JSON object', () => {
    expect(apiKeyFromSecretValue(SECRET_ARN, KEY)).toBe(KEY);
    expect(apiKeyFromSecretValue(SECRET_ARN, JSON.stringify({ apiKey: ` ${KEY} `, org: 'x' }))).toBe(KEY);
  });

  it('refuses an empty value, invalid JSON and JSON without apiKey, never quoting the content', () => {
    const cases = ['   ', '{"apiKey": "sk-half', JSON.stringify({ api_key: 'sk-wrong-field' }), JSON.stringify({ apiKey: '' })];
    for (const value of cases) {
      const error = (() => {
        try {
          apiKeyFromSecretValue(SECRET_ARN, value);
        } catch (e) {
          return e as Error;
        }
        throw new Error(`accepted ${value}`);
      })();
      expect(error).toBeInstanceOf(ApiKeyConfigurationError);
      expect(error.message).toContain(SECRET_ARN);
      expect(error.message).not.toMatch(/sk-/);
    }
  });
});

/*
 * No Secrets Manager emulator is embedded, so the adapter is tested through the real SDK client against a local HTTP
 * server that speaks Secrets Manager's wire protocol (AWS JSON 1.1: POST /, X-Amz-Target secretsmanager.<Operation>,
 * errors as __type with x-amzn-ErrorType), answering as AWS documents it.
 */
function secretsManagerReply(values: Record<string, { SecretString?: string; SecretBinary?: string }>) {
  return (request: RecordedRequest): ScriptedReply => {
    const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'req-1' };
    const secretId = (request.json as { SecretId?: string } | undefined)?.SecretId;
    const value = secretId === undefined ? undefined : values[secretId];
    if (request.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue' || value === undefined) {
      return {
        status: 400,
        headers: { ...headers, 'x-amzn-errortype': 'ResourceNotFoundException' },
        body: { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." },
      };
    }
    return {
      status: 200,
      headers,
      body: { ARN: SECRET_ARN, Name: 'finegate/openai', VersionId: 'v1', VersionStages: ['AWSCURRENT'], CreatedDate: 1_700_000_000, ...value },
    };
  };
}

function clientAt(url: string): SecretsManagerClient {
  return new SecretsManagerClient({
    endpoint: url,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
}

const servers: ScriptedServer[] = [];
async function serve(reply: (request: RecordedRequest, index: number) => ScriptedReply): Promise<ScriptedServer> {
  const server = await startScriptedServer(reply);
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

describe('SecretsManagerValues through the real SDK client', () => {
  it('sends a signed GetSecretValue for the ARN and keeps the value for maxAgeSeconds', async () => {
    const server = await serve(secretsManagerReply({ [SECRET_ARN]: { SecretString: KEY } }));
    vi.useFakeTimers({ toFake: ['Date'] });
    const values = new SecretsManagerValues({ client: clientAt(server.url), maxAgeSeconds: 60 });

    await expect(values.read(SECRET_ARN)).resolves.toBe(KEY);
    await expect(values.read(SECRET_ARN)).resolves.toBe(KEY);
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request!.method).toBe('POST');
    expect(request!.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(request!.json).toEqual({ SecretId: SECRET_ARN });
    expect(request!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/secretsmanager\/aws4_request/);

    // Within the TTL it is served from memory; past it, read again, so a rotated key is picked up.
    const start = Date.now();
    vi.setSystemTime(start + 30_000);
    await expect(values.read(SECRET_ARN)).resolves.toBe(KEY);
    expect(server.requests).toHaveLength(1);
    vi.setSystemTime(start + 61_000);
    await expect(values.read(SECRET_ARN)).resolves.toBe(KEY);
    expect(server.requests).toHaveLength(2);
  });

  it('decodes a binary secret as UTF-8', async () => {
    const server = await serve(secretsManagerReply({ [SECRET_ARN]: { SecretBinary: Buffer.from(KEY).toString('base64') } }));
    await expect(new SecretsManagerValues({ client: clientAt(server.url) }).read(SECRET_ARN)).resolves.toBe(KEY);
  });

  it('fails on a missing secret and caches no failure', async () => {
    const server = await serve(secretsManagerReply({}));
    const values = new SecretsManagerValues({ client: clientAt(server.url) });
    await expect(values.read(SECRET_ARN)).rejects.toThrow(/can't find the specified secret/);
    await expect(values.read(SECRET_ARN)).rejects.toThrow();
    expect(server.requests).toHaveLength(2);
  });
});

describe('an openai: model in a deployed function', () => {
  it('authenticates with the key from the secret, read once for several calls, and never logs it', async () => {
    const secrets = await serve(secretsManagerReply({ [SECRET_ARN]: { SecretString: JSON.stringify({ apiKey: KEY }) } }));
    const openai = await serve(() => ({
      status: 200,
      body: {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1_700_000_000,
        model: 'gpt-4o',
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok', refusal: null }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      },
    }));
    // The function's environment as the stack writes it: the secret's ARN, never the key.
    vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs24.x');
    vi.stubEnv(API_KEY_SECRET_ARN_VARIABLE, SECRET_ARN);
    vi.stubEnv(API_KEY_VARIABLE, '');
    vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', secrets.url);
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    vi.stubEnv('AWS_SESSION_TOKEN', '');
    const logged: string[] = [];
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' ')));
    }
    const writes = vi.spyOn(process.stdout, 'write');

    const model = new OpenAIChatModel(parseModelRef('openai:gpt-4o'), { clientOptions: { baseURL: `${openai.url}/v1` }, retry: { maxAttempts: 1 } });
    for (let i = 0; i < 3; i++) await model.complete({ messages: [{ role: 'user', content: `q${i}` }] });

    expect(openai.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${KEY}`, `Bearer ${KEY}`, `Bearer ${KEY}`]);
    expect(secrets.requests).toHaveLength(1);
    expect(logged.join('\n')).not.toContain(KEY);
    expect(writes.mock.calls.map((c) => String(c[0])).join('')).not.toContain(KEY);
    vi.restoreAllMocks();
  });
});

describe('the local runtime', () => {
  it('lets a function it runs take OPENAI_API_KEY from the environment, as the CLI does; a deployed function may not', () => {
    const local = { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x', FINEGATE_LOCAL_RUNTIME: 'true', OPENAI_API_KEY: 'sk-local' };
    expect(openAiApiKey({ env: local })).toBe('sk-local');
    expect(typeof openAiApiKey({ env: { ...local, FINEGATE_LOCAL_RUNTIME: undefined } })).toBe('function');
  });
});
