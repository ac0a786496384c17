import { describe, expect, it } from 'vitest';
import { familyOfName, isCrossFamily, ModelRefError, parseModelRef, sameFamily, toModelRef, type ModelFamily } from '../../../functions/models/model-ref';

describe('parseModelRef', () => {
  it('parses Bedrock model ids, inference profiles and ARNs', () => {
    expect(parseModelRef('bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0')).toEqual({
      id: 'bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0',
      provider: 'bedrock',
      model: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
      family: 'anthropic',
      familySource: 'derived',
    });
    const cases: [string, ModelFamily][] = [
      ['bedrock:us.meta.llama3-1-70b-instruct-v1:0', 'meta'],
      ['bedrock:eu.anthropic.claude-3-7-sonnet-20250219-v1:0', 'anthropic'],
      ['bedrock:apac.amazon.nova-lite-v1:0', 'amazon'],
      ['bedrock:global.anthropic.claude-sonnet-4-5-20250929-v1:0', 'anthropic'],
      ['bedrock:us-gov.meta.llama3-8b-instruct-v1:0', 'meta'],
      ['bedrock:amazon.nova-pro-v1:0', 'amazon'],
      ['bedrock:amazon.titan-text-express-v1', 'amazon'],
      ['bedrock:mistral.mistral-large-2407-v1:0', 'mistral'],
      ['bedrock:mistral.mixtral-8x7b-instruct-v0:1', 'mistral'],
      ['bedrock:cohere.command-r-plus-v1:0', 'cohere'],
      ['bedrock:ai21.jamba-1-5-large-v1:0', 'ai21'],
      ['bedrock:us.deepseek.r1-v1:0', 'deepseek'],
      ['bedrock:qwen.qwen3-32b-v1:0', 'qwen'],
      ['bedrock:openai.gpt-oss-120b-1:0', 'openai'],
      ['bedrock:google.gemma-3-27b-it', 'google'],
      ['bedrock:writer.palmyra-x5-v1:0', 'unknown'],
      ['bedrock:arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2', 'anthropic'],
      ['bedrock:arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.titan-text-lite-v1:0:4k/2ahdp8b5eoa1', 'amazon'],
      ['bedrock:arn:aws:bedrock:us-west-2:123456789012:custom-model/meta.llama3-1-8b-instruct-v1:0:128k/abc123def456', 'meta'],
      ['bedrock:arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.meta.llama3-2-3b-instruct-v1:0', 'meta'],
      ['bedrock:arn:aws:bedrock:us-east-1:123456789012:imported-model/x7y2llama9zq1', 'unknown'],
      ['bedrock:arn:aws:bedrock:us-east-1:123456789012:provisioned-model/4k8a9f0b2c3d', 'unknown'],
      ['bedrock:arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/claude0a1b2c', 'unknown'],
      ['bedrock:arn:aws-us-gov:bedrock:us-gov-west-1::foundation-model/meta.llama3-8b-instruct-v1:0', 'meta'],
    ];
    for (const [ref, family] of cases) {
      const parsed = parseModelRef(ref);
      expect({ ref, family: parsed.family, provider: parsed.provider, model: parsed.model }).toEqual({
        ref,
        family,
        provider: 'bedrock',
        model: ref.slice('bedrock:'.length),
      });
    }
  });

  it('parses OpenAI and OpenAI-compatible model names', () => {
    const cases: [string, ModelFamily][] = [
      ['openai:gpt-4o', 'openai'],
      ['openai:gpt-4o-mini-2024-07-18', 'openai'],
      ['openai:gpt-3.5-turbo', 'openai'],
      ['openai:chatgpt-4o-latest', 'openai'],
      ['openai:o1', 'openai'],
      ['openai:o3-mini', 'openai'],
      ['openai:o4-mini-high', 'openai'],
      ['openai:gpt-oss:20b', 'openai'],
      ['openai:ft:gpt-4o-mini:org::id', 'openai'],
      ['openai:ft:gpt-4o-mini-2024-07-18:acme:support-v2:9abcXYZ', 'openai'],
      ['openai:ft:davinci-002:acme::8xyz', 'openai'],
      ['openai:meta-llama/Llama-3.1-8B-Instruct', 'meta'],
      ['openai:llama3.1:8b', 'meta'],
      ['openai:codellama:13b', 'meta'],
      ['openai:NousResearch/Hermes-3-Llama-3.1-8B', 'meta'],
      ['openai:qwen2.5:7b', 'qwen'],
      ['openai:Qwen/Qwen2.5-72B-Instruct', 'qwen'],
      ['openai:qwq:32b', 'qwen'],
      ['openai:mistralai/Mistral-7B-Instruct-v0.3', 'mistral'],
      ['openai:mistral:7b', 'mistral'],
      ['openai:mixtral:8x7b', 'mistral'],
      ['openai:codestral-latest', 'mistral'],
      ['openai:dolphin-mixtral:8x7b', 'mistral'],
      ['openai:gemma2:9b', 'google'],
      ['openai:google/gemma-2-9b-it', 'google'],
      ['openai:gemini-1.5-pro', 'google'],
      ['openai:deepseek-r1:14b', 'deepseek'],
      ['openai:deepseek-ai/DeepSeek-R1-Distill-Llama-8B', 'deepseek'],
      ['openai:unsloth/DeepSeek-R1-Distill-Qwen-7B', 'deepseek'],
      ['openai:phi3:mini', 'microsoft'],
      ['openai:microsoft/Phi-3.5-mini-instruct', 'microsoft'],
      ['openai:phi4', 'microsoft'],
      ['openai:claude-3-5-sonnet-latest', 'anthropic'],
      ['openai:command-r:35b', 'cohere'],
      ['openai:command-r-plus', 'cohere'],
      ['openai:CohereForAI/c4ai-command-r-v01', 'cohere'],
      ['openai:aya:8b', 'cohere'],
      ['openai:ai21labs/AI21-Jamba-1.5-Mini', 'ai21'],
      ['openai:amazon/nova-micro', 'amazon'],
      ['openai:hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M', 'meta'],
      ['openai:my-support-finetune', 'unknown'],
      ['openai:EleutherAI/gpt-j-6b', 'unknown'],
      ['openai:EleutherAI/gpt-neox-20b', 'unknown'],
      ['openai:granite3-dense:8b', 'unknown'],
      ['openai:philosophy-bot', 'unknown'],
      ['openai:bossanova-7b', 'unknown'],
    ];
    for (const [ref, family] of cases) {
      const parsed = parseModelRef(ref);
      expect({ ref, family: parsed.family, provider: parsed.provider, model: parsed.model }).toEqual({
        ref,
        family,
        provider: 'openai',
        model: ref.slice('openai:'.length),
      });
    }
  });

  it('parses replay and local references', () => {
    expect(parseModelRef('replay:s3://bucket/runs/42/predictions.jsonl')).toMatchObject({
      provider: 'replay',
      model: 's3://bucket/runs/42/predictions.jsonl',
      family: 'replay',
    });
    expect(parseModelRef('replay:./fixtures/outputs.jsonl')).toMatchObject({ provider: 'replay', model: './fixtures/outputs.jsonl', family: 'replay' });
    expect(parseModelRef('replay:/var/data/outputs.jsonl.gz').model).toBe('/var/data/outputs.jsonl.gz');
    expect(parseModelRef('local:echo')).toMatchObject({ id: 'local:echo', provider: 'local', model: 'echo', family: 'local' });
    expect(parseModelRef('local:keyword-classifier').model).toBe('keyword-classifier');
  });

  it('takes a declared family where the name cannot tell it', () => {
    const imported = parseModelRef('bedrock:arn:aws:bedrock:us-east-1:123456789012:imported-model/abc123#family=meta');
    expect(imported).toMatchObject({
      model: 'arn:aws:bedrock:us-east-1:123456789012:imported-model/abc123',
      family: 'meta',
      familySource: 'declared',
      id: 'bedrock:arn:aws:bedrock:us-east-1:123456789012:imported-model/abc123#family=meta',
    });
    expect(parseModelRef('openai:my-support-finetune#family=Qwen')).toMatchObject({ model: 'my-support-finetune', family: 'qwen' });
    expect(parseModelRef('replay:s3://b/runs/7/out.jsonl#family=mistral')).toMatchObject({ model: 's3://b/runs/7/out.jsonl', family: 'mistral' });
    // A declaration overrides what the name says.
    expect(parseModelRef('openai:gpt-4o#family=openai').familySource).toBe('declared');
    // A # elsewhere in a replay key is part of the key.
    expect(parseModelRef('replay:s3://b/k#1.jsonl').model).toBe('s3://b/k#1.jsonl');
  });

  it('normalises the provider and surrounding whitespace into the canonical id', () => {
    expect(parseModelRef('  Bedrock:amazon.nova-pro-v1:0 ').id).toBe('bedrock:amazon.nova-pro-v1:0');
    expect(parseModelRef('OPENAI:gpt-4o').id).toBe('openai:gpt-4o');
  });

  it('names what is wrong with an invalid reference', () => {
    const cases: [string, RegExp][] = [
      ['', /empty/],
      ['   ', /empty/],
      ['gpt-4o', /expected "<provider>:<model>"/],
      [':gpt-4o', /expected "<provider>:<model>"/],
      ['azure:gpt-4o', /unknown provider "azure"; expected bedrock, openai, replay or local/],
      ['openai:', /the openai model is missing/],
      ['bedrock:', /the bedrock model is missing/],
      ['bedrock:claude-3-sonnet', /not a Bedrock model id/],
      ['bedrock:Anthropic.claude', /not a Bedrock model id/],
      ['bedrock:anthropic.claude v2', /whitespace/],
      ['bedrock:arn:aws:s3:::bucket/key', /not a Bedrock ARN/],
      ['openai:gpt 4o', /whitespace/],
      ['openai:gpt-4o\u0000', /control character/],
      ['local:Echo', /lowercase letters, digits and dashes/],
      ['local:echo/2', /lowercase letters, digits and dashes/],
      ['replay:https://example.com/out.jsonl', /s3:\/\/ URIs or local paths, not https:\/\//],
      ['replay:s3://bucket-only', /needs a bucket and a key/],
      ['openai:gpt-4o#family=klingon', /unknown family "klingon" in #family=/],
      ['openai:gpt-4o#family=unknown', /unknown family "unknown"/],
    ];
    for (const [input, message] of cases) {
      let thrown: unknown;
      try {
        parseModelRef(input);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, input).toBeInstanceOf(ModelRefError);
      expect((thrown as Error).message, input).toMatch(message);
      expect((thrown as Error).message, input).toContain(`invalid model reference ${JSON.stringify(input)}`);
    }
  });

  it('passes a parsed reference through toModelRef unchanged', () => {
    const ref = parseModelRef('local:echo');
    expect(toModelRef(ref)).toBe(ref);
    expect(toModelRef('local:echo')).toEqual(ref);
  });
});

describe('familyOfName', () => {
  it('prefers a known organisation over the model name', () => {
    expect(familyOfName('mistralai/Mixtral-8x22B')).toBe('mistral');
    expect(familyOfName('meta-llama/CodeLlama-7b')).toBe('meta');
    // An unknown organisation falls through to the name.
    expect(familyOfName('TheBloke/Mistral-7B-GGUF')).toBe('mistral');
  });
});

describe('sameFamily and isCrossFamily', () => {
  it('compares derived families across providers', () => {
    expect(sameFamily('bedrock:meta.llama3-1-70b-instruct-v1:0', 'openai:meta-llama/Llama-3.1-8B-Instruct')).toBe(true);
    expect(sameFamily('bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0', 'openai:gpt-4o')).toBe(false);
    expect(sameFamily('openai:ft:gpt-4o-mini:org::id', 'openai:o3-mini')).toBe(true);
    expect(sameFamily(parseModelRef('local:echo'), 'local:keyword-classifier')).toBe(true);
  });

  it('never calls two unknown families the same, and never calls an unknown family cross-family', () => {
    expect(sameFamily('openai:my-finetune', 'openai:another-finetune')).toBe(false);
    expect(isCrossFamily('bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0', 'openai:my-finetune')).toBe(false);
    expect(isCrossFamily('openai:my-finetune', 'bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0')).toBe(false);
    expect(isCrossFamily('bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0', 'openai:my-finetune#family=meta')).toBe(true);
  });

  it('refuses a judge of the candidate family', () => {
    expect(isCrossFamily('bedrock:us.meta.llama3-1-70b-instruct-v1:0', 'openai:llama3.1:8b')).toBe(false);
    expect(isCrossFamily('bedrock:amazon.nova-pro-v1:0', 'openai:llama3.1:8b')).toBe(true);
  });
});
