import { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readPairPrompt } from '../../functions/arena/pair-judge';
import { parseCanaryConfig, winRateConfig } from '../../functions/canary/canary-config';
import { logEValueBelowFloor } from '../../functions/canary/confidence-sequence';
import type { ShadowMessage } from '../../functions/canary/shadow-message';
import { candidatePosition } from '../../functions/canary/shadow-scoring';
import type { WinCounts, WinTally } from '../../functions/canary/win-tally';
import { scoreBatch, type ScorerDeps } from '../../functions/canary-scorer';
import { ModelCallError, type ChatModel, type ChatRequest, type ChatResult } from '../../functions/models/chat-model';
import { parseModelRef } from '../../functions/models/model-ref';
import { MemoryJudgeCache } from '../support/canary-fakes';

const CANDIDATE = 'bedrock:meta.llama3-1-70b-instruct-v1:0';
const CURRENT = 'bedrock:meta.llama3-1-8b-instruct-v1:0';
const JUDGE = 'openai:gpt-4o';

class ScriptedModel implements ChatModel {
  readonly ref;
  readonly requests: ChatRequest[] = [];
  constructor(
    ref: string,
    private readonly answer: (request: ChatRequest) => string | ModelCallError,
  ) {
    this.ref = parseModelRef(ref);
  }
  async complete(request: ChatRequest): Promise<ChatResult> {
    this.requests.push(request);
    const text = this.answer(request);
    if (text instanceof ModelCallError) throw text;
    return { text, usage: { inputTokens: 10, outputTokens: 10 }, latencyMs: 3, attempts: 1, model: this.ref.model };
  }
}

class MemoryTally implements WinTally {
  readonly totals = new Map<string, WinCounts>();
  failNext = false;
  async add(key: string, counts: WinCounts): Promise<WinCounts> {
    if (this.failNext) {
      this.failNext = false;
      throw Object.assign(new Error('Throughput exceeds the current capacity of your table'), { name: 'ProvisionedThroughputExceededException' });
    }
    const t = this.totals.get(key) ?? { wins: 0, losses: 0, ties: 0 };
    const next = { wins: t.wins + counts.wins, losses: t.losses + counts.losses, ties: t.ties + counts.ties };
    this.totals.set(key, next);
    return next;
  }
}

/** EMF documents written to stdout (Powertools Metrics prints one JSON line per flush). */
let stdout: string[] = [];
let stderr: string[] = [];
const emf = () =>
  stdout
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] } } & Record<string, unknown>);

beforeEach(() => {
  stdout = [];
  stderr = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

const config = parseCanaryConfig({ judgeModel: JUDGE, rubrics: [{ name: 'refusal', check: { rubric: 'refusal-detection', expectRefusal: false } }] });

const GOOD = 'Your parcel left the depot this morning and arrives tomorrow.';
const REFUSAL = "I'm sorry, but I can't help with that.";

function message(overrides: Partial<ShadowMessage> = {}): ShadowMessage {
  return {
    runId: 'support-bot-7',
    requestId: 'req-1',
    input: { system: 'You answer delivery questions.', messages: [{ role: 'user', content: 'Where is my parcel?' }] },
    answered: { cohort: 'current', model: CURRENT, text: REFUSAL, latencyMs: 812 },
    shadowOf: { cohort: 'candidate', model: CANDIDATE },
    ...overrides,
  };
}

function record(body: unknown, messageId: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `handle-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1794481327000', SenderId: 'AROA', ApproximateFirstReceiveTimestamp: '1794481327001' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:finegate-shadow',
    awsRegion: 'us-east-1',
  };
}

const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

function setup(options: { judge?: (request: ChatRequest) => string | ModelCallError; candidate?: (request: ChatRequest) => string | ModelCallError } = {}) {
  const candidate = new ScriptedModel(CANDIDATE, options.candidate ?? (() => GOOD));
  const current = new ScriptedModel(CURRENT, () => REFUSAL);
  // By default the judge prefers the answer that is not a refusal, wherever it is shown.
  const judge = new ScriptedModel(
    JUDGE,
    options.judge ??
      ((request) => {
        const prompt = readPairPrompt(request.messages[0]!.content)!;
        return JSON.stringify({ winner: prompt.answerA === GOOD ? 'A' : 'B', reason: 'answers the question' });
      }),
  );
  const models = new Map<string, ChatModel>([
    [CANDIDATE, candidate],
    [CURRENT, current],
    [JUDGE, judge],
  ]);
  const metrics = new Metrics({ namespace: 'finegate/canary', serviceName: 'finegate' });
  metrics.clearDefaultDimensions();
  const tally = new MemoryTally();
  const cache = new MemoryJudgeCache();
  const deps: ScorerDeps = { config, model: (ref) => models.get(ref)!, judgeCache: cache, tally, metrics, log: { warn: () => {}, error: () => {} } };
  return { deps, candidate, current, judge, tally, cache };
}

describe('canary scorer', () => {
  it('emits the pair outcome by RunId, the e-value, and rubric scores by RunId and Cohort, as EMF', async () => {
    const { deps, candidate } = setup();
    const result = await scoreBatch(batch(record(message(), 'm-1')), deps);
    expect(result).toEqual({ batchItemFailures: [] });
    // The shadow model was asked the conversation as the router received it.
    expect(candidate.requests[0]).toMatchObject({ system: 'You answer delivery questions.', messages: [{ role: 'user', content: 'Where is my parcel?' }], maxTokens: 1024 });

    const docs = emf();
    for (const doc of docs) {
      expect(doc._aws.CloudWatchMetrics[0]!.Namespace).toBe('finegate/canary');
      // No Powertools `service` dimension: the alarms name exactly these.
      expect(doc).not.toHaveProperty('service');
    }
    const byCohort = (cohort: string) => docs.find((d) => d.Cohort === cohort)!;
    // Per run for the rollout's check, and without RunId for the run-independent alarms.
    expect(byCohort('current')._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['Cohort', 'RunId'], ['Cohort']]);
    expect(byCohort('current')).toMatchObject({ RunId: 'support-bot-7', Cohort: 'current', Rubric_refusal: 0 });
    expect(byCohort('candidate')).toMatchObject({ RunId: 'support-bot-7', Cohort: 'candidate', Rubric_refusal: 100 });

    const pair = docs.find((d) => 'ShadowWin' in d)!;
    expect(pair._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['RunId'], []]);
    expect(pair._aws.CloudWatchMetrics[0]!.Metrics).toEqual(
      expect.arrayContaining([
        { Name: 'ShadowWin', Unit: 'Count' },
        { Name: 'ShadowLoss', Unit: 'Count' },
        { Name: 'ShadowTie', Unit: 'Count' },
        { Name: 'WinRateBelowFloorEValue', Unit: 'None' },
      ]),
    );
    expect(pair).toMatchObject({ RunId: 'support-bot-7', ShadowWin: 1, ShadowLoss: 0, ShadowTie: 0 });
    expect(pair).not.toHaveProperty('Cohort');
    expect(pair.WinRateBelowFloorEValue).toBeCloseTo(logEValueBelowFloor(1, 0, winRateConfig(config)) / Math.LN10, 12);
    // Powertools complains on stderr about a key declared twice; the dimension sets declare each once.
    expect(stderr.join('')).not.toMatch(/EMF key|already been added/);
  });

  it('counts the candidate’s win whichever position it was shown in', async () => {
    const ids = ['req-a', 'req-b', 'req-c', 'req-d', 'req-e', 'req-f'];
    const positions = new Set(ids.map(candidatePosition));
    expect(positions).toEqual(new Set(['A', 'B']));
    const { deps, tally } = setup();
    await scoreBatch(batch(...ids.map((id, i) => record(message({ requestId: id }), `m-${i}`))), deps);
    expect(tally.totals.get(`canary-tally#support-bot-7#${CANDIDATE}`)).toEqual({ wins: 6, losses: 0, ties: 0 });
    expect(emf().filter((d) => d.ShadowWin === 1)).toHaveLength(6);
  });

  it('a loss raises the e-value against the floor, from the tally of all pairs so far', async () => {
    const { deps } = setup({ judge: (request) => JSON.stringify({ winner: readPairPrompt(request.messages[0]!.content)!.answerA === GOOD ? 'B' : 'A', reason: 'prefers current' }) });
    await scoreBatch(batch(...[1, 2, 3].map((i) => record(message({ requestId: `req-${i}` }), `m-${i}`))), deps);
    const values = emf()
      .filter((d) => 'ShadowLoss' in d)
      .map((d) => d.WinRateBelowFloorEValue as number)
      .sort((a, b) => a - b);
    const expected = [1, 2, 3].map((losses) => logEValueBelowFloor(0, losses, winRateConfig(config)) / Math.LN10);
    values.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
    expect(values[2]!).toBeGreaterThan(values[0]!);
  });

  it('a judge error is counted as JudgeError, never as a loss, and leaves the tally alone', async () => {
    const { deps, tally } = setup({ judge: () => 'I think the first one is nicer.' });
    const result = await scoreBatch(batch(record(message(), 'm-1')), deps);
    expect(result.batchItemFailures).toEqual([]);
    const docs = emf();
    const errors = docs.find((d) => 'JudgeError' in d)!;
    expect(errors).toMatchObject({ RunId: 'support-bot-7', JudgeError: 1 });
    expect(errors._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['RunId'], []]);
    expect(docs.some((d) => 'ShadowLoss' in d || 'ShadowWin' in d || 'WinRateBelowFloorEValue' in d)).toBe(false);
    expect(tally.totals.size).toBe(0);
    // The rubrics still scored both answers.
    expect(docs.filter((d) => 'Rubric_refusal' in d)).toHaveLength(2);
  });

  it('a judge of either model’s family judges nothing: JudgeError', async () => {
    const { deps, judge } = setup();
    deps.config = parseCanaryConfig({ judgeModel: 'bedrock:meta.llama3-3-70b-instruct-v1:0', rubrics: [] });
    await scoreBatch(batch(record(message(), 'm-1')), deps);
    expect(emf().find((d) => 'JudgeError' in d)).toMatchObject({ JudgeError: 1 });
    expect(judge.requests).toEqual([]);
  });

  it('judges with the run’s pinned judge when the configuration names none; with no judge at all, every pair is a JudgeError', async () => {
    const pinned = setup();
    pinned.deps.config = parseCanaryConfig({ rubrics: config.rubrics });
    pinned.deps.runJudge = async (runId) => (runId === 'support-bot-7' ? JUDGE : undefined);
    await scoreBatch(batch(record(message(), 'm-1')), pinned.deps);
    expect(pinned.judge.requests).toHaveLength(1);
    expect(emf().find((d) => 'ShadowWin' in d)).toMatchObject({ ShadowWin: 1 });

    stdout = [];
    const none = setup();
    none.deps.config = parseCanaryConfig({ rubrics: config.rubrics });
    await scoreBatch(batch(record(message(), 'm-2')), none.deps);
    expect(none.judge.requests).toEqual([]);
    expect(emf().find((d) => 'JudgeError' in d)).toMatchObject({ JudgeError: 1 });
  });

  it('a shadow model that does not answer is a ShadowModelError of its cohort; the answered side is still scored', async () => {
    const { deps, judge } = setup({ candidate: () => new ModelCallError(`${CANDIDATE}: ModelTimeoutException (gave up after 4 attempts)`, { retryable: true, attempts: 4 }) });
    expect(await scoreBatch(batch(record(message(), 'm-1')), deps)).toEqual({ batchItemFailures: [] });
    const docs = emf();
    expect(docs.find((d) => d.Cohort === 'candidate')).toMatchObject({ ShadowModelError: 1 });
    expect(docs.find((d) => d.Cohort === 'candidate')).not.toHaveProperty('Rubric_refusal');
    expect(docs.find((d) => d.Cohort === 'current')).toMatchObject({ Rubric_refusal: 0 });
    expect(docs.some((d) => 'ShadowWin' in d || 'JudgeError' in d)).toBe(false);
    expect(judge.requests).toEqual([]);
  });

  it('reports partial batch failures: unreadable messages and a failed tally come back, the rest is scored', async () => {
    const { deps, tally } = setup();
    tally.failNext = true;
    const result = await scoreBatch(
      batch(
        record('not json', 'm-bad-json'),
        record({ ...message(), shadowOf: { cohort: 'current', model: CURRENT } }, 'm-same-cohort'),
        record(message({ requestId: 'req-tally' }), 'm-tally'),
        record(message({ requestId: 'req-ok' }), 'm-ok'),
      ),
      { ...deps, concurrency: 1 },
    );
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['m-bad-json', 'm-same-cohort', 'm-tally']);
    // Only the scored message emitted anything: a retried message is never counted twice.
    const docs = emf();
    expect(docs.filter((d) => 'ShadowWin' in d)).toHaveLength(1);
    expect(docs.filter((d) => 'Rubric_refusal' in d)).toHaveLength(2);
  });

  it('a redelivered message is judged from the cache, in the same positions', async () => {
    const { deps, judge, cache } = setup();
    await scoreBatch(batch(record(message(), 'm-1')), deps);
    await scoreBatch(batch(record(message(), 'm-1-again')), deps);
    expect(judge.requests).toHaveLength(1);
    expect(cache.entries.size).toBe(1);
    expect(emf().filter((d) => d.ShadowWin === 1)).toHaveLength(2);
  });
});
