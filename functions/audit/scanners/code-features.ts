/**
 * Cheap facts about one text that decide which code detectors are worth running. A full regex pass costs about
 * 1 µs per KB, so on clean prose the scanner must get by on these alone. Everything is lazy and cached:
 * single-character presence (a memchr-speed `indexOf`), flags read around each `/`, `-`, `:`, `'`, `=`, `*` and
 * `|`, and substring presence (fast only when the substring starts with an uncommon character: pick needles so).
 */
export class CodeFeatures {
  private readonly charSeen = new Int8Array(128);
  private slashFlags: SlashFlags | undefined;
  private dashFlags: DashFlags | undefined;
  private colonFlags: ColonFlags | undefined;
  private quoteBreakFlag: boolean | undefined;
  private commandSubstitutionFlag: boolean | undefined;
  private literalEqualsFlag: boolean | undefined;
  private numberProductFlag: boolean | undefined;
  private pipeToInterpreterFlag: boolean | undefined;
  private current = '';

  /** Points the features at a new text; one instance serves a whole scan loop without allocating. */
  reset(text: string): this {
    this.current = text;
    this.charSeen.fill(0);
    this.slashFlags = undefined;
    this.dashFlags = undefined;
    this.colonFlags = undefined;
    this.quoteBreakFlag = undefined;
    this.commandSubstitutionFlag = undefined;
    this.literalEqualsFlag = undefined;
    this.numberProductFlag = undefined;
    this.pipeToInterpreterFlag = undefined;
    return this;
  }

  /** The ASCII character `c` occurs. */
  has(c: string): boolean {
    const code = c.charCodeAt(0);
    let s = this.charSeen[code]!;
    if (s === 0) {
      s = this.current.indexOf(c) === -1 ? -1 : 1;
      this.charSeen[code] = s;
    }
    return s === 1;
  }

  /** Any of the substrings occurs (case-sensitive: list the spellings that matter). Not cached: few repeat. */
  any(needles: readonly string[]): boolean {
    for (const n of needles) if (this.current.indexOf(n) !== -1) return true;
    return false;
  }

  /**
   * An `=` between two literals (`1=1`, `'a'='a`, `""="`): the comparison an injected tautology needs.
   * Assignments (`x = 1`, `name="x"`) have a name on the left.
   */
  get literalEquals(): boolean {
    if (this.literalEqualsFlag === undefined) {
      this.literalEqualsFlag = false;
      const t = this.current;
      for (let i = t.indexOf('='); i !== -1; i = t.indexOf('=', i + 1)) {
        let p = i - 1;
        while (t.charCodeAt(p) === 0x20) p--;
        let n = i + 1;
        while (t.charCodeAt(n) === 0x20) n++;
        if (isLiteralEdge(t.charCodeAt(p)) && isLiteralEdge(t.charCodeAt(n))) {
          this.literalEqualsFlag = true;
          break;
        }
      }
    }
    return this.literalEqualsFlag;
  }

  /** `7*7`: a product of two numbers (the template-evaluation probe). */
  get numberProduct(): boolean {
    if (this.numberProductFlag === undefined) {
      this.numberProductFlag = false;
      const t = this.current;
      for (let i = t.indexOf('*'); i !== -1; i = t.indexOf('*', i + 1)) {
        let p = i - 1;
        while (t.charCodeAt(p) === 0x20) p--;
        let n = i + 1;
        while (t.charCodeAt(n) === 0x20 || t.charCodeAt(n) === 0x27 || t.charCodeAt(n) === 0x22) n++;
        if (isDigit(t.charCodeAt(p)) && isDigit(t.charCodeAt(n))) {
          this.numberProductFlag = true;
          break;
        }
      }
    }
    return this.numberProductFlag;
  }

  /** A pipe into a shell or script interpreter: `| sh`, `|bash`, `| sudo -E bash`, `| python3`, `| iex`. */
  get pipeToInterpreter(): boolean {
    if (this.pipeToInterpreterFlag === undefined) {
      this.pipeToInterpreterFlag = false;
      const t = this.current;
      for (let i = t.indexOf('|'); i !== -1; i = t.indexOf('|', i + 1)) {
        if (PIPE_TARGET.test(t.slice(i + 1, i + 40))) {
          this.pipeToInterpreterFlag = true;
          break;
        }
      }
    }
    return this.pipeToInterpreterFlag;
  }

  /** `$(` command substitution. */
  get commandSubstitution(): boolean {
    this.commandSubstitutionFlag ??= this.has('$') && this.current.indexOf('$(') !== -1;
    return this.commandSubstitutionFlag;
  }

  get slash(): SlashFlags {
    this.slashFlags ??= readSlashes(this.current, this.has('/'));
    return this.slashFlags;
  }

  get dash(): DashFlags {
    this.dashFlags ??= readDashes(this.current, this.has('-'));
    return this.dashFlags;
  }

  get colon(): ColonFlags {
    this.colonFlags ??= readColons(this.current, this.has(':'));
    return this.colonFlags;
  }

  /**
   * A single quote that closes a value, followed by a space, `)`, `;`, a comment or the end: the shape of an
   * SQL break-out. Apostrophes inside words (`it's`, `don't`) do not count.
   */
  get quoteBreak(): boolean {
    if (this.quoteBreakFlag === undefined) {
      this.quoteBreakFlag = false;
      const t = this.current;
      for (let i = t.indexOf("'"); i !== -1; i = t.indexOf("'", i + 1)) {
        let j = i + 1;
        while (t.charCodeAt(j) === 0x29) j++;
        const c = t.charCodeAt(j);
        if (Number.isNaN(c) || c === 0x20 || c === 0x3b || c === 0x2d || c === 0x23 || c === 0x2f || c === 0x7c || c === 0x26 || c === 0x2b || c === 0x0a || c === 0x09 || c === 0x3d) {
          this.quoteBreakFlag = true;
          break;
        }
      }
    }
    return this.quoteBreakFlag;
  }
}

export interface SlashFlags {
  /** `/bin/` */ bin: boolean;
  /** `/dev/` */ dev: boolean;
  /** `/etc/` */ etc: boolean;
  /** `/proc/` */ proc: boolean;
  /** `/inet/` (gawk sockets) */ inet: boolean;
  /** `../` */ dotdot: boolean;
  /** A slash standing alone as a path: `rm -rf /`, `chmod -R 777 /`, `/*`. */
  lone: boolean;
  /** Windows switches `/s` or `/q`. */
  switchSQ: boolean;
  /** `/i:` (regsvr32 remote scriptlet). */
  switchI: boolean;
  /** `/*` (SQL block comment). */
  blockComment: boolean;
}

export interface ColonFlags {
  /** `://` */
  url: boolean;
  /** `javascript:` or `vbscript:` (any case). */
  scriptScheme: boolean;
  /** `exec:` or `system:` (socat address types). */
  execAddress: boolean;
  /** A URL or script URI handed to `mshta`. */
  mshta: boolean;
}

export interface DashFlags {
  /** ` -e` or ` -c` option (netcat exec, PowerShell encoded command). */
  execOption: boolean;
  /** ` -r`/` -R`/` -f` option, or `--recursive`. */
  recursiveOption: boolean;
  /** `rm -…` */
  rm: boolean;
  /** `--` anywhere (CLI long options, markdown rules). */
  doubleDash: boolean;
  /** `--` as an SQL comment: exactly two dashes, then a space, a quote or the end (not `---`, not `--flag`). */
  sqlComment: boolean;
  /** `-urlcache` (certutil download). */
  urlcache: boolean;
}

function readSlashes(t: string, any: boolean): SlashFlags {
  const f: SlashFlags = { bin: false, dev: false, etc: false, proc: false, inet: false, dotdot: false, lone: false, switchSQ: false, switchI: false, blockComment: false };
  if (!any) return f;
  for (let i = t.indexOf('/'); i !== -1; i = t.indexOf('/', i + 1)) {
    const n = t.charCodeAt(i + 1);
    const p = t.charCodeAt(i - 1);
    if (n === 0x62 /* b */ && t.startsWith('bin/', i + 1)) f.bin = true;
    else if (n === 0x64 /* d */ && t.startsWith('dev/', i + 1)) f.dev = true;
    else if (n === 0x65 /* e */ && t.startsWith('etc/', i + 1)) f.etc = true;
    else if (n === 0x70 /* p */ && t.startsWith('proc/', i + 1)) f.proc = true;
    else if (n === 0x69 /* i */ && t.startsWith('inet/', i + 1)) f.inet = true;
    if (p === 0x2e && t.charCodeAt(i - 2) === 0x2e) f.dotdot = true;
    const pathStart = Number.isNaN(p) || p === 0x20 || p === 0x22 || p === 0x27 || p === 0x09 || p === 0x3d;
    if (pathStart && (Number.isNaN(n) || n === 0x20 || n === 0x2a || n === 0x22 || n === 0x27 || n === 0x3b || n === 0x60 || n === 0x29 || n === 0x7c || n === 0x26 || n === 0x0a || n === 0x09)) {
      f.lone = true;
    }
    if (p === 0x20 && (n === 0x73 || n === 0x71 || n === 0x53 || n === 0x51) && t.charCodeAt(i + 2) === 0x20) f.switchSQ = true;
    if ((n === 0x69 || n === 0x49) && t.charCodeAt(i + 2) === 0x3a) f.switchI = true;
    if (n === 0x2a) f.blockComment = true;
  }
  return f;
}

function readDashes(t: string, any: boolean): DashFlags {
  const f: DashFlags = { execOption: false, recursiveOption: false, rm: false, doubleDash: false, sqlComment: false, urlcache: false };
  if (!any) return f;
  for (let i = t.indexOf('-'); i !== -1; i = t.indexOf('-', i + 1)) {
    const n = t.charCodeAt(i + 1) | 0x20;
    if (t.charCodeAt(i + 1) === 0x2d) {
      f.doubleDash = true;
      const after = t.charCodeAt(i + 2);
      if (t.charCodeAt(i - 1) !== 0x2d && (Number.isNaN(after) || after === 0x20 || after === 0x0a || after === 0x09 || after === 0x27 || after === 0x22 || after === 0x60)) {
        f.sqlComment = true;
      }
      if ((t.charCodeAt(i + 2) | 0x20) === 0x72 /* r */) f.recursiveOption = true; // --recursive
    }
    if (n === 0x75 /* u */ && t.slice(i + 1, i + 9).toLowerCase() === 'urlcache') f.urlcache = true;
    const p = t.charCodeAt(i - 1);
    if (p !== 0x20 && p !== 0x09) continue;
    if (n === 0x65 /* e */ || n === 0x63 /* c */) f.execOption = true;
    if (n === 0x72 /* r */ || n === 0x66 /* f */) f.recursiveOption = true;
    if (i >= 3 && (t.charCodeAt(i - 3) | 0x20) === 0x72 && (t.charCodeAt(i - 2) | 0x20) === 0x6d) f.rm = true;
  }
  return f;
}

function readColons(t: string, any: boolean): ColonFlags {
  const f: ColonFlags = { url: false, scriptScheme: false, execAddress: false, mshta: false };
  if (!any) return f;
  for (let i = t.indexOf(':'); i !== -1; i = t.indexOf(':', i + 1)) {
    let scheme = false;
    if (t.charCodeAt(i + 1) === 0x2f && t.charCodeAt(i + 2) === 0x2f) scheme = f.url = true;
    else if ((t.charCodeAt(i - 1) | 0x20) === 0x74 && i >= 6 && t.slice(i - 6, i).toLowerCase() === 'script') scheme = f.scriptScheme = true;
    else if ((t.charCodeAt(i - 1) | 0x20) === 0x63 && i >= 4 && t.slice(i - 4, i).toLowerCase() === 'exec') f.execAddress = true;
    else if ((t.charCodeAt(i - 1) | 0x20) === 0x6d && i >= 6 && t.slice(i - 6, i).toLowerCase() === 'system') f.execAddress = true;
    if (scheme && /mshta(?:\.exe)?\s+["']?[a-z]*$/i.test(t.slice(Math.max(0, i - 24), i))) f.mshta = true;
  }
  return f;
}

const PIPE_TARGET =
  /^\s*(?:sudo\s+(?:-[a-z-]+\s+)*)?(?:env\s+(?:\S+=\S*\s+)*)?(?:(?:\/usr)?(?:\/local)?\/bin\/)?(?:(?:ba|z|k|da|c|tc|fi)?sh|python[0-9.]*|perl|ruby|php|node|iex|invoke-expression)\b/i;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** A digit or a quote: the edge of a literal. */
function isLiteralEdge(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x27 || c === 0x22;
}
