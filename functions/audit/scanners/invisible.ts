import type { RuleMeta } from '../finding';
import type { ScanHit, TextScanner } from '../text-scanner';

/** No settings: rules are switched off or re-ranked centrally, by id, like every other scanner's. */
export type InvisibleScannerOptions = Record<string, never>;

export const INVISIBLE_RULES: readonly RuleMeta[] = [
  {
    id: 'invisible.tag-smuggling',
    check: 'invisible',
    severity: 'critical',
    action: 'quarantine',
    description: 'Unicode tag characters (U+E0000–U+E007F) outside an emoji subdivision flag: hidden ASCII that models read and people do not',
  },
  {
    id: 'invisible.bidi-control',
    check: 'invisible',
    severity: 'high',
    action: 'quarantine',
    description: 'Bidirectional override/embedding/isolate controls (U+202A–U+202E, U+2066–U+2069) outside right-to-left text: Trojan Source reordering',
  },
  {
    id: 'invisible.variation-selector-smuggling',
    check: 'invisible',
    severity: 'high',
    action: 'quarantine',
    description: 'A run of variation selectors (U+FE00–U+FE0F, U+E0100–U+E01EF): bytes hidden behind a visible character',
  },
  {
    id: 'invisible.zero-width-smuggling',
    check: 'invisible',
    severity: 'high',
    action: 'quarantine',
    description: 'Four or more zero-width/format characters in a row, or zero-width characters threaded through words: hidden payload or filter evasion',
  },
  {
    id: 'invisible.zero-width',
    check: 'invisible',
    severity: 'medium',
    action: 'warn',
    description: 'Zero-width character (U+200B/C/D, U+2060, U+FEFF after the start) where no script or emoji sequence needs it',
  },
  {
    id: 'invisible.variation-selector-stray',
    check: 'invisible',
    severity: 'low',
    action: 'warn',
    description: 'Variation selector after a character that takes none, or doubled',
  },
  {
    id: 'invisible.bidi-mark',
    check: 'invisible',
    severity: 'low',
    action: 'warn',
    description: 'Bidirectional mark (LRM, RLM, ALM) outside right-to-left text',
  },
  {
    id: 'invisible.format-char',
    check: 'invisible',
    severity: 'low',
    action: 'warn',
    description: 'Other invisible format or filler character: soft-hyphen runs, U+180E, invisible math operators, interlinear annotation, Hangul fillers, deprecated format controls',
  },
];

/** Every character the scanner cares about; `\uDB40` and `\uD834` are the lead surrogates of the tag/VS and musical blocks. */
const CANDIDATE = /[\u00AD\u034F\u061C\u115F\u1160\u180E\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF9-\uFFFB\uDB40\uD834]/;
const RUN =
  /(?:[\u00AD\u034F\u061C\u115F\u1160\u180E\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF9-\uFFFB]|\uDB40[\uDC00-\uDDEF]|\uD834[\uDD73-\uDD7A])+/g;

type Kind = 'zero-width' | 'bidi-control' | 'bidi-mark' | 'tag' | 'variation-selector' | 'soft-hyphen' | 'format';

const EXT_PICT = /\p{Extended_Pictographic}/u;
const LETTER_OR_MARK = /[\p{L}\p{M}]/u;
const WORD_LETTER = /[\p{L}\p{N}]/u;

const ZWJ = 0x200d;
const ZWNJ = 0x200c;
const ZWSP = 0x200b;
const BOM = 0xfeff;
const VS15 = 0xfe0e;
const VS16 = 0xfe0f;
const BLACK_FLAG = 0x1f3f4;
const TAG_END = 0xe007f;

export function createInvisibleScanner(_options: InvisibleScannerOptions = {}): TextScanner {
  return { check: 'invisible', rules: INVISIBLE_RULES, scan };
}

function scan(text: string, emit: (hit: ScanHit) => void): void {
  if (!CANDIDATE.test(text)) return;
  // Zero-width characters inside words are held back: three or more in one text read as filter evasion.
  let inWord: ScanHit[] | undefined;
  RUN.lastIndex = 0;
  for (let m = RUN.exec(text); m; m = RUN.exec(text)) {
    const hit = classifyRun(text, m.index, m.index + m[0].length);
    if (!hit) continue;
    if (hit.rule === 'invisible.zero-width' && isInsideWord(text, hit.start, hit.end)) {
      (inWord ??= []).push(hit);
      continue;
    }
    emit(hit);
  }
  if (inWord) {
    const smuggled = inWord.length >= 3;
    for (const h of inWord) emit(smuggled ? { ...h, rule: 'invisible.zero-width-smuggling' } : h);
  }
}

function kindOf(cp: number): Kind | undefined {
  if (cp === ZWSP || cp === 0x200c || cp === ZWJ || cp === 0x2060 || cp === BOM) return 'zero-width';
  if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) return 'bidi-control';
  if (cp === 0x200e || cp === 0x200f || cp === 0x061c) return 'bidi-mark';
  if (cp >= 0xe0000 && cp <= 0xe007f) return 'tag';
  if ((cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef)) return 'variation-selector';
  if (cp === 0x00ad) return 'soft-hyphen';
  if (cp >= 0xd800 && cp <= 0xdfff) return undefined; // lone surrogate: not ours
  return 'format';
}

/**
 * Decides one maximal run of candidate characters. Characters that their context needs (emoji ZWJ glue, a VS16
 * after an emoji, subdivision-flag tags, ZWNJ/ZWJ in joining and Indic scripts, bidi marks in RTL text, a BOM
 * at the start) are set aside; the rest make the hit, ranked by how plainly they hide something.
 */
function classifyRun(text: string, runStart: number, runEnd: number): ScanHit | undefined {
  const before = codePointBefore(text, runStart);
  const after = text.codePointAt(runEnd);
  const cps: number[] = [];
  const offs: number[] = [];
  for (let i = runStart; i < runEnd; ) {
    const cp = text.codePointAt(i)!;
    cps.push(cp);
    offs.push(i);
    i += cp > 0xffff ? 2 : 1;
  }
  const n = cps.length;
  const legit = new Array<boolean>(n).fill(false);

  let vsCount = 0;
  let vsOtherThanEmoji = false;
  for (const cp of cps) {
    if (kindOf(cp) === 'variation-selector') {
      vsCount++;
      if (cp !== VS15 && cp !== VS16) vsOtherThanEmoji = true;
    }
  }

  let k = 0;
  // A subdivision flag: 🏴 + 2–6 lower-case letters/digits as tags + CANCEL TAG (🏴󠁧󠁢󠁳󠁣󠁴󠁿).
  if (before === BLACK_FLAG) {
    let j = 0;
    while (j < n && isTagSpec(cps[j]!)) j++;
    if (j >= 3 && j <= 7 && cps[j] === TAG_END) {
      for (let t = 0; t <= j; t++) legit[t] = true;
      k = j + 1;
    }
  }
  for (; k < n; k++) {
    const cp = cps[k]!;
    const prev = k === 0 ? before : cps[k - 1];
    const next = k === n - 1 ? after : cps[k + 1];
    const kind = kindOf(cp);
    switch (kind) {
      case 'variation-selector':
        legit[k] = vsCount === 1 && k === 0 && prev !== undefined && takesSelector(prev, cp);
        break;
      case 'zero-width':
        if (cp === BOM) legit[k] = offs[k] === 0; // byte-order mark at the very start
        else if (cp === ZWJ && next !== undefined && isEmojiSide(next) && k === n - 1) {
          // 👩‍💻, 🏳️‍🌈, 👩🏽‍💻: the joiner glues an emoji (maybe with its VS16 or skin tone) to the next one.
          legit[k] = prev !== undefined && (isEmojiSide(prev) || isEmojiModifier(prev) || prev === TAG_END || (prev === VS16 && k > 0 && legit[k - 1] === true));
        } else if ((cp === ZWJ || cp === ZWNJ) && k === 0 && n === 1 && prev !== undefined && isJoiningScript(prev)) {
          legit[k] = true; // Persian می‌خواهم, Hindi क्‍ष, Malayalam chillu forms
        } else if (cp === ZWSP && n === 1 && ((prev !== undefined && isWordBreakScript(prev)) || (next !== undefined && isWordBreakScript(next)))) {
          legit[k] = true; // Thai, Lao, Khmer, Myanmar and CJK text mark word breaks with ZWSP
        }
        break;
      case 'bidi-mark':
        legit[k] = hasRtlNearby(text, runStart, runEnd);
        break;
      case 'bidi-control':
        // Overrides reorder what follows; embeddings and isolates are ordinary markup around RTL words.
        legit[k] = cp !== 0x202d && cp !== 0x202e && hasRtlNearby(text, runStart, runEnd);
        break;
      case 'soft-hyphen':
        legit[k] = n === 1 && ((prev !== undefined && isLetterOrMark(prev)) || (next !== undefined && isLetterOrMark(next)));
        break;
      case 'format':
        if (cp === 0x115f || cp === 0x1160) legit[k] = (prev !== undefined && isJamo(prev)) || (next !== undefined && isJamo(next));
        break;
      default:
        break;
    }
  }

  let first = -1;
  let last = -1;
  let tag = false;
  let bidi = false;
  let vs = false;
  let zw = 0;
  let mark = false;
  let hidden = 0; // characters that can carry a payload when repeated
  for (let i = 0; i < n; i++) {
    if (legit[i]) continue;
    const kind = kindOf(cps[i]!);
    if (kind === undefined) continue;
    if (first === -1) first = i;
    last = i;
    if (kind === 'tag') tag = true;
    else if (kind === 'bidi-control') bidi = true;
    else if (kind === 'variation-selector') vs = true;
    else if (kind === 'zero-width') zw++;
    else if (kind === 'bidi-mark') mark = true;
    if (kind === 'zero-width' || kind === 'bidi-mark' || kind === 'format') hidden++;
  }
  if (first === -1) return undefined;
  const start = offs[first]!;
  const end = offs[last]! + (cps[last]! > 0xffff ? 2 : 1);
  let rule: string;
  if (tag) rule = 'invisible.tag-smuggling';
  else if (bidi) rule = 'invisible.bidi-control';
  else if (vs && (vsCount >= 3 || (vsCount >= 2 && vsOtherThanEmoji))) rule = 'invisible.variation-selector-smuggling';
  else if (hidden >= 4) rule = 'invisible.zero-width-smuggling';
  else if (zw > 0) rule = 'invisible.zero-width';
  else if (vs) rule = 'invisible.variation-selector-stray';
  else if (mark) rule = 'invisible.bidi-mark';
  else rule = 'invisible.format-char';
  return { rule, start, end };
}

function codePointBefore(text: string, i: number): number | undefined {
  if (i === 0) return undefined;
  const lo = text.charCodeAt(i - 1);
  if (lo >= 0xdc00 && lo <= 0xdfff && i >= 2) {
    const hi = text.charCodeAt(i - 2);
    if (hi >= 0xd800 && hi <= 0xdbff) return (hi - 0xd800) * 0x400 + (lo - 0xdc00) + 0x10000;
  }
  return lo;
}

function isTagSpec(cp: number): boolean {
  return (cp >= 0xe0030 && cp <= 0xe0039) || (cp >= 0xe0061 && cp <= 0xe007a);
}

/** Whether a single variation selector after `base` is a real variation sequence. */
function takesSelector(base: number, vs: number): boolean {
  if (vs === VS15 || vs === VS16) return takesEmojiPresentation(base);
  if (vs >= 0xe0100) return isHan(base); // ideographic variation sequences (葛󠄀)
  // FE00–FE0D: standardized variants of math symbols, CJK compatibility ideographs, Myanmar, Phags-pa, slashed zero.
  return base === 0x30 || (base > 0x7f && !isSpaceLike(base) && kindOf(base) === undefined);
}

function takesEmojiPresentation(cp: number): boolean {
  return (
    cp === 0x23 || cp === 0x2a || (cp >= 0x30 && cp <= 0x39) || cp === 0xa9 || cp === 0xae || cp === 0x203c || cp === 0x2049 ||
    cp === 0x2122 || cp === 0x2139 || (cp >= 0x2194 && cp <= 0x21aa) || (cp >= 0x231a && cp <= 0x23ff) || cp === 0x24c2 ||
    (cp >= 0x25aa && cp <= 0x25fe) || (cp >= 0x2600 && cp <= 0x27bf) || cp === 0x2934 || cp === 0x2935 ||
    (cp >= 0x2b05 && cp <= 0x2b55) || cp === 0x3030 || cp === 0x303d || cp === 0x3297 || cp === 0x3299 ||
    (cp >= 0x1f000 && cp <= 0x1faff)
  );
}

function isEmojiSide(cp: number): boolean {
  return cp >= 0xa9 && EXT_PICT.test(String.fromCodePoint(cp));
}

function isEmojiModifier(cp: number): boolean {
  return cp >= 0x1f3fb && cp <= 0x1f3ff;
}

/** Scripts whose orthography uses ZWJ/ZWNJ to pick letter forms: Arabic-script languages, Syriac, Indic, SE Asian, Mongolian. */
function isJoiningScript(cp: number): boolean {
  return (
    (cp >= 0x0600 && cp <= 0x08ff) || (cp >= 0x0900 && cp <= 0x0dff) || (cp >= 0x0f00 && cp <= 0x0fff) ||
    (cp >= 0x1000 && cp <= 0x109f) || (cp >= 0x1780 && cp <= 0x18af) || (cp >= 0x1b00 && cp <= 0x1b7f) ||
    (cp >= 0xa840 && cp <= 0xa87f) || (cp >= 0xa8e0 && cp <= 0xa8ff) || (cp >= 0xa980 && cp <= 0xa9ff) ||
    (cp >= 0xaa60 && cp <= 0xaa7f) || (cp >= 0xfb50 && cp <= 0xfdff) || (cp >= 0xfe70 && cp <= 0xfefc) ||
    (cp >= 0x10800 && cp <= 0x10fff) || (cp >= 0x11000 && cp <= 0x113ff)
  );
}

function isWordBreakScript(cp: number): boolean {
  return (
    (cp >= 0x0e00 && cp <= 0x0fff) || (cp >= 0x1000 && cp <= 0x109f) || (cp >= 0x1780 && cp <= 0x17ff) ||
    (cp >= 0x1950 && cp <= 0x1aaf) || (cp >= 0x3040 && cp <= 0x30ff) || (cp >= 0x3400 && cp <= 0x9fff)
  );
}

function isRtl(cp: number): boolean {
  return (
    (cp >= 0x0590 && cp <= 0x08ff && cp !== 0x061c) || (cp >= 0xfb1d && cp <= 0xfdff) || (cp >= 0xfe70 && cp <= 0xfefc) ||
    (cp >= 0x10800 && cp <= 0x10fff) || (cp >= 0x1e800 && cp <= 0x1efff)
  );
}

/** A right-to-left letter within a few characters of the run: the controls then shape real RTL text. */
function hasRtlNearby(text: string, runStart: number, runEnd: number): boolean {
  const from = Math.max(0, runStart - 16);
  const to = Math.min(text.length, runEnd + 16);
  for (let i = from; i < to; i++) {
    if (i >= runStart && i < runEnd) continue;
    const c = text.charCodeAt(i);
    if (c >= 0x0590 && isRtl(c >= 0xd800 && c <= 0xdbff ? (text.codePointAt(i) ?? c) : c)) return true;
  }
  return false;
}

function isHan(cp: number): boolean {
  return (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x20000 && cp <= 0x3ffff);
}

function isJamo(cp: number): boolean {
  return (cp >= 0x1100 && cp <= 0x11ff) || (cp >= 0xa960 && cp <= 0xa97f) || (cp >= 0xd7b0 && cp <= 0xd7ff);
}

function isSpaceLike(cp: number): boolean {
  return cp === 0xa0 || cp === 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp === 0x2028 || cp === 0x2029 || cp === 0x202f || cp === 0x205f || cp === 0x3000;
}

function isLetterOrMark(cp: number): boolean {
  return LETTER_OR_MARK.test(String.fromCodePoint(cp));
}

/** Letters or digits on both sides: `pass\u200Bword`. */
function isInsideWord(text: string, start: number, end: number): boolean {
  const prev = codePointBefore(text, start);
  const next = text.codePointAt(end);
  return prev !== undefined && next !== undefined && WORD_LETTER.test(String.fromCodePoint(prev)) && WORD_LETTER.test(String.fromCodePoint(next));
}
