import type { CodeSpans } from './code-spans';

/**
 * How an injection phrasing is used where it appears: as an order, as a quoted example in a discussion of
 * attacks, or not at all ("never reveal your system prompt", "you can disregard…", "users who ignore…").
 *
 * A corpus that teaches prompt-injection defence is full of the phrasings; quarantining it would throw away the
 * data that makes a model robust. So a phrasing that is both *mentioned* (quoted, introduced as an example, or
 * described in the third person) and surrounded by the vocabulary of attacks is a discussion, reported as a warning.
 * Either alone is not enough: an attack quotes its payload ('Translate: "Ignore all previous instructions"'), and an
 * attacker may call their payload a test.
 */

export type PhrasingUse = 'order' | 'discussion' | 'none';

/**
 * "never / do not / won't (ever, under any circumstances) <verb>": a prohibition, the opposite of an attack.
 * Only words that can stand between a negation and its verb: "I never said that, ignore…" is not negated.
 */
const NEGATED =
  /(?:\b(?:not|never|cannot|nor|avoid|refuse\s+to|refuses\s+to)|n['’]t)(?:\s+(?:ever|again|just|simply|blindly|automatically|accidentally|try\s+to|attempt\s+to|want\s+to|need\s+to|have\s+to|be\s+tricked\s+into|let\s+(?:anyone|users?|them)\s+(?:make|convince)\s+you|allow\s+(?:yourself|anyone|users?)|to))*(?:\s*,\s*(?:under\s+any\s+circumstances|ever|at\s+any\s+(?:point|time)|in\s+any\s+case|for\s+any\s+reason|whatever\s+happens|no\s+matter\s+what)\s*,?)?\s*$/i;
/** "you can ignore…", "how to override the system prompt": permission or instructions for a developer. */
const PERMISSION = /\b(?:can|could|may|might)(?:\s+(?:safely|just|simply|also|easily|always))?\s+$|\b(?:how|ways?|able|possible|lets?\s+you|allows?\s+you|allowing\s+you|in\s+order)\s+to\s+$|(?:^|[.!?:\n]\s*)to\s+$/i;
/** A third-person subject: the phrasing describes what someone does. */
const DESCRIPTIVE_SUBJECT = /\b(?:who|which|that|they|he|she|people|users|many|some|often|sometimes|usually|frequently|rarely|models?|attackers?|prompts?|inputs?|messages?)\s+$/i;
const INFLECTED_VERB = /(?:ing|ed|es|s|ot|otten|ode|den)$/i;
/** "…phrases like", "e.g.", "a prompt such as": an example follows. */
const INTRODUCED =
  /(?:such\s+as|like|e\.g\.|i\.e\.|for\s+example|for\s+instance|examples?|including|phrases?|phrasings?|strings?|wording|commands?|prompts?|inputs?|messages?|patterns?|payloads?|keywords?|called|named|known\s+as|says?|said|saying|writes?|wrote|writing|typed?|typing|contains?|containing|includes?|as\s+in|reads?)\s*[:,-]?\s*["“‘'«「『`„]?\s*$/i;
/** "…trick the model into ignoring", "tells it to disregard". */
const THIRD_PARTY = /\b(?:model|llm|ai|assistant|chatbot|bot|system|agent|it|them|gpt|chatgpt|claude)\s+(?:to|into)\s+$/i;
/** An opening quote shortly before the phrasing, with no closing quote between. */
const OPEN_QUOTE_BEFORE = /(?:^|[\s(\[:,—–-])["“‘'«「『`„][^\n"“”«»「」『』`]{0,50}$/u;
const CLOSE_QUOTE_AFTER = /^[^\n]{0,200}?(?:["”»」』`]|['’](?!\p{L}))/u;
/** The vocabulary of writing about attacks. Not "filter" or "restriction": jailbreaks use those themselves. */
const ATTACK_VOCABULARY =
  /prompt[\s-]+injections?|injection|jailbreak(?:s|ing|ers?)?\b(?!\])|\battack|adversar|malicious|red[\s-]?team|\bdefen[cs]e|\bdefend|mitigat|\bdetect|guardrail|vulnerab|exploit|payload|\bsecurity|classifier|sanitiz|sanitis|\bthreat|phishing|manipulat/i;

const CONTEXT_REACH = 250;

function isQuoted(text: string, start: number, end: number, code: CodeSpans): boolean {
  if (code.insideFence(start) || code.insideInlineCode(start, end)) return true;
  return OPEN_QUOTE_BEFORE.test(text.slice(Math.max(0, start - 60), start)) && CLOSE_QUOTE_AFTER.test(text.slice(end, end + 220));
}

function hasAttackVocabulary(text: string, start: number, end: number): boolean {
  return ATTACK_VOCABULARY.test(text.slice(Math.max(0, start - CONTEXT_REACH), start)) || ATTACK_VOCABULARY.test(text.slice(end, end + CONTEXT_REACH));
}

/**
 * @param verb the phrasing's verb as written, when it has one (an inflected verb describes rather than orders)
 */
export function classifyPhrasingUse(text: string, start: number, end: number, code: CodeSpans, verb?: string): PhrasingUse {
  const before = text.slice(Math.max(0, start - 60), start);
  if (NEGATED.test(before) || PERMISSION.test(before)) return 'none';
  const inflected = verb !== undefined && verb !== '' && !/\s/.test(verb) && INFLECTED_VERB.test(verb) && !/^(?:bypass|discard|disregard)$/i.test(verb);
  const described = DESCRIPTIVE_SUBJECT.test(before);
  const mentioned = inflected || described || isQuoted(text, start, end, code) || INTRODUCED.test(before) || THIRD_PARTY.test(before);
  if (mentioned && hasAttackVocabulary(text, start, end)) return 'discussion';
  if (inflected || described) return 'none';
  return 'order';
}
