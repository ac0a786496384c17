import type { CodeDetector } from './code-detector';

/**
 * SQL injection payloads, as opposed to SQL: a quote that breaks out of a value, then a tautology, a stacked
 * statement, a UNION that pulls system data, a time delay or a comment that cuts the rest. Case-insensitive.
 */

/** What a UNION SELECT payload pulls: these rarely follow UNION in a real query. */
const UNION_STRONG =
  /\bnull\s*,\s*null\b|\bselect(?:\s|\/\*[^*]*\*\/|%20|\+|\()+(?:null|\d+)\s*,\s*(?:null|\d+)\s*,|@@\w+|\b(?:version|database|schema|current_user|system_user|user)\s*\(\s*\)|information_schema|\bgroup_concat\s*\(|\bload_file\s*\(|\bsqlite_master\b|\bsysobjects\b|\bpg_shadow\b|\bmysql\.user\b/i;
const UNION_WEAK = /\b(?:password|passwd|pwd|pass|hash)\b|\bconcat(?:_ws)?\s*\(|\bchar\s*\(\s*\d|0x[0-9a-f]{6,}|\bselect(?:\s|\/\*[^*]*\*\/|%20|\+)+\d+\s*(?:--|#|$)/i;
/** A value just closed before UNION: a quote, a parenthesis, a number or an empty/negative id. */
const UNION_BREAKOUT = /(?:['"`)]|%27|%22|\b\d+|-\d+|=)\s*(?:\/\*[^*]*\*\/\s*)*$/i;
/** Text right before SLEEP(/BENCHMARK( that makes it an injected delay rather than a call in a program. */
const SQL_DELAY_CONTEXT =
  /(?:(?:^|[^.\w])(?:and|or|xor|select|when|then|else)\s*\(*\s*|['"]\s*\)*\s*(?:;|\|\||&&|\+|-)?\s*\(*\s*(?:select\s*\(*\s*)?|\bif\s*\([^()\n]{0,60}(?:\([^()\n]*\)[^()\n]{0,30})*,\s*)$/i;

/** Needles for the gates (allocated once). */
const UNION = ['union', 'UNION'] as const;
const STACKED_HINTS = ['DROP', 'drop'] as const;
const DROP = ['drop', 'DROP'] as const;
const DELAY_CALLS = ['sleep(', 'SLEEP(', 'benchmark(', 'BENCHMARK('] as const;
const WAITFOR = ['waitfor', 'WAITFOR'] as const;
const BENCHMARK_CALLS = ['benchmark(', 'BENCHMARK('] as const;
const MSSQL_OS_PROCS = ['xp_', 'XP_', 'p_OA', 'p_oa'] as const;

export const SQL_DETECTORS: readonly CodeDetector[] = [
  {
    // ' OR '1'='1   " or ""="   ') or ('a'='a   ' OR 1=1--
    rule: 'code.sql-tautology',
    gate: (f) => f.has('=') && f.literalEquals && (f.quoteBreak || f.has('"')),
    re: /['"]\s*\)*\s*(?:or|\|\|)\s+\(*\s*(?:['"](\w*)['"]\s*(?:=|like)\s*['"]\1(?!\w)|(\d+)\s*=\s*\2(?!\d))/gi,
  },
  {
    // 1 AND 1=1--   id=5 or 2=2 — boolean probes in a numeric context.
    rule: 'code.sql-tautology',
    gate: (f) => f.has('=') && f.literalEquals,
    re: /\b(?:or|and)\s+(\d+)\s*=\s*\1(?!\d)\s*(?:--|#|\/\*|$|['")])/gim,
  },
  {
    rule: 'code.sql-union-select',
    gate: (f) =>
      (f.quoteBreak || f.dash.sqlComment || f.has('#') || f.has('@') || f.has('%') || f.has('_') || f.has('=') || f.slash.blockComment) &&
      f.any(UNION),
    re: /\bunion(?:\s|\/\*[^*]*\*\/|%20|\+|\()+(?:all(?:\s|\/\*[^*]*\*\/|%20|\+)+|distinct\s+)?select\b[^\n;]{0,200}/gi,
    classify: (m, text) => {
      if (UNION_STRONG.test(m[0])) return 'code.sql-union-select';
      const before = text.slice(Math.max(0, m.index - 40), m.index);
      return UNION_WEAK.test(m[0]) && UNION_BREAKOUT.test(before) ? 'code.sql-union-select' : undefined;
    },
  },
  {
    // Robert'); DROP TABLE Students;--
    rule: 'code.sql-stacked-query',
    gate: (f) =>
      f.has(';') && (f.quoteBreak || f.has('"')) && (f.dash.sqlComment || f.has('#') || f.slash.blockComment || f.any(STACKED_HINTS)),
    re: /['"]\s*\)*\s*;\s*(?:drop\s+(?:table|database|schema)\b|shutdown\b|exec(?:ute)?\s+(?:master\.\.)?xp_\w+|(?:delete\s+from|truncate\s+table|alter\s+(?:table|user|login)|create\s+(?:user|login)|grant\s+\w+|declare\s+@\w+|insert\s+into|update\s+\w+\s+set|waitfor\s+delay|select\s+pg_sleep)\b[^\n]*?(?:--|#|\/\*))/gi,
  },
  {
    rule: 'code.sql-stacked-query',
    gate: (f) => f.has(';') && (f.dash.sqlComment || f.has('#') || f.slash.blockComment) && f.any(DROP),
    re: /\b\d+\s*;\s*drop\s+(?:table|database)\b[^\n]*?(?:--|#|\/\*)/gi,
  },
  {
    // admin'--   admin' --   ')#
    rule: 'code.sql-comment-tail',
    gate: (f) => (f.quoteBreak || f.has('"')) && (f.dash.sqlComment || f.has('#')),
    re: /['"](?<=\w['"])\)*(?:\s?--|#)(?=\s|$)/gm,
    // The quote must close a bare value (admin'--), not a quoted word ('yes' -- he said).
    classify: (m, text) => (isClosingQuote(text, m.index) ? undefined : 'code.sql-comment-tail'),
  },
  {
    rule: 'code.sql-time-based',
    gate: (f) =>
      f.has('(') &&
      (f.quoteBreak || f.dash.sqlComment || f.has('#') || f.has('=') || f.any(BENCHMARK_CALLS)) &&
      f.any(DELAY_CALLS),
    re: /\b(?:pg_)?sleep\s*\(\s*\d|\bbenchmark\s*\(\s*\d/gi,
    // The call is a payload only where SQL put it: after AND/OR/XOR, inside SELECT(…) or IF(…, …), after a quote.
    classify: (m, text) => (SQL_DELAY_CONTEXT.test(text.slice(Math.max(0, m.index - 80), m.index)) ? 'code.sql-time-based' : undefined),
  },
  {
    rule: 'code.sql-time-based',
    gate: (f) => (f.has(';') || f.dash.sqlComment || f.has('#')) && f.any(WAITFOR),
    re: /['"]\s*\)*\s*;\s*waitfor\s+delay\s+['"]\d|['"]\s*\)*\s*waitfor\s+delay\s+['"][\d:.]+['"]\s*(?:--|#)|\bif\s*\(?[^\n]{0,40}?\)?\s*waitfor\s+delay\s+['"]\d[^\n]*?(?:--|#)/gi,
  },
  {
    rule: 'code.sql-os-command',
    gate: (f) => f.has('_') && f.any(MSSQL_OS_PROCS),
    re: /\b(?:xp_cmdshell|sp_oacreate)\b/gi,
  },
];

/** The quote at `i` closes a quotation opened earlier in the same token run: `'yes'`, `"Hello"`. */
function isClosingQuote(text: string, i: number): boolean {
  const q = text.charCodeAt(i);
  let j = i - 1;
  while (j >= 0 && /[\w.@-]/.test(text[j]!)) j--;
  return j >= 0 && text.charCodeAt(j) === q;
}
