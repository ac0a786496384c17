import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenLocal, parseJsonBody, readBody, sendAwsJson } from './aws-json-protocol';
import { md5OfMessageAttributes, SqsError, type LocalQueues, type MessageAttributeValue, type ReceivedMessage } from './sqs-queues';

/*
 * SQS over its AWS JSON 1.0 protocol (`X-Amz-Target: AmazonSQS.<Operation>`), so the unmodified
 * @aws-sdk/client-sqs works against the local queues via AWS_ENDPOINT_URL_SQS: SendMessage, SendMessageBatch,
 * ReceiveMessage (with long polling), DeleteMessage, DeleteMessageBatch, ChangeMessageVisibility, GetQueueUrl,
 * GetQueueAttributes, ListQueues and PurgeQueue. A QueueUrl names its queue by its last path segment, whatever its
 * host. Errors carry SQS's query-compatible code (x-amzn-query-error), which the SDK names its exceptions by.
 */

export interface StartSqsServerOptions {
  queues: LocalQueues;
  host?: string;
  port?: number;
}

export interface LocalSqsServer {
  endpoint: string;
  port: number;
  /** The URL this server gives a queue: `<endpoint>/<account>/<name>`. */
  queueUrl(queueName: string): string;
  stop(): Promise<void>;
}

const JSON_10 = 'application/x-amz-json-1.0';
const MAX_BATCH_ENTRIES = 10;
const MAX_BATCH_BYTES = 262_144;
const QUEUE_ATTRIBUTES = [
  'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed', 'CreatedTimestamp',
  'DelaySeconds', 'LastModifiedTimestamp', 'MaximumMessageSize', 'MessageRetentionPeriod', 'QueueArn', 'ReceiveMessageWaitTimeSeconds',
  'RedrivePolicy', 'SqsManagedSseEnabled', 'VisibilityTimeout',
] as const;
const MESSAGE_SYSTEM_ATTRIBUTES = ['SenderId', 'SentTimestamp', 'ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp'] as const;

/** `<endpoint>/<account>/<name>`: a queue URL that sends SDK calls to this server, whatever endpoint the client has. */
export function localQueueUrl(endpoint: string, queueArn: string, queueName: string): string {
  const account = queueArn.split(':')[4] ?? '000000000000';
  return `${endpoint.replace(/\/$/, '')}/${account}/${queueName}`;
}

export async function startSqsServer(options: StartSqsServerOptions): Promise<LocalSqsServer> {
  const { queues } = options;
  const host = options.host ?? '127.0.0.1';
  const created = String(Math.floor(Date.now() / 1000));
  // Aborts long polls still waiting when the server stops.
  const stopping = new AbortController();
  let endpoint = '';

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendSqsError(res, error instanceof SqsError ? error : new SqsError('InternalError', 'InternalError', error instanceof Error ? error.message : String(error), 500));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.headers['x-amz-target'];
    const body = await readBody(req, 2 * 1024 * 1024).catch(() => {
      throw new SqsError('RequestTooLong', 'AWS.SimpleQueueService.BatchRequestTooLong', 'The request is too large.', 413);
    });
    if (req.method !== 'POST' || typeof target !== 'string' || !target.startsWith('AmazonSQS.')) {
      throw new SqsError('InvalidAction', 'InvalidAction', `not an SQS JSON request: ${req.method} ${req.url}`);
    }
    let input: Record<string, unknown>;
    try {
      input = (parseJsonBody(body) ?? {}) as Record<string, unknown>;
    } catch {
      throw new SqsError('SerializationException', 'SerializationException', 'The request body is not valid JSON.');
    }
    const result = await operation(target.slice('AmazonSQS.'.length), input);
    sendAwsJson(res, JSON_10, 200, result);
  }

  async function operation(name: string, input: Record<string, unknown>): Promise<unknown> {
    switch (name) {
      case 'SendMessage': {
        const queue = queueOf(input);
        const sent = queues.send(queue, {
          body: input.MessageBody as string,
          ...(input.DelaySeconds === undefined ? {} : { delaySeconds: input.DelaySeconds as number }),
          ...(input.MessageAttributes === undefined ? {} : { messageAttributes: input.MessageAttributes as Record<string, MessageAttributeValue> }),
        });
        return { MessageId: sent.messageId, MD5OfMessageBody: sent.md5OfMessageBody, ...(sent.md5OfMessageAttributes === undefined ? {} : { MD5OfMessageAttributes: sent.md5OfMessageAttributes }) };
      }
      case 'SendMessageBatch': {
        const queue = queueOf(input);
        const entries = batchEntries(input.Entries);
        const size = entries.reduce((sum, e) => sum + Buffer.byteLength(String(e.MessageBody ?? '')), 0);
        if (size > MAX_BATCH_BYTES) throw new SqsError('BatchRequestTooLong', 'AWS.SimpleQueueService.BatchRequestTooLong', `Batch requests cannot be longer than ${MAX_BATCH_BYTES} bytes. You have sent ${size} bytes.`);
        return batch(entries, (entry) => {
          const sent = queues.send(queue, {
            body: entry.MessageBody as string,
            ...(entry.DelaySeconds === undefined ? {} : { delaySeconds: entry.DelaySeconds as number }),
            ...(entry.MessageAttributes === undefined ? {} : { messageAttributes: entry.MessageAttributes as Record<string, MessageAttributeValue> }),
          });
          return { MessageId: sent.messageId, MD5OfMessageBody: sent.md5OfMessageBody, ...(sent.md5OfMessageAttributes === undefined ? {} : { MD5OfMessageAttributes: sent.md5OfMessageAttributes }) };
        });
      }
      case 'ReceiveMessage': {
        const queue = queueOf(input);
        const wait = (input.WaitTimeSeconds as number | undefined) ?? 0;
        if (!(Number.isInteger(wait) && wait >= 0 && wait <= 20)) {
          throw new SqsError('InvalidParameterValue', 'InvalidParameterValue', `Value ${wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.`);
        }
        // Long polling waits in real seconds: it ends as soon as a message is visible anyway.
        if (wait > 0) await queues.waitForVisible(queue, Date.now() + wait * 1000, stopping.signal);
        const messages = queues.receive(queue, {
          ...(input.MaxNumberOfMessages === undefined ? {} : { maxNumberOfMessages: input.MaxNumberOfMessages as number }),
          ...(input.VisibilityTimeout === undefined ? {} : { visibilityTimeoutSeconds: input.VisibilityTimeout as number }),
        });
        const systemNames = [...stringList(input.AttributeNames), ...stringList(input.MessageSystemAttributeNames)];
        const attributeNames = stringList(input.MessageAttributeNames);
        return messages.length === 0 ? {} : { Messages: messages.map((m) => messageOut(m, systemNames, attributeNames)) };
      }
      case 'DeleteMessage':
        queues.delete(queueOf(input), requiredString(input.ReceiptHandle, 'ReceiptHandle'));
        return {};
      case 'DeleteMessageBatch': {
        const queue = queueOf(input);
        return batch(batchEntries(input.Entries), (entry) => {
          queues.delete(queue, requiredString(entry.ReceiptHandle, 'ReceiptHandle'));
          return {};
        });
      }
      case 'ChangeMessageVisibility':
        queues.changeVisibility(queueOf(input), requiredString(input.ReceiptHandle, 'ReceiptHandle'), input.VisibilityTimeout as number);
        return {};
      case 'GetQueueUrl': {
        const name = requiredString(input.QueueName, 'QueueName');
        return { QueueUrl: urlOf(name) };
      }
      case 'ListQueues': {
        const prefix = (input.QueueNamePrefix as string | undefined) ?? '';
        return { QueueUrls: queues.queueNames().filter((n) => n.startsWith(prefix)).map(urlOf) };
      }
      case 'GetQueueAttributes':
        return { Attributes: queueAttributes(queueOf(input), stringList(input.AttributeNames)) };
      case 'PurgeQueue':
        queues.purge(queueOf(input));
        return {};
      default:
        throw new SqsError('UnsupportedOperation', 'AWS.SimpleQueueService.UnsupportedOperation', `${name} is not supported by the local SQS`);
    }
  }

  function queueOf(input: Record<string, unknown>): string {
    return queues.nameOfUrl(requiredString(input.QueueUrl, 'QueueUrl'));
  }

  function urlOf(name: string): string {
    return localQueueUrl(endpoint, queues.definition(name).arn, name);
  }

  function queueAttributes(queue: string, requested: string[]): Record<string, string> {
    const names = requested.length === 0 ? [] : requested.includes('All') ? [...QUEUE_ATTRIBUTES] : requested;
    const definition = queues.definition(queue);
    const counts = queues.counts(queue);
    const values: Record<string, string | undefined> = {
      ApproximateNumberOfMessages: String(counts.visible),
      ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
      ApproximateNumberOfMessagesDelayed: String(counts.delayed),
      CreatedTimestamp: created,
      LastModifiedTimestamp: created,
      DelaySeconds: '0',
      MaximumMessageSize: '262144',
      MessageRetentionPeriod: '345600',
      QueueArn: definition.arn,
      ReceiveMessageWaitTimeSeconds: '0',
      RedrivePolicy:
        definition.deadLetterArn === undefined ? undefined : JSON.stringify({ deadLetterTargetArn: definition.deadLetterArn, maxReceiveCount: definition.maxReceiveCount ?? 10 }),
      SqsManagedSseEnabled: 'true',
      VisibilityTimeout: String(definition.visibilityTimeoutSeconds ?? 30),
    };
    const out: Record<string, string> = {};
    for (const name of names) {
      if (!(QUEUE_ATTRIBUTES as readonly string[]).includes(name)) throw new SqsError('InvalidAttributeName', 'InvalidAttributeName', `Unknown Attribute ${name}.`);
      const value = values[name];
      if (value !== undefined) out[name] = value;
    }
    return out;
  }

  const listening = await listenLocal(server, host, options.port ?? 0);
  endpoint = listening.endpoint;
  return {
    endpoint,
    port: listening.port,
    queueUrl: urlOf,
    stop: async () => {
      stopping.abort();
      await listening.stop();
    },
  };
}

type BatchEntry = Record<string, unknown> & { Id: string };

function batchEntries(raw: unknown): BatchEntry[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new SqsError('EmptyBatchRequest', 'AWS.SimpleQueueService.EmptyBatchRequest', 'There should be at least one SendMessageBatchRequestEntry in the request.');
  if (raw.length > MAX_BATCH_ENTRIES) {
    throw new SqsError('TooManyEntriesInBatchRequest', 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest', `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${raw.length}.`);
  }
  const ids = new Set<string>();
  for (const entry of raw as Array<Record<string, unknown>>) {
    const id = entry?.Id;
    if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,80}$/.test(id)) {
      throw new SqsError('InvalidBatchEntryId', 'AWS.SimpleQueueService.InvalidBatchEntryId', 'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.');
    }
    if (ids.has(id)) throw new SqsError('BatchEntryIdsNotDistinct', 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
    ids.add(id);
  }
  return raw as BatchEntry[];
}

/** Runs each entry; an entry's own error fails that entry only, as SQS reports it. */
function batch(entries: BatchEntry[], run: (entry: BatchEntry) => Record<string, unknown>): { Successful: unknown[]; Failed: unknown[] } {
  const Successful: unknown[] = [];
  const Failed: unknown[] = [];
  for (const entry of entries) {
    try {
      Successful.push({ Id: entry.Id, ...run(entry) });
    } catch (error) {
      if (!(error instanceof SqsError)) throw error;
      Failed.push({ Id: entry.Id, SenderFault: error.status < 500, Code: error.queryCode, Message: error.message });
    }
  }
  return { Successful, Failed };
}

/** A received message as ReceiveMessage returns it: only the attributes asked for. */
function messageOut(message: ReceivedMessage, systemNames: string[], attributeNames: string[]): Record<string, unknown> {
  const all = systemNames.includes('All');
  const attributes = Object.fromEntries(MESSAGE_SYSTEM_ATTRIBUTES.filter((n) => all || systemNames.includes(n)).map((n) => [n, message.attributes[n]]));
  const wanted = (name: string) =>
    attributeNames.some((pattern) => pattern === 'All' || pattern === '.*' || pattern === name || (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -1))));
  const messageAttributes = Object.fromEntries(Object.entries(message.messageAttributes).filter(([name]) => wanted(name)));
  return {
    MessageId: message.messageId,
    ReceiptHandle: message.receiptHandle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
    ...(Object.keys(attributes).length === 0 ? {} : { Attributes: attributes }),
    ...(Object.keys(messageAttributes).length === 0 ? {} : { MessageAttributes: messageAttributes, MD5OfMessageAttributes: md5OfMessageAttributes(messageAttributes) }),
  };
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function requiredString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new SqsError('MissingParameter', 'MissingParameter', `The request must contain the parameter ${name}.`);
  return value;
}

/** An SQS error as the JSON protocol carries it, with the query-compatible code the SDK reads first. */
function sendSqsError(res: ServerResponse, error: SqsError): void {
  const payload = JSON.stringify({ __type: `com.amazonaws.sqs#${error.type}`, message: error.message });
  res.writeHead(error.status, {
    'content-type': JSON_10,
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': randomUUID(),
    'x-amzn-query-error': `${error.queryCode};${error.status < 500 ? 'Sender' : 'Receiver'}`,
  });
  res.end(payload);
}
