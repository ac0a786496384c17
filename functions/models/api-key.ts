/**
 * The API key of the OpenAI-compatible server the `openai:` adapters call.
 *
 * - OPENAI_API_KEY_SECRET_ARN names a Secrets Manager secret: its value (plain text, or JSON with an `apiKey` field)
 *   is the key. It is read when first needed and kept for the container's life, re-read after the cache's TTL so a
 *   rotated key is picked up.
 * - OPENAI_API_KEY is used only outside a deployed function (the CLI, tests, the local runtime). Inside Lambda
 *   (AWS_EXECUTION_ENV, which the runtime sets and a deployment cannot) a key in the environment is refused: it
 *   would sit in plain text in the function's configuration.
 * - Neither: no key (a keyless compatible server, or the client's own "missing key" error).
 *
 * The key is never logged, and no error message carries it or the secret's content.
 */
import type { SecretValueReader } from '../stores/secret-value';

export const API_KEY_SECRET_ARN_VARIABLE = 'OPENAI_API_KEY_SECRET_ARN';
export const API_KEY_VARIABLE = 'OPENAI_API_KEY';
/** Set by the local runtime, which runs functions as Lambda does (AWS_EXECUTION_ENV included) on a developer's machine. */
export const LOCAL_RUNTIME_VARIABLE = 'FINEGATE_LOCAL_RUNTIME';

/** What the openai client takes as `apiKey`: the key, a function that resolves it before each request, or none. */
export type ApiKeyOption = string | (() => Promise<string>) | undefined;

/** The key is configured in a way finegate refuses, or the secret holds no usable key. */
export class ApiKeyConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiKeyConfigurationError';
  }
}

export interface ApiKeyOptions {
  /** @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Reads the secret; defaults to the Secrets Manager adapter, shared by the whole container. */
  secrets?: SecretValueReader;
}

/** The `apiKey` option for an openai client, from the environment (see the module comment). */
export function openAiApiKey(options: ApiKeyOptions = {}): ApiKeyOption {
  const env = options.env ?? process.env;
  const secretId = nonEmpty(env[API_KEY_SECRET_ARN_VARIABLE]);
  if (secretId !== undefined) {
    const secrets = options.secrets;
    return () => resolveFromSecret(secretId, secrets);
  }
  const plain = nonEmpty(env[API_KEY_VARIABLE]);
  if (plain === undefined) return undefined;
  if (isDeployedFunction(env)) {
    // Rejected per call, not at construction: the call fails (and the gate records it) with the reason.
    return () =>
      Promise.reject(
        new ApiKeyConfigurationError(
          `${API_KEY_VARIABLE} is set in the function's environment; store the key in Secrets Manager and name it in ${API_KEY_SECRET_ARN_VARIABLE}`,
        ),
      );
  }
  return plain;
}

/** The key held in a secret's value: the whole (trimmed) text, or the `apiKey` field of a JSON object. */
export function apiKeyFromSecretValue(secretId: string, value: string): string {
  const text = value.trim();
  if (!text.startsWith('{')) {
    if (text === '') throw new ApiKeyConfigurationError(`secret ${secretId} is empty`);
    return text;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text; this one does not.
    throw new ApiKeyConfigurationError(`secret ${secretId} starts with '{' but is not valid JSON`);
  }
  const key = (parsed as { apiKey?: unknown } | null)?.apiKey;
  if (typeof key !== 'string' || key.trim() === '') {
    throw new ApiKeyConfigurationError(`secret ${secretId} is a JSON object without a non-empty string "apiKey" field`);
  }
  return key.trim();
}

/**
 * True inside the Lambda execution environment, which sets AWS_EXECUTION_ENV to `AWS_Lambda_<runtime>`, unless the
 * local runtime says it is the one running the function (FINEGATE_LOCAL_RUNTIME, which a deployment refuses).
 */
export function isDeployedFunction(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return (env.AWS_EXECUTION_ENV?.startsWith('AWS_Lambda_') ?? false) && env[LOCAL_RUNTIME_VARIABLE] !== 'true';
}

let sharedReader: Promise<SecretValueReader> | undefined;
// One read in flight per reader and secret: the first calls of a cold container share it instead of each asking.
const inFlight = new WeakMap<SecretValueReader, Map<string, Promise<string>>>();

async function resolveFromSecret(secretId: string, secrets: SecretValueReader | undefined): Promise<string> {
  const reader = secrets ?? (await defaultReader());
  let pending = inFlight.get(reader);
  if (pending === undefined) inFlight.set(reader, (pending = new Map()));
  const existing = pending.get(secretId);
  if (existing !== undefined) return existing;
  const read = reader.read(secretId).then((value) => apiKeyFromSecretValue(secretId, value));
  pending.set(secretId, read);
  try {
    return await read;
  } finally {
    pending.delete(secretId);
  }
}

function defaultReader(): Promise<SecretValueReader> {
  // Loaded on first use: a function that never reads a secret never initialises the Secrets Manager client.
  sharedReader ??= import('../stores/secret-value')
    .then((m) => new m.SecretsManagerValues())
    .catch((error: unknown) => {
      sharedReader = undefined;
      throw error;
    });
  return sharedReader;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}
