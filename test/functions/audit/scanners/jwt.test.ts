import { describe, expect, it } from 'vitest';
import { decodeJwtHeader } from '../../../../functions/audit/scanners/jwt';

const b64url = (s: string) => Buffer.from(s).toString('base64url');

describe('decodeJwtHeader', () => {
  it('decodes a JOSE header with alg, with or without base64 padding', () => {
    expect(decodeJwtHeader(b64url('{"alg":"HS256","typ":"JWT"}'))).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(decodeJwtHeader(b64url('{"alg":"ES256"}'))).toEqual({ alg: 'ES256' });
    expect(decodeJwtHeader(b64url('{"alg":"RS256","kid":"a-b_c"}'))).toEqual({ alg: 'RS256', kid: 'a-b_c' });
  });

  it('rejects headers without a string alg, non-objects, broken JSON and bad base64url', () => {
    for (const seg of [
      b64url('{"typ":"JWT"}'), b64url('{"alg":5}'), b64url('{"alg":""}'), b64url('["alg"]'), b64url('{"alg":"HS256"'),
      b64url('hello world'), 'eyJ+bad/chars', 'eyJhbGc', 'eyJhbGciOiJIUzI1NiJ9x',
    ]) {
      expect(decodeJwtHeader(seg), seg).toBeUndefined();
    }
  });
});
