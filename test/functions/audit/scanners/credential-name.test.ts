import { describe, expect, it } from 'vitest';
import { credentialKind } from '../../../../functions/audit/scanners/credential-name';

describe('credentialKind', () => {
  it('recognises password names in any casing or separator style', () => {
    for (const n of ['password', 'PASSWORD', 'db_password', 'dbPassword', 'PGPASSWORD', 'passwd', 'pwd', 'DB_PASS', 'admin-pw', 'key_passphrase']) {
      expect(credentialKind(n), n).toBe('password');
    }
  });

  it('recognises secret, token, key and auth names', () => {
    for (const n of ['api_key', 'apiKey', 'X-API-Key', 'client_secret', 'SECRET', 'access_token', 'authToken', 'Authorization', 'private_key', 'signing-key', 'AccountKey', 'credentials', 'auth']) {
      expect(credentialKind(n), n).toBe('secret');
    }
  });

  it('names the AWS secret access key specially', () => {
    for (const n of ['aws_secret_access_key', 'AWS_SECRET_ACCESS_KEY', 'SecretAccessKey', 'aws_secret_key', 'AWS_SECRET']) {
      expect(credentialKind(n), n).toBe('aws-secret-access-key');
    }
  });

  it('leaves names that only mention a credential word alone', () => {
    for (const n of [
      'tokenizer', 'max_tokens', 'token_type', 'tokens', 'secret_arn', 'password_policy', 'passwordHash', 'public_key',
      'primaryKey', 'sort_key', 'key', 'next_page_token', 'nextPageToken', 'csrf_token', 'eos_token', 'pad_token',
      'bypass', 'compass', 'author', 'id', 'x',
    ]) {
      expect(credentialKind(n), n).toBeUndefined();
    }
  });
});
