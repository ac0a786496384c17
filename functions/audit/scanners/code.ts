import type { RuleMeta } from '../finding';
import type { ScanHit, TextScanner } from '../text-scanner';
import type { CodeDetector } from './code-detector';
import { CodeFeatures } from './code-features';
import { MARKUP_DETECTORS } from './code-markup-detectors';
import { SHELL_DETECTORS } from './code-shell-detectors';
import { SQL_DETECTORS } from './code-sql-detectors';

export interface CodeScannerOptions {
  /**
   * The corpus is code (a coding-assistant or code-completion set): shell, SQL, templates and HTML are its
   * subject, so only unambiguous attacks are reported (reverse shells, droppers, fork bombs, wiping the disk).
   */
  codeCorpus?: boolean;
}

export const CODE_RULES: readonly RuleMeta[] = [
  {
    id: 'code.reverse-shell',
    check: 'code',
    severity: 'critical',
    action: 'quarantine',
    description: 'Reverse or bind shell: /dev/tcp redirect with an interactive shell, nc -e, socat exec, mkfifo pipe, socket dup2, PowerShell TCPClient loop',
  },
  {
    id: 'code.dropper',
    check: 'code',
    severity: 'high',
    action: 'quarantine',
    description: 'Remote code fetched and run from an untrusted source (IP literal, paste bin, tunnel, shortener), base64-decoded into a shell, encoded PowerShell, or a LOLBin download',
  },
  {
    id: 'code.fork-bomb',
    check: 'code',
    severity: 'high',
    action: 'quarantine',
    description: 'Fork bomb (:(){ :|:& };:, %0|%0, fork while fork)',
  },
  {
    id: 'code.destructive-command',
    check: 'code',
    severity: 'high',
    action: 'quarantine',
    description: 'Recursive delete or permission change of the filesystem root or home (rm -rf /, rm -rf ~, rd /s /q C:\\, chmod -R 777 /)',
  },
  {
    id: 'code.pipe-to-shell',
    check: 'code',
    severity: 'medium',
    action: 'warn',
    description: 'Script downloaded from a named host and piped straight into an interpreter (curl … | sh, irm … | iex)',
  },
  {
    id: 'code.command-injection',
    check: 'code',
    severity: 'high',
    action: 'quarantine',
    description: 'Shell command injection: a separator or substitution after a value, followed by a recon command or a read of /etc/passwd',
  },
  {
    id: 'code.path-traversal',
    check: 'code',
    severity: 'high',
    action: 'quarantine',
    description: 'Path traversal (../../ or encoded) to a sensitive file such as /etc/passwd, win.ini or .ssh/',
  },
  {
    id: 'code.sql-tautology',
    check: 'code',
    severity: 'high',
    action: 'quarantine',
    description: "SQL injection tautology after a broken-out value (' OR '1'='1, \" or \"\"=\", OR 1=1--)",
  },
  {
    id: 'code.sql-union-select',
    check: 'code',
    severity: 'high',
    action: 'quarantine',
    description: 'UNION SELECT pulling NULL/number columns, system tables, versions or credentials',
  },
  {
    id: 'code.sql-stacked-query',
    check: 'code',
    severity: 'high',
    action: 'quarantine',
    description: "Stacked destructive or admin statement after a broken-out value ('); DROP TABLE …;--)",
  },
  {
    id: 'code.sql-comment-tail',
    check: 'code',
    severity: 'medium',
    action: 'warn',
    description: "Quote followed by a SQL comment that cuts the rest of the query (admin'--)",
  },
  {
    id: 'code.sql-time-based',
    check: 'code',
    severity: 'high',
    action: 'quarantine',
    description: "Time-based blind SQL injection (AND SLEEP(5), '; WAITFOR DELAY '0:0:5'--, pg_sleep, BENCHMARK)",
  },
  {
    id: 'code.sql-os-command',
    check: 'code',
    severity: 'medium',
    action: 'warn',
    description: 'SQL Server OS-command procedures (xp_cmdshell, sp_OACreate)',
  },
  {
    id: 'code.template-probe',
    check: 'code',
    severity: 'medium',
    action: 'warn',
    description: 'Server-side template injection probe ({{7*7}}, ${7*7}, <%= 7*7 %>, {{config}})',
  },
  {
    id: 'code.template-injection',
    check: 'code',
    severity: 'high',
    action: 'quarantine',
    description: 'Template injection reaching the interpreter (__globals__/__subclasses__ walks, Twig _self.env, T(java.lang.Runtime), ERB system, child_process)',
  },
  {
    id: 'code.xss-payload',
    check: 'code',
    severity: 'high',
    action: 'quarantine',
    description: 'Cross-site scripting payload: script or event handler that pops a dialog, reads cookies or decodes hidden code; auto-firing handlers; javascript: in src/href',
  },
  {
    id: 'code.script-tag',
    check: 'code',
    severity: 'low',
    action: 'warn',
    description: 'Inline <script> element without a recognised payload',
  },
];

/** Rules that stay on in a code corpus: no code-assistant answer needs to teach these verbatim. */
const CODE_CORPUS_RULES = new Set(['code.reverse-shell', 'code.dropper', 'code.fork-bomb', 'code.destructive-command']);

const ALL_DETECTORS: readonly CodeDetector[] = [...SHELL_DETECTORS, ...SQL_DETECTORS, ...MARKUP_DETECTORS];

export function createCodeScanner(options: CodeScannerOptions = {}): TextScanner {
  const codeCorpus = options.codeCorpus === true;
  const detectors = codeCorpus ? ALL_DETECTORS.filter((d) => CODE_CORPUS_RULES.has(d.rule)) : ALL_DETECTORS;

  const features = new CodeFeatures();

  function scan(text: string, emit: (hit: ScanHit) => void): void {
    features.reset(text);
    let hits: ScanHit[] | undefined;
    for (const d of detectors) {
      if (!d.gate(features)) continue;
      d.re.lastIndex = 0;
      for (let m = d.re.exec(text); m; m = d.re.exec(text)) {
        if (m[0] === '') {
          d.re.lastIndex++;
          continue;
        }
        const rule = d.classify ? d.classify(m, text) : d.rule;
        if (rule === undefined || (codeCorpus && !CODE_CORPUS_RULES.has(rule))) continue;
        const start = d.spanGroup !== undefined ? (m.indices?.[d.spanGroup]?.[0] ?? m.index) : m.index;
        const end = m.index + m[0].length;
        hits ??= [];
        if (hits.some((h) => h.rule === rule && h.start < end && start < h.end)) continue;
        hits.push({ rule, start, end });
      }
    }
    if (!hits) return;
    hits.sort((a, b) => a.start - b.start || a.end - b.end);
    for (const h of hits) emit(h);
  }

  return { check: 'code', rules: CODE_RULES, scan };
}
