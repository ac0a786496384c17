import type { RuleMeta } from '../finding';
import type { ScanHit, TextScanner } from '../text-scanner';
import { CodeSpans } from './code-spans';
import { CONTROL_TOKEN_ANCHORS, TURN_MARKER_ANCHORS, findControlTokens } from './control-tokens';
import { EXFILTRATION_FAMILY } from './exfiltration-phrasings';
import { classifyPhrasingUse } from './injection-context';
import type { Phrasing } from './injection-phrasing';
import { JAILBREAK_FAMILY } from './jailbreak-phrasings';
import { OVERRIDE_FAMILY } from './override-phrasings';
import { PhraseMatcher, type PhraseEntry } from './phrase-matcher';

export interface InjectionScannerOptions {
  /**
   * Literal control tokens of a custom chat template (e.g. `<|my_turn|>`), matched case-sensitively and reported
   * like the built-in ones.
   */
  readonly extraControlTokens?: readonly string[];
}

export const INJECTION_RULES: readonly RuleMeta[] = [
  {
    id: 'injection.instruction-override',
    check: 'injection',
    severity: 'high',
    action: 'quarantine',
    description: 'Tells the model to ignore, forget or override its previous or system instructions ("ignore all previous instructions", "you are no longer bound by…"), in English or another language.',
  },
  {
    id: 'injection.role-play-jailbreak',
    check: 'injection',
    severity: 'high',
    action: 'quarantine',
    description: 'Role-play jailbreak: DAN ("Do Anything Now"), developer mode, a jailbroken or unfiltered persona, AIM, the evil confidant, "pretend you have no restrictions", "stay in character no matter what".',
  },
  {
    id: 'injection.system-prompt-exfiltration',
    check: 'injection',
    severity: 'medium',
    action: 'quarantine',
    description: 'Asks the model to reveal its system prompt, initial instructions or the hidden text above the conversation.',
  },
  {
    id: 'injection.control-token',
    check: 'injection',
    severity: 'critical',
    action: 'quarantine',
    description: 'Chat-template control token inside message content (<|im_start|>, <|eot_id|>, [INST], <<SYS>>, <start_of_turn>, a stray </s>…); tokenizers may turn it into a real turn boundary.',
  },
  {
    id: 'injection.turn-marker',
    check: 'injection',
    severity: 'high',
    action: 'quarantine',
    description: 'Legacy "\\n\\nHuman:" / "\\n\\nAssistant:" turn inside message content, forging a conversation turn.',
  },
  {
    id: 'injection.quoted-control-token',
    check: 'injection',
    severity: 'medium',
    action: 'warn',
    description: 'Control token or turn marker shown as code, quoted, or described as template syntax; documentation, but some tokenizers still read it as the special token.',
  },
  {
    id: 'injection.discussed-attack',
    check: 'injection',
    severity: 'low',
    action: 'warn',
    description: 'An override, jailbreak or exfiltration phrasing quoted as an example in text about prompt-injection attacks.',
  },
];

const DISCUSSED = 'injection.discussed-attack';

/** More occurrences of one exact anchor than this add no windows, only time. */
const MAX_EXACT_OCCURRENCES = 64;

interface CompiledPhrasing {
  readonly phrasing: Phrasing;
  readonly rule: string;
  /** The phrasing's regex, sticky, for phrasings that start at their anchor. */
  readonly sticky?: RegExp;
}

const LETTER = /[\p{L}\p{N}_]/u;
/** Letters of scripts that separate words with spaces; CJK anchors may follow any character. */
const SPACED_LETTER = /[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}\p{N}_]/u;

/** Moves a window edge out of the middle of a word, so the regex's word-boundary checks see what the text has. */
function snapStart(text: string, index: number): number {
  let i = index;
  for (let guard = 0; i > 0 && guard < 40 && LETTER.test(text[i - 1]!); guard++) i--;
  return i;
}
function snapEnd(text: string, index: number): number {
  let i = index;
  for (let guard = 0; i < text.length && guard < 40 && LETTER.test(text[i]!); guard++) i++;
  return i;
}

export function createInjectionScanner(options: InjectionScannerOptions = {}): TextScanner {
  const extraTokens = (options.extraControlTokens ?? []).map((token) => {
    if (typeof token !== 'string' || token.trim() === '') throw new Error('extraControlTokens must be non-empty strings');
    return token;
  });
  const phrasings: CompiledPhrasing[] = [OVERRIDE_FAMILY, JAILBREAK_FAMILY, EXFILTRATION_FAMILY].flatMap((family) =>
    family.phrasings.map((phrasing) => ({
      phrasing,
      rule: family.rule,
      sticky: phrasing.reach === undefined ? new RegExp(phrasing.regex.source, phrasing.regex.flags.replace('g', '') + 'y') : undefined,
    })),
  );
  const controlGroup = phrasings.length;
  const entries: PhraseEntry[] = [];
  const exact: { text: string; group: number }[] = [];
  phrasings.forEach(({ phrasing }, group) => {
    for (const text of phrasing.anchors) entries.push({ text, group, wholeWord: false });
    for (const text of phrasing.exactAnchors ?? []) exact.push({ text, group });
  });
  for (const { text, wholeWord } of CONTROL_TOKEN_ANCHORS) entries.push({ text, group: controlGroup, wholeWord });
  for (const text of [...TURN_MARKER_ANCHORS, ...extraTokens]) exact.push({ text, group: controlGroup });
  const matcher = new PhraseMatcher(entries);

  return {
    check: 'injection',
    rules: INJECTION_RULES,
    scan(text: string, emit: (hit: ScanHit) => void, role?: string): void {
      // Anchor positions as flat (group, start, end) triples; nothing is allocated for a clean text.
      let anchors: number[] | undefined;
      matcher.scan(text, (group, start, end) => (anchors ??= []).push(group, start, end));
      for (const { text: anchor, group } of exact) {
        let i = text.indexOf(anchor);
        for (let n = 0; i !== -1 && n < MAX_EXACT_OCCURRENCES; n++, i = text.indexOf(anchor, i + anchor.length)) {
          (anchors ??= []).push(group, i, i + anchor.length);
        }
      }
      if (anchors === undefined) return;

      const hits: ScanHit[] = [];
      const code = new CodeSpans(text);
      const report = (compiled: CompiledPhrasing, m: RegExpExecArray, start: number): void => {
        const end = start + m[0].length;
        if (m[0].length === 0) return;
        if (compiled.phrasing.accept !== undefined && !compiled.phrasing.accept(m, text, start, end)) return;
        const use = classifyPhrasingUse(text, start, end, code, m.groups?.verb);
        if (use !== 'none') hits.push({ rule: use === 'discussion' ? DISCUSSED : compiled.rule, start, end });
      };
      let control = false;
      let windows: Map<number, number[]> | undefined;
      for (let i = 0; i < anchors.length; i += 3) {
        const group = anchors[i]!;
        if (group === controlGroup) {
          control = true;
          continue;
        }
        const compiled = phrasings[group]!;
        if (role !== undefined && compiled.phrasing.legitimateIn?.includes(role)) continue;
        if (compiled.sticky !== undefined) {
          // An anchor inside a word (".gitignore") cannot start a phrasing.
          const at = anchors[i + 1]!;
          if (at > 0 && SPACED_LETTER.test(text[at - 1]!) && SPACED_LETTER.test(text[at]!)) continue;
          compiled.sticky.lastIndex = at;
          const m = compiled.sticky.exec(text);
          if (m !== null) report(compiled, m, m.index);
          continue;
        }
        windows ??= new Map();
        const list = windows.get(group);
        if (list === undefined) windows.set(group, [anchors[i + 1]!, anchors[i + 2]!]);
        else list.push(anchors[i + 1]!, anchors[i + 2]!);
      }

      for (const [group, spans] of windows ?? []) {
        const compiled = phrasings[group]!;
        const regex = compiled.phrasing.regex;
        for (const [from, to] of mergeWindows(spans, compiled.phrasing.reach!, text.length)) {
          const offset = snapStart(text, from);
          const slice = text.slice(offset, snapEnd(text, to));
          regex.lastIndex = 0;
          for (let m = regex.exec(slice); m !== null; m = regex.exec(slice)) {
            if (m[0].length === 0) regex.lastIndex++;
            else report(compiled, m, offset + m.index);
          }
        }
      }

      if (control) {
        findControlTokens(text, extraTokens, code, ({ kind, start, end, quoted }) => {
          const rule = quoted ? 'injection.quoted-control-token' : kind === 'token' ? 'injection.control-token' : 'injection.turn-marker';
          hits.push({ rule, start, end });
        });
      }
      emitMerged(hits, emit);
    },
  };
}

/** Windows around anchors (flat start/end pairs), overlapping ones merged. */
function mergeWindows(anchorSpans: number[], [before, after]: readonly [number, number], length: number): [number, number][] {
  const windows: [number, number][] = [];
  for (let i = 0; i < anchorSpans.length; i += 2) {
    windows.push([Math.max(0, anchorSpans[i]! - before), Math.min(length, anchorSpans[i + 1]! + after)]);
  }
  windows.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const window of windows) {
    const last = merged[merged.length - 1];
    if (last !== undefined && last[1] >= window[0]) last[1] = Math.max(last[1], window[1]);
    else merged.push(window);
  }
  return merged;
}

/** One hit per rule per stretch of text: two phrasings matching the same words are one finding. */
function emitMerged(hits: ScanHit[], emit: (hit: ScanHit) => void): void {
  if (hits.length === 0) return;
  hits.sort((a, b) => (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : a.start - b.start));
  let current = { ...hits[0]! };
  for (let i = 1; i < hits.length; i++) {
    const next = hits[i]!;
    if (next.rule === current.rule && next.start < current.end) {
      current.end = Math.max(current.end, next.end);
    } else {
      emit(current);
      current = { ...next };
    }
  }
  emit(current);
}
