/**
 * A Relabeler over a chat model: shows the model the allowed labels and the row's text (as quoted data between
 * random delimiters) and asks for `{"label": "..."}`. Anything short of a label (a failed call, an answer that is not
 * that JSON, an abstention) comes back as an error, which judgeRelabel counts apart: it is never a disagreement.
 * Whether the label is one of the set is judgeRelabel's check, with its case folding.
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { ModelCallError, type ChatModel } from '../models/chat-model';
import { createChatModel } from '../models/create-chat-model';
import { labelPrompt } from '../models/label-prompt';
import type { AuditConfig } from './audit-config';
import type { RelabelOutcome, Relabeler } from './judge-relabel';
import { answerExcerpt, extractJsonObject } from '../models/json-answer';

export interface ModelRelabelerOptions {
  /** Answer budget (default 64 tokens: a label in JSON needs a dozen). */
  maxTokens?: number;
  /** Default 0: the same row should get the same label. */
  temperature?: number;
  /** Draws the hex delimiter token (default 12 random bytes); tests pin it. */
  token?: () => string;
}

const answerSchema = z.object({ label: z.string().trim().min(1).nullable() });

export function modelRelabeler(model: ChatModel, options: ModelRelabelerOptions = {}): Relabeler {
  const maxTokens = options.maxTokens ?? 64;
  const temperature = options.temperature ?? 0;
  const drawToken = options.token ?? (() => randomBytes(12).toString('hex'));

  return async (text: string, labels: readonly string[]): Promise<RelabelOutcome> => {
    let token = drawToken();
    // A row that happens to contain the token would break out of its block; draw again (a pinned token cannot).
    for (let tries = 0; text.includes(token) && tries < 3; tries++) token = drawToken();
    if (text.includes(token)) return { error: 'the delimiter token occurs in the row text' };
    const prompt = labelPrompt(text, labels, token);
    let answer: string;
    try {
      const result = await model.complete({ system: prompt.system, messages: [{ role: 'user', content: prompt.user }], maxTokens, temperature, responseFormat: 'json' });
      answer = result.text;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { error: error instanceof ModelCallError ? `model call failed: ${message}` : `model call failed unexpectedly: ${message}` };
    }
    return readAnswer(answer);
  };
}

/** The label in a judge's answer: JSON, possibly fenced or wrapped in a sentence, with a `label` string. */
export function readAnswer(answer: string): RelabelOutcome {
  const json = extractJsonObject(answer);
  if (json === undefined) return { error: `malformed answer (no JSON object): ${answerExcerpt(answer)}` };
  const parsed = answerSchema.safeParse(json);
  if (!parsed.success) return { error: `malformed answer (expected {"label": "<label>"}): ${answerExcerpt(answer)}` };
  if (parsed.data.label === null) return { error: 'the judge abstained (label null)' };
  return { label: parsed.data.label };
}



/** The relabeler an audit configuration asks for, if any (`labelNoise.judgeModel`). */
export function relabelerFor(config: AuditConfig): Relabeler | undefined {
  const ref = config.labelNoise.enabled ? config.labelNoise.judgeModel : undefined;
  return ref ? modelRelabeler(createChatModel(ref)) : undefined;
}
