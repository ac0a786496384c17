/**
 * A model's JSON answer as models actually write it: one JSON object as the whole answer, inside a fenced block, or
 * between the first `{` and the last `}` of surrounding prose. Judges, relabelers and the pair judge all read it here.
 */
export function extractJsonObject(answer: string): unknown {
  const candidates = [answer.trim()];
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(answer);
  if (fenced) candidates.push(fenced[1]!.trim());
  const first = answer.indexOf('{');
  const last = answer.lastIndexOf('}');
  if (first !== -1 && last > first) candidates.push(answer.slice(first, last + 1));
  for (const candidate of candidates) {
    try {
      const value: unknown = JSON.parse(candidate);
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value;
    } catch {
      // Try the next reading.
    }
  }
  return undefined;
}

/** A short, quoted excerpt of an answer for an error message. */
export function answerExcerpt(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max)}…` : flat);
}
