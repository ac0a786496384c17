import type { Finding } from './finding';
import type { ShardSummary } from './shard-scan';

/**
 * A shard summary as stored between the map and the reduce: JSON, with the numeric columns as base64 of their
 * little-endian typed arrays (a tenth of the size of JSON numbers, and no float formatting to lose bits of a
 * 53-bit key). The shingle blob is stored apart, as raw little-endian uint32s: the reduce reads it only for shards
 * holding rows that share a band key with another row. Label texts are stored apart too (see encodeLabelTexts).
 */

const TYPED = ['line', 'kind', 'key', 'promptKey', 'rawHash', 'tokens', 'chars', 'label', 'source', 'bandKeys', 'shingleOffset'] as const;
type TypedColumn = (typeof TYPED)[number];

const CONSTRUCTORS: Record<TypedColumn, new (buffer: ArrayBuffer) => ArrayBufferView & ArrayLike<number>> = {
  line: Float64Array,
  kind: Uint8Array,
  key: Float64Array,
  promptKey: Float64Array,
  rawHash: Uint32Array,
  tokens: Uint32Array,
  chars: Uint32Array,
  label: Int32Array,
  source: Int32Array,
  bandKeys: Float64Array,
  shingleOffset: Float64Array,
};

export function encodeShardSummary(summary: ShardSummary): string {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(summary)) {
    if ((TYPED as readonly string[]).includes(name)) out[name] = toBase64(value as ArrayBufferView);
    else if (value instanceof Map) out[name] = [...value.entries()];
    else out[name] = value;
  }
  return JSON.stringify(out);
}

export function decodeShardSummary(text: string): ShardSummary {
  const raw = JSON.parse(text) as Record<string, unknown>;
  if (raw.version !== 2) throw new Error(`unsupported shard summary version ${String(raw.version)}`);
  const out: Record<string, unknown> = { ...raw };
  for (const name of TYPED) out[name] = fromBase64(raw[name] as string, CONSTRUCTORS[name]);
  out.findings = new Map(raw.findings as [number, Finding[]][]);
  const summary = out as unknown as ShardSummary;
  if (summary.line.length !== summary.rows || summary.bandKeys.length !== summary.rows * summary.bands || summary.shingleOffset.length !== summary.rows + 1) {
    throw new Error(`shard summary ${summary.index} is inconsistent: ${summary.rows} rows, ${summary.line.length} lines, ${summary.bandKeys.length} band keys`);
  }
  return summary;
}

/** Label texts, by row index: as large as the labelled rows' text, so stored apart and read only when replayed. */
export function encodeLabelTexts(texts: ReadonlyMap<number, string>): string {
  return JSON.stringify([...texts.entries()]);
}

export function decodeLabelTexts(text: string): Map<number, string> {
  return new Map(JSON.parse(text) as [number, string][]);
}

export function encodeShingles(shingles: Uint32Array): Buffer {
  return toLittleEndian(shingles);
}

export function decodeShingles(bytes: Uint8Array): Uint32Array {
  if (bytes.byteLength % 4 !== 0) throw new Error(`shingle blob of ${bytes.byteLength} bytes is not a whole number of uint32s`);
  return fromLittleEndian(bytes, Uint32Array);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function toBase64(view: ArrayBufferView): string {
  return toLittleEndian(view).toString('base64');
}

function fromBase64<T>(text: string, type: new (buffer: ArrayBuffer) => T): T {
  return fromLittleEndian(Buffer.from(text, 'base64'), type);
}

function toLittleEndian(view: ArrayBufferView): Buffer {
  const bytes = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
  if (LITTLE_ENDIAN) return bytes;
  throw new Error('shard summaries are written little-endian; this platform is big-endian');
}

function fromLittleEndian<T>(bytes: Uint8Array, type: new (buffer: ArrayBuffer) => T): T {
  if (!LITTLE_ENDIAN) throw new Error('shard summaries are read little-endian; this platform is big-endian');
  // A copy into a fresh buffer: the source may sit at an offset the typed array's alignment forbids.
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return new type(copy);
}
