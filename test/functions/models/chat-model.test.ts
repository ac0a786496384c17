import { describe, expect, it } from 'vitest';
import { checkChatRequest, ModelCallError } from '../../../functions/models/chat-model';

describe('ModelCallError', () => {
  it('carries retryable, status, code, attempts and cause', () => {
    const cause = new Error('socket hang up');
    const error = new ModelCallError('openai:gpt-4o: boom', { retryable: true, status: 503, code: 'server_error', attempts: 4, cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'ModelCallError', message: 'openai:gpt-4o: boom', retryable: true, status: 503, code: 'server_error', attempts: 4 });
    expect(error.cause).toBe(cause);
    expect(new ModelCallError('x', { retryable: false, attempts: 1 }).status).toBeUndefined();
  });
});

describe('checkChatRequest', () => {
  const refused = (request: unknown): string => {
    try {
      checkChatRequest('local:echo', request as never);
    } catch (error) {
      expect(error).toBeInstanceOf(ModelCallError);
      expect(error).toMatchObject({ retryable: false, code: 'invalid_request', attempts: 0 });
      return (error as Error).message;
    }
    return 'accepted';
  };

  it('accepts a well-formed request', () => {
    expect(refused({ system: 's', messages: [{ role: 'user', content: '' }], maxTokens: 1, temperature: 0, responseFormat: 'json' })).toBe('accepted');
  });

  it('names what is wrong with a malformed one', () => {
    expect(refused({ messages: [] })).toBe('local:echo: invalid request: messages is empty');
    expect(refused({ messages: [{ role: 'system', content: 'x' }] })).toMatch(/messages\[0\]\.role is "system"/);
    expect(refused({ messages: [{ role: 'user', content: 3 }] })).toMatch(/messages\[0\]\.content is not a string/);
    expect(refused({ messages: [{ role: 'user', content: 'x' }], maxTokens: 2.5 })).toMatch(/maxTokens/);
    expect(refused({ messages: [{ role: 'user', content: 'x' }], temperature: -0.1 })).toMatch(/temperature/);
    expect(refused({ messages: [{ role: 'user', content: 'x' }], temperature: Number.NaN })).toMatch(/temperature/);
  });
});
