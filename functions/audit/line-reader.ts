import { isUtf8 } from 'node:buffer';
import { once } from 'node:events';
import { constants as zlibConstants, createGunzip } from 'node:zlib';

/**
 * Streams a JSONL or JSONL.gz corpus line by line without holding it whole in memory. Gzip is recognised by its
 * magic bytes, not the file name. A truncated gzip stream ends the iteration with `truncated` set, after every
 * complete line before the damage (and the partial last line) has been yielded.
 */

export interface RawLine {
  /** 1-based physical line number in the (decompressed) input. */
  lineNumber: number;
  /** The line's bytes without its line terminator; capped at `hardCapBytes` when `tooLong`. */
  bytes: Buffer;
  /** The line's full length in bytes, even when `bytes` was capped. */
  byteLength: number;
  tooLong: boolean;
  /** The input ended inside this line because the stream was truncated. */
  partial: boolean;
}

export interface LineReaderStats {
  compressed: boolean;
  /** Decompressed bytes read. */
  bytes: number;
  lines: number;
  blankLines: number;
  /** Set when the input could not be read to its end (truncated gzip, corrupt deflate data…). */
  truncated?: string;
}

export interface LineReaderOptions {
  maxLineBytes: number;
  /** Bytes of an over-long line kept for the quarantine record. */
  hardCapBytes?: number;
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

export async function* readLines(
  source: AsyncIterable<Uint8Array>,
  options: LineReaderOptions,
  stats: LineReaderStats = newLineReaderStats(),
): AsyncGenerator<RawLine> {
  const hardCap = Math.max(options.hardCapBytes ?? 16 * options.maxLineBytes, options.maxLineBytes);
  const chunks = await decompressIfGzip(source, stats);
  let pending: Buffer[] = [];
  let pendingBytes = 0; // bytes kept in `pending`
  let lineBytes = 0; // bytes of the current line seen so far
  let lineNumber = 0;

  const finish = (partial: boolean): RawLine | undefined => {
    let bytes = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    let length = lineBytes;
    if (length > 0 && bytes[bytes.length - 1] === 0x0d && bytes.length === length) {
      bytes = bytes.subarray(0, bytes.length - 1);
      length--;
    }
    pending = [];
    pendingBytes = 0;
    lineBytes = 0;
    lineNumber++;
    stats.lines++;
    if (isBlank(bytes) && length === bytes.length) {
      stats.blankLines++;
      return undefined;
    }
    return { lineNumber, bytes, byteLength: length, tooLong: length > options.maxLineBytes, partial };
  };

  const keep = (piece: Buffer) => {
    lineBytes += piece.length;
    if (pendingBytes >= hardCap) return;
    const room = hardCap - pendingBytes;
    const kept = piece.length > room ? piece.subarray(0, room) : piece;
    pending.push(kept);
    pendingBytes += kept.length;
  };

  try {
    for await (const chunk of chunks) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      stats.bytes += buf.length;
      let start = 0;
      for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
        keep(buf.subarray(start, nl));
        const line = finish(false);
        if (line) yield line;
        start = nl + 1;
      }
      if (start < buf.length) keep(buf.subarray(start));
    }
  } catch (error) {
    stats.truncated = `input ends early: ${(error as Error).message}`;
    if (lineBytes > 0) {
      const line = finish(true);
      if (line) yield line;
    }
    return;
  }
  if (lineBytes > 0) {
    const line = finish(false);
    if (line) yield line;
  }
}

export function newLineReaderStats(): LineReaderStats {
  return { compressed: false, bytes: 0, lines: 0, blankLines: 0 };
}

/** Decodes a line; invalid UTF-8 is reported, not silently replaced. */
export function decodeLine(bytes: Buffer): { text: string; valid: boolean } {
  if (isUtf8(bytes)) return { text: bytes.toString('utf8'), valid: true };
  return { text: bytes.toString('utf8'), valid: false };
}

async function decompressIfGzip(source: AsyncIterable<Uint8Array>, stats: LineReaderStats): Promise<AsyncIterable<Uint8Array>> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return (async function* () {})();
  let head = Buffer.from(first.value);
  // A chunk of one byte cannot show the magic; read one more.
  let second: IteratorResult<Uint8Array> | undefined;
  if (head.length < 2) {
    second = await iterator.next();
    if (!second.done) head = Buffer.concat([head, Buffer.from(second.value)]);
  }
  const rest: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => iterator,
  };
  const replay = (async function* () {
    yield head;
    if (second?.done) return;
    yield* rest;
  })();
  if (head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1) {
    stats.compressed = true;
    return gunzipDeterministically(replay);
  }
  return replay;
}

/**
 * Gunzip whose output does not depend on timing when the input is damaged. A plain gunzip stream errors at a
 * truncated end, and an async iterator drops whatever output was still buffered, so two reads of the same bytes
 * could yield different line counts. Here the data stream flushes everything decodable (Z_SYNC_FLUSH never errors on
 * a truncated end), and a second, discarding gunzip only checks the stream; its error is raised after the last line.
 */
function gunzipDeterministically(input: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  const data = createGunzip({ finishFlush: zlibConstants.Z_SYNC_FLUSH });
  const check = createGunzip();
  check.on('data', () => undefined);
  const checked = new Promise<Error | undefined>((resolve) => {
    check.once('end', () => resolve(undefined));
    check.once('error', (error) => resolve(error));
  });
  void (async () => {
    try {
      for await (const chunk of input) {
        check.write(chunk);
        if (!data.write(chunk)) await once(data, 'drain');
      }
      data.end();
      check.end();
    } catch (error) {
      data.destroy(error as Error);
      check.destroy(error as Error);
    }
  })();
  return (async function* () {
    yield* data;
    const error = await checked;
    if (error) throw error;
  })();
}

function isBlank(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}
