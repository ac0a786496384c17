import { parseCorpusLine } from '../audit/corpus-row';
import type { RubricMessage } from './rubrics/rubric';

/**
 * A held-out set: JSONL rows in any corpus shape the audit reads (chat, Bedrock conversation, prompt/completion,
 * instruction/output). The last assistant turn is the reference; everything before it is what the model is asked.
 * Optional `context` (for groundedness) is passed to the rubric.
 */
export interface HeldoutItem {
  /** 0-based index in the file's non-blank rows. */
  index: number;
  id: string;
  messages: RubricMessage[];
  reference: string;
  context?: string;
}

export interface HeldoutSet {
  items: HeldoutItem[];
  /** Rows that could not be read, with their 1-based line and reason: reported, never silently dropped. */
  invalid: { line: number; reason: string }[];
}

export function parseHeldoutSet(text: string): HeldoutSet {
  const items: HeldoutItem[] = [];
  const invalid: { line: number; reason: string }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const parsed = parseCorpusLine(line);
    if (!parsed.ok) {
      invalid.push({ line: i + 1, reason: parsed.reason });
      continue;
    }
    const segments = parsed.row.segments;
    const last = segments.length - 1;
    if (segments[last]?.role !== 'assistant') {
      invalid.push({ line: i + 1, reason: 'the row does not end with an assistant answer to use as the reference' });
      continue;
    }
    const messages: RubricMessage[] = segments.slice(0, last).map((s) => ({ role: s.role === 'tool' ? 'user' : s.role, content: s.text }));
    if (!messages.some((m) => m.role === 'user')) {
      invalid.push({ line: i + 1, reason: 'the row has no user turn to ask the model' });
      continue;
    }
    const context = typeof parsed.row.value.context === 'string' ? parsed.row.value.context : undefined;
    items.push({ index: items.length, id: parsed.row.id ?? `line-${i + 1}`, messages, reference: segments[last]!.text, ...(context ? { context } : {}) });
  }
  return { items, invalid };
}
