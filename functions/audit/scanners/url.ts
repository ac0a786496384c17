import { domainToUnicode } from 'node:url';
import type { RuleMeta } from '../finding';
import type { ScanHit, TextScanner } from '../text-scanner';
import { homographKind, labelScript } from './confusables';
import { isPublicIPv4, isPublicIPv6, parseIPv6 } from './ip-address';
import { parseUrlIPv4Host } from './url-ipv4-host';

export interface UrlScannerOptions {
  /** Hosts whose URLs are always a finding; a parent domain covers its subdomains. */
  denyHosts?: string[];
  /** Hosts whose URLs are never a finding (a parent domain covers its subdomains). */
  allowHosts?: string[];
  /** Extra link-shortener hosts, added to the built-in list. */
  shorteners?: string[];
}

export const URL_RULES: readonly RuleMeta[] = [
  {
    id: 'url.executable-download',
    check: 'url',
    severity: 'high',
    action: 'quarantine',
    description: 'An executable or script download (.exe, .sh, .ps1, .apk…) from a URL that already raised another url finding (IP host, shortener, punycode, deny list)',
  },
  {
    id: 'url.ip-host',
    check: 'url',
    severity: 'medium',
    action: 'warn',
    description: 'URL whose host is a public IP literal (IPv4 or bracketed IPv6) or a cloud metadata address instead of a name',
  },
  {
    id: 'url.ip-host-obfuscated',
    check: 'url',
    severity: 'high',
    action: 'quarantine',
    description: 'URL host written as a decimal, hex, octal or shortened IPv4 number, or an IPv4-mapped IPv6 literal: a form chosen to slip past filters',
  },
  {
    id: 'url.punycode-host',
    check: 'url',
    severity: 'medium',
    action: 'warn',
    description: 'URL host with a punycode (xn--) label',
  },
  {
    id: 'url.homoglyph-host',
    check: 'url',
    severity: 'high',
    action: 'quarantine',
    description: 'Host name that spoofs a Latin one: Latin mixed with Cyrillic/Greek/Armenian letters, a label made only of lookalikes, or IPA lookalike letters',
  },
  {
    id: 'url.credentials',
    check: 'url',
    severity: 'high',
    action: 'quarantine',
    description: 'User name and password embedded in a web URL (scheme://user:pass@host)',
  },
  {
    id: 'url.userinfo-deception',
    check: 'url',
    severity: 'high',
    action: 'quarantine',
    description: 'URL whose user-info part looks like a host or path (https://paypal.com@evil.example/), hiding the real host',
  },
  {
    id: 'url.javascript-uri',
    check: 'url',
    severity: 'high',
    action: 'quarantine',
    description: 'javascript: or vbscript: URI carrying code (javascript:void(0) and similar no-ops excepted)',
  },
  {
    id: 'url.data-uri-script',
    check: 'url',
    severity: 'high',
    action: 'quarantine',
    description: 'data: URI carrying HTML, script, or an SVG with script',
  },
  {
    id: 'url.data-uri',
    check: 'url',
    severity: 'low',
    action: 'warn',
    description: 'Other data: URI (inline image, font or text payload)',
  },
  {
    id: 'url.shortener',
    check: 'url',
    severity: 'low',
    action: 'warn',
    description: 'Link-shortener URL: the real destination is hidden',
  },
  {
    id: 'url.deny-host',
    check: 'url',
    severity: 'high',
    action: 'quarantine',
    description: 'URL host (or a parent domain) on the configured deny list',
  },
  {
    id: 'url.suspicious-tld',
    check: 'url',
    severity: 'high',
    action: 'quarantine',
    description: 'Abuse-heavy top-level domain on a URL that already raised another url finding (never reported alone)',
  },
];

/** Generic shorteners: the link could lead anywhere. Brand shorteners (youtu.be, amzn.to) reveal their owner and are left out. */
const BUILTIN_SHORTENERS = [
  'bit.ly', 'bitly.com', 'bit.do', 'tinyurl.com', 't.co', 'goo.gl', 'ow.ly', 'is.gd', 'v.gd', 'buff.ly', 'rebrand.ly',
  'cutt.ly', 'cutt.us', 'shorturl.at', 'tiny.cc', 'tiny.one', 'rb.gy', 'bl.ink', 't.ly', 's.id', 'shorte.st', 'adf.ly',
  'ouo.io', 'clck.ru', 'u.to', 'x.co', 'po.st', 'soo.gd', 'lnkd.in', 'trib.al', 'dlvr.it', 'shrtco.de', '1url.com',
  'tr.im', 'cli.gs', 'qr.ae', 'short.gy', 'urlz.fr', 'lstu.fr', 'snip.ly', 'mcaf.ee', 'tiny.pl', 'surl.li',
];

/** Weak signal only: these TLDs carry a large share of phishing and malware hosting relative to their size. */
const SUSPICIOUS_TLDS = new Set([
  'zip', 'mov', 'xyz', 'top', 'tk', 'ml', 'ga', 'cf', 'gq', 'click', 'country', 'kim', 'loan', 'men', 'date', 'racing',
  'win', 'bid', 'stream', 'download', 'review', 'party', 'trade', 'science', 'accountant', 'cricket', 'faith',
  'webcam', 'gdn', 'icu', 'buzz', 'rest', 'cam', 'quest', 'sbs', 'cfd', 'monster', 'work', 'support', 'cyou', 'bond',
]);

const WEB_SCHEMES = new Set(['http', 'https', 'ftp', 'ftps', 'ws', 'wss']);
const CLOUD_METADATA_V4 = '169.254.169.254';
/** Paths that end in a file a machine runs rather than reads. */
const EXECUTABLE_PATH = /\.(?:exe|scr|msi|bat|cmd|com|ps1|vbs|js|jar|apk|dmg|pkg|sh|bin|elf|dll|hta|lnk)(?:[?#].*)?$/i;

/** Script-bearing media types a browser renders or runs. */
const SCRIPT_MIME = /^(?:text\/html|application\/xhtml\+xml|(?:text|application)\/(?:x-)?(?:java|ecma|vb)script|application\/hta|text\/x-scriptlet)$/;
const DATA_URI_HEAD = /^data:([a-z]+\/[a-z0-9.+-]+)?((?:;[a-z0-9.+-]+(?:=[^;,\s]*)?)*),/i;
const SVG_SCRIPT = /<script|\son[a-z]+\s*=|javascript:/i;
/** javascript: bodies that do nothing: the href placeholders web tutorials are full of. */
const JS_NOOP = /^(?:void\s*\(?\s*0\s*\)?|void\s+0|;|\(\s*\)|false|true|null|undefined|return\s+false|\s*)\s*;?$/i;
const JS_CODE_CHAR = /[()=;.%`'"\\[/]/;
/** Passwords that are template slots or masks, not values. */
const PASSWORD_PLACEHOLDER = /^(?:\*+|x{3,}|\.{3}|…|\$\{?[A-Za-z_]\w*\}?|<[^>]*>|\{\{?[^}]*\}?\}|%[A-Za-z_]\w*%|\[[^\]]*\])$/;
/** Division and fraction slashes that render like `/` inside a user-info part. */
const LOOKALIKE_SLASH = /[\u2215\u2044\u29f8\uff0f\u2571\u29f6]/;
/** A user-info that reads as a well-known host name (`paypal.com@…`, `www.bank.co.uk@…`), not a `first.last` user. */
const HOSTLIKE_USERINFO =
  /(?:^|[^a-z0-9-])(?:www\.[a-z0-9.-]+|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|co|gov|edu|info|biz|app|dev|me|us|uk|de|fr|ru|cn|jp|in|br|au|ca|es|it|nl|pl|ch|se|no|xyz|top|online|site|shop|bank))$/i;

const BARE_SPOOF_TRIGGER = /[\u0370-\u058f\u13a0-\u13ff\uab70-\uabbf]/;
const BARE_DOMAIN = /(?<![\p{L}\p{N}@./_-])(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+[a-z]{2,24}(?![\p{L}\p{N}_-])/giu;

interface Url {
  start: number;
  end: number;
  hostStart: number;
  hostEnd: number;
  userinfoStart: number;
  userinfoEnd: number;
  /** Lower-cased host without brackets or trailing dots. */
  host: string;
  bracketed: boolean;
  path: string;
}

export function createUrlScanner(options: UrlScannerOptions = {}): TextScanner {
  const deny = hostSet(options.denyHosts);
  const allow = hostSet(options.allowHosts);
  const shorteners = hostSet([...BUILTIN_SHORTENERS, ...(options.shorteners ?? [])]);

  function checkUrl(text: string, u: Url, hits: ScanHit[]): void {
    if (u.host === '' || matchesHostSet(allow, u.host)) return;
    const own: ScanHit[] = [];
    if (u.userinfoEnd > u.userinfoStart) {
      const info = text.slice(u.userinfoStart, u.userinfoEnd);
      const colon = info.indexOf(':');
      const user = colon === -1 ? info : info.slice(0, colon);
      const password = colon === -1 ? '' : info.slice(colon + 1);
      if (LOOKALIKE_SLASH.test(info) || HOSTLIKE_USERINFO.test(user)) {
        own.push({ rule: 'url.userinfo-deception', start: u.start, end: u.hostEnd });
      } else if (password !== '' && !PASSWORD_PLACEHOLDER.test(password)) {
        own.push({ rule: 'url.credentials', start: u.userinfoStart, end: u.userinfoEnd });
      }
    }
    const hostRule = classifyHost(u);
    if (hostRule) own.push({ rule: hostRule, start: u.start, end: u.end });
    const bare = u.host.startsWith('www.') ? u.host.slice(4) : u.host;
    if (shorteners.has(bare) && /[A-Za-z0-9]/.test(u.path.slice(1))) {
      own.push({ rule: 'url.shortener', start: u.start, end: u.end });
    }
    if (matchesHostSet(deny, u.host)) own.push({ rule: 'url.deny-host', start: u.start, end: u.end });
    if (own.length > 0) {
      // An executable from an address that already looks wrong is the classic malware-drop shape.
      if (EXECUTABLE_PATH.test(u.path)) own.push({ rule: 'url.executable-download', start: u.start, end: u.end });
      const tld = u.host.slice(u.host.lastIndexOf('.') + 1);
      if (SUSPICIOUS_TLDS.has(tld)) own.push({ rule: 'url.suspicious-tld', start: u.hostStart, end: u.hostEnd });
      for (const h of own) hits.push(h);
    }
  }

  function scan(text: string, emit: (hit: ScanHit) => void): void {
    const hasScheme = text.indexOf(':') !== -1;
    const hasWww = text.indexOf('www.') !== -1 || text.indexOf('WWW.') !== -1;
    const hasSlash = text.indexOf('/') !== -1;
    const maybeSpoof = BARE_SPOOF_TRIGGER.test(text);
    if (!hasScheme && !hasWww && !hasSlash && !maybeSpoof) return;

    const hits: ScanHit[] = [];
    const covered: Array<[number, number]> = [];

    if (hasScheme) {
      let i = text.indexOf(':');
      while (i !== -1) {
        let next = i + 1;
        if (text.charCodeAt(i + 1) === 0x2f && text.charCodeAt(i + 2) === 0x2f) {
          const u = parseSchemeUrl(text, i);
          if (u) {
            covered.push([u.start, u.end]);
            checkUrl(text, u, hits);
            next = Math.max(next, u.end);
          }
        } else {
          const prev = text.charCodeAt(i - 1) | 0x20;
          if (prev === 0x74 /* t */) next = Math.max(next, scriptUri(text, i, hits));
          else if (prev === 0x61 /* a */) next = Math.max(next, dataUri(text, i, hits));
        }
        i = text.indexOf(':', next);
      }
    }

    if (hasWww) {
      const re = /www\./gi;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        const s = m.index;
        if (isInside(covered, s) || (s > 0 && /[\p{L}\p{N}@./_-]/u.test(text[s - 1]!))) continue;
        const u = parseAuthorityAndPath(text, s, s, false);
        if (u) {
          covered.push([u.start, u.end]);
          checkUrl(text, u, hits);
          re.lastIndex = Math.max(re.lastIndex, u.end);
        }
      }
    }

    if (hasSlash) bareShortLinks(text, covered, hits);
    if (maybeSpoof) bareSpoofDomains(text, covered, hits);

    if (hits.length > 1) hits.sort((a, b) => a.start - b.start);
    for (const h of hits) emit(h);
  }

  /** `bit.ly/3xYz` without a scheme: short links are pasted that way as often as not. */
  function bareShortLinks(text: string, covered: Array<[number, number]>, hits: ScanHit[]): void {
    let i = text.indexOf('/');
    while (i !== -1) {
      const before = text.charCodeAt(i - 1);
      if (isHostChar(before) && isAlnum(text.charCodeAt(i + 1))) {
        let s = i - 1;
        while (s > 0 && i - s < 64 && isHostChar(text.charCodeAt(s - 1))) s--;
        const b = text.charCodeAt(s - 1);
        const boundary = s === 0 || !(b === 0x2f || b === 0x3a || b === 0x40 || b === 0x5f || b === 0x5c || isAlnum(b));
        if (boundary && !isInside(covered, s)) {
          const host = text.slice(s, i).toLowerCase().replace(/\.+$/, '');
          const bareHost = host.startsWith('www.') ? host.slice(4) : host;
          if (host.includes('.') && (shorteners.has(bareHost) || matchesHostSet(deny, host)) && !matchesHostSet(allow, host)) {
            const end = urlEnd(text, i);
            const u: Url = {
              start: s, end, hostStart: s, hostEnd: i, userinfoStart: s, userinfoEnd: s, host, bracketed: false,
              path: text.slice(i, end),
            };
            covered.push([s, end]);
            checkUrl(text, u, hits);
            i = text.indexOf('/', end);
            continue;
          }
        }
      }
      i = text.indexOf('/', i + 1);
    }
  }

  return { check: 'url', rules: URL_RULES, scan };
}

/** The rule for the host itself, or undefined for an ordinary name. */
function classifyHost(u: Url): string | undefined {
  const host = u.host;
  if (u.bracketed) {
    const words = parseIPv6(host.replace(/%.*$/, ''));
    if (!words) return undefined;
    const mapped = words.slice(0, 5).every((w) => w === 0) && (words[5] === 0xffff || words[5] === 0);
    if (mapped && (words[6] !== 0 || words[7]! > 1)) return 'url.ip-host-obfuscated';
    if (words[0] === 0xfd00 && words[1] === 0x0ec2 && words[7] === 0x254) return 'url.ip-host'; // AWS IMDS over IPv6
    return isPublicIPv6(words) ? 'url.ip-host' : undefined;
  }
  // Only a host whose last label starts with a digit can be an IPv4 number; skip the parse for names.
  const last = host.charCodeAt(host.lastIndexOf('.') + 1);
  const v4 = last >= 0x30 && last <= 0x39 ? parseUrlIPv4Host(host) : undefined;
  if (v4 === null) return undefined;
  if (v4) {
    if (!v4.canonical) return 'url.ip-host-obfuscated';
    if (v4.octets.join('.') === CLOUD_METADATA_V4) return 'url.ip-host';
    return isPublicIPv4(v4.octets as [number, number, number, number]) ? 'url.ip-host' : undefined;
  }
  const punycode = host.includes('xn--');
  if (!punycode && isAsciiHost(host)) return undefined;
  const unicode = punycode ? domainToUnicode(host) || host : host;
  const labels = unicode.split('.');
  const tldScript = labelScript(labels[labels.length - 1] ?? '');
  for (const label of labels) if (homographKind(label, tldScript)) return 'url.homoglyph-host';
  return punycode ? 'url.punycode-host' : undefined;
}

/** Parses `scheme://…` whose `://` starts at `colon`. */
function parseSchemeUrl(text: string, colon: number): Url | undefined {
  let s = colon;
  while (s > 0 && colon - s < 16 && isSchemeChar(text.charCodeAt(s - 1))) s--;
  // A scheme starts with a letter; `1http://` or `-https://` shed their leading junk.
  while (s < colon && !isAlpha(text.charCodeAt(s))) s++;
  const scheme = text.slice(s, colon).toLowerCase();
  if (!WEB_SCHEMES.has(scheme)) return undefined;
  return parseAuthorityAndPath(text, s, colon + 3, true);
}

function parseAuthorityAndPath(text: string, start: number, authStart: number, allowUserinfo: boolean): Url | undefined {
  let q = authStart;
  let bracket = false;
  while (q < text.length) {
    const c = text.charCodeAt(q);
    if (c === 0x5b /* [ */ && q === authStart) bracket = true;
    else if (c === 0x5d /* ] */ && bracket) bracket = false;
    else if (isAuthorityEnd(c)) break;
    q++;
  }
  let hostFrom = authStart;
  let userinfoEnd = authStart;
  if (allowUserinfo) {
    const at = text.lastIndexOf('@', q - 1);
    if (at >= authStart) {
      userinfoEnd = at;
      hostFrom = at + 1;
    }
  }
  let hostEnd: number;
  let host: string;
  let bracketed = false;
  if (text.charCodeAt(hostFrom) === 0x5b) {
    const close = text.indexOf(']', hostFrom);
    if (close === -1 || close > q) return undefined;
    bracketed = true;
    host = text.slice(hostFrom + 1, close).toLowerCase();
    hostEnd = close + 1;
  } else {
    const colon = text.indexOf(':', hostFrom);
    hostEnd = colon !== -1 && colon < q ? colon : q;
    // Sentence punctuation glued to a bare host (`see https://example.com.`) is not part of it.
    while (hostEnd > hostFrom && isTrailingPunct(text.charCodeAt(hostEnd - 1))) hostEnd--;
    host = text.slice(hostFrom, hostEnd).toLowerCase();
    if (!isAsciiHost(host)) host = host.replace(/[\u3002\uff0e\uff61]/g, '.');
  }
  if (host === '') return undefined;
  const end = Math.max(urlEnd(text, q), hostEnd);
  return {
    start,
    end,
    hostStart: hostFrom,
    hostEnd,
    userinfoStart: authStart,
    userinfoEnd,
    host,
    bracketed,
    path: text.slice(q, end),
  };
}

/** End of a URL's path/query/fragment: the first space or quote-like delimiter, minus trailing sentence punctuation. */
function urlEnd(text: string, from: number): number {
  let e = from;
  let parens = 0;
  while (e < text.length) {
    const c = text.charCodeAt(e);
    if (isSpace(c) || c === 0x22 || c === 0x27 || c === 0x3c || c === 0x3e || c === 0x60 || c === 0x7b || c === 0x7d || c === 0x7c) break;
    if (c === 0x28) parens++;
    else if (c === 0x29) {
      if (parens === 0) break;
      parens--;
    }
    e++;
  }
  while (e > from && isTrailingPunct(text.charCodeAt(e - 1))) e--;
  return e;
}

/** `javascript:` / `vbscript:` whose `:` is at `colon`; returns where scanning may resume. */
function scriptUri(text: string, colon: number, hits: ScanHit[]): number {
  let s: number;
  if (colon >= 10 && text.slice(colon - 10, colon).toLowerCase() === 'javascript') s = colon - 10;
  else if (colon >= 8 && text.slice(colon - 8, colon).toLowerCase() === 'vbscript') s = colon - 8;
  else return colon + 1;
  if (s > 0 && isAlnum(text.charCodeAt(s - 1))) return colon + 1;
  // The first token is enough to tell code from prose, and is what the span shows.
  let e = colon + 1;
  while (e < text.length) {
    const c = text.charCodeAt(e);
    if (isSpace(c) || c === 0x22 || c === 0x27 || c === 0x3c || c === 0x3e || c === 0x60) break;
    e++;
  }
  // A markdown link's closing parenthesis is not part of the URI: `[x](javascript:void(0))`.
  while (e > colon + 1 && text.charCodeAt(e - 1) === 0x29 && count(text, colon + 1, e, 0x29) > count(text, colon + 1, e, 0x28)) e--;
  const body = text.slice(colon + 1, e);
  if (body === '') return colon + 1; // prose: "JavaScript: the good parts"
  if (JS_NOOP.test(body) || !JS_CODE_CHAR.test(body)) return colon + 1;
  hits.push({ rule: 'url.javascript-uri', start: s, end: trimEnd(text, colon + 1, e) });
  return e;
}

/** `data:` URI whose `:` is at `colon`; returns where scanning may resume. */
function dataUri(text: string, colon: number, hits: ScanHit[]): number {
  const s = colon - 4;
  if (s < 0 || text.slice(s, colon).toLowerCase() !== 'data') return colon + 1;
  if (s > 0 && isAlnum(text.charCodeAt(s - 1))) return colon + 1;
  const head = DATA_URI_HEAD.exec(text.slice(s, s + 200));
  if (!head) return colon + 1;
  const mime = (head[1] ?? 'text/plain').toLowerCase();
  const base64 = /;base64/i.test(head[2] ?? '');
  const payloadStart = s + head[0].length;
  let e = payloadStart;
  while (e < text.length) {
    const c = text.charCodeAt(e);
    if (isSpace(c) || c === 0x22 || c === 0x27 || c === 0x3c || c === 0x3e || c === 0x60 || c === 0x29) break;
    e++;
  }
  let rule = 'url.data-uri';
  if (SCRIPT_MIME.test(mime)) rule = 'url.data-uri-script';
  else if (mime === 'image/svg+xml' && SVG_SCRIPT.test(decodePayload(text.slice(payloadStart, Math.min(e, payloadStart + 16_384)), base64))) {
    rule = 'url.data-uri-script';
  }
  hits.push({ rule, start: s, end: e });
  return e;
}

function decodePayload(payload: string, base64: boolean): string {
  try {
    if (base64) {
      const clean = payload.replace(/[^A-Za-z0-9+/]/g, '');
      return atob(clean.slice(0, clean.length - (clean.length % 4)));
    }
    return decodeURIComponent(payload);
  } catch {
    return payload;
  }
}

function bareSpoofDomains(text: string, covered: Array<[number, number]>, hits: ScanHit[]): void {
  BARE_DOMAIN.lastIndex = 0;
  for (let m = BARE_DOMAIN.exec(text); m; m = BARE_DOMAIN.exec(text)) {
    const token = m[0];
    if (isAsciiHost(token) || isInside(covered, m.index)) continue;
    const labels = token.toLowerCase().split('.');
    // Only mixing counts for a bare token: a Russian word before `.txt` is a file name, not a spoofed host.
    for (let k = 0; k < labels.length - 1; k++) {
      if (homographKind(labels[k]!, 'latin') === 'mixed-script') {
        hits.push({ rule: 'url.homoglyph-host', start: m.index, end: m.index + token.length });
        break;
      }
    }
  }
}

function hostSet(hosts: readonly string[] | undefined): Set<string> {
  const out = new Set<string>();
  for (const h of hosts ?? []) {
    const n = h.trim().toLowerCase().replace(/^\*?\.+/, '').replace(/\.+$/, '');
    if (n !== '') out.add(n);
  }
  return out;
}

/** The host or any parent domain is in the set. */
function matchesHostSet(set: ReadonlySet<string>, host: string): boolean {
  if (set.size === 0) return false;
  let h = host;
  for (;;) {
    if (set.has(h)) return true;
    const dot = h.indexOf('.');
    if (dot === -1) return false;
    h = h.slice(dot + 1);
  }
}

function isInside(spans: ReadonlyArray<readonly [number, number]>, pos: number): boolean {
  for (const [s, e] of spans) if (pos >= s && pos < e) return true;
  return false;
}

function count(text: string, from: number, to: number, c: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === c) n++;
  return n;
}

function trimEnd(text: string, from: number, e: number): number {
  while (e > from && isTrailingPunct(text.charCodeAt(e - 1))) e--;
  return e;
}

function isAsciiHost(host: string): boolean {
  for (let i = 0; i < host.length; i++) if (host.charCodeAt(i) > 0x7e) return false;
  return true;
}

function isAlpha(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}
function isAlnum(c: number): boolean {
  return isAlpha(c) || (c >= 0x30 && c <= 0x39);
}
function isSchemeChar(c: number): boolean {
  return isAlnum(c) || c === 0x2b || c === 0x2d || c === 0x2e;
}
function isHostChar(c: number): boolean {
  return isAlnum(c) || c === 0x2d || c === 0x2e;
}
function isSpace(c: number): boolean {
  return c <= 0x20 || c === 0x7f || c === 0x85 || c === 0xa0 || (c >= 0x2000 && c <= 0x200b) || c === 0x2028 || c === 0x2029 || c === 0x3000 || c === 0xfeff;
}
function isTrailingPunct(c: number): boolean {
  return c === 0x2e || c === 0x2c || c === 0x3b || c === 0x3a || c === 0x21 || c === 0x3f || c === 0x5d || c === 0x2a || c === 0x5f || c === 0x3001 || c === 0x3002 || c === 0xff0c || c === 0xff0e;
}
/** Characters that close an authority: path/query/fragment starts, spaces, quotes, brackets and CJK punctuation. */
function isAuthorityEnd(c: number): boolean {
  return (
    c === 0x2f || c === 0x5c || c === 0x3f || c === 0x23 || isSpace(c) || c === 0x22 || c === 0x27 || c === 0x3c || c === 0x3e ||
    c === 0x60 || c === 0x28 || c === 0x29 || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d || c === 0x7c || c === 0x5e ||
    c === 0x2c || c === 0x3b || c === 0x3001 || c === 0xff0c || c === 0xff08 || c === 0xff09 || (c >= 0x300c && c <= 0x300f)
  );
}
