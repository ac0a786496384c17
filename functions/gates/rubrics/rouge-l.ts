/**
 * ROUGE-L F1: the longest common subsequence of the answer's and the reference's tokens, as precision (over the
 * answer) and recall (over the reference), combined as F1 (β = 1, as the common rouge-score implementation does);
 * the best over several references. Tokens are lowercased runs of letters and digits (Unicode-aware), characters of
 * unspaced scripts one by one.
 */
import * as z from 'zod';
import { referencesOf, type DeterministicRubric } from './rubric';

const params = z.strictObject({
  expected: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
});

const TOKEN = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[\p{L}\p{N}\p{M}]+/gu;

export function rougeTokens(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(TOKEN) ?? [];
}

/** Length of the longest common subsequence, in O(|a|·|b|) time and O(min) memory. */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  const [long, short] = a.length >= b.length ? [a, b] : [b, a];
  if (short.length === 0) return 0;
  // Intern tokens as integers so the inner loop compares numbers, not strings.
  const ids = new Map<string, number>();
  const id = (t: string): number => {
    let v = ids.get(t);
    if (v === undefined) ids.set(t, (v = ids.size));
    return v;
  };
  const s = Int32Array.from(short, id);
  const l = Int32Array.from(long, id);
  let prev = new Int32Array(s.length + 1);
  let curr = new Int32Array(s.length + 1);
  for (let i = 0; i < l.length; i++) {
    const x = l[i]!;
    for (let j = 0; j < s.length; j++) {
      curr[j + 1] = x === s[j] ? prev[j]! + 1 : Math.max(prev[j + 1]!, curr[j]!);
    }
    [prev, curr] = [curr, prev];
  }
  return prev[s.length]!;
}

export function rougeL(answer: string, reference: string): number {
  const a = rougeTokens(answer);
  const r = rougeTokens(reference);
  if (a.length === 0 || r.length === 0) return a.length === r.length ? 1 : 0;
  const lcs = lcsLength(a, r);
  if (lcs === 0) return 0;
  const precision = lcs / a.length;
  const recall = lcs / r.length;
  return (2 * precision * recall) / (precision + recall);
}

export const rougeLRubric: DeterministicRubric<z.infer<typeof params>> = {
  id: 'rouge-l',
  version: '1',
  kind: 'deterministic',
  description: 'ROUGE-L F1 with the reference answer',
  params,
  score(input, p) {
    const references = referencesOf(input, p.expected);
    if (references === undefined) return { error: 'rouge-l needs a reference answer or an expected value' };
    return { score: Math.max(...references.map((r) => rougeL(input.answer, r))) };
  },
};
