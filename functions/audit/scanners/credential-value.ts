import { shannonEntropy } from './shannon-entropy';

// Words that mark a value as documentation rather than a live credential. Four letters or more, so a random
// 40-character base62 key contains one by chance about three times in ten thousand.
const PLACEHOLDER_WORDS =
  /your|example|placeholder|change_?me|dummy|redacted|replace|insert|sample|xxxx|\*\*\*|\.\.\.|todo|fixme|password|passwd|secret|token|api_?key|lorem|foobar|mock|fake|here|test|demo|default|sometoken|abcdef|123456|qwerty|hunter2|letmein|admin|changeit|pass123/i;
const TEMPLATE = /^[$%@:!&*]|\$\{|\{\{|\}\}|\{[A-Za-z_]\w*\}|^<.*>$|^\[.*\]$|^__\w+__$|^%\w+%$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const URL_LIKE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
const PATH_LIKE = /^(?:\/|\.\.?[\\/]|~[\\/]|[A-Za-z]:[\\/]|\\\\)|^(?:[\w.-]+[\\/])+[\w.-]*\.[A-Za-z0-9]{1,5}$/;
const DATE_OR_VERSION = /^v?\d+(?:\.\d+){1,3}(?:[-+][\w.]+)?$|^\d{4}-\d{2}-\d{2}/;
// os.environ, config.apiKey, settings.SECRET_KEY2: dotted names whose parts are words, not random runs.
const MEMBER_EXPRESSION = /^[A-Za-z_$][A-Za-z_$]*\d{0,2}(?:\.[A-Za-z_$][A-Za-z_$]*\d{0,2})+$/;
const REPEATED_RUN = /(.)\1{4,}/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$/;

/** True for a value that is a template reference, a placeholder, or a documented dummy rather than a secret. */
export function isPlaceholderValue(v: string): boolean {
  return TEMPLATE.test(v) || PLACEHOLDER_WORDS.test(v) || REPEATED_RUN.test(v) || isSequential(v);
}

/**
 * True when most neighbouring characters step by one (abcdef…, 0123…, zyx…): fake keys in docs and tests are
 * typed that way, and real keys almost never are.
 */
export function isSequential(v: string): boolean {
  if (v.length < 8) return false;
  let steps = 0;
  for (let i = 1; i < v.length; i++) {
    const d = v.charCodeAt(i) - v.charCodeAt(i - 1);
    if (d === 1 || d === -1) steps++;
  }
  return steps / (v.length - 1) > 0.5;
}

export interface CredentialValueOptions {
  /**
   * Passwords are chosen by people, so words with digits (`Summer2024!`) count; API keys and tokens are
   * generated, so a value made of words (`OAuth2CredentialProvider`, `SASL_SCRAM_512_AUTH`) is an identifier.
   */
  humanChosen?: boolean;
}

/**
 * True when `v` reads like a credential: long enough, no whitespace, not a placeholder, UUID, URL, path, email,
 * date, version or code reference, with digits (or a long random mix of cases) and high Shannon entropy.
 * Plain words and identifiers fail; so do all-digit strings (ids, phone numbers, timestamps).
 * Lower-case hex passes when long enough: under a credential name it is usually `token_hex()` output.
 */
export function looksLikeCredential(v: string, minLength: number, options: CredentialValueOptions = {}): boolean {
  const n = v.length;
  if (n < minLength || n > 512) return false;
  let lower = 0;
  let upper = 0;
  let digit = 0;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c <= 32 || c === 127) return false;
    if (c >= 97 && c <= 122) lower++;
    else if (c >= 65 && c <= 90) upper++;
    else if (c >= 48 && c <= 57) digit++;
  }
  const letters = lower + upper;
  if (letters === 0) return false;
  if (digit === 0) {
    // No digits: only a long, evenly mixed-case run passes (generated keys have it, CamelCase words do not).
    const ratio = upper / letters;
    if (letters < 20 || ratio < 0.3 || ratio > 0.7) return false;
  }
  if (isPlaceholderValue(v)) return false;
  if (UUID.test(v) || URL_LIKE.test(v) || PATH_LIKE.test(v) || DATE_OR_VERSION.test(v) || EMAIL.test(v)) return false;
  if (MEMBER_EXPRESSION.test(v)) return false;
  if (!options.humanChosen && isMadeOfWords(v)) return false;
  return shannonEntropy(v) >= minimumEntropy(n);
}

// Splits at separators, case humps and letter/digit boundaries: OAuth2CredentialProvider → OAuth 2 Credential Provider.
const PARTS = /[^A-Za-z0-9]+|(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])/;
// A pronounceable word: capitalised or lower case, with a vowel and no run of four consonants. Random case
// runs rarely qualify; "Credential", "insecure", "value" do.
const WORD = /^(?=[A-Z]?[a-z]{2,}$)(?=.*[aeiou])(?!.*[b-df-hj-np-tv-xz]{4})/;
const HEX = /^[0-9a-fA-F]+$/;

/**
 * True when at least 70% of the letters sit in words of three letters or more (Credential, OAuth, and SCRAM in
 * an all-capitals constant). Random base62 of 16 characters passes about 0.5% of the time, of 32 about 0.01%;
 * hex is never judged, its letters are too few to tell.
 */
export function isMadeOfWords(v: string): boolean {
  if (HEX.test(v)) return false;
  const allCaps = !/[a-z]/.test(v);
  let letters = 0;
  let inWords = 0;
  for (const part of v.split(PARTS)) {
    const c = part.charCodeAt(0);
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) continue;
    letters += part.length;
    if (part.length >= 3 && (WORD.test(part) || (allCaps && /^[A-Z]+$/.test(part)))) inWords += part.length;
  }
  return letters >= 6 && inWords / letters >= 0.7;
}

/** Entropy floor by length: short strings cannot reach high per-character entropy even when random. */
function minimumEntropy(n: number): number {
  return Math.min(3.5, 0.8 * Math.log2(n));
}
