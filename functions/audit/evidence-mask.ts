/**
 * Evidence as reports, logs and events show it. Secrets and PII are masked here and nowhere else, so no path
 * through the audit can print a raw credential; other evidence is escaped (invisible characters become visible
 * code points) and truncated.
 */

const MAX_EVIDENCE = 120;

export function maskSecret(value: string): string {
  // A known prefix (AKIA, ghp_, sk-ant-) tells the reader what leaked without revealing the key itself.
  const keep = value.length >= 16 ? 4 : value.length >= 10 ? 2 : 0;
  return `${value.slice(0, keep)}${'*'.repeat(Math.min(12, Math.max(4, value.length - keep)))} (${value.length} chars)`;
}

export function maskPii(rule: string, value: string): string {
  if (rule.includes('email')) {
    const at = value.lastIndexOf('@');
    if (at > 0) {
      const domain = value.slice(at + 1);
      const dot = domain.lastIndexOf('.');
      const tld = dot > 0 ? domain.slice(dot) : '';
      return `${value[0]}***@${domain[0] ?? ''}***${tld}`;
    }
  }
  if (rule.includes('ip')) {
    if (value.includes('.') && !value.includes(':')) return value.replace(/\.\d{1,3}$/, '.***').replace(/^\d{1,3}\./, '***.');
    return `${value.slice(0, 4)}:****:****`;
  }
  if (rule.includes('ssn')) return '***-**-****';
  if (rule.includes('iban')) return `${value.slice(0, 2)}** **** **** ${digitsTail(value, 2)}`;
  // Cards and phones: the last digits let a person find the row; the rest stays hidden.
  const tail = rule.includes('card') ? 4 : 2;
  let shown = 0;
  let out = '';
  for (let i = value.length - 1; i >= 0; i--) {
    const c = value[i]!;
    if (c >= '0' && c <= '9') out = (shown++ < tail ? c : '*') + out;
    else if (/[A-Za-z]/.test(c)) out = '*' + out;
    else out = c + out;
  }
  return out;
}

function digitsTail(value: string, n: number): string {
  const compact = value.replace(/\s+/g, '');
  return compact.slice(-n);
}

/** Escapes control and invisible characters (as \u{…}) and truncates, so evidence is readable and inert. */
export function escapeEvidence(value: string): string {
  let out = '';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    if (out.length >= MAX_EVIDENCE) {
      out += '…';
      break;
    }
    if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0) || isInvisible(cp)) {
      out += cp === 0x0a ? '\\n' : cp === 0x09 ? '\\t' : `\\u{${cp.toString(16).toUpperCase()}}`;
    } else out += ch;
  }
  return out;
}

function isInvisible(cp: number): boolean {
  return (
    cp === 0xad ||
    cp === 0x34f ||
    cp === 0x61c ||
    cp === 0x180e ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x206f) ||
    cp === 0xfeff ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0xfff9 && cp <= 0xfffb) ||
    (cp >= 0xe0000 && cp <= 0xe007f) ||
    (cp >= 0xe0100 && cp <= 0xe01ef)
  );
}

/** Replaces each [start, end) span of `text` by its masked form; spans may overlap. */
export function maskSpans(text: string, spans: readonly { start: number; end: number; mask: (v: string) => string }[]): string {
  if (spans.length === 0) return text;
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let pos = 0;
  for (const span of sorted) {
    if (span.end <= pos) continue;
    const start = Math.max(span.start, pos);
    out += text.slice(pos, start) + span.mask(text.slice(start, span.end));
    pos = span.end;
  }
  return out + text.slice(pos);
}
