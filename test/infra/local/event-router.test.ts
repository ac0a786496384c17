import { describe, expect, it } from 'vitest';
import { EventRouter } from '../../../infra/local/event-router';
import type { InvocationOutcome } from '../../../infra/local/lambda-invoker';
import { readTemplate, type FunctionModel } from '../../../infra/local/template-model';

/*
 * Routing and the two retry layers, with the invocation itself replaced by a scripted outcome: the router's
 * job is deciding what gets invoked, how often, and where undeliverable events end up.
 */

const env = { stackName: 'local', account: '000000000000', region: 'us-east-1', partition: 'aws' };

function template(options: { invokeConfig?: boolean; functionDlq?: boolean; ruleDlq?: boolean; ruleRetries?: number } = {}) {
  const fn = (id: string) => ({
    Type: 'AWS::Lambda::Function',
    Metadata: { 'finegate:entry': `functions/${id}.ts` },
    Properties: options.functionDlq ? { DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': ['FnDlq', 'Arn'] } } } : {},
  });
  const retry = options.ruleRetries === undefined ? {} : { RetryPolicy: { MaximumRetryAttempts: options.ruleRetries } };
  const ruleDlq = options.ruleDlq ? { DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['RuleDlq', 'Arn'] } } } : {};
  return {
    Resources: {
      Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'custom' } },
      FnDlq: { Type: 'AWS::SQS::Queue' },
      RuleDlq: { Type: 'AWS::SQS::Queue' },
      Sink: { Type: 'AWS::SQS::Queue' },
      Audit: fn('audit'),
      Other: fn('other'),
      ...(options.invokeConfig
        ? { AuditConfig: { Type: 'AWS::Lambda::EventInvokeConfig', Properties: { FunctionName: { Ref: 'Audit' }, Qualifier: '$LATEST', MaximumRetryAttempts: 1 } } }
        : {}),
      AuditRule: {
        Type: 'AWS::Events::Rule',
        Properties: {
          EventPattern: { source: ['aws.s3'], detail: { object: { key: [{ prefix: 'corpora/' }] } } },
          Targets: [{ Id: 'audit', Arn: { 'Fn::GetAtt': ['Audit', 'Arn'] }, ...retry, ...ruleDlq }],
        },
      },
      CustomRule: {
        Type: 'AWS::Events::Rule',
        Properties: {
          EventBusName: { Ref: 'Bus' },
          EventPattern: { source: ['finegate.corpus'] },
          Targets: [
            { Id: 'other', Arn: { 'Fn::GetAtt': ['Other', 'Arn'] } },
            { Id: 'sink', Arn: { 'Fn::GetAtt': ['Sink', 'Arn'] }, InputPath: '$.detail' },
          ],
        },
      },
      DisabledRule: {
        Type: 'AWS::Events::Rule',
        Properties: { State: 'DISABLED', EventPattern: { source: ['aws.s3'] }, Targets: [{ Id: 'x', Arn: { 'Fn::GetAtt': ['Other', 'Arn'] } }] },
      },
      MissingTargetRule: {
        Type: 'AWS::Events::Rule',
        Properties: {
          EventPattern: { source: ['finegate.missing'] },
          Targets: [{ Id: 'gone', Arn: 'arn:aws:lambda:us-east-1:000000000000:function:not-here', ...retry, ...ruleDlq }],
        },
      },
    },
  };
}

function harness(script: (fn: FunctionModel, call: number) => 'success' | 'error', templateOptions = {}) {
  const model = readTemplate(template(templateOptions), env);
  const calls: Array<{ fn: string; payload: unknown }> = [];
  const logs: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const router = new EventRouter({
    model,
    backoff: { baseMs: 1, maxMs: 4 },
    log: (line) => logs.push(line),
    invoke: async (fn, payload): Promise<InvocationOutcome> => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      calls.push({ fn: fn.logicalId, payload });
      await new Promise((r) => setTimeout(r, 2));
      running--;
      const outcome = script(fn, calls.filter((c) => c.fn === fn.logicalId).length);
      return outcome === 'success'
        ? { outcome, requestId: `r${calls.length}`, durationMs: 2, result: null }
        : { outcome, requestId: `r${calls.length}`, durationMs: 2, error: { errorType: 'Error', errorMessage: `failed ${calls.length}` } };
    },
  });
  return { model, router, calls, logs, maxRunning: () => maxRunning };
}

const s3Event = (key: string) => ({ id: `evt-${key}`, source: 'aws.s3', 'detail-type': 'Object Created', time: '2025-01-01T00:00:00Z', detail: { object: { key } } });

describe('EventRouter', () => {
  it('delivers a matching event to the rule target and logs the invocation', async () => {
    const { router, calls } = harness(() => 'success');
    const record = router.publish('default', s3Event('corpora/a.jsonl'), 's3');
    expect(record.matchedRules).toEqual(['local-AuditRule']);
    await router.waitForIdle();
    expect(calls).toEqual([{ fn: 'Audit', payload: s3Event('corpora/a.jsonl') }]);
    expect(router.invocations()).toMatchObject([{ functionLogicalId: 'Audit', attempt: 1, outcome: 'success', eventId: 'evt-corpora/a.jsonl', ruleName: 'local-AuditRule' }]);
    expect(router.deadLetters()).toEqual([]);
  });

  it('ignores events that match no enabled rule, and rules of other buses', async () => {
    const { router, calls } = harness(() => 'success');
    expect(router.publish('default', s3Event('other/a.jsonl'), 's3').matchedRules).toEqual([]);
    expect(router.publish('custom', s3Event('corpora/a.jsonl'), 'put-events').matchedRules).toEqual([]);
    await router.waitForIdle();
    expect(calls).toEqual([]);
  });

  it('retries a failed invocation twice by default, then sends the event to the function DLQ', async () => {
    const { router, calls, model } = harness(() => 'error', { functionDlq: true });
    router.publish('default', s3Event('corpora/b.jsonl'), 's3');
    await router.waitForIdle();
    expect(calls).toHaveLength(3);
    expect(router.invocations().map((i) => [i.attempt, i.outcome])).toEqual([
      [1, 'error'],
      [2, 'error'],
      [3, 'error'],
    ]);
    const dlq = model.queues.find((q) => q.logicalId === 'FnDlq')!;
    expect(router.deadLetters()).toMatchObject([
      {
        source: 'lambda-async',
        queueName: dlq.name,
        destinationArn: dlq.arn,
        dropped: false,
        attempts: 3,
        functionName: 'local-Audit',
        body: s3Event('corpora/b.jsonl'),
        attributes: { RequestID: 'r3', ErrorCode: '200', ErrorMessage: 'failed 3' },
      },
    ]);
  });

  it("honours the function's EventInvokeConfig and drops the event when there is no DLQ", async () => {
    const { router, calls } = harness(() => 'error', { invokeConfig: true });
    router.publish('default', s3Event('corpora/c.jsonl'), 's3');
    await router.waitForIdle();
    expect(calls).toHaveLength(2);
    expect(router.deadLetters()).toMatchObject([{ source: 'lambda-async', dropped: true, attempts: 2 }]);
  });

  it('stops retrying once an invocation succeeds', async () => {
    const { router, calls } = harness((_fn, call) => (call < 2 ? 'error' : 'success'), { functionDlq: true });
    router.publish('default', s3Event('corpora/d.jsonl'), 's3');
    await router.waitForIdle();
    expect(calls).toHaveLength(2);
    expect(router.invocations().map((i) => i.outcome)).toEqual(['error', 'success']);
    expect(router.deadLetters()).toEqual([]);
  });

  it('retries undeliverable targets per the rule retry policy, then uses the rule DLQ', async () => {
    const { router, model } = harness(() => 'success', { ruleRetries: 3, ruleDlq: true });
    router.publish('default', { id: 'evt-missing', source: 'finegate.missing', detail: {} }, 'put-events');
    await router.waitForIdle();
    const dlq = model.queues.find((q) => q.logicalId === 'RuleDlq')!;
    expect(router.invocations()).toEqual([]);
    expect(router.deadLetters()).toMatchObject([
      {
        source: 'eventbridge-rule',
        queueName: dlq.name,
        attempts: 4,
        ruleName: 'local-MissingTargetRule',
        targetId: 'gone',
        attributes: { ERROR_CODE: 'RESOURCE_NOT_FOUND', RETRY_ATTEMPTS: '3', EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts' },
      },
    ]);
  });

  it('delivers to every target of a rule, SQS targets with their input path', async () => {
    const { router, calls } = harness(() => 'success');
    router.publish('custom', { id: 'e1', source: 'finegate.corpus', detail: { verdict: 'PASS' } }, 'put-events');
    await router.waitForIdle();
    expect(calls.map((c) => c.fn)).toEqual(['Other']);
    expect(router.queueMessages()).toMatchObject([{ queueName: 'local-Sink', body: '{"verdict":"PASS"}', ruleName: 'local-CustomRule' }]);
  });

  it('runs one invocation at a time, because handlers share process.env', async () => {
    const { router, maxRunning } = harness(() => 'success');
    for (let i = 0; i < 5; i++) router.publish('default', s3Event(`corpora/${i}.jsonl`), 's3');
    await router.waitForIdle();
    expect(router.invocations()).toHaveLength(5);
    expect(maxRunning()).toBe(1);
  });

  it('notifies subscribers of matching events and flags unknown buses', async () => {
    const { router, logs } = harness(() => 'success');
    const seen: string[] = [];
    const unsubscribe = router.onEvent({ source: ['finegate.corpus'] }, (record) => seen.push(String(record.event.id)));
    router.publish('custom', { id: 'a', source: 'finegate.corpus', detail: {} }, 'put-events');
    router.publish('custom', { id: 'b', source: 'finegate.other', detail: {} }, 'put-events');
    unsubscribe();
    router.publish('custom', { id: 'c', source: 'finegate.corpus', detail: {} }, 'put-events');
    const lost = router.publish('nope', { id: 'd', source: 'finegate.corpus', detail: {} }, 'put-events');
    await router.waitForIdle();
    expect(seen).toEqual(['a']);
    expect(lost.busExists).toBe(false);
    expect(logs.some((line) => line.includes('"nope", which does not exist'))).toBe(true);
    expect(router.events().map((e) => e.seq)).toEqual([...router.events().map((e) => e.seq)].sort((x, y) => x - y));
  });

  it('times out waiting for idle while work is outstanding', async () => {
    const model = readTemplate(template(), env);
    const router = new EventRouter({ model, invoke: () => new Promise(() => {}) });
    router.publish('default', s3Event('corpora/stuck.jsonl'), 's3');
    await expect(router.waitForIdle({ timeoutMs: 50 })).rejects.toThrow(/still busy/);
    router.stop();
  });
});
