/** Parses a dotted-quad IPv4 address (no leading zeros, each octet 0–255) into its four octets. */
export function parseIPv4(s: string): [number, number, number, number] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    // Leading zeros are refused: "010" reads as octal to some parsers and is far likelier a date or a code.
    if (p.length === 0 || p.length > 3 || !/^\d+$/.test(p) || (p.length > 1 && p[0] === '0')) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    out.push(v);
  }
  return out as [number, number, number, number];
}

/**
 * True for a globally routable unicast IPv4 address. Private (RFC 1918), shared CGNAT, loopback, link-local,
 * documentation (TEST-NET-1/2/3), benchmarking, multicast, reserved and "this network" ranges are not:
 * they identify no one outside the network they sit in.
 */
export function isPublicIPv4(o: readonly [number, number, number, number]): boolean {
  const [a, b, c] = o;
  if (a === 0 || a === 10 || a === 127 || a >= 224) return false;
  if (a === 100 && b >= 64 && b <= 127) return false;
  if (a === 169 && b === 254) return false;
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return false;
  if (a === 192 && b === 88 && c === 99) return false;
  if (a === 198 && (b === 18 || b === 19)) return false;
  if (a === 198 && b === 51 && c === 100) return false;
  if (a === 203 && b === 0 && c === 113) return false;
  return true;
}

/**
 * Parses an IPv6 address (RFC 4291 text forms: full, `::`-compressed, and with a trailing dotted IPv4)
 * into its eight 16-bit groups. Anything else, including MAC addresses and clock times, is refused.
 */
export function parseIPv6(s: string): number[] | undefined {
  if (s.length < 2 || s.length > 45) return undefined;
  const dbl = s.indexOf('::');
  if (dbl === -1) {
    const words = parseWords(s.split(':'));
    return words?.length === 8 ? words : undefined;
  }
  if (s.indexOf('::', dbl + 1) !== -1) return undefined;
  const head = s.slice(0, dbl);
  const tail = s.slice(dbl + 2);
  const h = head === '' ? [] : parseWords(head.split(':'), false);
  const t = tail === '' ? [] : parseWords(tail.split(':'));
  // `::` stands for at least one zero group, so at most seven are written.
  if (!h || !t || h.length + t.length > 7) return undefined;
  return [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
}

/** Hex groups to 16-bit words; the last group may be a dotted IPv4 address worth two words. */
function parseWords(groups: readonly string[], allowTrailingIPv4 = true): number[] | undefined {
  const out: number[] = [];
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    if (allowTrailingIPv4 && i === groups.length - 1 && g.includes('.')) {
      const v4 = parseIPv4(g);
      if (!v4) return undefined;
      out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    } else {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
  }
  return out;
}

/**
 * True for a global unicast IPv6 address (2000::/3) outside the documentation prefix 2001:db8::/32 and the
 * IETF special-purpose block 2001::/23; an IPv4-mapped address (::ffff:a.b.c.d) follows its IPv4 verdict.
 * Link-local, unique-local, loopback, multicast and unspecified addresses are not public.
 */
export function isPublicIPv6(w: readonly number[]): boolean {
  if (w.length !== 8) return false;
  if (w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0 && w[4] === 0 && w[5] === 0xffff) {
    return isPublicIPv4([w[6]! >> 8, w[6]! & 0xff, w[7]! >> 8, w[7]! & 0xff]);
  }
  const first = w[0]!;
  if (first < 0x2000 || first > 0x3fff) return false;
  if (first === 0x2001 && (w[1] === 0x0db8 || w[1]! < 0x0200)) return false;
  if (first === 0x3fff && w[1]! < 0x1000) return false; // 3fff::/20, documentation (RFC 9637)
  return true;
}
