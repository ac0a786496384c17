/**
 * Markdown table: 1 when the answer holds a well-formed GitHub-style table (a header row, a delimiter row, and body
 * rows all with the header's number of cells) with the required columns and rows, else 0.
 * Columns are matched by header text and rows by their first cell, case-insensitively, with emphasis and code marks
 * stripped (`**Name**` is Name). Any one table in the answer may satisfy the check.
 */
import * as z from 'zod';
import type { DeterministicRubric } from './rubric';

const params = z
  .strictObject({
    /** Header names that must all be present. */
    columns: z.array(z.string().min(1)).optional(),
    /** First-column values that must all be present among the body rows. */
    rows: z.array(z.string().min(1)).optional(),
    minRows: z.number().int().min(0).optional(),
    maxRows: z.number().int().min(0).optional(),
  })
  .refine((p) => p.minRows === undefined || p.maxRows === undefined || p.minRows <= p.maxRows, { message: 'minRows exceeds maxRows' });

export interface MarkdownTable {
  header: string[];
  rows: string[][];
  /** Why the table is not well-formed; undefined when it is. */
  malformed?: string;
}

const DELIMITER_CELL = /^:?-+:?$/;

/** Splits a table line into trimmed cells; escaped pipes (\|) stay inside their cell. */
export function tableCells(line: string): string[] {
  let body = line.trim();
  if (body.startsWith('|')) body = body.slice(1);
  if (body.endsWith('|') && !body.endsWith('\\|')) body = body.slice(0, -1);
  return body.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

/** Every table in a Markdown text: a line with a pipe followed by a delimiter row, then the rows that follow. */
export function findTables(text: string): MarkdownTable[] {
  const lines = text.split(/\r?\n/);
  const tables: MarkdownTable[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i]!.includes('|')) continue;
    const delimiter = tableCells(lines[i + 1]!);
    if (!lines[i + 1]!.includes('-') || !delimiter.every((c) => DELIMITER_CELL.test(c))) continue;
    const header = tableCells(lines[i]!);
    const rows: string[][] = [];
    let j = i + 2;
    while (j < lines.length && lines[j]!.includes('|') && lines[j]!.trim() !== '') rows.push(tableCells(lines[j++]!));
    let malformed: string | undefined;
    if (delimiter.length !== header.length) malformed = `the delimiter row has ${delimiter.length} cells, the header ${header.length}`;
    else if (header.some((h) => h === '')) malformed = 'a header cell is empty';
    else {
      const bad = rows.findIndex((r) => r.length !== header.length);
      if (bad !== -1) malformed = `body row ${bad + 1} has ${rows[bad]!.length} cells, the header ${header.length}`;
    }
    tables.push(malformed === undefined ? { header, rows } : { header, rows, malformed });
    i = j - 1;
  }
  return tables;
}

function plain(cell: string): string {
  return cell
    .replace(/[*_`~]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

function tableProblem(table: MarkdownTable, p: z.infer<typeof params>): string | undefined {
  if (table.malformed !== undefined) return table.malformed;
  const header = table.header.map(plain);
  const missingColumns = (p.columns ?? []).filter((c) => !header.includes(plain(c)));
  if (missingColumns.length > 0) return `missing column(s): ${missingColumns.join(', ')}`;
  const firstCells = table.rows.map((r) => plain(r[0] ?? ''));
  const missingRows = (p.rows ?? []).filter((r) => !firstCells.includes(plain(r)));
  if (missingRows.length > 0) return `missing row(s): ${missingRows.join(', ')}`;
  if (p.minRows !== undefined && table.rows.length < p.minRows) return `${table.rows.length} body rows, fewer than ${p.minRows}`;
  if (p.maxRows !== undefined && table.rows.length > p.maxRows) return `${table.rows.length} body rows, more than ${p.maxRows}`;
  return undefined;
}

export const markdownTable: DeterministicRubric<z.infer<typeof params>> = {
  id: 'markdown-table',
  version: '1',
  kind: 'deterministic',
  description: 'a well-formed Markdown table with the required columns and rows',
  params,
  score(input, p) {
    const tables = findTables(input.answer);
    if (tables.length === 0) return { score: 0, detail: 'no Markdown table' };
    const problems = tables.map((t) => tableProblem(t, p));
    if (problems.some((x) => x === undefined)) return { score: 1 };
    return { score: 0, detail: problems[0]! };
  },
};
