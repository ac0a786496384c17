/**
 * Parses one JSONL line of a fine-tuning corpus into the text segments the audit scans, whatever its shape:
 * OpenAI chat (`messages`), Bedrock conversation (`schemaVersion`, `system`, `messages` with content blocks),
 * prompt/completion, and instruction/input/output. Anything else is a parse finding with a reason, never a crash.
 */

export type CorpusShape = 'chat' | 'bedrock-conversation' | 'prompt-completion' | 'instruction';

export interface TextSegment {
  /** Where the text sits in the row, e.g. `messages[2].content`; used in findings and to mask evidence. */
  path: (string | number)[];
  role: 'system' | 'user' | 'assistant' | 'tool';
  text: string;
  /**
   * The text is already rendered in a chat template (a prompt/completion corpus whose prompt starts with
   * `Human:`, `<|im_start|>`, `[INST]`…): its turn markers and control tokens are the format, not an injection.
   */
  templated?: boolean;
}

export interface CorpusRow {
  shape: CorpusShape;
  value: Record<string, unknown>;
  segments: TextSegment[];
  id?: string;
  label?: string;
  source?: string;
  split?: string;
}

export type ParseResult = { ok: true; row: CorpusRow } | { ok: false; rule: string; reason: string };

const CHAT_ROLES: Record<string, TextSegment['role']> = {
  system: 'system',
  developer: 'system',
  user: 'user',
  assistant: 'assistant',
  tool: 'tool',
  function: 'tool',
  ipython: 'tool',
};

export function parseCorpusLine(line: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { ok: false, rule: 'parse.invalid-json', reason: `invalid JSON: ${withoutQuotedInput((error as Error).message)}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, rule: 'parse.not-an-object', reason: `expected a JSON object, got ${describe(value)}` };
  }
  return parseCorpusValue(value as Record<string, unknown>);
}

export function parseCorpusValue(value: Record<string, unknown>): ParseResult {
  if (nestedTooDeep(value, 1)) return { ok: false, rule: 'parse.too-deep', reason: `nested more than ${MAX_DEPTH} levels deep` };
  const meta = readMeta(value);
  if ('error' in meta) return { ok: false, rule: 'parse.invalid-field', reason: meta.error };

  let parsed: { shape: CorpusShape; segments: TextSegment[] } | { rule: string; reason: string };
  if ('messages' in value) {
    parsed = 'schemaVersion' in value || Array.isArray(value.system) ? parseBedrock(value) : parseChat(value);
  } else if ('prompt' in value || 'completion' in value) {
    parsed = parsePromptCompletion(value);
  } else if ('instruction' in value || 'output' in value) {
    parsed = parseInstruction(value);
  } else {
    return {
      ok: false,
      rule: 'parse.unknown-shape',
      reason: `no known shape: expected "messages", "prompt"/"completion" or "instruction"/"output" (keys: ${Object.keys(value).slice(0, 8).map(short).join(', ') || 'none'})`,
    };
  }
  if ('rule' in parsed) return { ok: false, rule: parsed.rule, reason: parsed.reason };
  return { ok: true, row: { shape: parsed.shape, value, segments: parsed.segments, ...meta } };
}

function parseChat(value: Record<string, unknown>) {
  const messages = value.messages;
  if (!Array.isArray(messages)) return invalid('parse.invalid-messages', `"messages" must be an array, got ${describe(messages)}`);
  if (messages.length === 0) return invalid('parse.empty-messages', '"messages" is empty');
  const segments: TextSegment[] = [];
  let assistantTurns = 0;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as Record<string, unknown> | null;
    if (message === null || typeof message !== 'object' || Array.isArray(message)) {
      return invalid('parse.invalid-message', `messages[${i}] must be an object, got ${describe(message)}`);
    }
    const role = typeof message.role === 'string' ? CHAT_ROLES[message.role] : undefined;
    if (!role) return invalid('parse.invalid-role', `messages[${i}].role ${quoted(message.role)} is not system, developer, user, assistant, tool or function`);
    if (role === 'assistant') assistantTurns++;
    const before = segments.length;
    const content = message.content;
    if (typeof content === 'string') {
      if (content.trim() !== '') segments.push({ path: ['messages', i, 'content'], role, text: content });
    } else if (Array.isArray(content)) {
      content.forEach((part, j) => {
        if (part && typeof part === 'object' && typeof (part as Record<string, unknown>).text === 'string') {
          segments.push({ path: ['messages', i, 'content', j, 'text'], role, text: (part as { text: string }).text });
        }
      });
    } else if (content !== null && content !== undefined) {
      return invalid('parse.invalid-content', `messages[${i}].content must be a string or an array of parts, got ${describe(content)}`);
    }
    // Tool calls carry text the model learns to emit: scan their arguments too.
    if (Array.isArray(message.tool_calls)) {
      message.tool_calls.forEach((call, j) => {
        const fn = (call as { function?: { arguments?: unknown } })?.function;
        const path = ['messages', i, 'tool_calls', j, 'function', 'arguments'];
        if (typeof fn?.arguments === 'string') segments.push({ path, role, text: fn.arguments });
        // Some exports give the arguments as an object: scanned as its JSON text (and masked as such in the quarantine).
        else if (fn?.arguments !== null && typeof fn?.arguments === 'object') segments.push({ path, role, text: JSON.stringify(fn.arguments) });
      });
    }
    // An empty turn is refused, as in the other shapes; an assistant turn may be tool calls alone.
    let hasText = false;
    for (let k = before; k < segments.length && !hasText; k++) hasText = segments[k]!.text.trim() !== '';
    if (!hasText && !(role === 'assistant' && Array.isArray(message.tool_calls) && message.tool_calls.length > 0)) {
      return invalid('parse.empty-message', `messages[${i}] (${String(message.role)}) has no text content`);
    }
  }
  if (assistantTurns === 0) return invalid('parse.no-assistant-turn', 'no assistant message: nothing to learn from');
  return { shape: 'chat' as const, segments };
}

function parseBedrock(value: Record<string, unknown>) {
  const segments: TextSegment[] = [];
  if (value.system !== undefined) {
    if (!Array.isArray(value.system)) return invalid('parse.invalid-system', `"system" must be an array of {text}, got ${describe(value.system)}`);
    value.system.forEach((block, j) => {
      if (block && typeof (block as { text?: unknown }).text === 'string') segments.push({ path: ['system', j, 'text'], role: 'system', text: (block as { text: string }).text });
    });
  }
  const messages = value.messages;
  if (!Array.isArray(messages)) return invalid('parse.invalid-messages', `"messages" must be an array, got ${describe(messages)}`);
  if (messages.length === 0) return invalid('parse.empty-messages', '"messages" is empty');
  let assistantTurns = 0;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as Record<string, unknown> | null;
    if (message === null || typeof message !== 'object') return invalid('parse.invalid-message', `messages[${i}] must be an object`);
    const role = message.role === 'user' ? 'user' : message.role === 'assistant' ? 'assistant' : undefined;
    if (!role) return invalid('parse.invalid-role', `messages[${i}].role ${quoted(message.role)} is not user or assistant`);
    if (role === 'assistant') assistantTurns++;
    if (!Array.isArray(message.content)) return invalid('parse.invalid-content', `messages[${i}].content must be an array of content blocks`);
    const before = segments.length;
    message.content.forEach((block, j) => {
      if (block && typeof (block as { text?: unknown }).text === 'string' && (block as { text: string }).text.trim() !== '') {
        segments.push({ path: ['messages', i, 'content', j, 'text'], role, text: (block as { text: string }).text });
      }
    });
    if (segments.length === before) return invalid('parse.empty-message', `messages[${i}] (${role}) has no text content`);
  }
  if (assistantTurns === 0) return invalid('parse.no-assistant-turn', 'no assistant message: nothing to learn from');
  return { shape: 'bedrock-conversation' as const, segments };
}

function parsePromptCompletion(value: Record<string, unknown>) {
  const { prompt, completion } = value;
  if (typeof prompt !== 'string') return invalid('parse.invalid-field', `"prompt" must be a string, got ${describe(prompt)}`);
  if (typeof completion !== 'string') return invalid('parse.invalid-field', `"completion" must be a string, got ${describe(completion)}`);
  if (completion.trim() === '') return invalid('parse.empty-field', '"completion" is empty');
  const segments: TextSegment[] = [];
  const templated = TEMPLATED_PROMPT.test(prompt);
  if (prompt.trim() !== '') segments.push({ path: ['prompt'], role: 'user', text: prompt, ...(templated ? { templated } : {}) });
  segments.push({ path: ['completion'], role: 'assistant', text: completion, ...(templated ? { templated } : {}) });
  return { shape: 'prompt-completion' as const, segments };
}

function parseInstruction(value: Record<string, unknown>) {
  const { instruction, input, output } = value;
  if (typeof instruction !== 'string') return invalid('parse.invalid-field', `"instruction" must be a string, got ${describe(instruction)}`);
  if (input !== undefined && input !== null && typeof input !== 'string') return invalid('parse.invalid-field', `"input" must be a string, got ${describe(input)}`);
  if (typeof output !== 'string') return invalid('parse.invalid-field', `"output" must be a string, got ${describe(output)}`);
  if (instruction.trim() === '') return invalid('parse.empty-field', '"instruction" is empty');
  if (output.trim() === '') return invalid('parse.empty-field', '"output" is empty');
  const segments: TextSegment[] = [{ path: ['instruction'], role: 'user', text: instruction }];
  if (typeof input === 'string' && input.trim() !== '') segments.push({ path: ['input'], role: 'user', text: input });
  segments.push({ path: ['output'], role: 'assistant', text: output });
  return { shape: 'instruction' as const, segments };
}

/** A prompt that opens with a chat-template marker was rendered by the corpus's own template. */
const TEMPLATED_PROMPT = /^\s*(?:Human:|User:|<\|im_start\|>|<\|begin_of_text\|>|<\|start_header_id\|>|<s>\s*\[INST\]|\[INST\]|<start_of_turn>|<\|system\|>|<\|user\|>|### (?:Instruction|Human|User))/;

/**
 * JSON.parse quotes a piece of the line in its message ("Unexpected token 'x', "…ghp_abc"… is not valid JSON"); a
 * reason goes into reports, so the quoted input is dropped and only the position is kept.
 */
function withoutQuotedInput(message: string): string {
  const cleaned = message.replace(/"(?:[^"\\]|\\.)*"/g, '…').replace(/'[^']*'/g, '…').replace(/\s+/g, ' ').trim();
  return cleaned.length > 160 ? `${cleaned.slice(0, 160)}…` : cleaned;
}

function readMeta(value: Record<string, unknown>): { id?: string; label?: string; source?: string; split?: string } | { error: string } {
  const out: { id?: string; label?: string; source?: string; split?: string } = {};
  for (const key of ['id', 'label', 'source', 'split'] as const) {
    const v = value[key];
    if (v === undefined || v === null) continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[key] = String(v);
    else return { error: `"${key}" must be a string or number, got ${describe(v)}` };
  }
  return out;
}

function invalid(rule: string, reason: string) {
  return { rule, reason };
}

/**
 * Deeper than any fine-tuning row needs, and far below where JSON.stringify and structuredClone (the quarantine
 * writes and masks the row with them) or a trainer's JSON reader (Python's stops near 1,000) overflow the stack.
 */
const MAX_DEPTH = 64;

function nestedTooDeep(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (depth > MAX_DEPTH) return true;
  for (const v of Array.isArray(value) ? value : Object.values(value)) if (nestedTooDeep(v, depth + 1)) return true;
  return false;
}

/** A field name or value quoted in a reason: a reason must stay short whatever the row holds. */
function short(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function quoted(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(short(value));
  return value === null || typeof value !== 'object' ? String(value) : describe(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out;
}

/** The whole example as one text (roles kept, so one question with two answers is not one duplicate). */
export function rowText(row: CorpusRow): string {
  let out = '';
  for (const s of row.segments) out += (out === '' ? '' : '\n') + s.role + ': ' + s.text;
  return out;
}

/** The prompt side of an example: what an eval item asks. Leakage of the question alone is still leakage. */
export function promptText(row: CorpusRow): string {
  let out = '';
  for (const s of row.segments) if (s.role === 'user') out += (out === '' ? '' : '\n') + s.text;
  return out;
}
