import { describe, expect, it } from 'vitest';
import { ModelCallError } from '../../../../functions/models/chat-model';
import { askJudge, readJudgeAnswer } from '../../../../functions/gates/rubrics/judge-rubric';
import { scriptedModel } from './rubric-test-kit';

const spec = { instructions: 'Judge it.', scale: '1-5' as const };
const blocks = [{ name: 'ANSWER', text: 'an answer' }];

describe('readJudgeAnswer', () => {
  it('normalises the 1–5 scale to [0, 1] and keeps the reason', () => {
    expect(readJudgeAnswer('{"score": 1, "reason": "bad"}', '1-5')).toEqual({ score: 0, detail: 'bad' });
    expect(readJudgeAnswer('{"score": 4, "reason": "good"}', '1-5')).toEqual({ score: 0.75, detail: 'good' });
    expect(readJudgeAnswer('{"score": 5, "reason": "great"}', '1-5')).toEqual({ score: 1, detail: 'great' });
    expect(readJudgeAnswer('{"score": 0.5, "reason": "half"}', '0-1')).toEqual({ score: 0.5, detail: 'half' });
  });

  it('reads fenced JSON and JSON inside a sentence', () => {
    expect(readJudgeAnswer('```json\n{"score": 3, "reason": "ok"}\n```', '1-5')).toEqual({ score: 0.5, detail: 'ok' });
    expect(readJudgeAnswer('My verdict: {"score": 2, "reason": "weak"}.', '1-5')).toEqual({ score: 0.25, detail: 'weak' });
  });

  it('returns an error, never a score, for anything off the scale or malformed', () => {
    const cases: [string, '1-5' | '0-1'][] = [
      ['{"score": 0, "reason": "x"}', '1-5'],
      ['{"score": 6, "reason": "x"}', '1-5'],
      ['{"score": 3.5, "reason": "x"}', '1-5'],
      ['{"score": "4", "reason": "x"}', '1-5'],
      ['{"score": 4}', '1-5'],
      ['{"score": 4, "reason": "  "}', '1-5'],
      ['{"score": 2, "reason": "x"}', '0-1'],
      ['{"score": -0.1, "reason": "x"}', '0-1'],
      ['I would give it a 4.', '1-5'],
      ['[4]', '1-5'],
      ['', '1-5'],
      ['{"score": 4, "reason": "a"} {"score": 1, "reason": "b"}', '1-5'],
    ];
    for (const [answer, scale] of cases) {
      const outcome = readJudgeAnswer(answer, scale);
      expect(outcome, answer).toHaveProperty('error');
      expect(outcome).not.toHaveProperty('score');
    }
    const offScale = readJudgeAnswer('{"score": 6, "reason": "x"}', '1-5');
    expect('error' in offScale && offScale.error).toMatch(/^malformed judge answer, expected \{"score": 1-5, "reason": "\.\.\."\} \(score: .+\): "\{\\"score\\": 6/);
  });
});

describe('askJudge', () => {
  it('asks for JSON at temperature 0 with the prompt in one user message', async () => {
    const model = scriptedModel(() => '{"score": 5, "reason": "fine"}');
    expect(await askJudge({ model, token: () => 'abcdef0123456789' }, spec, blocks)).toEqual({ score: 1, detail: 'fine' });
    const request = model.requests[0]!;
    expect(request).toMatchObject({ responseFormat: 'json', temperature: 0, maxTokens: 400 });
    expect(request.messages).toHaveLength(1);
    expect(request.messages[0]!.content).toContain('<<<ANSWER abcdef0123456789>>>\nan answer\n<<<END ANSWER abcdef0123456789>>>');
  });

  it('draws a fresh random token per call', async () => {
    const model = scriptedModel(() => '{"score": 5, "reason": "fine"}');
    await askJudge({ model }, spec, blocks);
    await askJudge({ model }, spec, blocks);
    const tokens = model.requests.map((r) => /<<<ANSWER ([0-9a-f]+)>>>/.exec(r.messages[0]!.content)![1]);
    expect(tokens[0]).toMatch(/^[0-9a-f]{24}$/);
    expect(tokens[1]).not.toBe(tokens[0]);
  });

  it('draws again when the data contains the token, and gives up with an error after three draws', async () => {
    const model = scriptedModel(() => '{"score": 5, "reason": "fine"}');
    const draws = ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb'];
    const outcome = await askJudge({ model, token: () => draws.shift() ?? 'cccccccccccccccc' }, spec, [{ name: 'ANSWER', text: 'aaaaaaaaaaaaaaaa' }]);
    expect(outcome).toEqual({ score: 1, detail: 'fine' });
    expect(model.requests[0]!.messages[0]!.content).toContain('<<<ANSWER bbbbbbbbbbbbbbbb>>>');
    const pinned = await askJudge({ model, token: () => 'aaaaaaaaaaaaaaaa' }, spec, [{ name: 'ANSWER', text: 'aaaaaaaaaaaaaaaa' }]);
    expect(pinned).toEqual({ error: 'the delimiter token occurs in the quoted data' });
    expect(model.requests).toHaveLength(1);
  });

  it('turns a failed call into an error, never a score', async () => {
    const failed = new ModelCallError('bedrock:judge: ThrottlingException (gave up after 4 attempts)', { retryable: true, attempts: 4 });
    expect(await askJudge({ model: scriptedModel(() => failed) }, spec, blocks)).toEqual({
      error: 'judge call failed: bedrock:judge: ThrottlingException (gave up after 4 attempts)',
    });
    expect(await askJudge({ model: scriptedModel(() => new TypeError('oops')) }, spec, blocks)).toEqual({ error: 'judge call failed unexpectedly: oops' });
  });

  it('turns a malformed answer into an error', async () => {
    expect(await askJudge({ model: scriptedModel(() => 'Looks great!') }, spec, blocks)).toEqual({ error: 'malformed judge answer (no JSON object): "Looks great!"' });
  });

  it('returns an error for a token that is not hex', async () => {
    expect(await askJudge({ model: scriptedModel(() => '{}'), token: () => 'not-hex!' }, spec, blocks)).toEqual({
      error: 'cannot build the judge prompt: the delimiter token must be 8 to 64 lowercase hex digits',
    });
  });
});
