import { describe, expect, it } from 'vitest';
import { isMadeOfWords, isPlaceholderValue, isSequential, looksLikeCredential } from '../../../../functions/audit/scanners/credential-value';

describe('looksLikeCredential', () => {
  it('accepts generated keys, hex secrets and strong passwords', () => {
    expect(looksLikeCredential('kX9vQ2mL7pR4tW8zB3nH6jF1', 16)).toBe(true);
    expect(looksLikeCredential('a3f9c2e81b7d4056f9e2c1b8a7d60e5f', 16)).toBe(true);
    expect(looksLikeCredential('Vx7#pQ2!mZ9k', 8)).toBe(true);
    expect(looksLikeCredential('wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzKEY+0a9', 16)).toBe(true);
    expect(looksLikeCredential('QmVhcmVyVG9rZW5WYWx1ZUZvclRlc3Rz', 16)).toBe(true); // letters only, mixed case, long
  });

  it('rejects short, spaced, numeric, word-like and low-entropy values', () => {
    expect(looksLikeCredential('kX9vQ2', 8)).toBe(false);
    expect(looksLikeCredential('kX9v Q2mL 7pR4 tW8z', 8)).toBe(false);
    expect(looksLikeCredential('12345678901234567890', 8)).toBe(false);
    expect(looksLikeCredential('correct-horse-battery-staple', 8)).toBe(false);
    expect(looksLikeCredential('ThisIsMyCamelCaseName', 16)).toBe(false);
    expect(looksLikeCredential('aaaa1111aaaa1111', 8)).toBe(false);
  });

  it('rejects UUIDs, URLs, paths, emails, dates, versions and member expressions', () => {
    for (const v of [
      '123e4567-e89b-12d3-a456-426614174000', 'https://api.example.com/v1', '/etc/secrets/db.pem', './keys/server.pem',
      'C:\\Users\\me\\key.txt', 'config/prod/keys.json', 'ops@company.io', '2024-01-15T10:30:45Z', 'v1.2.3-beta.4',
      'os.environ', 'settings.SECRET_KEY2',
    ]) {
      expect(looksLikeCredential(v, 8), v).toBe(false);
    }
  });
});

describe('isPlaceholderValue', () => {
  it('flags templates, masks and documentation words', () => {
    for (const v of ['${SECRET}', '{{ secret }}', '<your-key>', '[REDACTED]', '%API_KEY%', '$API_KEY', '****', 'xxxxxxxx', 'YOUR_API_KEY', 'changeme', 'sk-example-key', 'abc...xyz', '{password}', '__SECRET__']) {
      expect(isPlaceholderValue(v), v).toBe(true);
    }
  });
  it('passes random values', () => {
    for (const v of ['kX9vQ2mL7pR4tW8zB3nH6jF1', 'Vx7#pQ2!mZ9k', 'a3f9c2e81b7d4056']) expect(isPlaceholderValue(v), v).toBe(false);
  });
});

describe('isSequential', () => {
  it('flags typed-in runs and spares random strings', () => {
    expect(isSequential('abcdefghijklmnop')).toBe(true);
    expect(isSequential('1234567890abcdef')).toBe(true);
    expect(isSequential('zyxwvutsrq')).toBe(true);
    expect(isSequential('kX9vQ2mL7pR4tW8z')).toBe(false);
    expect(isSequential('abc')).toBe(false);
  });
});

describe('isMadeOfWords', () => {
  it('recognises identifiers, constants and camel-cased words', () => {
    for (const v of ['OAuth2CredentialProviderVendor', 'SASL_SCRAM_512_AUTH', 'CfnSecretTargetAttachment', 'value_for_tests_123', 'AnExampleCamelCaseValueName']) {
      expect(isMadeOfWords(v), v).toBe(true);
    }
  });
  it('does not mistake random keys or hex for words', () => {
    for (const v of ['kX9vQ2mL7pR4tW8zB3nH6jF1', 'HyVmjbin4GELHl7hAUOHMOLgHJyDiXCaP0Anf9GL', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzKEY+0a9', 'deadbeefcafebabe0123', 'abc']) {
      expect(isMadeOfWords(v), v).toBe(false);
    }
  });
  it('keeps human-chosen passwords when asked to', () => {
    expect(looksLikeCredential('Summer2024!Rain', 8)).toBe(false);
    expect(looksLikeCredential('Summer2024!Rain', 8, { humanChosen: true })).toBe(true);
  });
});
