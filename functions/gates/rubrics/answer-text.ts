/**
 * The text units rubrics count and compare: normalised answers, tokens, words, sentences, bullets. Kept in one place
 * so "a word" means the same thing to the word-count check, the length ratio and the token F1.
 *
 * Scripts written without spaces (Han, kana, Hangul syllables are spaced, so not them) count one token per character,
 * the usual unit for CJK overlap metrics.
 */

const UNSPACED = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/u;
const UNSPACED_GLOBAL = /([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])/gu;
const ARTICLES = /\b(?:a|an|the)\b/g;

/**
 * SQuAD-style answer normalisation, made Unicode-aware: NFKC, lowercase, punctuation and symbols dropped, English
 * articles dropped, whitespace collapsed. "The Eiffel Tower." and "eiffel tower" normalise alike.
 */
export function normalizeAnswer(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\p{P}\p{S}]+/gu, ' ')
    .replace(ARTICLES, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
}

/** Tokens of a normalised answer; characters of unspaced scripts are tokens of their own. */
export function answerTokens(text: string): string[] {
  const normalized = normalizeAnswer(text);
  if (normalized === '') return [];
  const spaced = UNSPACED.test(normalized) ? normalized.replace(UNSPACED_GLOBAL, ' $1 ') : normalized;
  return spaced.split(/\s+/u).filter((t) => t !== '');
}

/**
 * Words as a reader counts them: runs of letters, digits and marks, with inner apostrophes and hyphens kept
 * (don't, well-known, 3.5 count once); each character of an unspaced script counts as one.
 */
export function countWords(text: string): number {
  let count = 0;
  for (const match of text.normalize('NFKC').matchAll(/[\p{L}\p{N}\p{M}]+(?:['’.,\-][\p{L}\p{N}\p{M}]+)*/gu)) {
    const run = match[0];
    if (UNSPACED.test(run)) {
      // A run mixing scripts: each unspaced character is a word, each spaced stretch between them one more.
      const pieces = run.split(UNSPACED_GLOBAL).filter((p) => p !== '');
      count += pieces.length;
    } else {
      count++;
    }
  }
  return count;
}

// Abbreviations whose full stop does not end a sentence.
const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'vs', 'etc', 'e.g', 'i.e', 'fig', 'approx', 'inc', 'ltd', 'co']);

/**
 * Sentences: stretches ending in . ! ? … or their full-width forms (or the end of the text) that contain a letter or
 * digit. A full stop after a known abbreviation, between digits (3.5) or inside an initialism (U.S.) does not end one.
 * Line breaks end a sentence too, so each bullet or heading line counts once.
 */
export function countSentences(text: string): number {
  let count = 0;
  for (const line of text.normalize('NFKC').split(/\n+/u)) {
    let start = 0;
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (!'.!?…。！？'.includes(c)) continue;
      if (c === '.' && !endsSentence(line, i)) continue;
      // A run of terminators ("?!", "...") ends one sentence.
      let j = i;
      while (j + 1 < line.length && '.!?…。！？"\'”’)'.includes(line[j + 1]!)) j++;
      if (/[\p{L}\p{N}]/u.test(line.slice(start, j + 1))) count++;
      start = j + 1;
      i = j;
    }
    if (/[\p{L}\p{N}]/u.test(line.slice(start))) count++;
  }
  return count;
}

function endsSentence(line: string, i: number): boolean {
  // A full stop with a letter or digit right after it is inside a token: 3.5, U.S, example.com.
  const after = line[i + 1];
  if (after !== undefined && /[\p{L}\p{N}]/u.test(after)) return false;
  // The dot of a numbered-list marker ("1. Apples are red.").
  if (/^\s*\d{1,3}$/.test(line.slice(0, i))) return false;
  const word = /([\p{L}.]+)$/u.exec(line.slice(0, i))?.[1]?.toLowerCase().replace(/^\.+/, '');
  if (word === undefined) return true;
  if (ABBREVIATIONS.has(word)) return false;
  // An initialism (U.S.) followed by a lowercase word is mid-sentence.
  const next = line.slice(i + 1).trimStart()[0];
  return !(/^(?:\p{L}\.)+\p{L}$/u.test(word) && next !== undefined && /\p{Ll}/u.test(next));
}

/** Lines that are Markdown bullet items (-, *, +, •), nested ones included; numbered items are not bullets. */
export function countBullets(text: string): number {
  let count = 0;
  for (const line of text.split('\n')) if (/^\s*[-*+•]\s+\S/u.test(line)) count++;
  return count;
}

/** Escapes a literal for use inside a RegExp. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Whether `phrase` occurs in `text` as whole words (not inside a longer word): "cat" is in "a cat." but not in
 * "category". Case-insensitive unless asked otherwise; both sides are NFKC-normalised.
 */
export function containsPhrase(text: string, phrase: string, caseSensitive = false): boolean {
  const p = phrase.normalize('NFKC').trim();
  if (p === '') return false;
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}\\p{M}])${escapeRegExp(p).replace(/\s+/g, '\\s+')}(?![\\p{L}\\p{N}\\p{M}])`, caseSensitive ? 'u' : 'iu');
  return pattern.test(text.normalize('NFKC'));
}
