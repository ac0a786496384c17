import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { SQSEvent, SQSMessageAttribute, SQSRecord } from 'aws-lambda';
import type { InvocationOutcome } from './lambda-invoker';
import type { QueueModel } from './template-model';

/*
 * The template's SQS queues, kept in memory with SQS's delivery semantics: a received message is invisible for the
 * visibility timeout and comes back unless deleted, every receive counts, and a message received more than
 * maxReceiveCount times moves to the dead-letter queue instead of being delivered again. Bodies and message
 * attributes carry the MD5 digests SQS computes, which the SDK verifies.
 *
 * `attach` is Lambda's event source mapping: it polls a queue and delivers batches to a function as SQS events;
 * what the function returns decides which messages are deleted. Every timeout in seconds (visibility, delay) is
 * divided by `timeScale`, so retries that take minutes on AWS take milliseconds locally.
 */

export interface QueueSettings {
  /** Where messages go after maxReceiveCount receives (the RedrivePolicy's deadLetterTargetArn). */
  deadLetterArn?: string;
  maxReceiveCount?: number;
  /** Default 30, as SQS. */
  visibilityTimeoutSeconds?: number;
}

export type LocalQueueDefinition = Pick<QueueModel, 'name' | 'arn' | 'url'> & QueueSettings;

export interface LocalQueuesOptions {
  queues: readonly LocalQueueDefinition[];
  region: string;
  /** Divides every timeout in seconds: wall ms = seconds · 1000 / timeScale (default 1). */
  timeScale?: number;
  /** Called when a message is moved to a dead-letter queue. */
  onDeadLetter?(event: { from: string; to: string; messageId: string; receiveCount: number }): void;
}

export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  /** Base64, as the JSON protocol carries it. */
  BinaryValue?: string;
}

export interface SendInput {
  body: string;
  delaySeconds?: number;
  messageAttributes?: Record<string, MessageAttributeValue>;
}

export interface SentMessage {
  messageId: string;
  md5OfMessageBody: string;
  md5OfMessageAttributes?: string;
}

export interface ReceiveInput {
  maxNumberOfMessages?: number;
  /** Overrides the queue's visibility timeout for these messages. */
  visibilityTimeoutSeconds?: number;
}

export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
  messageAttributes: Record<string, MessageAttributeValue>;
  attributes: {
    SenderId: string;
    SentTimestamp: string;
    ApproximateReceiveCount: string;
    ApproximateFirstReceiveTimestamp: string;
  };
}

export interface QueueCounts {
  visible: number;
  inFlight: number;
  delayed: number;
}

export interface AttachOptions {
  queueName: string;
  /** Messages per batch (1–10 000; default 10). */
  batchSize?: number;
  /** How long to gather a fuller batch once a message is visible (default 0). */
  maximumBatchingWindowMs?: number;
  /** FunctionResponseTypes ReportBatchItemFailures: the function's batchItemFailures decide what is retried. */
  reportBatchItemFailures: boolean;
  invoke(event: SQSEvent): Promise<InvocationOutcome>;
  /** After each batch, with the ids it deleted and the ids left to come back. */
  onBatch?(result: { queueName: string; messageIds: string[]; deleted: string[]; retried: string[]; outcome: InvocationOutcome['outcome'] }): void;
}

export interface EventSourceMapping {
  detach(): Promise<void>;
}

export class SqsError extends Error {
  constructor(
    /** The error's shape name in the SQS model (QueueDoesNotExist, ReceiptHandleIsInvalid, …). */
    readonly type: string,
    /** The AWS query error code SQS also reports (AWS.SimpleQueueService.NonExistentQueue, …). */
    readonly queryCode: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

const SENDER_ID = 'AIDAIENQZJOLO23YVJ4VO';
const MAX_BATCH = 10_000;
// setTimeout fires at once for delays past 2^31 − 1 ms.
const MAX_TIMER_MS = 2 ** 31 - 1;

interface StoredMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  attributes: Record<string, MessageAttributeValue>;
  md5OfMessageAttributes?: string;
  sentTimestamp: number;
  firstReceiveTimestamp?: number;
  receiveCount: number;
  visibleAt: number;
  /** True while received and not yet visible again (as opposed to delayed). */
  received: boolean;
  receiptHandle?: string;
}

class Queue {
  readonly messages = new Map<string, StoredMessage>();
  /** Every receipt handle issued, to tell a stale handle (ignored) from a made-up one (refused). */
  readonly handles = new Map<string, string>();
  readonly waiters = new Set<() => void>();
  constructor(readonly definition: LocalQueueDefinition) {}

  notify(): void {
    for (const wake of [...this.waiters]) wake();
  }
}

export class LocalQueues {
  private readonly byName = new Map<string, Queue>();
  private readonly byArn = new Map<string, Queue>();
  private readonly timeScale: number;
  private readonly mappings = new Set<Poller>();

  constructor(private readonly options: LocalQueuesOptions) {
    this.timeScale = options.timeScale ?? 1;
    if (!(this.timeScale > 0)) throw new RangeError(`timeScale must be positive, not ${this.timeScale}`);
    for (const definition of options.queues) {
      const queue = new Queue(definition);
      this.byName.set(definition.name, queue);
      this.byArn.set(definition.arn, queue);
    }
    for (const definition of options.queues) {
      if (definition.deadLetterArn !== undefined && !this.byArn.has(definition.deadLetterArn)) {
        throw new Error(`queue ${definition.name}: its dead-letter queue ${definition.deadLetterArn} is not a queue of this template`);
      }
    }
  }

  get region(): string {
    return this.options.region;
  }

  queueNames(): string[] {
    return [...this.byName.keys()];
  }

  definition(queueName: string): LocalQueueDefinition {
    return this.queue(queueName).definition;
  }

  /** A queue by its URL's last path segment (any host: the template's URL or a local one). */
  nameOfUrl(queueUrl: string): string {
    const name = queueUrl.replace(/\/+$/, '').split('/').at(-1) ?? '';
    this.queue(name);
    return name;
  }

  send(queueName: string, input: SendInput): SentMessage {
    const queue = this.queue(queueName);
    const delay = input.delaySeconds ?? 0;
    if (!(Number.isInteger(delay) && delay >= 0 && delay <= 900)) {
      throw new SqsError('InvalidParameterValue', 'InvalidParameterValue', `Value ${delay} for parameter DelaySeconds is invalid. Reason: must be between 0 and 900, if provided.`);
    }
    checkBody(input.body);
    const attributes = { ...(input.messageAttributes ?? {}) };
    checkAttributes(attributes);
    const now = Date.now();
    const message: StoredMessage = {
      messageId: randomUUID(),
      body: input.body,
      md5OfBody: md5Hex(Buffer.from(input.body, 'utf8')),
      attributes,
      ...(Object.keys(attributes).length === 0 ? {} : { md5OfMessageAttributes: md5OfMessageAttributes(attributes) }),
      sentTimestamp: now,
      receiveCount: 0,
      visibleAt: now + this.wallMs(delay),
      received: false,
    };
    queue.messages.set(message.messageId, message);
    if (delay > 0) this.wakeAt(queue, message.visibleAt);
    queue.notify();
    return {
      messageId: message.messageId,
      md5OfMessageBody: message.md5OfBody,
      ...(message.md5OfMessageAttributes === undefined ? {} : { md5OfMessageAttributes: message.md5OfMessageAttributes }),
    };
  }

  /**
   * Up to maxNumberOfMessages visible messages (default 1, at most 10 as SQS allows per call), each made invisible
   * for the visibility timeout. A message already received maxReceiveCount times goes to the dead-letter queue
   * instead.
   */
  receive(queueName: string, input: ReceiveInput = {}): ReceivedMessage[] {
    const max = input.maxNumberOfMessages ?? 1;
    if (!(Number.isInteger(max) && max >= 1 && max <= 10)) {
      throw new SqsError('InvalidParameterValue', 'InvalidParameterValue', `Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`);
    }
    return this.take(this.queue(queueName), max, input.visibilityTimeoutSeconds);
  }

  /** Deletes a message by its latest receipt handle; an older handle of the same message is accepted and ignored. */
  delete(queueName: string, receiptHandle: string): void {
    const queue = this.queue(queueName);
    const messageId = this.messageIdOf(queue, receiptHandle);
    const message = queue.messages.get(messageId);
    if (message === undefined || message.receiptHandle !== receiptHandle) return;
    queue.messages.delete(messageId);
    queue.notify();
  }

  changeVisibility(queueName: string, receiptHandle: string, visibilityTimeoutSeconds: number): void {
    const queue = this.queue(queueName);
    if (!(Number.isInteger(visibilityTimeoutSeconds) && visibilityTimeoutSeconds >= 0 && visibilityTimeoutSeconds <= 43_200)) {
      throw new SqsError('InvalidParameterValue', 'InvalidParameterValue', `Value ${visibilityTimeoutSeconds} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.`);
    }
    const messageId = this.messageIdOf(queue, receiptHandle);
    const message = queue.messages.get(messageId);
    const now = Date.now();
    if (message === undefined || message.receiptHandle !== receiptHandle || !message.received || message.visibleAt <= now) {
      throw new SqsError('MessageNotInflight', 'AWS.SimpleQueueService.MessageNotInflight', 'The message referred to is not in flight.');
    }
    message.visibleAt = now + this.wallMs(visibilityTimeoutSeconds);
    this.wakeAt(queue, message.visibleAt);
    queue.notify();
  }

  purge(queueName: string): void {
    const queue = this.queue(queueName);
    queue.messages.clear();
    queue.notify();
  }

  counts(queueName: string): QueueCounts {
    const queue = this.queue(queueName);
    const now = Date.now();
    const counts: QueueCounts = { visible: 0, inFlight: 0, delayed: 0 };
    for (const message of queue.messages.values()) {
      if (message.visibleAt <= now) counts.visible++;
      else if (message.received) counts.inFlight++;
      else counts.delayed++;
    }
    return counts;
  }

  /** How many times each message still in the queue was received, by message id. */
  receiveCounts(queueName: string): Map<string, number> {
    return new Map([...this.queue(queueName).messages.values()].map((m) => [m.messageId, m.receiveCount]));
  }

  /** The bodies still in a queue, in order (a dead-letter queue's content, for instance). */
  peek(queueName: string): Array<{ messageId: string; body: string; receiveCount: number }> {
    return [...this.queue(queueName).messages.values()].map((m) => ({ messageId: m.messageId, body: m.body, receiveCount: m.receiveCount }));
  }

  /**
   * Resolves once `queueName` has a visible message or `deadline` (epoch ms) passes; false when `signal` aborts
   * first. ReceiveMessage's long polling and the pollers wait here.
   */
  async waitForVisible(queueName: string, deadline: number, signal?: AbortSignal): Promise<boolean> {
    const queue = this.queue(queueName);
    for (;;) {
      if (signal?.aborted) return false;
      const now = Date.now();
      let next = deadline;
      let visible = false;
      for (const message of queue.messages.values()) {
        if (message.visibleAt <= now) {
          visible = true;
          break;
        }
        next = Math.min(next, message.visibleAt);
      }
      if (visible) return true;
      if (now >= deadline) return false;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          queue.waiters.delete(wake);
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        // Nothing scheduled: only a send (or a change of visibility) wakes the waiter.
        const timer = Number.isFinite(next) ? setTimeout(wake, Math.min(MAX_TIMER_MS, Math.max(0, next - now))) : undefined;
        queue.waiters.add(wake);
        signal?.addEventListener('abort', wake);
      });
    }
  }

  /** Starts an event source mapping: batches of the queue's messages are delivered to `invoke` until detached. */
  attach(options: AttachOptions): EventSourceMapping {
    const batchSize = options.batchSize ?? 10;
    if (!(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= MAX_BATCH)) throw new RangeError(`batchSize must be 1–${MAX_BATCH}, not ${batchSize}`);
    const queue = this.queue(options.queueName);
    const source: PollSource = {
      queueArn: queue.definition.arn,
      region: this.options.region,
      waitForVisible: (signal) => this.waitForVisible(options.queueName, Number.POSITIVE_INFINITY, signal),
      waitForChange: (until) => changeOf(queue, until),
      visible: () => this.counts(options.queueName).visible,
      take: (max) => this.take(queue, max),
      delete: (handle) => this.delete(options.queueName, handle),
      pending: () => queue.messages.size,
    };
    const poller = new Poller(source, { ...options, batchSize });
    this.mappings.add(poller);
    poller.start();
    return {
      detach: async () => {
        this.mappings.delete(poller);
        await poller.stop();
      },
    };
  }

  /**
   * Resolves once every attached queue has no message visible, in flight or delayed, and no batch is running.
   * Rejects after `timeoutMs` (a function that keeps failing without a dead-letter queue never gets there).
   */
  async waitForIdle(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const busy = [...this.mappings].filter((p) => p.busy());
      if (busy.length === 0) return;
      if (Date.now() >= deadline) {
        throw new Error(`queues not idle after ${timeoutMs} ms: ${busy.map((p) => `${p.queueName} (${JSON.stringify(this.counts(p.queueName))})`).join(', ')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Stops every poller. */
  async close(): Promise<void> {
    const pollers = [...this.mappings];
    this.mappings.clear();
    await Promise.all(pollers.map((p) => p.stop()));
    for (const queue of this.byName.values()) queue.notify();
  }

  /** Takes up to `max` visible messages, for ReceiveMessage (≤ 10) and for the pollers (a whole batch). */
  private take(q: Queue, max: number, visibilityTimeoutSeconds?: number): ReceivedMessage[] {
    const visibility = visibilityTimeoutSeconds ?? q.definition.visibilityTimeoutSeconds ?? 30;
    const now = Date.now();
    const taken: ReceivedMessage[] = [];
    for (const message of [...q.messages.values()]) {
      if (taken.length >= max) break;
      if (message.visibleAt > now) continue;
      const { deadLetterArn, maxReceiveCount } = q.definition;
      if (deadLetterArn !== undefined && maxReceiveCount !== undefined && message.receiveCount >= maxReceiveCount) {
        this.deadLetter(q, message, deadLetterArn);
        continue;
      }
      message.receiveCount++;
      message.firstReceiveTimestamp ??= now;
      message.received = true;
      message.visibleAt = now + this.wallMs(visibility);
      message.receiptHandle = receiptHandle(message.messageId);
      q.handles.set(message.receiptHandle, message.messageId);
      this.wakeAt(q, message.visibleAt);
      taken.push({
        messageId: message.messageId,
        receiptHandle: message.receiptHandle,
        body: message.body,
        md5OfBody: message.md5OfBody,
        ...(message.md5OfMessageAttributes === undefined ? {} : { md5OfMessageAttributes: message.md5OfMessageAttributes }),
        messageAttributes: { ...message.attributes },
        attributes: {
          SenderId: SENDER_ID,
          SentTimestamp: String(message.sentTimestamp),
          ApproximateReceiveCount: String(message.receiveCount),
          ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp),
        },
      });
    }
    return taken;
  }

  private wallMs(seconds: number): number {
    return (seconds * 1000) / this.timeScale;
  }

  private queue(queueName: string): Queue {
    const queue = this.byName.get(queueName);
    if (queue === undefined) throw new SqsError('QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.');
    return queue;
  }

  private messageIdOf(queue: Queue, receiptHandle: string): string {
    const messageId = queue.handles.get(receiptHandle);
    if (messageId === undefined) throw new SqsError('ReceiptHandleIsInvalid', 'ReceiptHandleIsInvalid', `The input receipt handle "${receiptHandle}" is not a valid receipt handle.`, 404);
    return messageId;
  }

  /** Moves a message to the dead-letter queue, keeping its id, body, attributes and sent time. */
  private deadLetter(from: Queue, message: StoredMessage, deadLetterArn: string): void {
    const to = this.byArn.get(deadLetterArn)!;
    from.messages.delete(message.messageId);
    const { firstReceiveTimestamp: _first, receiptHandle: _handle, ...kept } = message;
    to.messages.set(message.messageId, { ...kept, receiveCount: 0, received: false, visibleAt: Date.now() });
    to.notify();
    this.options.onDeadLetter?.({ from: from.definition.name, to: to.definition.name, messageId: message.messageId, receiveCount: message.receiveCount });
  }

  /** Wakes a queue's waiters when a message becomes visible again, so pollers need not spin. */
  private wakeAt(queue: Queue, at: number): void {
    const timer = setTimeout(() => queue.notify(), Math.max(0, at - Date.now()) + 1);
    timer.unref();
  }
}

/** What a poller needs of its queue. */
interface PollSource {
  queueArn: string;
  region: string;
  /** False once the signal aborts. */
  waitForVisible(signal: AbortSignal): Promise<boolean>;
  /** Resolves at the next change to the queue, or at `until` (epoch ms). */
  waitForChange(until: number): Promise<void>;
  visible(): number;
  take(max: number): ReceivedMessage[];
  delete(receiptHandle: string): void;
  /** Messages in the queue: visible, in flight or delayed. */
  pending(): number;
}

/** One event source mapping: poll, gather a batch, invoke, delete what succeeded. One batch at a time. */
class Poller {
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private running = false;
  readonly queueName: string;

  constructor(
    private readonly source: PollSource,
    private readonly options: AttachOptions & { batchSize: number },
  ) {
    this.queueName = options.queueName;
  }

  start(): void {
    this.loop = this.run();
  }

  /** A batch is running, or the queue still holds messages that will come to this poller. */
  busy(): boolean {
    return this.running || this.source.pending() > 0;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      if (!(await this.source.waitForVisible(signal))) return;
      const window = this.options.maximumBatchingWindowMs ?? 0;
      const deadline = Date.now() + window;
      while (Date.now() < deadline && !signal.aborted && this.source.visible() < this.options.batchSize) await this.source.waitForChange(deadline);
      if (signal.aborted) return;
      this.running = true;
      try {
        const messages = this.source.take(this.options.batchSize);
        if (messages.length > 0) await this.deliver(messages);
      } finally {
        this.running = false;
      }
    }
  }

  private async deliver(messages: ReceivedMessage[]): Promise<void> {
    const event: SQSEvent = { Records: messages.map((m) => sqsRecord(m, this.source.queueArn, this.source.region)) };
    // An invoker that throws is a failed invocation: the whole batch comes back.
    const outcome = await this.options.invoke(event).catch(
      (error: unknown): InvocationOutcome => ({ outcome: 'error', requestId: '', durationMs: 0, error: { errorType: 'Error', errorMessage: error instanceof Error ? error.message : String(error) } }),
    );
    const ids = messages.map((m) => m.messageId);
    const failed = outcome.outcome === 'success' ? failedItems(outcome.result, ids, this.options.reportBatchItemFailures) : new Set(ids);
    const deleted: string[] = [];
    for (const message of messages) {
      if (failed.has(message.messageId)) continue;
      this.source.delete(message.receiptHandle);
      deleted.push(message.messageId);
    }
    // Failed messages are left as they are: they come back when their visibility timeout ends, as on AWS.
    this.options.onBatch?.({ queueName: this.queueName, messageIds: ids, deleted, retried: ids.filter((id) => failed.has(id)), outcome: outcome.outcome });
  }
}

function changeOf(queue: Queue, until: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      queue.waiters.delete(wake);
      resolve();
    };
    const timer = setTimeout(wake, Math.min(MAX_TIMER_MS, Math.max(0, until - Date.now())));
    queue.waiters.add(wake);
  });
}

/**
 * Which messages of a successful invocation failed. Without ReportBatchItemFailures none did. With it, the
 * batchItemFailures listed did; a response Lambda cannot read (an identifier that is empty or not in the batch)
 * fails the whole batch, and an empty or missing list fails none.
 */
function failedItems(result: unknown, ids: string[], report: boolean): Set<string> {
  if (!report || result === null || result === undefined || typeof result !== 'object') return new Set();
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return new Set(ids);
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !ids.includes(id)) return new Set(ids);
    failed.add(id);
  }
  return failed;
}

/** A record of Lambda's SQS event: attribute names in camelCase for message attributes, as Lambda writes them. */
function sqsRecord(message: ReceivedMessage, queueArn: string, region: string): SQSRecord {
  const messageAttributes: Record<string, SQSMessageAttribute> = {};
  for (const [name, value] of Object.entries(message.messageAttributes)) {
    messageAttributes[name] = {
      ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
      ...(value.BinaryValue === undefined ? {} : { binaryValue: value.BinaryValue }),
      stringListValues: [],
      binaryListValues: [],
      dataType: value.DataType,
    };
  }
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    body: message.body,
    attributes: { ...message.attributes },
    messageAttributes,
    md5OfBody: message.md5OfBody,
    ...(message.md5OfMessageAttributes === undefined ? {} : { md5OfMessageAttributes: message.md5OfMessageAttributes }),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

export function md5Hex(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

/**
 * SQS's MD5OfMessageAttributes: attributes sorted by name, each encoded as length-prefixed (4-byte big-endian)
 * name, length-prefixed data type, a transport byte (1 string/number, 2 binary) and the length-prefixed value.
 */
export function md5OfMessageAttributes(attributes: Record<string, MessageAttributeValue>): string {
  const parts: Buffer[] = [];
  const prefixed = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const value = attributes[name]!;
    prefixed(Buffer.from(name, 'utf8'));
    prefixed(Buffer.from(value.DataType, 'utf8'));
    if (value.BinaryValue !== undefined) {
      parts.push(Buffer.from([2]));
      prefixed(Buffer.from(value.BinaryValue, 'base64'));
    } else {
      parts.push(Buffer.from([1]));
      prefixed(Buffer.from(value.StringValue ?? '', 'utf8'));
    }
  }
  return md5Hex(Buffer.concat(parts));
}

/** SQS's body rules: 1 byte to 256 KiB of XML-safe Unicode. */
function checkBody(body: string): void {
  if (typeof body !== 'string' || body.length === 0) {
    throw new SqsError('MissingParameter', 'MissingParameter', 'The request must contain the parameter MessageBody.');
  }
  if (Buffer.byteLength(body) > 262_144) {
    throw new SqsError('InvalidParameterValue', 'InvalidParameterValue', 'One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.');
  }
  // #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF
  if (/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.test(body)) {
    throw new SqsError('InvalidMessageContents', 'InvalidMessageContents', 'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF');
  }
}

function checkAttributes(attributes: Record<string, MessageAttributeValue>): void {
  const names = Object.keys(attributes);
  if (names.length > 10) throw new SqsError('InvalidParameterValue', 'InvalidParameterValue', 'Number of message attributes [' + names.length + '] exceeds the allowed maximum [10].');
  for (const name of names) {
    const value = attributes[name]!;
    if (typeof value?.DataType !== 'string' || !/^(String|Number|Binary)(\..+)?$/.test(value.DataType)) {
      throw new SqsError('InvalidParameterValue', 'InvalidParameterValue', `The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`);
    }
    const binary = value.DataType.startsWith('Binary');
    if (binary ? value.BinaryValue === undefined : value.StringValue === undefined) {
      throw new SqsError('InvalidParameterValue', 'InvalidParameterValue', `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${value.DataType.split('.')[0]}'.`);
    }
  }
}

function receiptHandle(messageId: string): string {
  return Buffer.concat([Buffer.from(messageId), randomBytes(24)]).toString('base64');
}
