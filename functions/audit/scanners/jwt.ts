/**
 * Decodes the first segment of a compact JWS (base64url JSON) and returns the header object when it names an
 * algorithm (`alg` is a string), as every JWT header must (RFC 7515 §4.1.1). Anything else is undefined.
 */
export function decodeJwtHeader(segment: string): Record<string, unknown> | undefined {
  if (segment.length < 8 || segment.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(segment)) return undefined;
  let json: string;
  try {
    const b64 = segment.replace(/-/g, '+').replace(/_/g, '/');
    json = atob(b64 + '==='.slice((b64.length + 3) % 4));
  } catch {
    return undefined;
  }
  if (json.charCodeAt(0) !== 123) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return undefined;
  const h = header as Record<string, unknown>;
  return typeof h.alg === 'string' && h.alg.length > 0 ? h : undefined;
}
