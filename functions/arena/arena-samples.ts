/**
 * Production samples for the arena: the questions real users asked, in any corpus shape the audit reads (OpenAI
 * chat `messages`, Bedrock conversation, prompt/completion, instruction/input/output) or as bare `{"input": "..."}`
 * rows. Only the input matters: a recorded last assistant turn (the production answer) is dropped, since both models
 * answer afresh. A row that cannot be read is reported with its line and reason, never silently dropped.
 *
 * The arena draws n inputs from them with a recorded seed, without replacement. The draw is a seeded shuffle of the
 * whole set cut at n, so a larger n with the same seed keeps the first n inputs and adds new ones: extending an
 * unresolved comparison reuses every answer and judgement already made.
 */
import type { ChatMessage } from '../models/chat-model';
import { chatRequestHash } from '../models/chat-request-hash';
import { seededRandom } from '../gates/seeded-random';

/** What both models are asked. */
export interface ArenaInput {
  system?: string;
  messages: ChatMessage[];
}

export interface ArenaSample {
  /** `id` of the row, else `line-<n>`. */
  id: string;
  /** 1-based line in the samples file. */
  line: number;
  input: ArenaInput;
  /** chatRequestHash of the input: its identity in caches and recordings (replay: models key on it too). */
  inputHash: string;
}

export interface ArenaSampleSet {
  samples: ArenaSample[];
  /** Rows that could not be read, with their 1-based line and reason. */
  invalid: { line: number; reason: string }[];
  /** Rows whose input repeats an earlier row's: kept once, so no question weighs twice in the win rate. */
  duplicates: { line: number; firstLine: number }[];
}

export interface ArenaDraw {
  seed: number;
  /** The n asked for. */
  requested: number;
  /** Inputs the set held. */
  available: number;
  /** min(requested, available) inputs, in draw order. */
  samples: ArenaSample[];
}

/** Reads a JSONL samples file. */
export function parseArenaSamples(text: string): ArenaSampleSet {
  const samples: ArenaSample[] = [];
  const invalid: ArenaSampleSet['invalid'] = [];
  const duplicates: ArenaSampleSet['duplicates'] = [];
  const seen = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '') continue;
    const line = i + 1;
    const read = readSampleLine(raw);
    if ('error' in read) {
      invalid.push({ line, reason: read.error });
      continue;
    }
    const inputHash = chatRequestHash(read.input);
    const firstLine = seen.get(inputHash);
    if (firstLine !== undefined) {
      duplicates.push({ line, firstLine });
      continue;
    }
    seen.set(inputHash, line);
    samples.push({ id: read.id ?? `line-${line}`, line, input: read.input, inputHash });
  }
  return { samples, invalid, duplicates };
}

/** n inputs drawn without replacement by a seeded shuffle; fewer when the set holds fewer. */
export function drawArenaSamples(samples: readonly ArenaSample[], n: number, seed: number): ArenaDraw {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  const shuffled = seededRandom(seed).shuffle(samples);
  return { seed, requested: n, available: samples.length, samples: shuffled.slice(0, n) };
}

type LineRead = { id?: string; input: ArenaInput } | { error: string };

/** One row's input, or why it has none. */
export function readSampleLine(line: string): LineRead {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { error: `invalid JSON: ${(error as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { error: `expected a JSON object, got ${describe(value)}` };
  const row = value as Record<string, unknown>;
  const id = row.id;
  if (id !== undefined && id !== null && typeof id !== 'string' && typeof id !== 'number') return { error: `"id" must be a string or number, got ${describe(id)}` };
  const read = readInput(row);
  if ('error' in read) return read;
  return id === undefined || id === null ? read : { id: String(id), ...read };
}

function readInput(row: Record<string, unknown>): { input: ArenaInput } | { error: string } {
  if ('messages' in row) return conversation(row.messages, row.system);
  if ('instruction' in row) {
    const { instruction, input } = row;
    if (typeof instruction !== 'string' || instruction.trim() === '') return { error: `"instruction" must be a non-empty string, got ${describe(instruction)}` };
    if (input !== undefined && input !== null && typeof input !== 'string') return { error: `"input" must be a string, got ${describe(input)}` };
    const text = typeof input === 'string' && input.trim() !== '' ? `${instruction}\n\n${input}` : instruction;
    return { input: { messages: [{ role: 'user', content: text }] } };
  }
  if ('prompt' in row) {
    if (typeof row.prompt !== 'string' || row.prompt.trim() === '') return { error: `"prompt" must be a non-empty string, got ${describe(row.prompt)}` };
    return { input: { messages: [{ role: 'user', content: row.prompt }] } };
  }
  if ('input' in row) {
    const input = row.input;
    if (typeof input === 'string') {
      if (input.trim() === '') return { error: '"input" is empty' };
      return { input: { messages: [{ role: 'user', content: input }] } };
    }
    // The recorded-output shape of replay: models, so a recording doubles as a samples file.
    if (input !== null && typeof input === 'object' && !Array.isArray(input) && 'messages' in input) {
      const inner = input as Record<string, unknown>;
      return conversation(inner.messages, inner.system);
    }
    return { error: `"input" must be a string or {"system"?, "messages"}, got ${describe(input)}` };
  }
  return { error: `no known shape: expected "messages", "prompt", "instruction" or "input" (keys: ${Object.keys(row).slice(0, 8).join(', ') || 'none'})` };
}

const ROLES: Readonly<Record<string, 'system' | 'user' | 'assistant'>> = {
  system: 'system',
  developer: 'system',
  user: 'user',
  assistant: 'assistant',
  // Tool results are context the user side supplied; the models read them as such.
  tool: 'user',
  function: 'user',
  ipython: 'user',
};

/** OpenAI chat (string or part-array content) or Bedrock conversation (content blocks, `system` blocks). */
function conversation(messages: unknown, system: unknown): { input: ArenaInput } | { error: string } {
  if (!Array.isArray(messages)) return { error: `"messages" must be an array, got ${describe(messages)}` };
  const systemParts: string[] = [];
  if (typeof system === 'string') {
    if (system.trim() !== '') systemParts.push(system);
  } else if (Array.isArray(system)) {
    for (const block of system) if (typeof (block as { text?: unknown })?.text === 'string') systemParts.push((block as { text: string }).text);
  } else if (system !== undefined && system !== null) {
    return { error: `"system" must be a string or an array of {text}, got ${describe(system)}` };
  }
  const turns: ChatMessage[] = [];
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as Record<string, unknown> | null;
    if (message === null || typeof message !== 'object' || Array.isArray(message)) return { error: `messages[${i}] must be an object, got ${describe(message)}` };
    const role = typeof message.role === 'string' ? ROLES[message.role] : undefined;
    if (role === undefined) return { error: `messages[${i}].role ${JSON.stringify(message.role)} is not system, developer, user, assistant or tool` };
    const text = contentText(message.content);
    if (text === undefined) return { error: `messages[${i}].content must be a string or an array of parts with text, got ${describe(message.content)}` };
    if (role === 'system') {
      if (text.trim() !== '') systemParts.push(text);
      continue;
    }
    if (text.trim() === '') {
      // An assistant turn that only called tools has no text; what matters is the conversation around it.
      if (role === 'assistant' && Array.isArray(message.tool_calls)) continue;
      return { error: `messages[${i}] (${String(message.role)}) has no text content` };
    }
    const last = turns[turns.length - 1];
    // Consecutive turns of one side are one turn: Bedrock's Converse API requires the roles to alternate.
    if (last !== undefined && last.role === role) last.content = `${last.content}\n\n${text}`;
    else turns.push({ role, content: text });
  }
  // The production answer, if recorded, is not part of the question.
  if (turns[turns.length - 1]?.role === 'assistant') turns.pop();
  if (turns.length === 0) return { error: 'no user turn to ask the models' };
  if (turns[0]!.role !== 'user') return { error: 'the conversation starts with an assistant turn; it must start with a user turn' };
  if (turns[turns.length - 1]!.role !== 'user') return { error: 'the conversation does not end with a user turn' };
  const systemText = systemParts.join('\n\n');
  return { input: systemText === '' ? { messages: turns } : { system: systemText, messages: turns } };
}

function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (!Array.isArray(content)) return undefined;
  const parts: string[] = [];
  for (const part of content) {
    const text = (part as { text?: unknown } | null)?.text;
    if (typeof text === 'string') parts.push(text);
  }
  return parts.join('\n');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}
