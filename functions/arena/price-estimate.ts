/**
 * A cost ESTIMATE for an arena run: tokens times a small table of public list prices (USD per million tokens, on-demand,
 * as published by Anthropic, OpenAI and AWS Bedrock in 2024–2025). It is not a bill: prices change, differ by region,
 * tier, batch and cache discounts, and a self-hosted endpoint costs what its instances cost. A model missing from the
 * table is reported as unpriced rather than guessed, and an override (the run's own prices) replaces the table.
 * `local:` and `replay:` models make no billed call and cost nothing.
 */
import { toModelRef, type ModelRef } from '../models/model-ref';
import type { TokenUsage } from './pair-judge';

export interface TokenPrice {
  /** USD per million input tokens. */
  inputPerMillion: number;
  /** USD per million output tokens. */
  outputPerMillion: number;
}

/**
 * List prices by model name pattern, most specific first; matched against the model id or name, lower-cased. An
 * entry with a provider applies to that provider only: Llama served by your own vLLM does not cost Bedrock's price.
 */
export const LIST_PRICE_ESTIMATES: readonly { pattern: RegExp; label: string; provider?: ModelRef['provider']; price: TokenPrice }[] = [
  { pattern: /claude-3-5-haiku|claude-haiku-3-5/, label: 'Claude 3.5 Haiku', price: { inputPerMillion: 0.8, outputPerMillion: 4 } },
  { pattern: /claude-3-haiku/, label: 'Claude 3 Haiku', price: { inputPerMillion: 0.25, outputPerMillion: 1.25 } },
  { pattern: /claude-(?:3-)?opus|claude-opus/, label: 'Claude Opus', price: { inputPerMillion: 15, outputPerMillion: 75 } },
  { pattern: /claude-(?:3-5-|3-7-)?sonnet|claude-sonnet/, label: 'Claude Sonnet', price: { inputPerMillion: 3, outputPerMillion: 15 } },
  { pattern: /gpt-4o-mini/, label: 'GPT-4o mini', provider: 'openai', price: { inputPerMillion: 0.15, outputPerMillion: 0.6 } },
  { pattern: /gpt-4o/, label: 'GPT-4o', provider: 'openai', price: { inputPerMillion: 2.5, outputPerMillion: 10 } },
  { pattern: /gpt-4\.1-nano/, label: 'GPT-4.1 nano', provider: 'openai', price: { inputPerMillion: 0.1, outputPerMillion: 0.4 } },
  { pattern: /gpt-4\.1-mini/, label: 'GPT-4.1 mini', provider: 'openai', price: { inputPerMillion: 0.4, outputPerMillion: 1.6 } },
  { pattern: /gpt-4\.1/, label: 'GPT-4.1', provider: 'openai', price: { inputPerMillion: 2, outputPerMillion: 8 } },
  { pattern: /(?:^|[^a-z0-9])o3-mini|^o4-mini/, label: 'o3-mini / o4-mini', provider: 'openai', price: { inputPerMillion: 1.1, outputPerMillion: 4.4 } },
  { pattern: /nova-micro/, label: 'Amazon Nova Micro', provider: 'bedrock', price: { inputPerMillion: 0.035, outputPerMillion: 0.14 } },
  { pattern: /nova-lite/, label: 'Amazon Nova Lite', provider: 'bedrock', price: { inputPerMillion: 0.06, outputPerMillion: 0.24 } },
  { pattern: /nova-pro/, label: 'Amazon Nova Pro', provider: 'bedrock', price: { inputPerMillion: 0.8, outputPerMillion: 3.2 } },
  { pattern: /llama-?3(?:[-.]\d)?-8b/, label: 'Llama 3 8B (Bedrock)', provider: 'bedrock', price: { inputPerMillion: 0.22, outputPerMillion: 0.22 } },
  { pattern: /llama-?3(?:[-.]\d)?-70b/, label: 'Llama 3 70B (Bedrock)', provider: 'bedrock', price: { inputPerMillion: 0.72, outputPerMillion: 0.72 } },
  { pattern: /mistral-large/, label: 'Mistral Large', price: { inputPerMillion: 2, outputPerMillion: 6 } },
];

export interface ModelCostEstimate {
  /** Canonical model reference. */
  model: string;
  /** What the model was used for in the run: candidate, base, judge. */
  role: string;
  usage: TokenUsage;
  /** Where the price came from; `unpriced` when neither the table nor an override knows the model. */
  source: 'override' | 'list-price' | 'no-charge' | 'unpriced';
  price?: TokenPrice;
  /** Estimated USD; absent when unpriced. */
  usd?: number;
}

export interface CostEstimate {
  /** Always true: read the figure as an order of magnitude, not a bill. */
  estimate: true;
  currency: 'USD';
  /** Sum over the priced models. */
  usd: number;
  /** False when a model with tokens had no price: the sum is then a lower bound. */
  complete: boolean;
  byModel: ModelCostEstimate[];
  note: string;
}

export const COST_NOTE = 'estimate from public on-demand list prices (2024–2025), not a bill; override with the run\'s own prices';

/** Prices given by the caller, keyed by model reference (any spelling that parses to the same reference). */
export type PriceOverrides = Readonly<Record<string, TokenPrice>>;

/** The price of a model, with where it came from. */
export function priceOf(model: ModelRef | string, overrides: PriceOverrides = {}): { source: ModelCostEstimate['source']; price?: TokenPrice } {
  const ref = toModelRef(model);
  for (const [key, price] of Object.entries(overrides)) {
    if (sameRef(key, ref)) return { source: 'override', price: checkPrice(key, price) };
  }
  if (ref.provider === 'local' || ref.provider === 'replay') return { source: 'no-charge', price: { inputPerMillion: 0, outputPerMillion: 0 } };
  const name = ref.model.toLowerCase();
  const listed = LIST_PRICE_ESTIMATES.find((entry) => (entry.provider === undefined || entry.provider === ref.provider) && entry.pattern.test(name));
  return listed === undefined ? { source: 'unpriced' } : { source: 'list-price', price: listed.price };
}

/** The estimate for the token usage of each (model, role). */
export function estimateCost(usages: readonly { model: ModelRef | string; role: string; usage: TokenUsage }[], overrides: PriceOverrides = {}): CostEstimate {
  let usd = 0;
  let complete = true;
  const byModel = usages.map(({ model, role, usage }): ModelCostEstimate => {
    const { source, price } = priceOf(model, overrides);
    const id = toModelRef(model).id;
    if (price === undefined) {
      if (usage.inputTokens + usage.outputTokens > 0) complete = false;
      return { model: id, role, usage, source };
    }
    const cost = (usage.inputTokens * price.inputPerMillion + usage.outputTokens * price.outputPerMillion) / 1e6;
    usd += cost;
    return { model: id, role, usage, source, price, usd: cost };
  });
  return { estimate: true, currency: 'USD', usd, complete, byModel, note: COST_NOTE };
}

/** Throws a RangeError naming the first override that is not a model reference with non-negative prices. */
export function checkPriceOverrides(overrides: PriceOverrides): void {
  for (const [key, price] of Object.entries(overrides)) {
    try {
      toModelRef(key);
    } catch (error) {
      throw new RangeError(`price override: ${(error as Error).message}`);
    }
    checkPrice(key, price);
  }
}

function sameRef(key: string, ref: ModelRef): boolean {
  try {
    const other = toModelRef(key);
    return other.id === ref.id || (other.provider === ref.provider && other.model === ref.model);
  } catch {
    return false;
  }
}

function checkPrice(key: string, price: TokenPrice): TokenPrice {
  for (const field of ['inputPerMillion', 'outputPerMillion'] as const) {
    const v = price?.[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`price override for ${key}: ${field} must be a non-negative number, got ${String(v)}`);
  }
  return price;
}
