import { type CodeDetector, lineAt } from './code-detector';
import type { CodeFeatures } from './code-features';
import { parseUrlIPv4Host } from './url-ipv4-host';

/**
 * Shell payloads: reverse shells, fork bombs, destructive commands, droppers, remote scripts piped into an
 * interpreter, command injection and path traversal. Patterns are case-insensitive.
 */

const SHELL = String.raw`(?:(?:/usr)?(?:/local)?/bin/)?(?:ba|z|k|da|c|tc|fi)?sh\b`;
const INTERPRETER = String.raw`(?:(?:/usr)?(?:/local)?/bin/)?(?:(?:ba|z|k|da|c|tc|fi)?sh|python[0-9.]*|perl|ruby|php|node)\b`;
/** An interactive shell or a file-descriptor hand-over: what turns a /dev/tcp redirect into a remote shell. */
const INTERACTIVE = /\b(?:ba|z|k|da|c)?sh\s+(?:-[a-z]+\s+)*-[a-z]*i\b|\/bin\/(?:ba|z|k|da|c)?sh\b|\b0\s*[<>]&\s*\d|\$line\b|\bsh\s+-c\b/i;
const URL_IN_LINE = /\b(?:https?|ftp):\/\/([^\s'"|;&)<>`/:?#]+)/i;

/**
 * Hosts a script should never be fetched from and run: raw IPs, paste bins, throw-away file drops, tunnels and
 * generic shorteners (the destination is hidden). Named HTTPS installers (sh.rustup.rs, get.docker.com) are not here.
 */
const UNTRUSTED_SCRIPT_HOSTS = new Set([
  'pastebin.com', 'paste.ee', 'hastebin.com', 'ghostbin.com', 'ghostbin.co', 'termbin.com', 'ix.io', 'sprunge.us',
  'transfer.sh', 'temp.sh', '0x0.st', 'file.io', 'bashupload.com', 'oshi.at', 'anonfiles.com', 'catbox.moe',
  'files.catbox.moe', 'litter.catbox.moe', 'ngrok.io', 'ngrok-free.app', 'ngrok.app', 'trycloudflare.com', 'serveo.net',
  'localtunnel.me', 'loca.lt', 'bit.ly', 'tinyurl.com', 'is.gd', 'cutt.ly', 'rb.gy', 't.co', 'goo.gl', 'ow.ly',
  'discordapp.com', 'cdn.discordapp.com', 'duckdns.org', 'no-ip.com', 'ddns.net', 'hopto.org',
]);

export function isUntrustedScriptHost(rawHost: string): boolean {
  const host = rawHost.toLowerCase().replace(/:\d+$/, '').replace(/\.+$/, '');
  if (host === '') return false;
  if (parseUrlIPv4Host(host)) return true;
  if (host.startsWith('[')) return true; // IPv6 literal
  if (host.endsWith('.onion')) return true;
  let h = host;
  for (;;) {
    if (UNTRUSTED_SCRIPT_HOSTS.has(h)) return true;
    const dot = h.indexOf('.');
    if (dot === -1) return false;
    h = h.slice(dot + 1);
  }
}

/** The host of the first URL (or scheme-less host) among the given capture groups. */
function hostOf(m: RegExpExecArray, groups: readonly number[]): string | undefined {
  for (const g of groups) {
    const v = m[g];
    if (!v) continue;
    const withScheme = /^(?:https?|ftp):\/\/([^/?#\s]+)/i.exec(v);
    const authority = withScheme ? withScheme[1]! : v.split(/[/?#]/)[0]!;
    return authority.slice(authority.lastIndexOf('@') + 1);
  }
  return undefined;
}

function remoteScript(host: string | undefined): string {
  return host !== undefined && isUntrustedScriptHost(host) ? 'code.dropper' : 'code.pipe-to-shell';
}

/** Any of the characters occurs. */
const anyOf = (f: CodeFeatures, chars: string): boolean => {
  for (let i = 0; i < chars.length; i++) if (f.has(chars[i]!)) return true;
  return false;
};

/** Needles for the gates (allocated once). */
const SOCAT = ['socat', 'SOCAT', 'Socat'] as const;
const MKFIFO = ['kfifo', 'knod', 'KFIFO', 'KNOD'] as const;
const DUP2 = ['dup2', 'DUP2'] as const;
const STDIN = ['STDIN', 'stdin'] as const;
const FSOCKOPEN = ['kopen', 'KOPEN'] as const;
const TCPSOCKET = ['ket.open', 'ket.new', 'KET.OPEN', 'KET.NEW'] as const;
const TCPCLIENT = ['TCPClient', 'TcpClient', 'tcpclient', 'TCPCLIENT', 'Tcpclient'] as const;
const TELNET = ['telnet', 'TELNET', 'Telnet'] as const;
const DOT_STDIN = ['.stdin'] as const;
const BATCH_SELF = ['%0'] as const;
const ENCODED_SEPARATORS = ['%0a', '%0A', '%0d', '%0D', '%3b', '%3B', '%7c', '%7C', '%26', '%60'] as const;
const FORK_WHILE = ['k while', 'K WHILE'] as const;
const NO_PRESERVE_ROOT = ['--no-preserve-root'] as const;
const CHMOD_CHOWN = ['chmod', 'chown', 'CHMOD', 'CHOWN'] as const;
const DOWNLOADERS = ['curl', 'wget', 'CURL', 'WGET'] as const;
const PROCESS_SUBSTITUTION = ['<('] as const;
const CURL_WGET = ['curl', 'wget', 'CURL', 'WGET'] as const;
const IEX = ['iex', 'IEX', 'Iex', 'Invoke-Expression', 'invoke-expression'] as const;
const DOWNLOADSTRING = ['DownloadString', 'DownloadData'] as const;
const BASE64 = ['base64', 'BASE64'] as const;
const B64DECODE = ['64decode'] as const;
const CHMOD_ONLY = ['chmod', 'CHMOD'] as const;
const POWERSHELL = ['owershell', 'OWERSHELL', 'wsh', 'WSH'] as const;
const RUNDLL32 = ['undll32', 'UNDLL32'] as const;
const WINDOWS_INI = ['win.ini', 'WIN.INI', 'boot.ini', 'BOOT.INI'] as const;
const BACKSLASH_DOTDOT = ['..\\'] as const;
const ENCODED_TRAVERSAL = ['%2e', '%2E', '..%', '%c0%', '%C0%', '%252'] as const;

export const SHELL_DETECTORS: readonly CodeDetector[] = [
  // --- reverse and bind shells ---
  {
    rule: 'code.reverse-shell',
    gate: (f) => f.slash.dev && anyOf(f, '<>&'),
    re: /(?:[<>]&?|&>)\s*\d*\s*\/dev\/(?:tcp|udp)\/[^\s/"'`]+\/\d+/gi,
    classify: (m, text) => (INTERACTIVE.test(lineAt(text, m.index)) ? 'code.reverse-shell' : undefined),
  },
  {
    rule: 'code.reverse-shell',
    gate: (f) => f.dash.execOption,
    re: new RegExp(
      String.raw`\b(?:nc|ncat|netcat|nc\.traditional|nc\.openbsd)(?:\.exe)?\s[^\n;|&]{0,120}?-[a-z]*[ec]\s*['"]?(?:${SHELL}|cmd(?:\.exe)?\b|powershell(?:\.exe)?\b)`,
      'gi',
    ),
  },
  {
    rule: 'code.reverse-shell',
    gate: (f) => f.colon.execAddress && f.any(SOCAT),
    re: /\bsocat\b[^\n]*/gi,
    classify: (m) =>
      /\b(?:exec|system):/i.test(m[0]) && /\b(?:tcp|udp|openssl|ssl)[46]?(?:-connect|-listen|-l)?:/i.test(m[0]) && /\b(?:(?:ba|z|k|da)?sh|cmd)\b/i.test(m[0])
        ? 'code.reverse-shell'
        : undefined,
  },
  {
    rule: 'code.reverse-shell',
    gate: (f) => f.has('|') && f.any(MKFIFO),
    re: /\bmk(?:fifo|nod)\b[^\n]*/gi,
    classify: (m) =>
      /\b(?:nc|ncat|netcat|telnet|openssl\s+s_client)\b/i.test(m[0]) && /\b(?:ba|z|k|da|c)?sh\b/i.test(m[0]) ? 'code.reverse-shell' : undefined,
  },
  {
    // Python/C: the socket becomes stdin/stdout/stderr of a shell.
    rule: 'code.reverse-shell',
    gate: (f) => anyOf(f, ';=') && f.has('(') && f.any(DUP2),
    re: /\bdup2\s*\(\s*\w+(?:\.fileno\(\))?\s*,\s*[0-2]\s*\)/gi,
    classify: (_m, text) =>
      /\bsocket\b/i.test(text) && /\/bin\/(?:ba|z|k|da)?sh\b|["'](?:ba|z|k|da)?sh["']|pty\.spawn|cmd\.exe|\bexecve?\s*\(/i.test(text)
        ? 'code.reverse-shell'
        : undefined,
  },
  {
    rule: 'code.reverse-shell',
    gate: (f) => f.has('&') && f.any(STDIN),
    re: /\bopen\s*\(\s*stdin\s*,\s*["'][<>]&/gi,
    classify: (_m, text) => (/socket/i.test(text) ? 'code.reverse-shell' : undefined),
  },
  {
    rule: 'code.reverse-shell',
    gate: (f) => f.has('$') && f.has('=') && f.has('(') && f.any(FSOCKOPEN),
    re: new RegExp(String.raw`\bfsockopen\s*\([^)]*\)[\s\S]{0,300}?\b(?:exec|shell_exec|system|passthru|popen|proc_open)\s*\(\s*["']${SHELL}`, 'gi'),
  },
  {
    rule: 'code.reverse-shell',
    gate: (f) => f.has('(') && f.has('=') && f.any(TCPSOCKET),
    re: /\btcpsocket\.(?:open|new)\b[\s\S]{0,300}?\b(?:exec|spawn|system|popen)\b[\s\S]{0,80}?(?:\b(?:ba|z|k|da|c)?sh\b|\bcmd\b)/gi,
  },
  {
    rule: 'code.reverse-shell',
    gate: (f) => f.has('$') && f.has('=') && f.has('(') && f.any(TCPCLIENT),
    re: /\bnet\.sockets\.tcpclient\b[\s\S]{0,800}?\.getstream\(\)[\s\S]{0,800}?\b(?:iex|invoke-expression)\b/gi,
  },
  {
    rule: 'code.reverse-shell',
    gate: (f) => f.slash.inet,
    re: /\/inet\/(?:tcp|udp)\/\d+\/[^\s/"']+\/\d+/gi,
    classify: (_m, text) => (/\(\s*\w+\s*\|&\s*getline\b/i.test(text) ? 'code.reverse-shell' : undefined),
  },
  {
    rule: 'code.reverse-shell',
    gate: (f) => f.has('|') && f.pipeToInterpreter && f.any(TELNET),
    re: new RegExp(String.raw`\btelnet\s+\S+\s+\d+\s*\|\s*${SHELL}[^\n]*\|\s*telnet\b`, 'gi'),
  },
  {
    rule: 'code.reverse-shell',
    gate: (f) => f.has('(') && f.has('=') && f.any(DOT_STDIN),
    re: /\.pipe\(\s*\w+\.stdin\s*\)/gi,
    classify: (_m, text) =>
      /\bnet\b/i.test(text) && /spawn\(\s*["'`](?:(?:\/usr)?\/bin\/)?(?:(?:ba|z|k|da|c)?sh|cmd(?:\.exe)?)["'`]/i.test(text) ? 'code.reverse-shell' : undefined,
  },

  // --- fork bombs ---
  {
    rule: 'code.fork-bomb',
    gate: (f) => f.has('|') && f.has('{') && f.has('&'),
    re: /(:|\b[a-z_]\w*)\s*\(\s*\)\s*\{\s*\1\s*\|\s*\1\s*&\s*;?\s*\}\s*;?\s*\1(?!\w)/gi,
  },
  { rule: 'code.fork-bomb', gate: (f) => f.has('%') && f.has('|') && f.any(BATCH_SELF), re: /%0\s*\|\s*%0/g },
  {
    rule: 'code.fork-bomb',
    gate: (f) => f.dash.execOption && f.any(FORK_WHILE),
    re: /\bfork\s+while\s+fork\b/gi,
  },

  // --- destructive commands ---
  {
    rule: 'code.destructive-command',
    gate: (f) => f.dash.rm && (f.slash.lone || f.has('~') || f.has('$') || f.slash.bin || f.slash.etc),
    re: /\brm\s+((?:-{1,2}[a-z-]+\s+)+)("?(?:\/\*?|~\/?\*?|\$\{?home\}?\/?\*?|\/(?:bin|boot|etc|usr|var|lib|home|root)\/?\*?)"?)(?=$|[\s;&|'"`)])/gi,
    classify: (m) => (/(?:^|\s)-[a-z]*r|--recursive|--no-preserve-root/i.test(m[1] ?? '') ? 'code.destructive-command' : undefined),
  },
  {
    rule: 'code.destructive-command',
    gate: (f) => f.dash.rm && f.dash.doubleDash && f.any(NO_PRESERVE_ROOT),
    re: /\brm\s+(?:-{1,2}[a-z-]+\s+)*\/\s+--no-preserve-root\b/gi,
  },
  {
    rule: 'code.destructive-command',
    gate: (f) => f.has('\\') && f.slash.switchSQ,
    re: /\b(?:rd|rmdir)\s+(?:\/[sq]\s+){2}[a-z]:\\?(?=$|[\s"'])|\bdel\s+(?:\/[fsqa]\s+)+[a-z]:\\\*?(?=$|[\s"'])/gi,
  },
  {
    rule: 'code.destructive-command',
    gate: (f) => f.slash.lone && f.dash.recursiveOption && f.any(CHMOD_CHOWN),
    re: /\bch(?:mod|own)\s+(?:-[a-z]*r[a-z]*\s+)(?:[^\s/]+\s+)?\/(?=$|[\s;&|'"`])/gi,
  },

  // --- remote code fetched and run ---
  {
    // curl/wget … | sh: a dropper when the source is an IP, a paste bin or a tunnel; a warning otherwise.
    rule: 'code.dropper',
    gate: (f) => f.has('|') && f.pipeToInterpreter && f.any(DOWNLOADERS),
    re: new RegExp(
      String.raw`\b(?:curl|wget)\b[^\n|;&]*?(?:((?:https?|ftp)://[^\s'"|;&)<>]+)|\s((?:\d{1,3}\.){3}\d{1,3}(?::\d+)?(?:/[^\s'"|;&)<>]*)?)|\s((?:[a-z0-9-]+\.)+[a-z]{2,}(?:/[^\s'"|;&)<>]*)?))[^\n|;&]*\|\s*(?:sudo\s+(?:-[a-z-]+\s+)*)?(?:env\s+(?:\S+=\S*\s+)*)?${INTERPRETER}`,
      'gi',
    ),
    classify: (m) => remoteScript(hostOf(m, [1, 2, 3])),
  },
  {
    // bash <(curl …), sh -c "$(curl …)", eval "$(wget -qO- …)"
    rule: 'code.dropper',
    gate: (f) => (f.has('`') || f.commandSubstitution || (f.has('<') && f.any(PROCESS_SUBSTITUTION))) && f.any(CURL_WGET),
    re: /\b(?:(?:ba|z|k|da)?sh|source|eval)\s+(?:-c\s+)?["']?(?:<\s*\(|\$\(|`)\s*(?:curl|wget)\b[^)`\n]*?(?:((?:https?|ftp):\/\/[^\s'"|;&)<>`]+)|\s((?:[a-z0-9-]+\.)+[a-z]{2,}(?:\/[^\s'"|;&)<>`]*)?))/gi,
    classify: (m) => remoteScript(hostOf(m, [1, 2])),
  },
  {
    // PowerShell download cradles: iex (New-Object Net.WebClient).DownloadString(…), irm … | iex
    rule: 'code.dropper',
    gate: (f) =>
      (f.has('|') && f.pipeToInterpreter && f.any(IEX)) ||
      (f.has('(') && f.colon.url && f.any(DOWNLOADSTRING)),
    re: /\b(?:iex|invoke-expression|downloadstring|downloaddata|iwr|irm|invoke-webrequest|invoke-restmethod|\(?new-object\s+(?:system\.)?net\.webclient)\b[^\n]*/gi,
    classify: (m) => {
      const s = m[0];
      if (!/\b(?:iex|invoke-expression)\b/i.test(s)) return undefined;
      if (!/\b(?:downloadstring|downloaddata|iwr|irm|invoke-webrequest|invoke-restmethod|net\.webclient)\b/i.test(s)) return undefined;
      const url =
        URL_IN_LINE.exec(s)?.[1] ?? /\b(?:irm|iwr|invoke-webrequest|invoke-restmethod)\s+(?:-uri\s+)?['"]?((?:[a-z0-9-]+\.)+[a-z]{2,})/i.exec(s)?.[1];
      return remoteScript(url);
    },
  },
  {
    rule: 'code.dropper',
    gate: (f) => ((f.has('|') && f.pipeToInterpreter) || f.has('`') || f.commandSubstitution) && f.any(BASE64),
    re: new RegExp(
      String.raw`\bbase64\s+(?:-d|--decode|-di)\b[^\n|]*\|\s*(?:sudo\s+)?(?:${SHELL}|python[0-9.]*\b|perl\b)|\beval\s*["']?\s*(?:\$\(|\x60)[^\n]*?\bbase64\s+(?:-d|--decode)\b`,
      'gi',
    ),
  },
  {
    rule: 'code.dropper',
    gate: (f) => f.has('(') && f.any(B64DECODE),
    re: /\bexec\s*\(\s*(?:__import__\(\s*['"]base64['"]\s*\)|base64)\.b64decode\s*\(/gi,
  },
  {
    // cd /tmp; wget http://1.2.3.4/x; chmod 777 x; ./x — the botnet installer shape, from an untrusted host.
    rule: 'code.dropper',
    gate: (f) => (f.has(';') || f.has('&')) && f.colon.url && f.any(CHMOD_ONLY),
    re: /[^\n]*\b(?:curl|wget|tftp|ftpget)\b[^\n]*\bchmod\s+(?:\+x|[ua]\+x|[0-7]*[157][0-7]*)\b[^\n]*/gi,
    classify: (m) => {
      const s = m[0];
      if (!/\/tmp\b|\/dev\/shm\b|\/var\/tmp\b|\/var\/run\b/i.test(s)) return undefined;
      if (!/(?:;|&&|\|\|)\s*(?:\.\/|\/tmp\/|\/dev\/shm\/|\/var\/tmp\/|(?:ba|z|k|da)?sh\s+)\S/i.test(s)) return undefined;
      const host = URL_IN_LINE.exec(s)?.[1] ?? /\b(?:wget|curl|tftp|ftpget)\s+(?:-[a-z]+\s+)*((?:\d{1,3}\.){3}\d{1,3})\b/i.exec(s)?.[1];
      return host !== undefined && isUntrustedScriptHost(host) ? 'code.dropper' : undefined;
    },
  },
  {
    rule: 'code.dropper',
    gate: (f) => f.dash.execOption && f.any(POWERSHELL),
    re: /\b(?:powershell|pwsh)(?:\.exe)?\b[^\n]*?\s[-/]e(?:nc(?:odedcommand)?|c)?\s+[a-z0-9+/]{16,}={0,2}/gi,
  },
  {
    // Windows binaries that fetch and run remote code (LOLBins).
    rule: 'code.dropper',
    gate: (f) =>
      f.dash.urlcache ||
      f.slash.switchI ||
      f.colon.mshta ||
      (f.colon.scriptScheme && f.any(RUNDLL32)),
    re: /\bcertutil(?:\.exe)?\b[^\n]*?[-/]urlcache\b[^\n]*?\b(?:https?|ftp):\/\/\S+|\bmshta(?:\.exe)?\s+["']?(?:https?:\/\/|javascript:|vbscript:)\S*|\bregsvr32(?:\.exe)?\b[^\n]*?\/i:\s*["']?(?:https?|ftp):\/\/\S+|\brundll32(?:\.exe)?\b[^\n]*?\bjavascript:\S*/gi,
  },

  // --- command injection ---
  {
    rule: 'code.command-injection',
    gate: (f) => (f.slash.etc || f.slash.proc || (f.has('\\') && f.any(WINDOWS_INI))) && anyOf(f, ';|&$%'),
    re: /(?:;|\|\|?|&&|\$\(|%0a|%3b|%7c|%26%26)\s*(?:cat|more|less|head|tail|type|nl|tac|strings|base64|xxd|od)\s+(?:\/etc\/(?:passwd|shadow|group|sudoers|hosts|issue|hostname)\b|\/proc\/self\/(?:environ|cmdline)\b|c:\\windows\\win\.ini|c:\\boot\.ini)/gi,
  },
  {
    // 127.0.0.1; whoami   ' && id   ?host=x|uname -a
    rule: 'code.command-injection',
    gate: (f) => anyOf(f, ';|&'),
    re: /(?:;|\|\|?|&&)(?<=(?:\b\d{1,3}(?:\.\d{1,3}){3}|['"]|=[\w.@:-]+)\s*(?:;|\|\|?|&&))\s*(?:(?:whoami|uname\s+-a|net\s+user|ipconfig|ifconfig)\b|(?:id|hostname|ls\s+-la?|pwd|ping\s+-[cn]\s*\d+\s+\S+|sleep\s+\d+|nslookup\s+\S+|curl\s+\S+|wget\s+\S+)(?=\s*(?:$|[;|&#'"`]|%0a|%23)))/gim,
  },
  {
    // URL-encoded separator in a request: ?host=127.0.0.1%0aid
    rule: 'code.command-injection',
    gate: (f) => f.has('%') && f.any(ENCODED_SEPARATORS),
    re: /(?:%0a|%0d|%3b|%7c|%26%26|%60)(?:\+|%20)*(?:id|whoami|uname(?:\+|%20)+-a|cat(?:\+|%20)+(?:\/|%2f)etc(?:\/|%2f)\w+|ls|pwd|ping|sleep|nslookup|curl|wget)\b/gi,
  },
  {
    // Command substitution inside a URL parameter.
    rule: 'code.command-injection',
    gate: (f) => f.has('=') && anyOf(f, '$`%') && anyOf(f, '?&'),
    re: /[?&][\w.[\]-]+=[^&\s#]*?(?:\$\(|`|%24%28|%60)\s*(?:id|whoami|uname|cat|curl|wget|nslookup|ping|sleep|ls|bash|sh|nc)\b/gi,
  },
  {
    // …or after a quote-break: '; $(whoami)
    rule: 'code.command-injection',
    gate: (f) => (f.has('`') || f.commandSubstitution) && anyOf(f, ';|&') && anyOf(f, '\'"'),
    re: /(?:\$\(|`)(?<=['"]\s*(?:;|\|\|?|&&)\s*(?:\$\(|`))\s*(?:id|whoami|uname|cat\s+\/etc|curl|wget|nslookup|ping|sleep\s+\d)/gi,
  },

  // --- path traversal ---
  {
    rule: 'code.path-traversal',
    gate: (f) => f.slash.dotdot || (f.has('\\') && f.any(BACKSLASH_DOTDOT)) || (f.has('%') && f.any(ENCODED_TRAVERSAL)),
    re: /(?:(?:\.\.|%2e%2e|\.%2e|%2e\.|%252e%252e|%c0%ae%c0%ae)(?:\/|\\|%2f|%5c|%252f|%c0%af)+){2,}(?:[\w.-]+(?:\/|\\|%2f))*?(?:etc(?:\/|\\|%2f)(?:passwd|shadow|hosts|group)\b|windows(?:\/|\\|%2f)(?:win\.ini|system32)\b|boot\.ini\b|proc(?:\/|\\|%2f)self\b|\.ssh(?:\/|\\|%2f)|\.aws(?:\/|\\|%2f)credentials\b|web-inf(?:\/|\\|%2f)web\.xml\b|\.env\b|\.htpasswd\b|wp-config\.php\b)/gi,
  },
];
