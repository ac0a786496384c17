import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readAnswer } from '../../../functions/audit/model-relabeler';
import { readJudgeAnswer } from '../../../functions/gates/rubrics/judge-rubric';
import { answerExcerpt, extractJsonObject } from '../../../functions/models/json-answer';

const RUNS = { seed: 20_261_112, numRuns: 400 };
/** An error quotes at most an excerpt of the answer (120 characters), never the whole of a long one. */
const MAX_ERROR = 400;

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const anyChar = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: loneSurrogate },
  { weight: 3, arbitrary: fc.constantFrom('{', '}', '[', ']', '"', ':', ',', '`', '\n', ' ', 'json') },
);
/** Judge- and relabeler-shaped answers, right and wrong. */
const answerObject = fc.record(
  {
    score: fc.oneof(fc.integer({ min: -1, max: 6 }), fc.double({ min: -1, max: 6 }), fc.constantFrom('5', null)),
    reason: fc.oneof(fc.string({ unit: anyChar, maxLength: 20 }), fc.constantFrom('', ' ')),
    label: fc.oneof(fc.string({ unit: anyChar, maxLength: 12 }), fc.constantFrom('', ' ', null, 1)),
  },
  { requiredKeys: [] },
);
/** What models write around (or instead of) their JSON. */
const modelText = fc.oneof(
  { weight: 2, arbitrary: fc.tuple(answerObject, fc.constantFrom('bare', 'prose', 'fenced')).map(([v, wrap]) => (wrap === 'bare' ? JSON.stringify(v) : wrap === 'prose' ? `Answer: ${JSON.stringify(v)}.` : `\`\`\`json\n${JSON.stringify(v)}\n\`\`\``)) },
  fc.string({ unit: anyChar, maxLength: 300 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.tuple(fc.string({ unit: anyChar, maxLength: 40 }), fc.jsonValue({ maxDepth: 2 }), fc.string({ unit: anyChar, maxLength: 40 })).map(([a, v, b]) => `${a}\`\`\`json\n${JSON.stringify(v)}\n\`\`\`${b}`),
  fc.constantFrom('', '{', '}{', '```', '```json', '```json\n{"a":1}', '{"a":1}{"b":2}', 'null', '[{"label":"x"}]', '{"label":"x"', 'I think {"winner": "A"} is right'),
);
/** Prose that cannot be mistaken for JSON or a fence. */
const prose = fc.string({ unit: fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }), loneSurrogate).filter((c) => !/[{}`[\]"]/.test(c)), maxLength: 60 });
const jsonObject = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
const normalize = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

describe('extractJsonObject', () => {
  it('never throws, and returns undefined or a plain object', () => {
    fc.assert(
      fc.property(modelText, (text) => {
        let value: unknown;
        expect(() => (value = extractJsonObject(text))).not.toThrow();
        if (value !== undefined) {
          expect(value).not.toBeNull();
          expect(typeof value).toBe('object');
          expect(Array.isArray(value)).toBe(false);
        }
      }),
      RUNS,
    );
  });

  it('finds no object in text without a brace', () => {
    fc.assert(
      fc.property(modelText.map((t) => t.replace(/[{}]/g, '')), (text) => {
        expect(extractJsonObject(text)).toBeUndefined();
      }),
      RUNS,
    );
  });

  it('never invents: an object it returns is the JSON of the whole answer, its fenced block or its outermost braces', () => {
    fc.assert(
      fc.property(modelText, (text) => {
        const value = extractJsonObject(text);
        if (value === undefined) return;
        const readings = [text.trim(), /```(?:json)?\s*([\s\S]*?)```/i.exec(text)?.[1]?.trim(), text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)];
        const parses = readings.flatMap((r) => {
          try {
            return r === undefined ? [] : [JSON.parse(r) as unknown];
          } catch {
            return [];
          }
        });
        expect(parses.map(normalize)).toContainEqual(normalize(value));
      }),
      RUNS,
    );
  });

  it('reads an object alone, in prose, or fenced in prose that holds anything but a fence', () => {
    const anyProse = fc.string({ unit: anyChar, maxLength: 60 }).map((s) => s.replace(/`/g, "'"));
    fc.assert(
      fc.property(jsonObject, prose, prose, anyProse, anyProse, fc.boolean(), (object, a, b, c, d, spaced) => {
        const json = JSON.stringify(object, null, spaced ? 2 : undefined);
        expect(normalize(extractJsonObject(` \n${json}\n `))).toEqual(normalize(object));
        expect(normalize(extractJsonObject(`${a}${json}${b}`))).toEqual(normalize(object));
        // A fence in a string of the object would end the block early: not a fenced answer any more.
        fc.pre(!json.includes('```'));
        expect(normalize(extractJsonObject(`${c}\`\`\`json\n${json}\n\`\`\`${d}`))).toEqual(normalize(object));
      }),
      RUNS,
    );
  });

  it('stays linear on long adversarial answers', () => {
    const fragment = fc.constantFrom('{', '}', '```', '```json', '"', '\\', ' ', 'a', '\n', '{"a":');
    fc.assert(
      fc.property(fc.array(fragment, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1_000, max: 20_000 }), (parts, times) => {
        const text = parts.join('').repeat(times);
        const started = performance.now();
        extractJsonObject(text);
        answerExcerpt(text);
        // Generous: a linear reading of ≤ 200 KB takes milliseconds; a quadratic one takes seconds.
        expect(performance.now() - started).toBeLessThan(1_000);
      }),
      { ...RUNS, numRuns: 30 },
    );
  });
});

describe('answerExcerpt', () => {
  it('is a JSON string of at most max characters and an ellipsis, with whitespace folded', () => {
    fc.assert(
      fc.property(fc.string({ unit: anyChar, maxLength: 400 }), fc.integer({ min: 1, max: 200 }), (text, max) => {
        const excerpt = JSON.parse(answerExcerpt(text, max)) as string;
        expect(excerpt.length).toBeLessThanOrEqual(max + 1);
        expect(excerpt).not.toMatch(/\s\s|\n/);
      }),
      RUNS,
    );
  });
});

describe("the relabeler's readAnswer", () => {
  it('never throws: a non-blank label, or an error with a bounded message', () => {
    fc.assert(
      fc.property(modelText, (text) => {
        const outcome = readAnswer(text);
        if ('label' in outcome) {
          expect(outcome.label).toBe(outcome.label.trim());
          expect(outcome.label).not.toBe('');
          // Never invented: the label is the answer's own `label` string.
          expect((extractJsonObject(text) as { label: string }).label.trim()).toBe(outcome.label);
        } else {
          expect(outcome.error).toMatch(/malformed answer|abstained/);
          expect(outcome.error.length).toBeLessThanOrEqual(MAX_ERROR);
        }
      }),
      RUNS,
    );
  });

  it('reads a label however it is wrapped, and refuses one that is not a non-blank string', () => {
    const label = fc.string({ unit: anyChar, maxLength: 20 });
    const notALabel = fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.string(), { maxLength: 2 }), fc.constant({}), fc.constantFrom('', ' ', '\n\t'));
    fc.assert(
      fc.property(fc.oneof(label, notALabel, fc.constant(null)), prose, (value, around) => {
        const outcome = readAnswer(`${around}\`\`\`json\n${JSON.stringify({ label: value })}\n\`\`\``);
        fc.pre(!JSON.stringify(value).includes('```'));
        if (typeof value === 'string' && value.trim() !== '') expect(outcome).toEqual({ label: value.trim() });
        else expect(outcome).toHaveProperty('error');
      }),
      RUNS,
    );
  });
});

describe("the judge rubric's readJudgeAnswer", () => {
  const scale = fc.constantFrom('1-5' as const, '0-1' as const);

  it('never throws: a score in [0, 1] with a reason, or an error with a bounded message', () => {
    fc.assert(
      fc.property(modelText, scale, (text, s) => {
        const outcome = readJudgeAnswer(text, s);
        if ('score' in outcome) {
          expect(outcome.score).toBeGreaterThanOrEqual(0);
          expect(outcome.score).toBeLessThanOrEqual(1);
          expect(outcome.detail?.trim()).toBeTruthy();
          // Never invented: the score is the answer's own, on the scale.
          const raw = (extractJsonObject(text) as { score: number }).score;
          expect(outcome.score).toBe(s === '1-5' ? (raw - 1) / 4 : raw);
        } else {
          expect(outcome.error).toMatch(/^malformed judge answer/);
          expect(outcome.error.length).toBeLessThanOrEqual(MAX_ERROR);
        }
      }),
      RUNS,
    );
  });

  it('accepts exactly the scores on the scale, numbers only', () => {
    const score = fc.oneof(fc.integer({ min: -3, max: 8 }), fc.integer({ min: -10, max: 60 }).map((n) => n / 10), fc.double({ min: -2, max: 7 }), fc.constantFrom(Number.NaN, Infinity, -0), fc.constantFrom('5', '1', 'high', null, true));
    fc.assert(
      fc.property(score, scale, fc.oneof(fc.string({ unit: anyChar, maxLength: 30 }), fc.constant(undefined)), prose, (value, s, reason, around) => {
        const answer = `${around}${JSON.stringify({ score: value, reason })}`;
        const outcome = readJudgeAnswer(answer, s);
        // JSON has no NaN or Infinity: they arrive as null.
        const sent = JSON.parse(JSON.stringify({ score: value })).score as unknown;
        const onScale = typeof sent === 'number' && (s === '1-5' ? Number.isInteger(sent) && sent >= 1 && sent <= 5 : sent >= 0 && sent <= 1);
        const hasReason = typeof reason === 'string' && reason.trim() !== '';
        if (onScale && hasReason) expect(outcome).toEqual({ score: s === '1-5' ? ((sent as number) - 1) / 4 : sent, detail: reason.trim() });
        else expect(outcome).toHaveProperty('error');
      }),
      RUNS,
    );
  });
});
