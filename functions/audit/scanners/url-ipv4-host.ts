/**
 * The WHATWG URL reading of a host that "ends in a number": browsers and most HTTP clients accept 1 to 4 parts,
 * each decimal, `0x` hex or `0`-prefixed octal, the last part filling the remaining bytes. So
 * `http://3232235777/`, `http://0xC0.0xA8.1.1/`, `http://0300.0250.0.1/` and `http://192.168.257/` all reach
 * 192.168.1.1, and a filter that only knows dotted quads misses them.
 */

export interface UrlIPv4Host {
  readonly octets: readonly [number, number, number, number];
  /** True only for the plain `a.b.c.d` decimal form without leading zeros. */
  readonly canonical: boolean;
}

/**
 * `undefined` when the host is a name (its last label is not numeric); `null` when it ends in a number but is
 * no valid IPv4 address, which URL parsers reject, so it reaches nothing.
 */
export function parseUrlIPv4Host(host: string): UrlIPv4Host | null | undefined {
  const parts = host.split('.');
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  const last = parts[parts.length - 1] ?? '';
  if (!endsInNumber(last)) return undefined;
  if (parts.length > 4) return null;
  const values: number[] = [];
  let canonical = parts.length === 4;
  for (const p of parts) {
    const v = parsePart(p);
    if (v === undefined) return null;
    if (!/^(?:0|[1-9]\d{0,2})$/.test(p)) canonical = false;
    values.push(v);
  }
  for (let i = 0; i < values.length - 1; i++) if (values[i]! > 255) return null;
  const tail = values[values.length - 1]!;
  const tailBytes = 5 - values.length;
  if (tail >= 256 ** tailBytes) return null;
  let n = tail;
  for (let i = 0; i < values.length - 1; i++) n += values[i]! * 256 ** (3 - i);
  const octets = [Math.floor(n / 2 ** 24) % 256, Math.floor(n / 2 ** 16) % 256, Math.floor(n / 2 ** 8) % 256, n % 256] as const;
  return { octets, canonical };
}

function endsInNumber(label: string): boolean {
  if (/^\d+$/.test(label)) return true;
  return /^0x[0-9a-f]*$/i.test(label);
}

function parsePart(p: string): number | undefined {
  if (p === '') return undefined;
  if (/^0x/i.test(p)) {
    const hex = p.slice(2);
    if (hex === '') return 0;
    return /^[0-9a-f]+$/i.test(hex) ? parseInt(hex, 16) : undefined;
  }
  if (p.length > 1 && p[0] === '0') return /^[0-7]+$/.test(p) ? parseInt(p, 8) : undefined;
  return /^\d+$/.test(p) ? Number(p) : undefined;
}
