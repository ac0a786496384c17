/**
 * Numeric answer: the answer's final number against an expected value, within a tolerance. The final number is the
 * one after the last explicit answer marker ("#### 42", "\boxed{42}", "answer: 42", "the answer is 42") when there is
 * one, else the last number in the text. Thousands separators, currency signs, a Unicode minus and simple fractions
 * (3/4) are read; "pages 3-4" is not read as minus four.
 *
 * An answer with no number scores 0 (the model did not answer); a check with no expected value and a reference
 * without a number is an error (there is nothing to compare with).
 */
import * as z from 'zod';
import { type DeterministicRubric } from './rubric';

const params = z.strictObject({
    expected: z.number().finite().optional(),
    /** Absolute tolerance (default 1e-6). */
    tolerance: z.number().min(0).optional(),
    /** Relative tolerance, as a fraction of |expected| (default 0). */
    relativeTolerance: z.number().min(0).optional(),
  });

// A number not glued to a preceding letter or digit; a sign only where a minus cannot be a hyphen or a range dash.
const NUMBER =
  /(?<![\p{L}\p{N}_])(?:(?<![\p{L}\p{N}.,)\]-])([-−–]))?(?:[$€£¥]\s?)?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?:\s?\/\s?(\d+)(?![\d.]))?(?:[eE]([-+]?\d+))?/gu;
const MARKERS = [/####\s*/g, /\\boxed\{\s*/g, /\b(?:final answer|answer)\s*(?:is|=|:)\s*(?:about\s+|approximately\s+)?/gi];

/** The final number of a text (see the module comment); undefined when it has none. */
export function extractFinalNumber(text: string): number | undefined {
  const normalized = text.normalize('NFKC');
  let markerEnd = -1;
  for (const marker of MARKERS) {
    for (const m of normalized.matchAll(marker)) markerEnd = Math.max(markerEnd, m.index + m[0].length);
  }
  const numbers = [...normalized.matchAll(NUMBER)];
  if (numbers.length === 0) return undefined;
  // After a marker, the first number following it is the answer ("answer: 12 (3 × 4)").
  const chosen = markerEnd >= 0 ? (numbers.find((m) => m.index >= markerEnd) ?? numbers[numbers.length - 1]!) : numbers[numbers.length - 1]!;
  return readNumber(chosen);
}

function readNumber(m: RegExpMatchArray): number {
  const [, sign, whole, fraction, denominator, exponent] = m;
  let value = Number(`${whole!.replace(/,/g, '')}${fraction === undefined ? '' : `.${fraction}`}`);
  if (denominator !== undefined && fraction === undefined) value = Number(denominator) === 0 ? Number.NaN : value / Number(denominator);
  if (exponent !== undefined) value *= 10 ** Number(exponent);
  return sign === undefined ? value : -value;
}

export const numericAnswer: DeterministicRubric<z.infer<typeof params>> = {
  id: 'numeric-answer',
  version: '1',
  kind: 'deterministic',
  description: "the answer's final number equals the expected value within a tolerance",
  params,
  score(input, p) {
    let expected = p.expected;
    if (expected === undefined) {
      if (input.reference === undefined) return { error: 'numeric-answer needs an expected value or a reference answer' };
      expected = extractFinalNumber(input.reference);
      if (expected === undefined || !Number.isFinite(expected)) return { error: 'the reference answer has no number to compare with' };
    }
    const found = extractFinalNumber(input.answer);
    if (found === undefined || !Number.isFinite(found)) return { score: 0, detail: 'the answer has no number' };
    const tolerance = Math.max(p.tolerance ?? 1e-6, (p.relativeTolerance ?? 0) * Math.abs(expected));
    const ok = Math.abs(found - expected) <= tolerance;
    return ok ? { score: 1 } : { score: 0, detail: `expected ${expected}, found ${found}` };
  },
};
