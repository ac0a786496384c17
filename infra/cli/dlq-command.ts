import {
  deleteDeadLetter,
  eventBusOfRule,
  invokeAsync,
  originOf,
  queueDepth,
  reasonOf,
  receiveDeadLetters,
  releaseDeadLetter,
  republishEvent,
  sendToQueue,
  startMessageMove,
  type DeadLetterMessage,
  type DeadLetterOrigin,
} from '../../functions/stores/dead-letter-queues';
import { connect, connectionArgs, CONNECTION_OPTIONS, parseCommandArgs, type StackConnection } from './stack-connection';
import { formatTable } from './text-table';
import { UsageError } from './usage-error';

export const DLQ_HELP = `Usage: finegate dlq list|redrive [--queue <name>] [--max <n>] [--json] [--local [--state-dir .finegate] | --stack Finegate --region <region>]

The stack's dead-letter queues: what failed on an asynchronous path after its retries ran out.

  list      each queue's message counts and the first messages' reasons (EventBridge: error code, rule and
            target; Lambda: request id and error message)
  redrive   sends the messages back where they failed: an event EventBridge could not deliver is put on its bus
            again (an AWS service's event, which PutEvents refuses, goes to its target function instead); a failed
            asynchronous invocation is invoked again, asynchronously; the shadow queue's dead letters go back to
            the shadow queue (SQS's message move task where available). A message is deleted only once it was
            redriven; one that could not be stays in the queue, and is reported.

Queues: <corpus-audit | checkpoint-gate | canary | canary-shadow> (default: all of them)

Options:
  --queue <name>       only this queue
  --max <n>            redrive at most n messages per queue (default: all)
  --peek <n>           list: show the first n messages of each queue (default 5)
  --json               print the result as JSON
  --local              use the local runtime of 'finegate local up' (found through <state-dir>/local.json)
  --state-dir <dir>    with --local: where 'finegate local up' keeps local.json (default: .finegate)
  --stack <name>       the deployed stack to use (default: Finegate), read with your AWS credentials
  --region <region>    the deployed stack's region (default: the SDK's, e.g. AWS_REGION)

Exit codes: 0 listed, or everything redriven; 1 some message could not be redriven; 2 bad usage or no stack to reach.
`;

/** A dead-letter queue of the stack, and the stack outputs that locate it and what it redrives to. */
export interface DeadLetterQueueSpec {
  name: string;
  urlOutput: string;
  /** The functions whose failed asynchronous invocations land here; chosen by the payload's detail-type. */
  functions?: Array<{ output: string; detailTypes?: string[] }>;
  /** For an SQS source queue's dead-letter queue: the source queue. */
  sourceQueueOutput?: string;
}

export const DEAD_LETTER_QUEUES: readonly DeadLetterQueueSpec[] = [
  { name: 'corpus-audit', urlOutput: 'CorpusAuditDeadLetterQueueUrl', functions: [{ output: 'CorpusAuditFunctionName' }] },
  {
    name: 'checkpoint-gate',
    urlOutput: 'CheckpointGateDeadLetterQueueUrl',
    functions: [
      { output: 'CheckpointGateRecordFunctionName', detailTypes: ['Step Functions Execution Status Change'] },
      { output: 'RegisterRunFunctionName', detailTypes: ['Register Run'] },
      { output: 'CheckpointGateStartFunctionName' },
    ],
  },
  { name: 'canary', urlOutput: 'CanaryDeadLetterQueueUrl', functions: [{ output: 'CanaryRollbackFunctionName' }] },
  { name: 'canary-shadow', urlOutput: 'CanaryShadowDeadLetterQueueUrl', sourceQueueOutput: 'CanaryShadowQueueUrl' },
];

/** A dead-letter queue as found in a stack: its URL, the functions it redrives to, its source queue. */
export interface ResolvedQueue {
  name: string;
  url: string;
  functions: Array<{ name: string; detailTypes?: string[] }>;
  sourceQueueUrl?: string;
}

/** The queues the stack outputs name (all, or the one asked for); a stack that names none is a usage error. */
export function resolveQueues(outputs: Record<string, string>, only?: string, specs: readonly DeadLetterQueueSpec[] = DEAD_LETTER_QUEUES): ResolvedQueue[] {
  const wanted = only === undefined ? specs : specs.filter((s) => s.name === only);
  if (wanted.length === 0) throw new UsageError(`unknown queue ${JSON.stringify(only)}; expected one of ${specs.map((s) => s.name).join(', ')}`);
  const found = wanted
    .filter((s) => outputs[s.urlOutput] !== undefined)
    .map((s) => ({
      name: s.name,
      url: outputs[s.urlOutput]!,
      functions: (s.functions ?? [])
        .filter((f) => outputs[f.output] !== undefined)
        .map((f) => ({ name: outputs[f.output]!, ...(f.detailTypes ? { detailTypes: f.detailTypes } : {}) })),
      ...(s.sourceQueueOutput && outputs[s.sourceQueueOutput] ? { sourceQueueUrl: outputs[s.sourceQueueOutput] } : {}),
    }));
  if (found.length === 0) {
    throw new UsageError(`the stack has no dead-letter queue outputs (${wanted.map((s) => s.urlOutput).join(', ')}); is it a finegate stack of this version?`);
  }
  return found;
}

export interface QueueListing {
  queue: string;
  url: string;
  visible: number;
  inFlight: number;
  messages: Array<{ messageId: string; origin: DeadLetterOrigin['kind']; reason: string; subject: string; sentAt?: string }>;
}

/** Counts and the first `peek` messages of each queue; peeking leaves every message visible. */
export async function listDeadLetters(queues: readonly ResolvedQueue[], peek = 5): Promise<QueueListing[]> {
  const listings: QueueListing[] = [];
  for (const queue of queues) {
    const depth = await queueDepth(queue.url);
    const messages = peek > 0 && depth.visible > 0 ? await receiveDeadLetters(queue.url, peek, 0) : [];
    listings.push({
      queue: queue.name,
      url: queue.url,
      visible: depth.visible,
      inFlight: depth.inFlight,
      messages: messages.slice(0, peek).map((m) => {
        const origin = originOf(m);
        return { messageId: m.messageId, origin: origin.kind, reason: reasonOf(origin), subject: subjectOf(m.body), ...(m.sentAt ? { sentAt: m.sentAt } : {}) };
      }),
    });
  }
  return listings;
}

export interface RedriveResult {
  queue: string;
  moved: Array<{ messageId: string; to: string }>;
  failed: Array<{ messageId: string; error: string }>;
  /** SQS's own move task, when it did the work. */
  moveTask?: string;
}

/** Every message of the queue (at most `max`) back where it failed; a message is deleted only after its redrive. */
export async function redriveQueue(queue: ResolvedQueue, options: { max?: number } = {}): Promise<RedriveResult> {
  const result: RedriveResult = { queue: queue.name, moved: [], failed: [] };
  const max = options.max ?? Number.POSITIVE_INFINITY;
  if (queue.sourceQueueUrl !== undefined && options.max === undefined) {
    const [dead, source] = await Promise.all([queueDepth(queue.url), queueDepth(queue.sourceQueueUrl)]);
    if (dead.arn && source.arn) {
      const task = await startMessageMove(dead.arn, source.arn);
      if (task !== undefined) return { ...result, moveTask: task };
    }
  }
  const seen = new Set<string>();
  while (result.moved.length + result.failed.length < max) {
    const batch = await receiveDeadLetters(queue.url, Math.min(10, max - result.moved.length - result.failed.length), 60);
    const fresh = batch.filter((m) => !seen.has(m.messageId));
    // Only messages already tried came back (a failed one turned visible again): this pass is done.
    if (fresh.length === 0) break;
    for (const message of fresh) {
      seen.add(message.messageId);
      try {
        const to = await redriveMessage(queue, message);
        await deleteDeadLetter(queue.url, message.receiptHandle);
        result.moved.push({ messageId: message.messageId, to });
      } catch (error) {
        result.failed.push({ messageId: message.messageId, error: error instanceof Error ? error.message : String(error) });
        await releaseDeadLetter(queue.url, message.receiptHandle).catch(() => undefined);
      }
    }
  }
  return result;
}

/** Sends one message back where it failed; returns where to. */
async function redriveMessage(queue: ResolvedQueue, message: DeadLetterMessage): Promise<string> {
  const origin = originOf(message);
  if (origin.kind === 'sqs-source') {
    if (queue.sourceQueueUrl === undefined) throw new Error('a message without dead-letter attributes, and the queue has no source queue to return it to');
    await sendToQueue(queue.sourceQueueUrl, message.body);
    return queue.sourceQueueUrl;
  }
  if (origin.kind === 'eventbridge') {
    const event = parseEvent(message.body);
    // PutEvents refuses the sources of AWS services: such an event goes straight to the Lambda target it missed.
    if (String(event.source).startsWith('aws.')) {
      if (!/^arn:[^:]+:lambda:/.test(origin.targetArn)) throw new Error(`an ${String(event.source)} event cannot be put on a bus again, and its target ${origin.targetArn} is not a function`);
      await invokeAsync(origin.targetArn, message.body);
      return origin.targetArn;
    }
    const bus = eventBusOfRule(origin.ruleArn);
    if (bus === undefined) throw new Error(`cannot tell the bus of rule ${JSON.stringify(origin.ruleArn)}`);
    await republishEvent(bus, event);
    return `bus ${bus}`;
  }
  const fn = functionFor(queue, message.body);
  await invokeAsync(fn, message.body);
  return fn;
}

/** The function a failed asynchronous invocation belongs to: the queue's only one, or the one for its detail-type. */
function functionFor(queue: ResolvedQueue, body: string): string {
  if (queue.functions.length === 0) throw new Error(`the stack names no function for queue ${queue.name}`);
  if (queue.functions.length === 1) return queue.functions[0]!.name;
  let detailType: string | undefined;
  try {
    detailType = (JSON.parse(body) as { 'detail-type'?: string })['detail-type'];
  } catch {
    detailType = undefined;
  }
  const match = queue.functions.find((f) => detailType !== undefined && f.detailTypes?.includes(detailType)) ?? queue.functions.find((f) => f.detailTypes === undefined);
  if (!match) throw new Error(`no function of queue ${queue.name} takes a ${detailType ?? 'payload without detail-type'}`);
  return match.name;
}

function parseEvent(body: string): Record<string, unknown> {
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    throw new Error('the dead-lettered event is not JSON');
  }
  if (typeof event !== 'object' || event === null || typeof (event as { source?: unknown }).source !== 'string' || typeof (event as { 'detail-type'?: unknown })['detail-type'] !== 'string') {
    throw new Error('the dead-lettered message is not an EventBridge event (no source and detail-type)');
  }
  return event as Record<string, unknown>;
}

/** What a message is about, in a few words: the event's detail-type and the run or object it names. */
function subjectOf(body: string): string {
  try {
    const event = JSON.parse(body) as { 'detail-type'?: string; detail?: { runId?: string; checkpoint?: string; object?: { key?: string }; name?: string } };
    const detail = event.detail ?? {};
    const about = detail.runId ? `${detail.runId}${detail.checkpoint ? `/${detail.checkpoint}` : ''}` : (detail.object?.key ?? detail.name ?? '');
    return [event['detail-type'], about].filter(Boolean).join(' ') || body.slice(0, 60);
  } catch {
    return body.slice(0, 60);
  }
}

export interface DlqArgs {
  action: 'list' | 'redrive';
  queue?: string;
  max?: number;
  peek: number;
  json: boolean;
}

export function parseDlqArgs(argv: string[]): DlqArgs & ReturnType<typeof connectionArgs> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...CONNECTION_OPTIONS,
    queue: { type: 'string' },
    max: { type: 'string' },
    peek: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const [action, ...extra] = positionals;
  if (action !== 'list' && action !== 'redrive') throw new UsageError(`expected 'list' or 'redrive', got ${action === undefined ? 'nothing' : JSON.stringify(action)} (see --help)`);
  if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra[0]}`);
  const count = (name: string, value: string | undefined, min: number) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
    return n;
  };
  const max = count('max', values.max, 1);
  return {
    action,
    ...(values.queue !== undefined ? { queue: values.queue } : {}),
    ...(max !== undefined ? { max } : {}),
    peek: count('peek', values.peek, 0) ?? 5,
    json: values.json,
    ...connectionArgs(values),
  };
}

/** `finegate dlq`; returns the exit code. */
export async function dlqCommand(argv: string[]): Promise<number> {
  const args = parseDlqArgs(argv);
  const connection: StackConnection = await connect(args);
  const queues = resolveQueues(connection.outputs, args.queue);
  const out = (text: string) => process.stdout.write(text);

  if (args.action === 'list') {
    const listings = await listDeadLetters(queues, args.peek);
    if (args.json) {
      out(JSON.stringify(listings, null, 2) + '\n');
      return 0;
    }
    out(formatTable([{ header: 'queue' }, { header: 'messages', align: 'right' }, { header: 'in flight', align: 'right' }], listings.map((l) => [l.queue, String(l.visible), String(l.inFlight)])) + '\n');
    for (const listing of listings.filter((l) => l.messages.length > 0)) {
      out(`\n${listing.queue}:\n`);
      for (const m of listing.messages) out(`  ${m.messageId}  ${m.subject}\n    ${m.reason}\n`);
    }
    return 0;
  }

  const results: RedriveResult[] = [];
  for (const queue of queues) results.push(await redriveQueue(queue, args.max === undefined ? {} : { max: args.max }));
  if (args.json) out(JSON.stringify(results, null, 2) + '\n');
  else {
    for (const r of results) {
      if (r.moveTask !== undefined) out(`${r.queue}: SQS message move task ${r.moveTask} started (dead letters back to the source queue)\n`);
      else out(`${r.queue}: ${r.moved.length} redriven, ${r.failed.length} left in the queue\n`);
      for (const m of r.moved) out(`  moved  ${m.messageId} -> ${m.to}\n`);
      for (const f of r.failed) out(`  KEPT   ${f.messageId}: ${f.error}\n`);
    }
  }
  return results.some((r) => r.failed.length > 0) ? 1 : 0;
}
