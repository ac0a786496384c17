/**
 * Reads an answer that should be JSON. The whole answer must be one JSON value; one Markdown code fence around it
 * is tolerated unless the check says otherwise (models fence JSON by habit, and the fence does not change the data).
 * Prose around the JSON is not: "Here is the JSON: {...}" does not follow a "reply only with JSON" instruction.
 */

export type JsonRead = { ok: true; value: unknown } | { ok: false; why: string };

const FENCED = /^```[a-zA-Z0-9_-]*[ \t]*\r?\n([\s\S]*?)\r?\n?```$/;

export function readJsonAnswer(answer: string, allowFence = true): JsonRead {
  let text = answer.trim();
  if (allowFence) {
    const fenced = FENCED.exec(text);
    if (fenced) text = fenced[1]!.trim();
  }
  if (text === '') return { ok: false, why: 'the answer is empty' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, why: `not valid JSON (${error instanceof Error ? error.message : String(error)})` };
  }
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Structural equality of JSON values (object key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isJsonObject(a)) {
    if (!isJsonObject(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}
