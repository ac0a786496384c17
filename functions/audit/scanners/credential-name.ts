/** What an assignment's name says its value is. */
export type CredentialKind = 'password' | 'secret' | 'aws-secret-access-key';

// Matched against the name lower-cased with separators removed, so `apiKey`, `API_KEY`, `x-api-key` and
// `PGPASSWORD` all land here. Only the END of the name counts: `tokenizer`, `max_tokens`, `token_type`,
// `secret_arn` and `password_policy` describe something else.
const PASSWORD_SUFFIXES = ['password', 'passwd', 'passphrase', 'pwd'];
const SECRET_SUFFIXES = [
  'secret', 'token', 'apikey', 'secretkey', 'accesskey', 'privatekey', 'signingkey', 'encryptionkey',
  'masterkey', 'clientkey', 'authkey', 'hmackey', 'sharedkey', 'accountkey', 'storagekey', 'subscriptionkey',
  'credential', 'credentials', 'authorization', 'auth',
];
// Words in front of "token"/"secret" that make the value something other than a credential: pagination and
// CSRF tokens, tokenizer special tokens (`eos_token: "</s>"`), counters.
const NOT_CREDENTIAL_SEGMENTS: ReadonlySet<string> = new Set([
  'page', 'next', 'prev', 'continuation', 'cursor', 'sync', 'csrf', 'xsrf', 'idempotency', 'cancellation',
  'pagination', 'resume', 'max', 'min', 'num', 'total', 'count', 'bos', 'eos', 'pad', 'unk', 'cls', 'sep',
  'mask', 'special', 'start', 'end', 'stop', 'image', 'audio', 'vision', 'placeholder', 'dummy', 'example',
]);

/**
 * Classifies an identifier as naming a credential, or returns undefined.
 * `AWS_SECRET_ACCESS_KEY` / `SecretAccessKey` get their own kind so a 40-character value can be named precisely.
 */
export function credentialKind(name: string): CredentialKind | undefined {
  // Suffix test on the flattened name first: it rejects `version`, `https`, `mode` without splitting.
  let flat = '';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) flat += name[i];
    else if (c >= 65 && c <= 90) flat += String.fromCharCode(c + 32);
  }
  if (flat.length < 2) return undefined;
  const isAws = flat.includes('secretaccesskey') || (flat.includes('aws') && (flat.endsWith('secretkey') || flat.endsWith('secret')));
  const password = PASSWORD_SUFFIXES.some((s) => flat.endsWith(s));
  const secret = SECRET_SUFFIXES.some((s) => flat.endsWith(s));
  if (!isAws && !password && !secret && !flat.endsWith('pass') && !flat.endsWith('pw')) return undefined;
  const segments = name.split(/[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])/).map((s) => s.toLowerCase());
  const last = segments[segments.length - 1];
  let kind: CredentialKind | undefined;
  if (isAws) kind = 'aws-secret-access-key';
  else if (password || last === 'pass' || last === 'pw') kind = 'password';
  else if (secret) kind = 'secret';
  if (kind === undefined) return undefined;
  for (const seg of segments) if (NOT_CREDENTIAL_SEGMENTS.has(seg)) return undefined;
  return kind;
}
