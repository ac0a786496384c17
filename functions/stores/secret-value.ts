import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * Secret values from AWS Secrets Manager (GetSecretValue), cached in memory for a time: a warm container asks
 * Secrets Manager once per `maxAgeSeconds`, not once per call, and picks up a rotated value after that. The endpoint
 * comes from the SDK's AWS_ENDPOINT_URL_SECRETS_MANAGER, like every other client here.
 */

/** Seconds a value is served from memory before it is read again. */
export const DEFAULT_SECRET_MAX_AGE_SECONDS = 300;

/** What reads a secret's current value: the port the API key resolver depends on. */
export interface SecretValueReader {
  /** The secret's string value (a binary secret decoded as UTF-8); throws when it has none. */
  read(secretId: string): Promise<string>;
}

export interface SecretsManagerValuesOptions {
  /** A client to use instead of one built from the environment. */
  client?: SecretsManagerClient;
  /** @default DEFAULT_SECRET_MAX_AGE_SECONDS */
  maxAgeSeconds?: number;
}

export class SecretsManagerValues implements SecretValueReader {
  private readonly provider: SecretsProvider;
  private readonly maxAgeSeconds: number;

  constructor(options: SecretsManagerValuesOptions = {}) {
    const maxAge = options.maxAgeSeconds ?? DEFAULT_SECRET_MAX_AGE_SECONDS;
    if (!Number.isFinite(maxAge) || maxAge < 0) throw new RangeError(`maxAgeSeconds must be a non-negative number, got ${maxAge}`);
    this.maxAgeSeconds = maxAge;
    this.provider = new SecretsProvider({ awsSdkV3Client: options.client ?? new SecretsManagerClient({}) });
  }

  async read(secretId: string): Promise<string> {
    // Powertools' provider keeps the value for maxAge seconds; errors are not cached.
    const value = await this.provider.get(secretId, { maxAge: this.maxAgeSeconds });
    const text = typeof value === 'string' ? value : value instanceof Uint8Array ? new TextDecoder().decode(value) : undefined;
    // The message names the secret, never its content.
    if (text === undefined || text === '') throw new Error(`secret ${secretId} has no value`);
    return text;
  }

  /** Forgets every cached value (tests; a key known to be revoked). */
  clear(): void {
    this.provider.clearCache();
  }
}
