import type { RuleMeta } from '../finding';
import type { ScanHit, TextScanner } from '../text-scanner';
import { ibanLength, isValidIban } from './iban';
import { isPublicIPv4, isPublicIPv6, parseIPv4, parseIPv6 } from './ip-address';
import { isLuhnValid } from './luhn';
import { isPlausibleE164, isValidNanp } from './phone-number';

const R = {
  email: 'pii.email',
  exampleEmail: 'pii.email-example-domain',
  phone: 'pii.phone-number',
  card: 'pii.credit-card',
  ssn: 'pii.us-ssn',
  iban: 'pii.iban',
  ip: 'pii.ip-address',
} as const;

export const PII_RULES: readonly RuleMeta[] = [
  { id: R.email, check: 'pii', severity: 'medium', action: 'quarantine', description: 'Email address' },
  { id: R.exampleEmail, check: 'pii', severity: 'low', action: 'warn', description: 'Email address at a reserved example domain (example.com/.org/.net, *.example, *.test, *.invalid, *.localhost, yourdomain.com…): cannot reach a person, reported so documentation-heavy corpora stay visible' },
  { id: R.phone, check: 'pii', severity: 'medium', action: 'quarantine', description: 'Phone number: +country-code international (E.164 length and country checked) or North American with a valid area code and exchange; bare and national formats only next to a word like "phone" or "tel"' },
  { id: R.card, check: 'pii', severity: 'high', action: 'quarantine', description: 'Payment card number: 13–19 digits, Luhn-valid, known issuer prefix and length' },
  { id: R.ssn, check: 'pii', severity: 'high', action: 'quarantine', description: 'US Social Security number in a valid range (AAA-GG-SSSS; undashed only next to "SSN" or "social security")' },
  { id: R.iban, check: 'pii', severity: 'high', action: 'quarantine', description: 'IBAN with the registered country length and a valid mod-97 checksum' },
  { id: R.ip, check: 'pii', severity: 'low', action: 'warn', description: 'Public IPv4 or global-unicast IPv6 address (private, loopback, link-local, documentation, multicast and well-known public resolvers are not reported)' },
];

export interface PiiScannerOptions {
  /**
   * Report emails at reserved example domains as `pii.email-example-domain` (low, warn). Default true;
   * false drops them, since they can never reach a person.
   */
  reportExampleDomainEmails?: boolean;
}

export function createPiiScanner(options: PiiScannerOptions = {}): TextScanner {
  const reportExamples = options.reportExampleDomainEmails ?? true;

  function scan(text: string, emit: (hit: ScanHit) => void): void {
    // Collected first: the module-level regexes keep their position between matches, so no caller code may
    // run mid-scan; sorted, so hits come out in reading order whatever rule found them.
    const hits: ScanHit[] = [];
    const add = (hit: ScanHit) => hits.push(hit);
    scanEmails(text, add, reportExamples);
    scanNumbers(text, add);
    scanIPv6(text, add);
    if (hits.length > 1) hits.sort((a, b) => a.start - b.start);
    for (const h of hits) emit(h);
  }

  return { check: 'pii', rules: PII_RULES, scan };
}

// ─── Emails ────────────────────────────────────────────────────────────────────────────────────────────────

// Domains reserved by RFC 2606/6761, plus the fill-ins tutorials use in their place (user@domain.com).
const EXAMPLE_DOMAINS: ReadonlySet<string> = new Set([
  'example.com', 'example.org', 'example.net', 'example.edu', 'domain.com', 'domain.tld', 'yourdomain.com',
  'your-domain.com', 'mydomain.com', 'company.com', 'yourcompany.com', 'your-company.com', 'acme.com',
  'mycompany.com', 'email.com', 'test.com', 'foo.com', 'bar.com', 'foobar.com',
]);
const RESERVED_TLDS: ReadonlySet<string> = new Set(['example', 'test', 'invalid', 'localhost', 'local']);
// "Top-level domains" that are really file extensions: icon@2x.png, logo@3x.jpg, styles@1.0.css. Extensions
// that are also country domains people have mail under (.py, .md, .rs, .sh, .so) are left out on purpose.
const FILE_EXTENSIONS: ReadonlySet<string> = new Set([
  'png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'ico', 'bmp', 'tif', 'tiff', 'avif', 'heic', 'js', 'mjs',
  'cjs', 'ts', 'tsx', 'jsx', 'css', 'scss', 'less', 'json', 'yaml', 'yml', 'xml', 'txt', 'html', 'htm',
  'rb', 'java', 'kt', 'swift', 'php', 'lock', 'toml', 'ini', 'cfg', 'conf', 'log', 'csv',
  'zip', 'gz', 'tar', 'tgz', 'pdf', 'doc', 'docx', 'xls', 'xlsx', 'mp3', 'mp4', 'wav', 'mov', 'webm', 'woff',
  'woff2', 'ttf', 'otf', 'map', 'vue', 'svelte', 'bat', 'exe', 'dll', 'wasm', 'bin', 'dat',
]);

function scanEmails(text: string, emit: (hit: ScanHit) => void, reportExamples: boolean): void {
  let from = 0;
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', from)) {
    from = at + 1;
    // Local part: back over atext characters (dot-atom; quoted local parts are too rare in prose to chase).
    let s = at;
    while (s > 0 && at - s < 64 && isLocalChar(text.charCodeAt(s - 1))) s--;
    if (s === at) continue; // @decorator, @mention, @scope/package
    if (isLocalChar(text.charCodeAt(s - 1))) continue; // local part over 64 characters: not an address
    const local = text.slice(s, at);
    if (local.charCodeAt(0) === 46 || local.charCodeAt(local.length - 1) === 46 || local.includes('..')) continue;
    // scheme://user@host is URL userinfo (ssh://git@…, https://token@…), not a mailbox.
    if (text.startsWith('//', s - 2) && text.charCodeAt(s - 3) === 58) continue;
    const e = readDomain(text, at + 1);
    if (e === -1) continue;
    const domain = text.slice(at + 1, e).toLowerCase();
    const tld = domain.slice(domain.lastIndexOf('.') + 1);
    if (FILE_EXTENSIONS.has(tld)) continue;
    // git@github.com:org/repo.git is an SSH remote, not a person.
    if (local === 'git' || (text.charCodeAt(e) === 58 && !isSpace(text.charCodeAt(e + 1)))) continue;
    from = e;
    const example = isExampleDomain(domain, tld);
    if (example && !reportExamples) continue;
    emit({ rule: example ? R.exampleEmail : R.email, start: s, end: e });
  }
}

/** Reads a hostname of two or more labels with an alphabetic TLD; returns its end or -1. */
function readDomain(text: string, from: number): number {
  let i = from;
  let labels = 0;
  let lastLabelStart = from;
  let lastLabelAlpha = true;
  while (i < text.length) {
    const start = i;
    let alpha = true;
    while (i < text.length && i - start < 63) {
      const c = text.charCodeAt(i);
      if (isAlpha(c)) i++;
      else if (isDigit(c) || c === 45) {
        alpha = false;
        i++;
      } else break;
    }
    if (i === start || text.charCodeAt(start) === 45 || text.charCodeAt(i - 1) === 45) break;
    labels++;
    lastLabelStart = start;
    lastLabelAlpha = alpha;
    // Continue only over a dot followed by another label character; a trailing dot ends the sentence.
    if (text.charCodeAt(i) === 46 && isLabelChar(text.charCodeAt(i + 1))) i++;
    else break;
  }
  if (labels < 2) return -1;
  const tldLen = i - lastLabelStart;
  const punycode = text.startsWith('xn--', lastLabelStart);
  if (!punycode && (!lastLabelAlpha || tldLen < 2 || tldLen > 24)) return -1;
  // Glued to more word characters (a@b.com2x, a@b.c_d), the match is part of something else.
  const after = text.charCodeAt(i);
  if (isAlnum(after) || after === 95 || after === 64) return -1;
  return i;
}

function isExampleDomain(domain: string, tld: string): boolean {
  if (RESERVED_TLDS.has(tld) || EXAMPLE_DOMAINS.has(domain)) return true;
  return domain.endsWith('.example.com') || domain.endsWith('.example.org') || domain.endsWith('.example.net');
}

// ─── Numbers: cards, SSNs, phones, IPv4, IBANs ─────────────────────────────────────────────────────────────

/**
 * A cluster is a run of digits joined by spaces, dashes, dots and parentheses, at least 7 characters long;
 * an IBAN candidate is two digits right after two capitals (matched at the digits through a lookbehind, which
 * V8 scans about twice as fast as a leading [A-Z]{2}). Ordinary numbers (years, prices, counts) are too short
 * to form a cluster, so most rows never reach the parsers.
 */
const CANDIDATES = /[+(]?\d[\d() .-]{5,}\d|(?<=[A-Z]{2})\d\d/g;

interface Group {
  /** Index of the first digit. */
  start: number;
  end: number;
  /** Characters between the previous group (or the cluster's lead) and this one. */
  sep: string;
}

function scanNumbers(text: string, emit: (hit: ScanHit) => void): void {
  CANDIDATES.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = CANDIDATES.exec(text)) !== null) {
    const start = m.index;
    const end = start + m[0].length;
    // Two capitals before the digits: an IBAN first (a contiguous one also matches as a digit cluster).
    if (start >= 2 && isUpper(text.charCodeAt(start - 1)) && isUpper(text.charCodeAt(start - 2))) {
      const e = checkIban(text, start - 2, emit);
      if (e !== -1) {
        CANDIDATES.lastIndex = e;
        continue;
      }
    }
    if (m[0].length > 2) scanCluster(text, start, end, emit);
  }
}

function scanCluster(text: string, cs: number, ce: number, emit: (hit: ScanHit) => void): void {
  const lead = text.charCodeAt(cs);
  const groups: Group[] = [];
  let prevEnd = lead === 43 || lead === 40 ? cs + 1 : cs;
  for (let i = prevEnd; i < ce; ) {
    if (!isDigit(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const gs = i;
    while (i < ce && isDigit(text.charCodeAt(i))) i++;
    groups.push({ start: gs, end: i, sep: text.slice(prevEnd, gs) });
    prevEnd = i;
  }
  if (!leftBoundaryOk(text, cs)) {
    // The cluster continues a word, price, path or id (x415…, $1 234…, /2024-…): only a later,
    // space-separated number inside it may still stand on its own.
    if (groups.length < 2) return;
  }
  let i = 0;
  while (i < groups.length) {
    const startsHere = i === 0 ? leftBoundaryOk(text, cs) : /^ +\(?$/.test(groups[i]!.sep);
    if (startsHere) {
      const hit = parseAt(text, groups, i, cs, ce);
      if (hit) {
        emit({ rule: hit.rule, start: hit.start, end: hit.end });
        i = hit.next;
        continue;
      }
    }
    i++;
  }
}

interface NumberHit {
  rule: string;
  start: number;
  end: number;
  /** Index of the first group after the hit. */
  next: number;
}

function parseAt(text: string, g: readonly Group[], i: number, cs: number, ce: number): NumberHit | undefined {
  const first = g[i]!;
  // The '+' or '(' written before the first digit, or 0.
  const c = text.charCodeAt(cs);
  const lead = i === 0 ? (c === 43 || c === 40 ? c : 0) : first.sep.endsWith('(') ? 40 : 0;
  // Phones keep their leading '+' or '(' in the span; cards, SSNs and addresses start at their first digit.
  const phoneStart = lead === 43 || lead === 40 ? first.start - 1 : first.start;
  if (lead === 43 /* + */) return parseInternational(text, g, i, phoneStart, ce);
  return (
    parseCard(text, g, i, first.start, ce) ??
    parseSsn(text, g, i, first.start, ce) ??
    parseNanp(text, g, i, phoneStart, ce, lead) ??
    parseIPv4At(text, g, i, first.start, ce) ??
    parseContextPhone(text, g, i, phoneStart, ce, lead)
  );
}

/** True when a candidate ending with group j-1 stands alone on its right. */
function endsCleanly(text: string, g: readonly Group[], j: number, ce: number): boolean {
  if (j < g.length) return g[j]!.sep.charCodeAt(0) === 32 || g[j]!.sep === ') ';
  const c = text.charCodeAt(ce);
  if (isAlnum(c) || c === 95 || c === 37 /* % */ || c === 64 /* @ */) return false;
  // 1,234,567 or 2024/01/15 continue past the cluster; a sentence's closing period does not.
  if ((c === 44 || c === 47 || c === 46 || c === 45) && isDigit(text.charCodeAt(ce + 1))) return false;
  return true;
}

function digitsOf(text: string, g: readonly Group[], from: number, to: number): string {
  let d = '';
  for (let k = from; k < to; k++) d += text.slice(g[k]!.start, g[k]!.end);
  return d;
}

function len(g: Group): number {
  return g.end - g.start;
}

// Cards: one 13–19 digit run, or the printed groupings 4-4-4-4(-3), 4-4-4-1..4, 4-6-5 and 4-6-4 with one
// consistent separator. Luhn alone passes one random number in ten; the issuer prefix and length cut that hard.
function parseCard(text: string, g: readonly Group[], i: number, s: number, ce: number): NumberHit | undefined {
  const a = g[i]!;
  if (len(a) >= 13 && len(a) <= 19) {
    return cardHit(text, g, i, i + 1, s, ce);
  }
  if (len(a) !== 4) return undefined;
  const sep = g[i + 1]?.sep;
  if (sep !== ' ' && sep !== '-') return undefined;
  let j = i + 1;
  const lens: number[] = [4];
  while (j < g.length && j - i < 5 && g[j]!.sep === sep) {
    lens.push(len(g[j]!));
    j++;
  }
  // Longest printed grouping first, then shorter prefixes of it.
  for (let k = lens.length; k >= 3; k--) {
    const shape = lens.slice(0, k);
    if (!isCardShape(shape)) continue;
    const hit = cardHit(text, g, i, i + k, s, ce);
    if (hit) return hit;
  }
  return undefined;
}

function isCardShape(l: readonly number[]): boolean {
  if (l.length === 3) return l[0] === 4 && l[1] === 6 && (l[2] === 4 || l[2] === 5);
  if (l[0] !== 4 || l[1] !== 4 || l[2] !== 4) return false;
  if (l.length === 4) return l[3]! >= 1 && l[3]! <= 4;
  return l.length === 5 && l[3] === 4 && l[4]! >= 1 && l[4]! <= 3;
}

function cardHit(text: string, g: readonly Group[], i: number, j: number, s: number, ce: number): NumberHit | undefined {
  if (!endsCleanly(text, g, j, ce)) return undefined;
  const d = digitsOf(text, g, i, j);
  if (d.length < 13 || d.length > 19 || !isKnownCardPrefix(d) || !isLuhnValid(d)) return undefined;
  if (/^(\d)\1+$/.test(d)) return undefined;
  return { rule: R.card, start: s, end: g[j - 1]!.end, next: j };
}

/** Issuer identification: prefix ranges and the lengths each network issues. */
function isKnownCardPrefix(d: string): boolean {
  const n = d.length;
  const p2 = Number(d.slice(0, 2));
  const p3 = Number(d.slice(0, 3));
  const p4 = Number(d.slice(0, 4));
  const p6 = Number(d.slice(0, 6));
  if (d[0] === '4') return n === 13 || n === 16 || n === 19; // Visa
  if (p2 >= 51 && p2 <= 55) return n === 16; // Mastercard
  if (p4 >= 2221 && p4 <= 2720) return n === 16; // Mastercard 2-series
  if (p2 === 34 || p2 === 37) return n === 15; // American Express
  if (p4 === 6011 || (p3 >= 644 && p3 <= 649) || p2 === 65) return n >= 16 && n <= 19; // Discover
  if (p6 >= 622126 && p6 <= 622925) return n >= 16 && n <= 19; // Discover / UnionPay co-brand
  if (p2 === 62) return n >= 16 && n <= 19; // UnionPay
  if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) return n >= 14 && n <= 19; // Diners
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19; // JCB
  if (p4 >= 2200 && p4 <= 2204) return n >= 16 && n <= 19; // Mir
  if ([5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763].includes(p4)) return n >= 13 && n <= 19; // Maestro
  return false;
}

// SSN: AAA-GG-SSSS always; AAA GG SSSS and AAAGGSSSS only with "SSN" or "social security" just before.
function parseSsn(text: string, g: readonly Group[], i: number, s: number, ce: number): NumberHit | undefined {
  const a = g[i]!;
  let j: number;
  if (len(a) === 3 && g[i + 1] && g[i + 2] && len(g[i + 1]!) === 2 && len(g[i + 2]!) === 4) {
    const sep = g[i + 1]!.sep;
    if (sep !== g[i + 2]!.sep) return undefined;
    if (sep !== '-' && !(sep === ' ' && hasContext(text, s, SSN_CONTEXT))) return undefined;
    j = i + 3;
  } else if (len(a) === 9 && hasContext(text, s, SSN_CONTEXT)) {
    j = i + 1;
  } else return undefined;
  if (!endsCleanly(text, g, j, ce)) return undefined;
  const d = digitsOf(text, g, i, j);
  if (!isValidSsn(d)) return undefined;
  return { rule: R.ssn, start: s, end: g[j - 1]!.end, next: j };
}

/** SSA rules: area not 000, 666 or 900–999; group not 00; serial not 0000; minus the two famously misused numbers. */
function isValidSsn(d: string): boolean {
  const area = d.slice(0, 3);
  if (area === '000' || area === '666' || area[0] === '9') return false;
  if (d.slice(3, 5) === '00' || d.slice(5) === '0000') return false;
  return d !== '078051120' && d !== '219099999';
}

// NANP: (NPA) NXX-XXXX, NPA-NXX-XXXX, NPA.NXX.XXXX, NPA NXX XXXX, optionally led by 1 and a separator;
// the two separators of the unparenthesised forms must agree. A bare 10-digit run needs phone context.
function parseNanp(text: string, g: readonly Group[], i: number, s: number, ce: number, lead: number): NumberHit | undefined {
  let k = i;
  let paren = lead === 40;
  let trunkSep: string | undefined;
  if (!paren && len(g[i]!) === 1 && text.charCodeAt(g[i]!.start) === 49 /* 1 */ && g[i + 1]) {
    const sep = g[i + 1]!.sep;
    if (sep === '(' || sep === ' (' || sep === '-(') paren = true;
    else if (sep === ' ' || sep === '-' || sep === '.') trunkSep = sep;
    else return undefined;
    k = i + 1;
  }
  const npa = g[k];
  const nxx = g[k + 1];
  const line = g[k + 2];
  if (!npa || !nxx || !line || len(npa) !== 3 || len(nxx) !== 3 || len(line) !== 4) return undefined;
  if (paren) {
    if (!/^\)[ .-]?$/.test(nxx.sep) || !isPhoneSep(line.sep)) return undefined;
  } else {
    if (!isPhoneSep(nxx.sep) || nxx.sep !== line.sep) return undefined;
    if (trunkSep !== undefined && trunkSep !== nxx.sep) return undefined;
  }
  const j = k + 3;
  if (!endsCleanly(text, g, j, ce)) return undefined;
  if (!isValidNanp(digitsOf(text, g, k, j))) return undefined;
  return { rule: R.phone, start: s, end: line.end, next: j };
}

function isPhoneSep(sep: string): boolean {
  return sep === ' ' || sep === '-' || sep === '.';
}

/**
 * +CC groups…: E.164 digits (at most 15) with a known calling code and a national length that fits it.
 * Groups may be split by one space, dash or dot, with one parenthesised group; a "(0)" trunk marker after the
 * calling code is dropped, as it is when dialled. Fewer trailing groups are tried if the full run is too long.
 */
function parseInternational(text: string, g: readonly Group[], i: number, s: number, ce: number): NumberHit | undefined {
  if (g[i]!.sep !== '') return undefined; // '+' must touch the first digit
  let j = i + 1;
  let open = false;
  for (; j < g.length; j++) {
    const sep = g[j]!.sep;
    // Dotted groups are short (+1.415.555.0132); +35236450.6 is a signed decimal.
    if (sep === '.' && (len(g[j - 1]!) > 4 || len(g[j]!) > 4 || len(g[j]!) < 2)) break;
    if (isPhoneSep(sep) || sep === '') continue;
    if (!open && (sep === '(' || sep === ' (' || sep === '-(')) open = true;
    else if (open && (sep === ')' || sep === ') ' || sep === ')-' || sep === ').')) open = false;
    else break;
  }
  for (let k = j; k > i; k--) {
    if (!endsCleanly(text, g, k, ce)) continue;
    // A group closed by ')' must end inside the candidate, or the parenthesis is unbalanced.
    const closer = g[k]?.sep;
    if (closer !== undefined && closer.charCodeAt(0) === 41) continue;
    let d = '';
    for (let q = i; q < k; q++) {
      const grp = g[q]!;
      const digits = text.slice(grp.start, grp.end);
      const trunk = q === i + 1 && digits === '0' && grp.sep.endsWith('(') && g[q + 1]?.sep.startsWith(')');
      if (!trunk) d += digits;
    }
    if (isPlausibleE164(d)) return { rule: R.phone, start: s, end: g[k - 1]!.end, next: k };
  }
  return undefined;
}

function parseIPv4At(text: string, g: readonly Group[], i: number, s: number, ce: number): NumberHit | undefined {
  if (!g[i + 3]) return undefined;
  for (let k = i + 1; k <= i + 3; k++) if (g[k]!.sep !== '.') return undefined;
  const j = i + 4;
  if (g[j] && g[j]!.sep.charCodeAt(0) === 46) return undefined; // 1.3.6.1.4.1: an OID or a version
  if (!endsCleanly(text, g, j, ce)) return undefined;
  const end = g[i + 3]!.end;
  const after = text.charCodeAt(end);
  if (after === 47 && isDigit(text.charCodeAt(end + 1))) return undefined; // CIDR: a network
  // 19.0.0.0.ru-2020, 20.1.12.42-alpha: a version string running on.
  if ((after === 46 || after === 45 || after === 95) && isAlnum(text.charCodeAt(end + 1))) return undefined;
  const octets = parseIPv4(text.slice(g[i]!.start, end));
  if (!octets || !isPublicIPv4(octets) || WELL_KNOWN_RESOLVERS.has(octets.join('.'))) return undefined;
  // 1.0.54.0, 9.6.25.1, 1.3.101.112: a single-digit first part with small others is a version, a section
  // number or an OID far more often than a host; x.y.z.0 and x.y.z.255 name a network or its broadcast, not a machine.
  if (octets[0] < 10 && (octets[1] < 10 || (octets[2] < 100 && octets[3] < 100))) return undefined;
  if (octets[3] === 0 || octets[3] === 255) return undefined;
  if (hasContext(text, s, NOT_AN_ADDRESS_CONTEXT, 24)) return undefined;
  return { rule: R.ip, start: s, end, next: j };
}

// Public DNS resolvers are infrastructure everyone configures, not anyone's address.
const WELL_KNOWN_RESOLVERS: ReadonlySet<string> = new Set([
  '1.1.1.1', '1.0.0.1', '8.8.8.8', '8.8.4.4', '9.9.9.9', '149.112.112.112', '208.67.222.222', '208.67.220.220',
]);

const WELL_KNOWN_RESOLVERS_V6: ReadonlySet<string> = new Set(
  ['2606:4700:4700::1111', '2606:4700:4700::1001', '2001:4860:4860::8888', '2001:4860:4860::8844', '2620:fe::fe', '2620:fe::9']
    .map((a) => parseIPv6(a)!.join(':')),
);

/**
 * With "phone", "tel", "call"… just before it, a number written the national way counts too: a bare
 * 10-digit NANP number, 00-prefixed international, or 9–12 digits in groups (020 7946 0958, 138 0013 8000).
 */
function parseContextPhone(text: string, g: readonly Group[], i: number, s: number, ce: number, lead: number): NumberHit | undefined {
  let j = i + 1;
  let digits = len(g[i]!);
  while (j < g.length && j - i < 6 && (isPhoneSep(g[j]!.sep) || /^\)[ -]?$/.test(g[j]!.sep))) digits += len(g[j++]!);
  // Dates, times and short numbers never reach the context lookup, which is the costly part.
  if (digits < 9 || !hasContext(text, s, PHONE_CONTEXT)) return undefined;
  for (let k = j; k > i; k--) {
    if (!endsCleanly(text, g, k, ce)) continue;
    const d = digitsOf(text, g, i, k);
    const groupsOk = k - i === 1 || g.slice(i, k).every((x) => len(x) >= 2 && len(x) <= 5);
    if (!groupsOk) continue;
    let ok: boolean;
    if (d.startsWith('00')) ok = isPlausibleE164(d.slice(2));
    else if (d.length === 10 && lead !== 40 && d[0] !== '0' && k - i === 1) ok = isValidNanp(d);
    else if (d.length === 11 && d[0] === '1' && k - i === 1) ok = isValidNanp(d.slice(1)) || /^1[3-9]\d{9}$/.test(d);
    else ok = d.length >= 9 && d.length <= 12 && !/^(\d)\1+$/.test(d) && (d[0] === '0' ? d[1] !== '0' : k - i > 1 && !isThousands(g, i, k));
    if (ok) return { rule: R.phone, start: s, end: g[k - 1]!.end, next: k };
  }
  return undefined;
}

/** 123 456 789: groups of three after a short head are a count written with space separators. */
function isThousands(g: readonly Group[], i: number, k: number): boolean {
  if (len(g[i]!) > 3) return false;
  for (let q = i + 1; q < k; q++) if (len(g[q]!) !== 3 || g[q]!.sep !== ' ') return false;
  return true;
}

const PHONE_CONTEXT =
  /(?:phone|\btel\b|\btel\.|telephone|mobile|\bcell\b|\bfax\b|whatsapp|\bsms\b|\bcall\b|\bcontact|\bdial|móvil|telefon|téléphone|teléfono|電話|电话|手机|手機|携帯|телефон|тел\.|هاتف|جوال|फ़ोन|फोन|मोबाइल)/i;
const SSN_CONTEXT = /\bssn\b|social security|soc\.? ?sec/i;
// Dotted quads shortly after these words are versions or document numbering (section 12.2.4.69,
// fromInsightsVersion("1.0.98.0")), not hosts.
const NOT_AN_ADDRESS_CONTEXT =
  /version|\bv\s*$|\bver\b|\bbuild\b|release|\brev\b|section|\bsec\.|chapter|clause|article|figure|\btable\b|\bstep\b|§|\boid\b|objectidentifier/i;

/** True when `re` matches within the `window` characters before `at`. */
function hasContext(text: string, at: number, re: RegExp, window = 40): boolean {
  return re.test(text.slice(Math.max(0, at - window), at));
}

function leftBoundaryOk(text: string, cs: number): boolean {
  if (cs === 0) return true;
  const c = text.charCodeAt(cs - 1);
  if (isAlnum(c) || c === 95) return false;
  // Prices, order numbers and references: $1 234 567, #4155550132, €…, £…, ¥…
  if (c === 36 || c === 35 || c === 0x20ac || c === 0xa3 || c === 0xa5 || c === 64) return false;
  // A number continued (12.415…, 1,415…, 2024-415…, 10/415…, 12:415…) or an id (ID-415…, v.1…);
  // "Tel:415…" still starts a number.
  const b = text.charCodeAt(cs - 2);
  if ((c === 46 || c === 45 || c === 47) && isAlnum(b)) return false;
  if ((c === 44 || c === 58) && isDigit(b)) return false;
  return true;
}

// ─── IBAN ──────────────────────────────────────────────────────────────────────────────────────────────────

/** Reads the country's IBAN length of characters, contiguous or in groups of four; returns the end or -1. */
function checkIban(text: string, at: number, emit: (hit: ScanHit) => void): number {
  if (at > 0 && isAlnum(text.charCodeAt(at - 1))) return -1;
  const want = ibanLength(text.slice(at, at + 2));
  if (want === undefined) return -1;
  let compact = '';
  let i = at;
  let spaced: boolean | undefined;
  let groupLen = 0;
  while (compact.length < want && i < text.length) {
    const c = text.charCodeAt(i);
    if (isDigit(c) || isUpper(c)) {
      compact += text[i];
      groupLen++;
      i++;
    } else if (c === 32 && compact.length >= 4 && spaced !== false && groupLen === 4) {
      spaced = true;
      groupLen = 0;
      i++;
    } else break;
    if (spaced === undefined && compact.length > 4) spaced = false;
  }
  if (compact.length !== want || isAlnum(text.charCodeAt(i))) return -1;
  if (!isValidIban(compact)) return -1;
  emit({ rule: R.iban, start: at, end: i });
  return i;
}

// ─── IPv6 ──────────────────────────────────────────────────────────────────────────────────────────────────

function scanIPv6(text: string, emit: (hit: ScanHit) => void): void {
  for (let i = text.indexOf(':'); i !== -1; i = text.indexOf(':', i + 1)) {
    // Prose colons are followed by a space; an address has hex or another colon on both sides.
    const next = text.charCodeAt(i + 1);
    const prev = text.charCodeAt(i - 1);
    if (!(isHex(next) || next === 58) || !(isHex(prev) || prev === 58)) continue;
    let s = i;
    while (s > 0 && isV6Char(text.charCodeAt(s - 1))) s--;
    let e = i + 1;
    while (e < text.length && isV6Char(text.charCodeAt(e))) e++;
    const runEnd = e;
    i = runEnd;
    // An address has '::' or at least six colons (eight groups, or six and a dotted IPv4); clock times,
    // ratios and MAC addresses never reach the parser.
    let colons = 0;
    let compressed = false;
    for (let k = s; k < runEnd; k++) {
      if (text.charCodeAt(k) !== 58) continue;
      colons++;
      if (text.charCodeAt(k + 1) === 58) compressed = true;
    }
    if (colons < 6 && !compressed) continue;
    while (e > s && text.charCodeAt(e - 1) === 46) e--; // sentence period
    if (text.charCodeAt(e - 1) === 58 && text.charCodeAt(e - 2) !== 58) e--; // "addr:" label colon
    if (s > 0) {
      const b = text.charCodeAt(s - 1);
      if (isAlnum(b) || b === 95 || b === 46 || b === 45) continue;
    }
    const a = text.charCodeAt(e);
    if (isAlnum(a) || a === 95 || a === 45) continue;
    if (a === 47 && isDigit(text.charCodeAt(e + 1))) continue; // a prefix (2001:4860::/32), not a host
    const words = parseIPv6(text.slice(s, e));
    if (!words || !isPublicIPv6(words) || WELL_KNOWN_RESOLVERS_V6.has(words.join(':'))) continue;
    emit({ rule: R.ip, start: s, end: e });
  }
}

// ─── Character classes ─────────────────────────────────────────────────────────────────────────────────────

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}
function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
function isAlnum(c: number): boolean {
  return isDigit(c) || isAlpha(c);
}
function isHex(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
function isV6Char(c: number): boolean {
  return isHex(c) || c === 58 || c === 46;
}
function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || Number.isNaN(c);
}
function isLabelChar(c: number): boolean {
  return isAlnum(c) || c === 45;
}
function isLocalChar(c: number): boolean {
  // atext as written in practice: letters, digits and . _ % + - (RFC 5322 allows more; prose never uses it)
  return isAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
}
