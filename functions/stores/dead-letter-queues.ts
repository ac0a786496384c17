import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { eventBridgeClient, lambdaClient, sqsClient } from './aws-clients';

/*
 * The stack's dead-letter queues, read and redriven. Three kinds of message land in them, told apart by the
 * attributes AWS adds: EventBridge's (ERROR_CODE, ERROR_MESSAGE, RULE_ARN, TARGET_ARN; the body is the event),
 * Lambda asynchronous invocation's (RequestID, ErrorCode, ErrorMessage; the body is the invocation payload), and
 * an SQS source queue's redrive policy (no attributes; the body is the original message).
 */

export interface DeadLetterMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** String message attributes, by name. */
  attributes: Record<string, string>;
  receiveCount?: number;
  sentAt?: string;
}

export type DeadLetterOrigin =
  | { kind: 'eventbridge'; errorCode: string; errorMessage: string; ruleArn: string; targetArn: string }
  | { kind: 'lambda-async'; requestId: string; errorCode: string; errorMessage: string }
  | { kind: 'sqs-source' };

export function originOf(message: Pick<DeadLetterMessage, 'attributes'>): DeadLetterOrigin {
  const a = message.attributes;
  if (a.RULE_ARN !== undefined || a.ERROR_CODE !== undefined) {
    return { kind: 'eventbridge', errorCode: a.ERROR_CODE ?? '', errorMessage: a.ERROR_MESSAGE ?? '', ruleArn: a.RULE_ARN ?? '', targetArn: a.TARGET_ARN ?? '' };
  }
  if (a.RequestID !== undefined || a.ErrorCode !== undefined) {
    return { kind: 'lambda-async', requestId: a.RequestID ?? '', errorCode: a.ErrorCode ?? '', errorMessage: a.ErrorMessage ?? '' };
  }
  return { kind: 'sqs-source' };
}

/** One line saying why a message was dead-lettered. */
export function reasonOf(origin: DeadLetterOrigin): string {
  switch (origin.kind) {
    case 'eventbridge':
      return `EventBridge gave up delivering to ${origin.targetArn} (rule ${origin.ruleArn}): ${origin.errorCode}: ${origin.errorMessage}`;
    case 'lambda-async':
      return `asynchronous invocation ${origin.requestId} failed: ${origin.errorMessage} (code ${origin.errorCode})`;
    case 'sqs-source':
      return 'received too many times from its source queue';
  }
}

/** The bus a rule belongs to, from its ARN: `rule/<bus>/<name>`, or `rule/<name>` on the default bus. */
export function eventBusOfRule(ruleArn: string): string | undefined {
  const match = /^arn:[^:]+:events:[^:]*:[^:]*:rule\/(.+)$/.exec(ruleArn);
  if (!match) return undefined;
  const parts = match[1]!.split('/');
  return parts.length > 1 ? parts[0] : 'default';
}

export async function queueDepth(queueUrl: string): Promise<{ visible: number; inFlight: number; delayed: number; arn?: string }> {
  const out = await sqsClient().send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed', 'QueueArn'] }),
  );
  const a = out.Attributes ?? {};
  return {
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
    ...(a.QueueArn ? { arn: a.QueueArn } : {}),
  };
}

/** Receives up to `max` messages (≤ 10) and hides them for `visibilitySeconds` (0: they stay visible, a peek). */
export async function receiveDeadLetters(queueUrl: string, max: number, visibilitySeconds: number): Promise<DeadLetterMessage[]> {
  const out = await sqsClient().send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: Math.max(1, Math.min(10, max)),
      VisibilityTimeout: visibilitySeconds,
      WaitTimeSeconds: 0,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
    }),
  );
  return (out.Messages ?? []).map(fromMessage);
}

export async function deleteDeadLetter(queueUrl: string, receiptHandle: string): Promise<void> {
  await sqsClient().send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }));
}

/** Makes a message visible again at once: one that could not be redriven stays for the next try. */
export async function releaseDeadLetter(queueUrl: string, receiptHandle: string): Promise<void> {
  await sqsClient().send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: 0 }));
}

/** Puts an event back on its bus; throws if EventBridge did not accept it. */
export async function republishEvent(eventBusName: string, event: Record<string, unknown>): Promise<void> {
  const out = await eventBridgeClient().send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: eventBusName,
          Source: String(event.source),
          DetailType: String(event['detail-type']),
          Detail: JSON.stringify(event.detail ?? {}),
          ...(Array.isArray(event.resources) ? { Resources: event.resources.map(String) } : {}),
          ...(typeof event.time === 'string' ? { Time: new Date(event.time) } : {}),
        },
      ],
    }),
  );
  const entry = out.Entries?.[0];
  if ((out.FailedEntryCount ?? 0) > 0 || entry?.ErrorCode) throw new Error(`PutEvents refused the event: ${entry?.ErrorCode ?? 'unknown'}: ${entry?.ErrorMessage ?? ''}`);
}

/** Invokes a function asynchronously (InvocationType Event) with the payload it failed on; throws unless Lambda accepted it. */
export async function invokeAsync(functionName: string, payload: string): Promise<void> {
  const out = await lambdaClient().send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: new TextEncoder().encode(payload) }));
  if (out.StatusCode !== 202) throw new Error(`${functionName}: asynchronous invocation answered ${out.StatusCode ?? 'no status'}`);
}

export async function sendToQueue(queueUrl: string, body: string, attributes: Record<string, string> = {}): Promise<void> {
  const entries = Object.entries(attributes);
  await sqsClient().send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: body,
      ...(entries.length > 0 ? { MessageAttributes: Object.fromEntries(entries.map(([k, v]) => [k, { DataType: 'String', StringValue: v }])) } : {}),
    }),
  );
}

/**
 * SQS's own redrive (StartMessageMoveTask) from a dead-letter queue back to its source; undefined when the endpoint
 * does not offer it, so the caller moves the messages itself.
 */
export async function startMessageMove(deadLetterArn: string, sourceArn: string): Promise<string | undefined> {
  try {
    const out = await sqsClient().send(new StartMessageMoveTaskCommand({ SourceArn: deadLetterArn, DestinationArn: sourceArn }));
    return out.TaskHandle ?? '';
  } catch (error) {
    const name = (error as { name?: string }).name ?? '';
    if (/UnsupportedOperation|InvalidAction|UnknownOperation/.test(name)) return undefined;
    throw error;
  }
}

function fromMessage(message: Message): DeadLetterMessage {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) if (value.StringValue !== undefined) attributes[name] = value.StringValue;
  const sent = message.Attributes?.SentTimestamp;
  const count = message.Attributes?.ApproximateReceiveCount;
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes,
    ...(count !== undefined ? { receiveCount: Number(count) } : {}),
    ...(sent !== undefined ? { sentAt: new Date(Number(sent)).toISOString() } : {}),
  };
}
