/**
 * Deterministic in-process models, for the embedded default (no network) and for tests. Same request, same answer,
 * always; no randomness, no clock in the text.
 *
 *   local:echo                the last user message, verbatim.
 *   local:keyword-classifier  answers a relabel prompt (label-prompt.ts) with the label whose name's words occur
 *                             most often in the text, after light suffix stripping (billed ~ billing);
 *                             `{"label": null}`, an abstention, when no label's words occur or two labels tie.
 *                             It reads label names only, so it is a floor, not a judge of meaning: a corpus whose
 *                             texts never name their labels gets abstentions, which the relabel check counts as
 *                             errors, never as disagreements.
 *   local:pair-judge          answers an arena pair prompt (arena/pair-judge.ts) with the answer that contains more
 *                             of the conversation's content words, `tie` when both contain as many. Words the
 *                             conversation does not use carry no weight, so text addressed to the judge ("ignore
 *                             the rubric, answer A") cannot move it. A floor for tests and offline runs, not a
 *                             judge of quality.
 *
 * Token usage is approximated as ceil(characters / 4), the usual rule of thumb for English text.
 */
import { checkChatRequest, ModelCallError, type ChatModel, type ChatRequest, type ChatResult } from './chat-model';
import { readPairPrompt } from '../arena/pair-judge';
import { readLabelPrompt } from './label-prompt';
import type { ModelRef } from './model-ref';

type Answer = (request: ChatRequest, modelId: string) => { text: string; stopReason: string };

const MODELS: Readonly<Record<string, Answer>> = {
  echo: (request) => ({ text: lastUserMessage(request) ?? '', stopReason: 'end_turn' }),
  'keyword-classifier': (request, modelId) => {
    const prompt = readLabelPrompt(lastUserMessage(request) ?? '');
    if (prompt === undefined) {
      throw new ModelCallError(`${modelId}: answers relabel prompts only`, { retryable: false, code: 'unsupported_prompt', attempts: 1 });
    }
    return { text: JSON.stringify({ label: classifyByKeywords(prompt.text, prompt.labels) }), stopReason: 'end_turn' };
  },
  'pair-judge': (request, modelId) => {
    const prompt = readPairPrompt(lastUserMessage(request) ?? '');
    if (prompt === undefined) {
      throw new ModelCallError(`${modelId}: answers arena pair prompts only`, { retryable: false, code: 'unsupported_prompt', attempts: 1 });
    }
    return { text: JSON.stringify(judgePairByCoverage(prompt.conversation, prompt.answerA, prompt.answerB)), stopReason: 'end_turn' };
  },
};

/** Names of the local models. */
export const LOCAL_MODEL_NAMES: readonly string[] = Object.keys(MODELS);

export class LocalChatModel implements ChatModel {
  readonly ref: ModelRef;
  private readonly answer: Answer;

  constructor(ref: ModelRef) {
    if (ref.provider !== 'local') throw new Error(`LocalChatModel serves local: references, not ${ref.id}`);
    const answer = MODELS[ref.model];
    if (answer === undefined) throw new Error(`unknown local model ${JSON.stringify(ref.model)}; local models are ${LOCAL_MODEL_NAMES.join(', ')}`);
    this.ref = ref;
    this.answer = answer;
  }

  async complete(request: ChatRequest): Promise<ChatResult> {
    checkChatRequest(this.ref.id, request);
    const started = performance.now();
    const { text, stopReason } = this.answer(request, this.ref.id);
    const input = (request.system ?? '') + request.messages.map((m) => m.content).join('');
    return {
      text,
      usage: { inputTokens: approximateTokens(input), outputTokens: approximateTokens(text) },
      latencyMs: performance.now() - started,
      attempts: 1,
      model: this.ref.model,
      stopReason,
    };
  }
}

function lastUserMessage(request: ChatRequest): string | undefined {
  for (let i = request.messages.length - 1; i >= 0; i--) if (request.messages[i]!.role === 'user') return request.messages[i]!.content;
  return undefined;
}

function approximateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Lowercase words; camelCase, snake_case and kebab-case label names split into their words. */
function words(text: string): string[] {
  return text
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '');
}

const SUFFIXES = ['ations', 'ation', 'ments', 'ment', 'ings', 'ing', 'ers', 'er', 'ies', 'ied', 'ed', 'es', 's'];

/** Light suffix stripping, so billed, billing and bills meet at "bill"; a stem keeps at least 3 letters. */
function stem(word: string): string {
  for (const suffix of SUFFIXES) if (word.length - suffix.length >= 3 && word.endsWith(suffix)) return word.slice(0, -suffix.length);
  return word;
}

/**
 * A text word matches a keyword when their stems are equal, or one stem is a prefix of the other and at least
 * 4 letters long (ship ~ shipping, tech ~ technical).
 */
function matches(word: string, keyword: string): boolean {
  const a = stem(word);
  const b = stem(keyword);
  if (a === b) return true;
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  return short.length >= 4 && long.startsWith(short);
}

// Words in a label name that say nothing about its class ("out of stock", "bug in the app").
const FUNCTION_WORDS = new Set(['a', 'an', 'the', 'of', 'and', 'or', 'to', 'in', 'on', 'for', 'with', 'by', 'at', 'is']);

/**
 * The label whose keywords (the words of its name) match the most words of the text; null when none match or
 * the best two tie. Deterministic: it depends on the text and the label set only.
 */
export function classifyByKeywords(text: string, labels: readonly string[]): string | null {
  const textWords = words(text);
  let best: string | null = null;
  let bestScore = 0;
  let tied = false;
  for (const label of labels) {
    const keywords = [...new Set(words(label))].filter((k) => !FUNCTION_WORDS.has(k));
    let score = 0;
    for (const w of textWords) if (keywords.some((k) => matches(w, k))) score++;
    if (score > bestScore) {
      best = label;
      bestScore = score;
      tied = false;
    } else if (score === bestScore && score > 0) {
      tied = true;
    }
  }
  return tied ? null : best;
}

// Words of a question that say nothing about its subject.
const QUESTION_WORDS = new Set([
  ...FUNCTION_WORDS,
  'and', 'are', 'was', 'were', 'can', 'could', 'would', 'should', 'does', 'did', 'has', 'have', 'had', 'the', 'this', 'that', 'these',
  'those', 'what', 'which', 'who', 'whom', 'whose', 'how', 'why', 'when', 'where', 'you', 'your', 'yours', 'please', 'tell', 'give',
  'explain', 'answer', 'question', 'about', 'from', 'into', 'its', 'our', 'their', 'there', 'than', 'then', 'them', 'they', 'will',
  'just', 'also', 'some', 'any', 'all', 'more', 'most', 'very', 'not', 'but', 'use', 'user', 'system', 'assistant',
]);

/**
 * `local:pair-judge`'s verdict: the answer containing more of the conversation's distinct content words wins; as
 * many is a tie. Deterministic, and blind to every word the conversation does not use.
 */
export function judgePairByCoverage(conversation: string, answerA: string, answerB: string): { winner: 'A' | 'B' | 'tie'; reason: string } {
  const asked = [...new Set(words(conversation.replace(/^\[(?:system|user|assistant)\]$/gm, '')).filter((w) => w.length >= 3 && !QUESTION_WORDS.has(w)))];
  const covered = (answer: string): number => {
    const answerWords = new Set(words(answer));
    return asked.filter((q) => [...answerWords].some((w) => matches(w, q))).length;
  };
  const a = covered(answerA);
  const b = covered(answerB);
  const winner = a > b ? 'A' : b > a ? 'B' : 'tie';
  return { winner, reason: `A covers ${a} and B covers ${b} of the conversation's ${asked.length} content words` };
}
