import { compileEventPattern, type EventMatcher } from './event-pattern';
import type { InvocationError, InvocationOutcome } from './lambda-invoker';
import { targetInput } from './rule-target-input';
import type { FunctionModel, QueueModel, RuleModel, RuleTargetModel, TemplateModel } from './template-model';

/*
 * The buses of the local runtime. An event published on a bus is matched against the template's rules on that
 * bus and delivered to their targets, with AWS's two separate retry layers:
 * - EventBridge retries *delivering* to a target (here: a target that names no runnable function) per the
 *   target's RetryPolicy, then sends the event to the target's DeadLetterConfig queue, or drops it.
 * - A Lambda target is invoked asynchronously: delivery succeeds at once, and Lambda itself retries a *failed
 *   invocation* (error, timeout, bad import) per the function's EventInvokeConfig (2 retries by default), then
 *   sends the event to the function's DeadLetterConfig / OnFailure destination, or drops it.
 * Backoff is scaled down from AWS's minutes to milliseconds so local runs finish promptly.
 * SQS targets and dead-letter queues record their messages and, given `sendMessage`, deliver them to the local SQS.
 */

export type EventOrigin = 's3' | 'put-events' | 'runtime';

export interface PublishedEventRecord {
  seq: number;
  eventBusName: string;
  event: Record<string, unknown>;
  origin: EventOrigin;
  receivedAt: string;
  /** False when no such bus exists; EventBridge accepts such events and loses them. */
  busExists: boolean;
  matchedRules: string[];
}

export interface InvocationRecord {
  seq: number;
  functionName: string;
  functionLogicalId: string;
  ruleName: string;
  targetId: string;
  eventId: string;
  /** 1 for the first invocation, 2 and 3 for Lambda's retries. */
  attempt: number;
  requestId: string;
  startedAt: string;
  durationMs: number;
  outcome: 'success' | 'error' | 'timeout';
  error?: InvocationError;
}

export interface DeadLetterRecord {
  seq: number;
  at: string;
  /** Which retry layer gave up: Lambda's async invocation or EventBridge's target delivery. */
  source: 'lambda-async' | 'eventbridge-rule';
  /** The queue (or destination) the event was sent to; undefined when it was dropped. */
  destinationArn?: string;
  queueName?: string;
  dropped: boolean;
  reason: string;
  ruleName: string;
  targetId: string;
  functionName?: string;
  eventId: string;
  attempts: number;
  /** What the queue receives as message body. */
  body: unknown;
  /** Message attributes AWS adds (ErrorCode/ErrorMessage/RequestID, or ERROR_CODE/RULE_ARN/TARGET_ARN). */
  attributes: Record<string, string>;
}

export interface QueueMessageRecord {
  seq: number;
  at: string;
  queueName: string;
  queueArn: string;
  body: string;
  ruleName: string;
}

export interface RetryBackoff {
  /** Delay before the first retry; doubled for each further retry. */
  baseMs: number;
  maxMs: number;
}

export interface EventRouterOptions {
  model: TemplateModel;
  /** Runs one invocation; the router serialises calls. */
  invoke(fn: FunctionModel, payload: unknown): Promise<InvocationOutcome>;
  backoff?: RetryBackoff;
  /**
   * Starts an execution of a state machine target (EventBridge calls StartExecution with the event as input); throws
   * what StartExecution would, which the rule then retries.
   */
  startExecution?: (stateMachineArn: string, input: string) => void;
  /** Delivers a message to a queue of the template (SQS targets and dead-letter queues), with its attributes. */
  sendMessage?: (queueName: string, body: string, attributes: Record<string, string>) => void;
  log?: (line: string) => void;
}

const STATE_MACHINE_ARN = /^arn:[^:]+:states:[^:]*:[^:]*:stateMachine:[^:]+$/;

interface Subscriber {
  match: EventMatcher;
  eventBusName?: string;
  callback(record: PublishedEventRecord): void;
}

interface CompiledRule {
  rule: RuleModel;
  match: EventMatcher;
}

export class EventRouter {
  private readonly published: PublishedEventRecord[] = [];
  private readonly invocationLog: InvocationRecord[] = [];
  private readonly deadLetterLog: DeadLetterRecord[] = [];
  private readonly queueLog: QueueMessageRecord[] = [];
  private readonly subscribers = new Set<Subscriber>();
  private readonly rulesByBus = new Map<string, CompiledRule[]>();
  private readonly busNames: Set<string>;
  private readonly functionsById: Map<string, FunctionModel>;
  private readonly functionsByArn: Map<string, FunctionModel>;
  private readonly queuesByArn: Map<string, QueueModel>;
  private readonly timers = new Set<NodeJS.Timeout>();
  private idleWaiters: Array<() => void> = [];
  private pending = 0;
  private seq = 0;
  private serial: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private readonly backoff: RetryBackoff;
  private readonly log: (line: string) => void;

  constructor(private readonly options: EventRouterOptions) {
    const { model } = options;
    this.backoff = options.backoff ?? { baseMs: 25, maxMs: 400 };
    this.log = options.log ?? (() => {});
    this.busNames = new Set(model.buses.map((b) => b.name));
    this.functionsById = new Map(model.functions.map((f) => [f.logicalId, f]));
    this.functionsByArn = new Map(model.functions.map((f) => [f.arn, f]));
    this.queuesByArn = new Map(model.queues.map((q) => [q.arn, q]));
    for (const rule of model.rules) {
      if (!rule.eventPattern) continue; // scheduled rules have no pattern and are not triggered by events
      const compiled = { rule, match: compileEventPattern(rule.eventPattern) };
      this.rulesByBus.set(rule.eventBusName, [...(this.rulesByBus.get(rule.eventBusName) ?? []), compiled]);
    }
  }

  /** Puts an event on a bus and starts delivering it to the targets of every matching, enabled rule. */
  publish(eventBusName: string, event: Record<string, unknown>, origin: EventOrigin): PublishedEventRecord {
    const busExists = this.busNames.has(eventBusName);
    const matching = (this.rulesByBus.get(eventBusName) ?? []).filter(
      ({ rule, match }) => rule.state === 'ENABLED' && match(event),
    );
    const record: PublishedEventRecord = {
      seq: ++this.seq,
      eventBusName,
      event,
      origin,
      receivedAt: new Date().toISOString(),
      busExists,
      matchedRules: matching.map(({ rule }) => rule.name),
    };
    this.published.push(record);
    if (!busExists) this.log(`event ${String(event.id)} was put on bus "${eventBusName}", which does not exist; EventBridge would lose it`);

    for (const subscriber of this.subscribers) {
      if (subscriber.eventBusName !== undefined && subscriber.eventBusName !== eventBusName) continue;
      if (!subscriber.match(event)) continue;
      try {
        subscriber.callback(record);
      } catch (error) {
        this.log(`event subscriber failed: ${String(error)}`);
      }
    }
    if (!this.stopped) {
      for (const { rule } of matching) {
        for (const target of rule.targets) this.deliver(rule, target, event, Date.now(), 1);
      }
    }
    return record;
  }

  onEvent(pattern: Record<string, unknown>, callback: (record: PublishedEventRecord) => void, options: { eventBusName?: string } = {}): () => void {
    const subscriber: Subscriber = {
      match: compileEventPattern(pattern),
      callback,
      ...(options.eventBusName !== undefined ? { eventBusName: options.eventBusName } : {}),
    };
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  events(): readonly PublishedEventRecord[] {
    return this.published;
  }

  invocations(): readonly InvocationRecord[] {
    return this.invocationLog;
  }

  deadLetters(): readonly DeadLetterRecord[] {
    return this.deadLetterLog;
  }

  queueMessages(): readonly QueueMessageRecord[] {
    return this.queueLog;
  }

  /** Deliveries, invocations and scheduled retries outstanding. */
  pendingCount(): number {
    return this.pending;
  }

  /** Resolves once no delivery, invocation or scheduled retry is outstanding. */
  waitForIdle(options: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 60_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== check);
        reject(new Error(`local runtime still busy after ${timeoutMs} ms (${this.pending} pending)`));
      }, timeoutMs);
      // Give work that is about to start (an S3 notification right after its response) one turn to register.
      const check = () =>
        setImmediate(() => {
          if (this.pending > 0) {
            this.idleWaiters.push(check);
            return;
          }
          clearTimeout(timer);
          resolve();
        });
      check();
    });
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.pending = 0;
    this.settleIfIdle();
  }

  private deliver(rule: RuleModel, target: RuleTargetModel, event: Record<string, unknown>, firstAttemptAt: number, attempt: number): void {
    let payload: unknown;
    let failure: string | undefined;
    let errorCode = 'RESOURCE_NOT_FOUND';
    try {
      payload = targetInput(target, event, { ruleName: rule.name, ruleArn: rule.arn, ingestionTime: String(event.time) });
    } catch (error) {
      failure = `input transformation failed: ${error instanceof Error ? error.message : String(error)}`;
      errorCode = 'SDK_CLIENT_ERROR';
    }

    if (failure === undefined && target.kind === 'lambda') {
      const fn = (target.functionLogicalId ? this.functionsById.get(target.functionLogicalId) : undefined) ?? this.functionsByArn.get(target.arn);
      if (fn) {
        this.invokeAsync(fn, payload, { rule, target, eventId: String(event.id) }, Date.now(), 1);
        return;
      }
      failure = `function ${target.arn} does not exist in the template`;
    } else if (failure === undefined && target.kind === 'sqs') {
      const queue = this.queuesByArn.get(target.arn);
      if (queue) {
        this.sendToQueue(queue, payload, rule.name);
        return;
      }
      failure = `queue ${target.arn} does not exist in the template`;
    } else if (failure === undefined && STATE_MACHINE_ARN.test(target.arn) && this.options.startExecution) {
      try {
        this.options.startExecution(target.arn, JSON.stringify(payload));
        return;
      } catch (error) {
        failure = `StartExecution failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
        errorCode = 'SDK_CLIENT_ERROR';
      }
    } else if (failure === undefined) {
      this.log(`rule ${rule.name}: target ${target.id} (${target.arn}) has no local delivery; event ${String(event.id)} not delivered`);
      return;
    }

    const { maximumRetryAttempts, maximumEventAgeSeconds } = target.retryPolicy;
    const tooOld = Date.now() - firstAttemptAt >= maximumEventAgeSeconds * 1000;
    if (attempt <= maximumRetryAttempts && !tooOld) {
      this.log(`rule ${rule.name}: delivery to ${target.id} failed (${failure}); retry ${attempt} of ${maximumRetryAttempts}`);
      this.later(this.delay(attempt), () => this.deliver(rule, target, event, firstAttemptAt, attempt + 1));
      return;
    }
    const queue = target.deadLetterArn ? this.queuesByArn.get(target.deadLetterArn) : undefined;
    this.deadLetter({
      source: 'eventbridge-rule',
      ...(target.deadLetterArn ? { destinationArn: target.deadLetterArn } : {}),
      ...(queue ? { queueName: queue.name } : {}),
      dropped: !target.deadLetterArn,
      reason: tooOld ? 'maximum event age exceeded' : `retries exhausted: ${failure}`,
      ruleName: rule.name,
      targetId: target.id,
      eventId: String(event.id),
      attempts: attempt,
      body: event,
      attributes: {
        ERROR_CODE: errorCode,
        ERROR_MESSAGE: failure,
        EXHAUSTED_RETRY_CONDITION: tooOld ? 'MaximumEventAgeInSeconds' : 'MaximumRetryAttempts',
        RETRY_ATTEMPTS: String(attempt - 1),
        RULE_ARN: rule.arn,
        TARGET_ARN: target.arn,
      },
    });
  }

  private invokeAsync(
    fn: FunctionModel,
    payload: unknown,
    via: { rule: RuleModel; target: RuleTargetModel; eventId: string },
    firstAttemptAt: number,
    attempt: number,
  ): void {
    this.track(async () => {
      const startedAt = new Date().toISOString();
      const outcome = await this.serialised(() => this.options.invoke(fn, payload));
      this.invocationLog.push({
        seq: ++this.seq,
        functionName: fn.name,
        functionLogicalId: fn.logicalId,
        ruleName: via.rule.name,
        targetId: via.target.id,
        eventId: via.eventId,
        attempt,
        requestId: outcome.requestId,
        startedAt,
        durationMs: outcome.durationMs,
        outcome: outcome.outcome,
        ...(outcome.outcome !== 'success' ? { error: outcome.error } : {}),
      });
      if (outcome.outcome === 'success' || this.stopped) return;

      this.log(`${fn.name} attempt ${attempt} failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
      const tooOld = Date.now() - firstAttemptAt >= fn.asyncMaxEventAgeSeconds * 1000;
      if (attempt <= fn.asyncRetryAttempts && !tooOld) {
        this.later(this.delay(attempt), () => this.invokeAsync(fn, payload, via, firstAttemptAt, attempt + 1));
        return;
      }
      const destination = fn.deadLetterArn ?? fn.onFailureDestinationArn;
      const queue = destination ? this.queuesByArn.get(destination) : undefined;
      this.deadLetter({
        source: 'lambda-async',
        ...(destination ? { destinationArn: destination } : {}),
        ...(queue ? { queueName: queue.name } : {}),
        dropped: !destination,
        reason: tooOld ? 'maximum event age exceeded' : `invocation failed ${attempt} times`,
        ruleName: via.rule.name,
        targetId: via.target.id,
        functionName: fn.name,
        eventId: via.eventId,
        attempts: attempt,
        body: payload,
        attributes: {
          RequestID: outcome.requestId,
          ErrorCode: '200',
          ErrorMessage: outcome.error.errorMessage,
        },
      });
    });
  }

  private sendToQueue(queue: QueueModel, payload: unknown, ruleName: string): void {
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    this.queueLog.push({ seq: ++this.seq, at: new Date().toISOString(), queueName: queue.name, queueArn: queue.arn, body, ruleName });
    this.deliverMessage(queue.name, body, {});
  }

  private deadLetter(record: Omit<DeadLetterRecord, 'seq' | 'at'>): void {
    const full: DeadLetterRecord = { seq: ++this.seq, at: new Date().toISOString(), ...record };
    this.deadLetterLog.push(full);
    if (!full.dropped && full.queueName !== undefined) {
      this.deliverMessage(full.queueName, typeof full.body === 'string' ? full.body : JSON.stringify(full.body), full.attributes);
    }
    this.log(
      full.dropped
        ? `event ${full.eventId} dropped after ${full.attempts} attempts (${full.reason})`
        : `event ${full.eventId} sent to dead-letter queue ${full.queueName ?? full.destinationArn} (${full.reason})`,
    );
  }

  /** Into the local queue, where a consumer (or `finegate dlq`) reads it; a refusal is logged, never thrown at a rule. */
  private deliverMessage(queueName: string, body: string, attributes: Record<string, string>): void {
    if (!this.options.sendMessage) return;
    try {
      this.options.sendMessage(queueName, body, attributes);
    } catch (error) {
      this.log(`queue ${queueName} refused a message: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private delay(attempt: number): number {
    return Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** (attempt - 1));
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.serial.then(fn, fn);
    this.serial = run.catch(() => {});
    return run;
  }

  private later(ms: number, fn: () => void): void {
    if (this.stopped) return;
    this.pending++;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) fn();
      this.done();
    }, ms);
    this.timers.add(timer);
  }

  private track(work: () => Promise<void>): void {
    this.pending++;
    work()
      .catch((error: unknown) => this.log(`local runtime delivery failed unexpectedly: ${String(error)}`))
      .finally(() => this.done());
  }

  private done(): void {
    if (this.pending > 0) this.pending--;
    this.settleIfIdle();
  }

  private settleIfIdle(): void {
    if (this.pending > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const waiter of waiters) waiter();
  }
}
