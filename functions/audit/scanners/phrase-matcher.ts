/**
 * Many phrases, one pass: an Aho–Corasick automaton compiled to a dense DFA over folded text.
 *
 * Folding makes matching case-, whitespace- and light-punctuation-insensitive without copying the text:
 * letters are lower-cased, any run of whitespace or soft punctuation (`, . ; : ! ? " ( ) [ ] { } * _ -` and
 * backtick, dashes, typographic quotes, CJK punctuation) counts as one space, and apostrophes vanish, so
 * "I’m  sorry, but" and "im sorry but" are the same phrase. Everything else (`# + $ % & / @ < > = |`, digits,
 * other scripts) is literal. Hits are reported with spans in the original text.
 */

export interface PhraseEntry {
  readonly text: string;
  /** Caller-defined id reported with each hit (a topic, a rule family…). */
  readonly group: number;
  /**
   * Require word boundaries around the phrase (default true): "as an ai" must not match "as an aide".
   * Only applied at edges written in a script that separates words with spaces; CJK edges never need one.
   */
  readonly wholeWord?: boolean;
}

export type PhraseHitHandler = (group: number, start: number, end: number) => void;

/** Class of a character no phrase contains: the automaton falls back to its root. */
const OTHER = 0;
/** Class of whitespace and soft punctuation. */
const SPACE = 1;
/** Class of a character folding drops (apostrophes). */
const DROP = 2;
/** First class of a phrase character. */
const FIRST_CHAR_CLASS = 3;
/** foldCode's marker for a dropped character (not a code unit any string contains). */
const DROPPED_CODE = -1;
const SPACE_CODE = 0x20;
/** 128 MB of transitions: room for tens of thousands of phrases, and a clear error before a Lambda runs out of memory. */
const MAX_TABLE_ENTRIES = 1 << 25;

const WHITESPACE = '\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff';
const SOFT_PUNCTUATION =
  ',.;:!?"()[]{}*_-`\u2010\u2011\u2012\u2013\u2014\u2015\u2026\u201c\u201d\u201e\u201f\u00ab\u00bb\u2039\u203a\u00a1\u00bf\u3001\u3002\uff0c\uff01\uff1f\uff1a\uff1b\u300c\u300d\u300e\u300f\uff08\uff09\u3010\u3011';
const APOSTROPHES = "'\u2018\u2019\u201a\u201b\u02bc\u00b4\uff07\u2032";

const SPACE_LIKE = new Set([...WHITESPACE, ...SOFT_PUNCTUATION].map((ch) => ch.charCodeAt(0)));
const DROPPED = new Set([...APOSTROPHES].map((ch) => ch.charCodeAt(0)));

/** The folded code unit of `code`: SPACE_CODE, DROPPED_CODE, or its lower-case form. */
function foldCode(code: number): number {
  if (SPACE_LIKE.has(code)) return SPACE_CODE;
  if (DROPPED.has(code)) return DROPPED_CODE;
  if (code < 0x80) return code >= 0x41 && code <= 0x5a ? code + 0x20 : code;
  const lower = String.fromCharCode(code).toLowerCase();
  return lower.length === 1 ? lower.charCodeAt(0) : code;
}

/** The folded form of a phrase: what the matcher actually compares. */
export function normalizePhrase(text: string): string {
  let out = '';
  let prevSpace = true;
  for (let i = 0; i < text.length; i++) {
    const f = foldCode(text.charCodeAt(i));
    if (f === DROPPED_CODE) continue;
    if (f === SPACE_CODE) {
      if (prevSpace) continue;
      prevSpace = true;
    } else {
      prevSpace = false;
    }
    out += String.fromCharCode(f);
  }
  return out.endsWith(' ') ? out.slice(0, -1) : out;
}

function isAsciiWordChar(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || code === 0x5f;
}

/** Scripts that put spaces between words: a phrase edge in one of these needs a word boundary. */
function needsBoundary(code: number): boolean {
  if (code < 0x80) return isAsciiWordChar(code);
  // Latin-1 and Latin Extended, Greek, Cyrillic, Armenian, Hebrew, Arabic, Devanagari, Latin Extended Additional.
  return (code >= 0xc0 && code <= 0x58f) || (code >= 0x5d0 && code <= 0x6ff) || (code >= 0x900 && code <= 0x97f) || (code >= 0x1e00 && code <= 0x1fff);
}

const WORD_CHAR = /[\p{L}\p{N}\p{M}_]/u;

function isWordChar(code: number): boolean {
  return code < 0x80 ? isAsciiWordChar(code) : WORD_CHAR.test(String.fromCharCode(code));
}

export class PhraseMatcher {
  /** Number of distinct (normalized) phrases compiled. */
  readonly size: number;
  /** Number of automaton states, for callers that want to bound memory (states × alphabet × 4 bytes). */
  readonly states: number;
  private readonly classOf: Uint16Array;
  private readonly alphabet: number;
  /**
   * delta[offset + class] is the next state's offset (state × alphabet), bitwise-negated when that state
   * completes a phrase, so the hot loop tests one sign instead of loading an output table.
   */
  private readonly delta: Int32Array;
  private readonly outHead: Int32Array;
  private readonly outGroup: Int32Array;
  private readonly outLen: Int32Array;
  private readonly outLeft: Uint8Array;
  private readonly outRight: Uint8Array;
  private readonly outNext: Int32Array;

  constructor(entries: readonly PhraseEntry[]) {
    const classOfFolded = new Map<number, number>();
    const children: Map<number, number>[] = [new Map()];
    const own: number[][] = [[]];
    const outGroup: number[] = [];
    const outLen: number[] = [];
    const outLeft: number[] = [];
    const outRight: number[] = [];
    const seen = new Set<string>();

    for (const entry of entries) {
      const phrase = normalizePhrase(entry.text);
      if (phrase.length === 0) throw new Error(`phrase ${JSON.stringify(entry.text)} is empty once case, spacing and punctuation are folded`);
      const whole = entry.wholeWord !== false;
      const key = `${entry.group}\u0000${whole ? 1 : 0}\u0000${phrase}`;
      if (seen.has(key)) continue;
      seen.add(key);
      let state = 0;
      for (let i = 0; i < phrase.length; i++) {
        const f = phrase.charCodeAt(i);
        let k = f === SPACE_CODE ? SPACE : classOfFolded.get(f);
        if (k === undefined) {
          k = classOfFolded.size + FIRST_CHAR_CLASS;
          classOfFolded.set(f, k);
        }
        let next = children[state]!.get(k);
        if (next === undefined) {
          next = children.length;
          children.push(new Map());
          own.push([]);
          children[state]!.set(k, next);
        }
        state = next;
      }
      own[state]!.push(outGroup.length);
      outGroup.push(entry.group);
      outLen.push(phrase.length);
      outLeft.push(whole && needsBoundary(phrase.charCodeAt(0)) ? 1 : 0);
      outRight.push(whole && needsBoundary(phrase.charCodeAt(phrase.length - 1)) ? 1 : 0);
    }
    this.size = seen.size;
    const alphabet = classOfFolded.size + FIRST_CHAR_CLASS;
    this.alphabet = alphabet;
    this.classOf = buildClassTable(classOfFolded);

    // Number states breadth-first so the shallow states clean text lives in share a few cache lines.
    const order = [0];
    for (let q = 0; q < order.length; q++) for (const child of children[order[q]!]!.values()) order.push(child);
    const renumber = new Int32Array(order.length);
    order.forEach((old, index) => (renumber[old] = index));
    const states = order.length;
    this.states = states;
    if (states * alphabet > MAX_TABLE_ENTRIES) {
      throw new Error(`${this.size} phrases need a ${states}×${alphabet} table, over the ${MAX_TABLE_ENTRIES} entries one matcher may use`);
    }

    const delta = new Int32Array(states * alphabet);
    const fail = new Int32Array(states);
    const lastClass = new Int32Array(states);
    const outHead = new Int32Array(states).fill(-1);
    const outNext = new Int32Array(outGroup.length).fill(-1);
    for (let s = 0; s < states; s++) {
      const row = s * alphabet;
      const failRow = fail[s]! * alphabet;
      // Own outputs first (the longest), then the outputs of the longest proper suffix.
      const list = own[order[s]!]!;
      const suffixHead = s === 0 ? -1 : outHead[fail[s]!]!;
      for (let j = 0; j < list.length; j++) outNext[list[j]!] = j + 1 < list.length ? list[j + 1]! : suffixHead;
      outHead[s] = list.length > 0 ? list[0]! : suffixHead;
      // Missing transitions are the fail state's (the root's are zero already); then the children.
      if (s !== 0) delta.copyWithin(row, failRow, failRow + alphabet);
      for (const [k, oldChild] of children[order[s]!]!) {
        const child = renumber[oldChild]!;
        lastClass[child] = k;
        fail[child] = s === 0 ? 0 : delta[failRow + k]!;
        delta[row + k] = child;
      }
      // Folding in the table, not in the loop: a dropped character, or a space after a space, changes nothing.
      delta[row + DROP] = s;
      if (s !== 0 && lastClass[s] === SPACE) delta[row + SPACE] = s;
    }
    // States → offsets, with the output flag folded into the sign. A folding self-loop (apostrophe, repeated
    // space) stays where it is without reporting the phrase it just completed a second time.
    for (let s = 0; s < states; s++) {
      for (let k = 0; k < alphabet; k++) {
        const i = s * alphabet + k;
        const target = delta[i]!;
        const folding = target === s && (k === DROP || k === SPACE);
        delta[i] = outHead[target] === -1 || folding ? target * alphabet : ~(target * alphabet);
      }
    }
    this.delta = delta;
    this.outHead = outHead;
    this.outGroup = Int32Array.from(outGroup);
    this.outLen = Int32Array.from(outLen);
    this.outLeft = Uint8Array.from(outLeft);
    this.outRight = Uint8Array.from(outRight);
    this.outNext = outNext;
  }

  /** Calls `onHit` for every phrase occurrence (overlaps included), in order of end position. */
  scan(text: string, onHit: PhraseHitHandler): void {
    const classOf = this.classOf;
    const delta = this.delta;
    let offset = 0;
    for (let i = 0; i < text.length; i++) {
      offset = delta[offset + classOf[text.charCodeAt(i)]!]!;
      if (offset < 0) {
        offset = ~offset;
        this.report(text, i, offset / this.alphabet, onHit);
      }
    }
  }

  private report(text: string, last: number, state: number, onHit: PhraseHitHandler): void {
    const end = last + 1;
    for (let o = this.outHead[state]!; o !== -1; o = this.outNext[o]!) {
      const start = this.startOf(text, last, this.outLen[o]!);
      if (this.outLeft[o] === 1 && start > 0 && isWordChar(text.charCodeAt(start - 1))) continue;
      if (this.outRight[o] === 1 && end < text.length && isWordChar(text.charCodeAt(end))) continue;
      onHit(this.outGroup[o]!, start, end);
    }
  }

  /** Walks back over `len` folded characters ending at `last`; a run of spaces counts once. */
  private startOf(text: string, last: number, len: number): number {
    const classOf = this.classOf;
    let remaining = len;
    let j = last;
    let rightWasSpace = false;
    for (; j >= 0; j--) {
      const k = classOf[text.charCodeAt(j)]!;
      if (k === DROP) continue;
      if (k === SPACE) {
        if (rightWasSpace) continue;
        rightWasSpace = true;
      } else {
        rightWasSpace = false;
      }
      if (--remaining === 0) break;
    }
    return j;
  }
}

/** Code unit → class. Upper-case and typographic variants share their folded character's class. */
function buildClassTable(classOfFolded: ReadonlyMap<number, number>): Uint16Array {
  const table = new Uint16Array(0x10000); // OTHER everywhere to start with
  for (const code of SPACE_LIKE) table[code] = SPACE;
  for (const code of DROPPED) table[code] = DROP;
  for (let code = 0; code < 0x80; code++) {
    const f = foldCode(code);
    if (f !== SPACE_CODE && f !== DROPPED_CODE) table[code] = classOfFolded.get(f) ?? OTHER;
  }
  for (const [folded, k] of classOfFolded) {
    if (folded < 0x80) continue;
    table[folded] = k;
    const upper = String.fromCharCode(folded).toUpperCase();
    if (upper.length === 1 && foldCode(upper.charCodeAt(0)) === folded) table[upper.charCodeAt(0)] = k;
  }
  // The one non-ASCII code unit that lower-cases onto an ASCII letter: KELVIN SIGN → k.
  const kelvin = classOfFolded.get(0x6b);
  if (kelvin !== undefined) table[0x212a] = kelvin;
  return table;
}
