import { describe, expect, it } from 'vitest';
import { BedrockChatModel } from '../../../functions/models/bedrock-chat-model';
import { createChatModel } from '../../../functions/models/create-chat-model';
import { LocalChatModel } from '../../../functions/models/local-chat-model';
import { ModelRefError, parseModelRef } from '../../../functions/models/model-ref';
import { OpenAIChatModel } from '../../../functions/models/openai-chat-model';

describe('createChatModel', () => {
  it('picks the adapter for the provider', () => {
    const openai = createChatModel('openai:gpt-4o', { openai: { apiKey: 'k', baseURL: 'http://127.0.0.1:9/v1' } });
    expect(openai).toBeInstanceOf(OpenAIChatModel);
    expect(openai.ref.id).toBe('openai:gpt-4o');
    const bedrock = createChatModel('bedrock:amazon.nova-pro-v1:0', { bedrock: { region: 'us-east-1' } });
    expect(bedrock).toBeInstanceOf(BedrockChatModel);
    (bedrock as BedrockChatModel).destroy();
    expect(createChatModel(parseModelRef('local:echo'))).toBeInstanceOf(LocalChatModel);
  });

  it('answers through a local model end to end', async () => {
    const model = createChatModel('local:echo');
    expect((await model.complete({ messages: [{ role: 'user', content: 'ping' }] })).text).toBe('ping');
  });

  it('serves replay references from recordings, and refuses invalid references', () => {
    expect(createChatModel('replay:s3://bucket/outputs.jsonl').ref.provider).toBe('replay');
    expect(() => createChatModel('gpt-4o')).toThrow(ModelRefError);
    expect(() => createChatModel('local:nope')).toThrow(/unknown local model/);
  });
});
