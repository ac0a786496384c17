import type { CodeSpans } from './code-spans';

/**
 * Chat-template control tokens inside message content: `<|im_start|>`, `<|eot_id|>`, `[INST]`, `<<SYS>>`,
 * `<start_of_turn>`, Llama's `<s>`/`</s>` used as turn markers, and legacy `\n\nHuman:` / `\n\nAssistant:` turns.
 * Many tokenizers encode such text as the real special token, so a row that contains one can forge a turn
 * boundary in training, whatever role it sits in.
 */

export type ControlTokenKind = 'token' | 'turn-marker';

export interface ControlTokenMatch {
  readonly kind: ControlTokenKind;
  readonly start: number;
  readonly end: number;
  /** Shown as code, quoted, or described as template syntax: documentation rather than a live token. */
  readonly quoted: boolean;
}

/** Folded anchors (see PhraseMatcher) for the prefilter: no control token exists without one. */
export const CONTROL_TOKEN_ANCHORS: readonly { text: string; wholeWord: boolean }[] = [
  { text: '<|', wholeWord: false },
  { text: '<\uff5c', wholeWord: false },
  { text: 'inst', wholeWord: true },
  { text: '/inst', wholeWord: true },
  { text: '<<sys', wholeWord: false },
  { text: '<</sys', wholeWord: false },
  { text: '<s>', wholeWord: false },
  { text: '</s>', wholeWord: false },
  { text: 'of turn>', wholeWord: false },
  { text: 'system prompt', wholeWord: true },
  { text: 'tool calls', wholeWord: true },
  { text: 'available tools', wholeWord: true },
  { text: 'tool results', wholeWord: true },
];
/** Case-sensitive anchors (indexOf) for the legacy turn markers. */
export const TURN_MARKER_ANCHORS: readonly string[] = ['Human:', 'Assistant:'];

const CONTROL_TOKEN = new RegExp(
  [
    String.raw`<\|[A-Za-z_][A-Za-z0-9_.:-]{0,48}\|>`, // ChatML, Llama 3, Phi, Qwen, Command R, GPT special tokens
    String.raw`<\uff5c[^\uff5c\s<>]{1,48}\uff5c>`, // DeepSeek's full-width bars
    String.raw`\[\/?(?:INST|SYSTEM_PROMPT|AVAILABLE_TOOLS|TOOL_CALLS|TOOL_RESULTS)\]`, // Llama 2, Mistral
    String.raw`<<\/?SYS>>`,
    String.raw`<(?:start|end)_of_turn>`, // Gemma
    String.raw`<\/?s>`, // Llama BOS/EOS; HTML strikethrough too, decided below
  ].join('|'),
  'g',
);
const TURN_MARKER = /\r?\n[ \t]*\r?\n(?:Human|Assistant):/g;
const LLAMA_TEMPLATE = /\[\/?INST\]|<<\/?SYS>>/;
/** Words that say the surrounding prose is describing template syntax. */
const TEMPLATE_VOCABULARY =
  /\b(?:tokens?|tokeni[sz]\w*|templates?|chatml|delimit\w*|markers?|stop\s+(?:words?|sequences?|strings?)|special\s+(?:tokens?|sequences?|strings?)|(?:prompt|chat)\s+format|eos|bos)\b/i;
/** A token doing its job: opening a role line, next to another token, or at the very edge of the text. */
const ROLE_LINE_AFTER = /^[ \t]*(?:system|user|assistant|model|tool|ipython|human|bot|chatbot|developer)?[ \t]*\r?\n/i;
const TOKEN_NEXT = /^\s*(?:<\||<\uff5c|\[\/?INST\]|<<\/?SYS>>|<(?:start|end)_of_turn>|<\/?s>)/;
const TOKEN_BEFORE = /(?:\|>|\uff5c>|\[\/?INST\]|<<\/?SYS>>|_of_turn>|<\/?s>)\s*$/;

function isStructural(text: string, start: number, end: number): boolean {
  if (text.slice(0, start).trim() === '' || text.slice(end).trim() === '') return true;
  const after = text.slice(end, end + 40);
  return ROLE_LINE_AFTER.test(after) || TOKEN_NEXT.test(after) || TOKEN_BEFORE.test(text.slice(Math.max(0, start - 40), start));
}
const OPENING_QUOTES = '"\'\u201c\u2018\u00ab`';
const CLOSING_QUOTE_AFTER = /^[^\n]{0,80}?["'\u201d\u2019\u00bb`]/;

/**
 * `<s>` / `</s>` only count as turn markers in a Llama template, next to another marker, or as a stray EOS
 * (an end tag with no strikethrough open before it: `openBefore` counts the `<s>` minus `</s>` seen so far).
 */
function isLlamaMarker(text: string, token: string, start: number, end: number, llama: boolean, openBefore: number): boolean {
  if (llama) return true;
  if (token === '<s>') {
    return /^\s*(?:<\||\[INST\]|<<SYS>>)/.test(text.slice(end, end + 16)) || /<\/s>\s*$/.test(text.slice(Math.max(0, start - 8), start));
  }
  return /^\s*<s>/.test(text.slice(end, end + 8)) || openBefore <= 0;
}

function isQuoted(text: string, start: number, end: number, code: CodeSpans): boolean {
  if (code.insideInlineCode(start, end) || code.insideFence(start)) return true;
  // Prose about the syntax ("Llama 2 wraps the user turn in [INST] tokens") names it; a forged turn just uses it,
  // quotes or not.
  if (isStructural(text, start, end)) return false;
  if (start > 0 && OPENING_QUOTES.includes(text[start - 1]!) && CLOSING_QUOTE_AFTER.test(text.slice(end, end + 90))) return true;
  const lineStart = Math.max(text.lastIndexOf('\n', start - 1) + 1, start - 100);
  const lineEnd = text.indexOf('\n', end);
  const around = text.slice(lineStart, start) + ' ' + text.slice(end, Math.min(lineEnd === -1 ? text.length : lineEnd, end + 100));
  return TEMPLATE_VOCABULARY.test(around);
}

export function findControlTokens(
  text: string,
  extraTokens: readonly string[],
  code: CodeSpans,
  onMatch: (match: ControlTokenMatch) => void,
): void {
  const llama = LLAMA_TEMPLATE.test(text);
  let open = 0;
  CONTROL_TOKEN.lastIndex = 0;
  for (let m = CONTROL_TOKEN.exec(text); m !== null; m = CONTROL_TOKEN.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    if (m[0] === '<s>' || m[0] === '</s>') {
      const marker = isLlamaMarker(text, m[0], start, end, llama, open);
      open += m[0] === '<s>' ? 1 : -1;
      if (!marker) continue;
    }
    onMatch({ kind: 'token', start, end, quoted: isQuoted(text, start, end, code) });
  }
  for (const token of extraTokens) {
    for (let i = text.indexOf(token); i !== -1; i = text.indexOf(token, i + token.length)) {
      onMatch({ kind: 'token', start: i, end: i + token.length, quoted: isQuoted(text, i, i + token.length, code) });
    }
  }
  if (text.includes('Human:') || text.includes('Assistant:')) {
    TURN_MARKER.lastIndex = 0;
    for (let m = TURN_MARKER.exec(text); m !== null; m = TURN_MARKER.exec(text)) {
      const start = m.index;
      const end = start + m[0].length;
      // A legacy turn may well talk about tokens; only code formatting makes it an example.
      const word = start + m[0].search(/Human|Assistant/);
      onMatch({ kind: 'turn-marker', start, end, quoted: code.insideInlineCode(word, end) || code.insideFence(start) });
    }
  }
}
