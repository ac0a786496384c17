// One scratch table for ASCII counts: the scanners call this on short candidate values in a hot loop,
// and a Map per call would allocate for nothing.
const asciiCounts = new Int32Array(128);

/**
 * Shannon entropy of `s` in bits per character (UTF-16 code units).
 * Random base62 keys score about 5; English words and placeholders stay near or under 3.
 */
export function shannonEntropy(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  let other: Map<number, number> | undefined;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) asciiCounts[c]!++;
    else {
      other ??= new Map();
      other.set(c, (other.get(c) ?? 0) + 1);
    }
  }
  let bits = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128) continue;
    const k = asciiCounts[c]!;
    if (k === 0) continue;
    const p = k / n;
    bits -= p * Math.log2(p);
    asciiCounts[c] = 0;
  }
  if (other) {
    for (const k of other.values()) {
      const p = k / n;
      bits -= p * Math.log2(p);
    }
  }
  return bits;
}
