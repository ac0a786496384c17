import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPath, parseCorpusLine, promptText, rowText, type CorpusRow, type ParseResult } from '../../../functions/audit/corpus-row';

// A fixed seed: a failure reproduces on every machine, and the run stays well under a few seconds.
const RUNS = { seed: 20_261_112, numRuns: 300 };

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
/** Any code point, lone surrogates, and the characters that matter to JSON and line handling. */
const anyChar = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: loneSurrogate },
  { weight: 2, arbitrary: fc.constantFrom('{', '}', '[', ']', '"', '\\', ':', ',', ' ', '\n', '\r', '\t', '\u0000', '\u2028', '\ufeff', '\u200b') },
);
const anyText = fc.string({ unit: anyChar, maxLength: 40 });
const word = fc.constantFrom('refund', 'order', 'the', 'weather', 'sunny', 'AKIA', 'ignore previous', 'Human:', '[INST]', 'café', '😀');
const text = fc.array(word, { minLength: 1, maxLength: 8 }).map((w) => w.join(' '));

/** Values a field should not hold, or holds in the wrong type. */
const scalar = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double(), anyText);
const loose = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(anyText, scalar, { maxKeys: 3 }));
/** Mostly the right type, so generated rows reach the deeper checks; sometimes wrong, sometimes missing. */
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: arb }, { weight: 1, arbitrary: loose }, { weight: 1, arbitrary: fc.constant(undefined) });

const chatRole = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('system', 'developer', 'user', 'assistant', 'tool', 'function', 'ipython', 'Assistant', '') }, { weight: 1, arbitrary: loose });
const part = fc.oneof(fc.record({ type: fc.constant('text'), text: maybe(anyText) }, { requiredKeys: [] }), loose);
const toolCall = fc.oneof(fc.record({ id: anyText, function: maybe(fc.record({ name: anyText, arguments: maybe(anyText) }, { requiredKeys: [] })) }, { requiredKeys: [] }), loose);
const chatMessage = fc.oneof(
  { weight: 4, arbitrary: fc.record({ role: chatRole, content: maybe(fc.oneof(anyText, fc.array(part, { maxLength: 3 }))), tool_calls: maybe(fc.array(toolCall, { maxLength: 2 })) }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: loose },
);
/** Chat turns that are mostly right: the edge cases (blank parts, empty tool calls, null content) sit among valid turns. */
const partText = fc.oneof(anyText, fc.constantFrom('', ' ', '\n', '\u200b'));
const chatishMessage = fc.record(
  {
    role: fc.constantFrom('system', 'user', 'assistant', 'tool'),
    content: fc.oneof(
      { weight: 3, arbitrary: partText },
      { weight: 2, arbitrary: fc.array(fc.oneof(fc.record({ type: fc.constant('text'), text: partText }), fc.record({ type: fc.constant('image_url') })), { maxLength: 2 }) },
      { weight: 1, arbitrary: fc.constant(null) },
    ),
    tool_calls: fc.array(fc.record({ function: fc.record({ name: anyText, arguments: fc.oneof(anyText, loose) }, { requiredKeys: ['name'] }) }), { maxLength: 2 }),
  },
  { requiredKeys: ['role'] },
);
const bedrockBlock = fc.oneof(fc.record({ text: maybe(anyText) }, { requiredKeys: [] }), loose);
const bedrockMessage = fc.oneof(
  { weight: 4, arbitrary: fc.record({ role: fc.oneof(fc.constantFrom('user', 'assistant', 'system'), loose), content: maybe(fc.array(bedrockBlock, { maxLength: 3 })) }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: loose },
);
const metaValue = fc.oneof({ weight: 20, arbitrary: fc.oneof(anyText, fc.integer(), fc.boolean(), fc.constant(null)) }, { weight: 1, arbitrary: loose });
const meta = fc.record({ id: metaValue, label: metaValue, source: metaValue, split: metaValue }, { requiredKeys: [] });

/** Objects near each known shape, with every field possibly missing or of the wrong type. */
const nearRow = fc
  .tuple(
    fc.oneof(
      fc.record({ messages: maybe(fc.array(chatMessage, { maxLength: 5 })) }),
      fc.record({ messages: fc.array(chatishMessage, { minLength: 1, maxLength: 4 }) }),
      fc.record({ schemaVersion: maybe(anyText), system: maybe(fc.array(bedrockBlock, { maxLength: 2 })), messages: maybe(fc.array(bedrockMessage, { maxLength: 4 })) }, { requiredKeys: ['messages'] }),
      fc.record({ prompt: maybe(anyText), completion: maybe(anyText) }, { requiredKeys: [] }),
      fc.record({ instruction: maybe(anyText), input: maybe(anyText), output: maybe(anyText) }, { requiredKeys: [] }),
      fc.dictionary(anyText, loose, { maxKeys: 4 }),
    ),
    meta,
  )
  .map(([row, m]) => ({ ...m, ...row }));

/**
 * Deep nesting, described rather than built, so a counterexample prints as a few numbers: a value `depth` levels
 * deep, alone or in one field of an otherwise valid row.
 */
const nesting = fc.record({
  depth: fc.integer({ min: 1, max: 20_000 }),
  kind: fc.constantFrom('array', 'object'),
  where: fc.constantFrom('alone', 'extra', 'id', 'prompt', 'chat-role', 'chat-content', 'bedrock-role', 'tool-arguments'),
});
function nestedLine({ depth, kind, where }: { depth: number; kind: string; where: string }): string {
  const v = kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  const user = '{"role":"user","content":"q"}';
  switch (where) {
    case 'alone':
      return v;
    case 'extra':
      return `{"prompt":"q","completion":"a","extra":${v}}`;
    case 'id':
      return `{"prompt":"q","completion":"a","id":${v}}`;
    case 'prompt':
      return `{"prompt":${v},"completion":"a"}`;
    case 'chat-role':
      return `{"messages":[${user},{"role":${v},"content":"a"}]}`;
    case 'chat-content':
      return `{"messages":[${user},{"role":"assistant","content":${v}}]}`;
    case 'bedrock-role':
      return `{"schemaVersion":"x","messages":[{"role":${v},"content":[{"text":"q"}]}]}`;
    default:
      return `{"messages":[${user},{"role":"assistant","tool_calls":[{"function":{"name":"f","arguments":${v}}}]}]}`;
  }
}

const anyLine = fc.oneof(
  anyText,
  fc.string({ unit: anyChar, maxLength: 400 }),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  nearRow.map((v) => JSON.stringify(v)),
);

const MAX_REASON = 400;
const SHAPES = ['chat', 'bedrock-conversation', 'prompt-completion', 'instruction'];
const ROLES = ['system', 'user', 'assistant', 'tool'];

function at(value: unknown, path: readonly (string | number)[]): unknown {
  let here = value;
  for (const part of path) here = (here as Record<string | number, unknown>)[part];
  return here;
}

/** What every parse result must satisfy, whatever the input. */
function expectWellFormed(result: ParseResult): void {
  if (!result.ok) {
    expect(result.rule).toMatch(/^parse\.[a-z-]+$/);
    expect(typeof result.reason).toBe('string');
    expect(result.reason.trim()).not.toBe('');
    // The reason becomes a finding's evidence: it may quote the input, but never a whole huge field of it.
    expect(result.reason.length).toBeLessThanOrEqual(MAX_REASON);
    return;
  }
  const row: CorpusRow = result.row;
  expect(SHAPES).toContain(row.shape);
  for (const key of ['id', 'label', 'source', 'split'] as const) if (row[key] !== undefined) expect(typeof row[key]).toBe('string');
  // No empty turn passes (the corpus contract): each message holds non-blank text, or is an assistant's tool call.
  if (row.shape === 'chat' || row.shape === 'bedrock-conversation') {
    const messages = row.value.messages as Record<string, unknown>[];
    messages.forEach((m, i) => {
      const texts = row.segments.filter((s) => s.path[0] === 'messages' && s.path[1] === i).map((s) => s.text);
      const toolCall = m.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0;
      if (!toolCall) expect(texts.some((t) => t.trim() !== ''), `messages[${i}] is an empty turn`).toBe(true);
    });
  } else expect(row.segments.some((s) => s.role === 'assistant' && s.text.trim() !== '')).toBe(true);
  for (const s of row.segments) {
    expect(ROLES).toContain(s.role);
    expect(typeof s.text).toBe('string');
    expect(s.path.length).toBeGreaterThan(0);
    expect(formatPath(s.path)).not.toBe('');
    // The quarantine masks evidence by walking this path: it must lead to the very text that was scanned.
    // A string field is the segment's text itself; object-valued tool arguments are scanned as their JSON text.
    const value = at(row.value, s.path);
    expect(typeof value === 'string' ? value : JSON.stringify(value)).toBe(s.text);
  }
  const all = rowText(row);
  for (const s of row.segments) expect(all).toContain(s.text);
  const prompt = promptText(row);
  for (const s of row.segments) if (s.role === 'user') expect(prompt).toContain(s.text);
  // The quarantine serialises and clones an ok row's value; a row it cannot write would crash the audit.
  expect(() => JSON.stringify(row.value)).not.toThrow();
  expect(() => structuredClone(row.value)).not.toThrow();
}

describe('parseCorpusLine on any input', () => {
  it('never throws, and returns a well-formed row or a rule with a reason', () => {
    fc.assert(
      fc.property(anyLine, (line) => {
        let result: ParseResult | undefined;
        expect(() => (result = parseCorpusLine(line))).not.toThrow();
        expectWellFormed(result!);
        // Deterministic: the two audit passes parse each line again and must decide the same.
        expect(parseCorpusLine(line)).toEqual(result);
      }),
      { ...RUNS, numRuns: 1500 },
    );
  });

  it('never throws on deeply nested values, wherever they sit', () => {
    fc.assert(
      fc.property(nesting, (n) => {
        const line = nestedLine(n);
        let result: ParseResult | undefined;
        expect(() => (result = parseCorpusLine(line))).not.toThrow();
        expectWellFormed(result!);
        // A harmless extra field is fine at any depth a trainer can read; past that the row is refused for it.
        if (n.where === 'extra') expect(result).toMatchObject(n.depth < 60 ? { ok: true } : { ok: false, rule: 'parse.too-deep' });
      }),
      { ...RUNS, numRuns: 150 },
    );
  });

  it('never turns text that is not a JSON object into a row', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, fc.jsonValue().filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)).map((v) => JSON.stringify(v))), (line) => {
        const result = parseCorpusLine(line);
        let isObject = false;
        try {
          const value: unknown = JSON.parse(line);
          isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
        } catch {
          // not JSON at all
        }
        fc.pre(!isObject);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(['parse.invalid-json', 'parse.not-an-object']).toContain(result.rule);
      }),
      RUNS,
    );
  });

  it('handles huge strings in any field, key or role', () => {
    // Described, not built, so a counterexample prints as a size and a unit.
    const huge = fc.record({ size: fc.integer({ min: 100_000, max: 3_000_000 }), unit: fc.oneof(text, loneSurrogate) });
    fc.assert(
      fc.property(huge, fc.constantFrom('prompt', 'completion', 'content', 'key', 'role'), ({ size, unit }, where) => {
        const big = unit.repeat(Math.ceil(size / unit.length));
        const value =
          where === 'prompt' || where === 'completion'
            ? { prompt: where === 'prompt' ? big : 'q', completion: where === 'completion' ? big : 'a' }
            : where === 'content'
              ? { messages: [{ role: 'user', content: big }, { role: 'assistant', content: 'a' }] }
              : where === 'role'
                ? { messages: [{ role: big, content: 'q' }] }
                : { [big]: 1 };
        const result = parseCorpusLine(JSON.stringify(value));
        expectWellFormed(result);
        expect(result.ok).toBe(where !== 'key' && where !== 'role');
      }),
      { ...RUNS, numRuns: 12 },
    );
  });
});

describe('parseCorpusLine on valid rows of each shape', () => {
  const meta = fc.record({ id: fc.oneof(text, fc.integer()), label: text, source: text, split: fc.constantFrom('train', 'eval') }, { requiredKeys: [] });
  const turn = (role: string) => fc.record({ role: fc.constant(role), content: text });
  const chat = fc
    .tuple(fc.option(turn('system'), { nil: undefined }), fc.array(fc.tuple(turn('user'), turn('assistant')), { minLength: 1, maxLength: 4 }))
    .map(([system, pairs]) => ({ messages: [...(system ? [system] : []), ...pairs.flat()] }));
  const bedrock = fc
    .tuple(fc.array(text, { maxLength: 2 }), fc.array(fc.tuple(text, text), { minLength: 1, maxLength: 3 }))
    .map(([system, pairs]) => ({
      schemaVersion: 'bedrock-conversation-2024',
      system: system.map((t) => ({ text: t })),
      messages: pairs.flatMap(([q, a]) => [
        { role: 'user', content: [{ text: q }] },
        { role: 'assistant', content: [{ text: a }] },
      ]),
    }));
  const promptCompletion = fc.record({ prompt: text, completion: text });
  const instruction = fc.record({ instruction: text, input: fc.option(text, { nil: undefined }), output: text }, { requiredKeys: ['instruction', 'output'] });

  /** Every text a row holds, in order: what the scanners must see. */
  function textsOf(value: Record<string, any>): string[] {
    if ('schemaVersion' in value) return [...value.system.map((b: { text: string }) => b.text), ...value.messages.map((m: { content: { text: string }[] }) => m.content[0]!.text)];
    if ('messages' in value) return value.messages.map((m: { content: string }) => m.content);
    if ('prompt' in value) return [value.prompt, value.completion];
    return [value.instruction, ...(value.input === undefined ? [] : [value.input]), value.output];
  }

  it('parses each shape and loses no text: every field the row holds is a segment', () => {
    const shaped = fc.oneof(
      chat.map((v) => ['chat', v] as const),
      bedrock.map((v) => ['bedrock-conversation', v] as const),
      promptCompletion.map((v) => ['prompt-completion', v] as const),
      instruction.map((v) => ['instruction', v] as const),
    );
    fc.assert(
      fc.property(shaped, meta, ([shape, value], m) => {
        const row = { ...m, ...value };
        const result = parseCorpusLine(JSON.stringify(row));
        expectWellFormed(result);
        if (!result.ok) throw new Error(`valid ${shape} row refused: ${result.rule} ${result.reason}`);
        expect(result.row.shape).toBe(shape);
        expect(result.row.segments.map((s) => s.text)).toEqual(textsOf(value));
        if (m.id !== undefined) expect(result.row.id).toBe(String(m.id));
      }),
      RUNS,
    );
  });
});
