import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readPairVerdict } from '../../../functions/arena/pair-judge';
import { extractJsonObject } from '../../../functions/models/json-answer';

const RUNS = { seed: 20_261_112, numRuns: 400 };
/** An error quotes at most an excerpt of the answer (120 characters), never the whole of a long one. */
const MAX_ERROR = 400;

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const anyChar = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: loneSurrogate },
  { weight: 3, arbitrary: fc.constantFrom('{', '}', '"', ':', ',', '`', '\n', ' ', 'A', 'B', 'tie', 'winner', 'reason') },
);
const anyText = fc.string({ unit: anyChar, maxLength: 40 });
/** Prose that cannot be mistaken for JSON or a fence. */
const prose = fc.string({ unit: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }).filter((c) => !/[{}`[\]"]/.test(c)), maxLength: 60 });

/** Winner values a judge writes, right and wrong: casing, padding, near misses, other types. */
const winner = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('A', 'B', 'tie', 'a', 'b', 'TIE', 'Tie'), fc.constantFrom('', ' ', '\n', '\t')).map(([w, pad]) => `${pad}${w}${pad}`) },
  fc.constantFrom('A or B', 'both', 'neither', 'draw', 'Answer A', 'A.', '"A"', 'AB', '', ' ', 'C', 'ａ'),
  anyText,
  fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.constantFrom('A', 'B'), { maxLength: 2 }), fc.constant({ winner: 'A' })),
);
const reason = fc.oneof({ weight: 3, arbitrary: anyText }, fc.constantFrom('', '   ', '\n'), fc.integer(), fc.constant(null));

/** Judge answers: verdict-shaped JSON (possibly wrong), fenced or in prose, and text with no verdict at all. */
const judgeAnswer = fc.oneof(
  fc.string({ unit: anyChar, maxLength: 300 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  {
    weight: 4,
    arbitrary: fc.record({ winner, reason, extra: fc.option(fc.jsonValue({ maxDepth: 1 }), { nil: undefined }) }, { requiredKeys: ['winner'] }).chain((v) =>
      fc.constantFrom(JSON.stringify(v), `Verdict: ${JSON.stringify(v)} (final)`, `\`\`\`json\n${JSON.stringify(v, null, 2)}\n\`\`\``, `${JSON.stringify(v)} or maybe {"winner": "B"}`),
    ),
  },
  fc.constantFrom('A', 'The winner is A.', 'tie', '{"winner": "A"}', '{"winner": "A", "reason": ""}', '{"Winner": "A", "Reason": "x"}', '{"winner": "A", "reason": "x"', '[{"winner":"A","reason":"x"}]'),
);

describe('readPairVerdict', () => {
  it('never throws: a verdict A, B or tie with a reason, or an error with a bounded message', () => {
    fc.assert(
      fc.property(judgeAnswer, (answer) => {
        let verdict: ReturnType<typeof readPairVerdict> | undefined;
        expect(() => (verdict = readPairVerdict(answer))).not.toThrow();
        if ('error' in verdict!) {
          expect(verdict.error).toMatch(/^malformed judge answer/);
          expect(verdict.error.length).toBeLessThanOrEqual(MAX_ERROR);
          return;
        }
        expect(['A', 'B', 'tie']).toContain(verdict!.winner);
        expect(verdict!.reason).toBe(verdict!.reason.trim());
        expect(verdict!.reason).not.toBe('');
      }),
      RUNS,
    );
  });

  it('never turns garbage into a verdict: a verdict is exactly the winner and reason the answer wrote', () => {
    fc.assert(
      fc.property(judgeAnswer, (answer) => {
        const verdict = readPairVerdict(answer);
        const json = extractJsonObject(answer) as { winner?: unknown; reason?: unknown } | undefined;
        const written = typeof json?.winner === 'string' ? json.winner.trim().toLowerCase() : undefined;
        const said = written === 'a' ? 'A' : written === 'b' ? 'B' : written === 'tie' ? 'tie' : undefined;
        const because = typeof json?.reason === 'string' ? json.reason.trim() : '';
        if (said !== undefined && because !== '') expect(verdict).toEqual({ winner: said, reason: because });
        else expect(verdict).toHaveProperty('error');
      }),
      RUNS,
    );
  });

  it('has no verdict in an answer without a JSON object, whatever words it uses', () => {
    fc.assert(
      fc.property(fc.oneof(judgeAnswer.map((a) => a.replace(/[{}]/g, '')), prose.map((p) => `The winner is A. ${p}`)), (answer) => {
        expect(readPairVerdict(answer)).toHaveProperty('error');
      }),
      RUNS,
    );
  });

  it('reads a well-formed verdict however it is wrapped', () => {
    const good = fc.record({ winner: fc.constantFrom('A', 'B', 'tie', 'a', ' b ', 'TIE'), reason: anyText.filter((r) => r.trim() !== '') });
    fc.assert(
      fc.property(good, prose, prose, fc.constantFrom('bare', 'prose', 'fenced'), (v, before, after, wrap) => {
        const json = JSON.stringify(v);
        fc.pre(!json.includes('```'));
        const answer = wrap === 'bare' ? json : wrap === 'prose' ? `${before}${json}${after}` : `${before}\`\`\`json\n${json}\n\`\`\`${after}`;
        const w = v.winner.trim().toLowerCase();
        expect(readPairVerdict(answer)).toEqual({ winner: w === 'tie' ? 'tie' : w.toUpperCase(), reason: v.reason.trim() });
      }),
      RUNS,
    );
  });
});
