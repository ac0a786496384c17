import { describe, expect, it } from 'vitest';
import { checkPriceOverrides, estimateCost, priceOf } from '../../../functions/arena/price-estimate';

describe('priceOf', () => {
  it('finds list prices by model name, most specific first, for the provider that sells them', () => {
    expect(priceOf('openai:gpt-4o-mini')).toEqual({ source: 'list-price', price: { inputPerMillion: 0.15, outputPerMillion: 0.6 } });
    expect(priceOf('openai:gpt-4o-2024-08-06')).toEqual({ source: 'list-price', price: { inputPerMillion: 2.5, outputPerMillion: 10 } });
    expect(priceOf('bedrock:us.anthropic.claude-3-5-haiku-20241022-v1:0').price).toEqual({ inputPerMillion: 0.8, outputPerMillion: 4 });
    expect(priceOf('bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0').price).toEqual({ inputPerMillion: 3, outputPerMillion: 15 });
    expect(priceOf('bedrock:meta.llama3-1-70b-instruct-v1:0').price).toEqual({ inputPerMillion: 0.72, outputPerMillion: 0.72 });
    expect(priceOf('bedrock:amazon.nova-micro-v1:0').price).toEqual({ inputPerMillion: 0.035, outputPerMillion: 0.14 });
    // Llama on your own server is not billed at Bedrock's price.
    expect(priceOf('openai:meta-llama/Llama-3.1-70B-Instruct')).toEqual({ source: 'unpriced' });
  });

  it('charges nothing for local and replay models, and lets an override win', () => {
    expect(priceOf('local:pair-judge')).toMatchObject({ source: 'no-charge' });
    expect(priceOf('replay:./answers.jsonl#family=meta')).toMatchObject({ source: 'no-charge' });
    expect(priceOf('openai:gpt-4o', { ' openai:gpt-4o': { inputPerMillion: 1, outputPerMillion: 1 } })).toEqual({ source: 'override', price: { inputPerMillion: 1, outputPerMillion: 1 } });
    expect(priceOf('openai:my-endpoint#family=meta', { 'openai:my-endpoint': { inputPerMillion: 0.1, outputPerMillion: 0.2 } }).source).toBe('override');
  });
});

describe('estimateCost', () => {
  it('sums priced models and says when the sum is a lower bound', () => {
    const cost = estimateCost([
      { model: 'openai:gpt-4o', role: 'judge', usage: { inputTokens: 1_000_000, outputTokens: 100_000 } },
      { model: 'openai:mystery#family=meta', role: 'candidate', usage: { inputTokens: 10, outputTokens: 10 } },
      { model: 'local:echo', role: 'base', usage: { inputTokens: 10, outputTokens: 10 } },
    ]);
    expect(cost.usd).toBeCloseTo(2.5 + 1, 10);
    expect(cost.complete).toBe(false);
    expect(cost.estimate).toBe(true);
    expect(cost.byModel.map((m) => m.source)).toEqual(['list-price', 'unpriced', 'no-charge']);
    expect(estimateCost([{ model: 'openai:mystery#family=meta', role: 'candidate', usage: { inputTokens: 0, outputTokens: 0 } }]).complete).toBe(true);
  });

  it('refuses an override that is not a model with non-negative prices', () => {
    expect(() => checkPriceOverrides({ 'nope': { inputPerMillion: 1, outputPerMillion: 1 } })).toThrow(/price override/);
    expect(() => checkPriceOverrides({ 'openai:x': { inputPerMillion: Number.NaN, outputPerMillion: 1 } })).toThrow(/inputPerMillion/);
    expect(() => checkPriceOverrides({ 'openai:x': { inputPerMillion: 1, outputPerMillion: 2 } })).not.toThrow();
  });
});
