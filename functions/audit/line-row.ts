import { parseCorpusLine, type CorpusRow } from './corpus-row';
import type { Finding } from './finding';
import { decodeLine, type RawLine } from './line-reader';

/**
 * One physical line to a corpus row, or to the parse finding that quarantines it (truncated, over-long, invalid
 * UTF-8, invalid JSON, no known shape). The single audit and every shard of the sharded audit read lines this way.
 */
export type LineRow = { ok: true; row: CorpusRow } | { ok: false; finding: Finding };

export function rowOfLine(raw: RawLine): LineRow {
  const problem = lineProblem(raw);
  if (problem) return { ok: false, finding: problem };
  const decoded = decodeLine(raw.bytes);
  if (!decoded.valid) return { ok: false, finding: parseFinding('parse.invalid-utf8', 'line is not valid UTF-8') };
  const parsed = parseCorpusLine(decoded.text);
  if (!parsed.ok) return { ok: false, finding: parseFinding(parsed.rule, parsed.reason) };
  return { ok: true, row: parsed.row };
}

function lineProblem(raw: RawLine): Finding | undefined {
  if (raw.partial) return parseFinding('parse.truncated-line', `input ends inside this line (${raw.byteLength} bytes read)`);
  if (raw.tooLong) return parseFinding('parse.line-too-long', `line is ${raw.byteLength} bytes, over the limit`);
  return undefined;
}

function parseFinding(rule: string, reason: string): Finding {
  return { check: 'parse', rule, severity: 'medium', action: 'quarantine', evidence: reason };
}
