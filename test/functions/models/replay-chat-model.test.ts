import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelCallError } from '../../../functions/models/chat-model';
import { chatRequestHash } from '../../../functions/models/chat-request-hash';
import { createChatModel } from '../../../functions/models/create-chat-model';

describe('replay: models', () => {
  const dir = mkdtempSync(join(tmpdir(), 'finegate-replay-'));
  const q1 = { messages: [{ role: 'user' as const, content: 'What is 6 × 7?' }] };
  const q2 = { system: 'Be terse.', messages: [{ role: 'user' as const, content: 'Capital of France?' }] };
  const file = join(dir, 'outputs.jsonl');
  writeFileSync(
    file,
    [
      JSON.stringify({ input: q1, output: '42', usage: { inputTokens: 9, outputTokens: 1 } }),
      JSON.stringify({ inputHash: chatRequestHash(q2), output: 'Paris' }),
      '',
    ].join('\n'),
  );

  it('answers recorded conversations, by input or by hash', async () => {
    const model = createChatModel(`replay:${file}`);
    expect(await model.complete(q1)).toMatchObject({ text: '42', usage: { inputTokens: 9, outputTokens: 1 }, attempts: 1 });
    expect((await model.complete(q2)).text).toBe('Paris');
  });

  it('makes a missing recording an error, never an empty answer', async () => {
    const model = createChatModel(`replay:${file}`);
    const error = await model.complete({ messages: [{ role: 'user', content: 'unrecorded' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelCallError);
    expect(error).toMatchObject({ code: 'replay_miss', retryable: false });
  });

  it('reports an unreadable or malformed recording file as a model error', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, JSON.stringify({ output: 'no input' }));
    await expect(createChatModel(`replay:${bad}`).complete(q1)).rejects.toMatchObject({ code: 'replay_unreadable' });
    await expect(createChatModel(`replay:${join(dir, 'missing.jsonl')}`).complete(q1)).rejects.toMatchObject({ code: 'replay_unreadable' });
  });
});
