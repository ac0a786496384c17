import type {
  DeadLetterRecord,
  InvocationRecord,
  PublishedEventRecord,
  QueueMessageRecord,
} from '../../infra/local/event-router';
import type { ExecutionRecord, ExecutionStatus } from '../../infra/local/stepfunctions-executions';
import type { LocalRuntimeConnection } from './local-services';

/**
 * Reads the logs of the local runtime running in the global setup's child process, through its control API:
 * published events, function invocations, dead letters and queue messages. Each log takes `since`, a sequence
 * number, so a test can look only at what happened after a point it noted.
 */
export class LocalRuntimeControl {
  constructor(private readonly connection: Pick<LocalRuntimeConnection, 'controlUrl'>) {}

  events(options: { since?: number; bus?: string } = {}): Promise<PublishedEventRecord[]> {
    return this.get('events', { since: options.since, bus: options.bus });
  }

  invocations(options: { since?: number } = {}): Promise<InvocationRecord[]> {
    return this.get('invocations', { since: options.since });
  }

  deadLetters(options: { since?: number } = {}): Promise<DeadLetterRecord[]> {
    return this.get('dead-letters', { since: options.since });
  }

  queueMessages(options: { since?: number } = {}): Promise<QueueMessageRecord[]> {
    return this.get('queue-messages', { since: options.since });
  }

  /** Step Functions executions, oldest first; filtered by state machine (name or ARN), status or execution name. */
  executions(options: { stateMachine?: string; status?: ExecutionStatus; name?: string } = {}): Promise<ExecutionRecord[]> {
    return this.get('executions', { stateMachine: options.stateMachine, status: options.status, name: options.name });
  }

  /** The execution (by ARN, or the latest of that name) once it has closed, waiting for it to start if need be. */
  async waitForExecution(nameOrArn: string, timeoutMs = 60_000): Promise<ExecutionRecord> {
    const response = await fetch(this.url('executions/wait', { name: nameOrArn, timeoutMs }));
    if (!response.ok) throw new Error(`execution ${nameOrArn} did not close: ${await response.text()}`);
    return (await response.json()) as ExecutionRecord;
  }

  /** The highest sequence number so far (events, invocations, dead letters, queue messages): pass it as `since`. */
  async mark(): Promise<number> {
    const logs = await Promise.all([this.events(), this.invocations(), this.deadLetters(), this.queueMessages()]);
    return Math.max(0, ...logs.flat().map((record) => record.seq));
  }

  /** Resolves once the runtime has no delivery, invocation or retry outstanding. */
  async waitForIdle(timeoutMs = 60_000): Promise<void> {
    const response = await fetch(this.url('idle', { timeoutMs }));
    if (!response.ok) throw new Error(`local runtime not idle: ${await response.text()}`);
  }

  /** Puts an event on a bus as an AWS service would; envelope fields left out are filled in. */
  async publish(eventBusName: string, event: Record<string, unknown>): Promise<PublishedEventRecord> {
    const response = await fetch(this.url('publish', {}), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ eventBusName, event }),
    });
    if (!response.ok) throw new Error(`publish failed: ${await response.text()}`);
    return (await response.json()) as PublishedEventRecord;
  }

  private async get<T>(route: string, query: Record<string, string | number | undefined>): Promise<T> {
    const response = await fetch(this.url(route, query));
    if (!response.ok) throw new Error(`GET ${route} failed: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  private url(route: string, query: Record<string, string | number | undefined>): string {
    const url = new URL(`${this.connection.controlUrl}/${route}`);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
    return url.toString();
  }
}
