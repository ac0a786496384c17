import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { AwsJsonError, listenLocal, parseJsonBody, readBody, sendAwsJson, sendAwsJsonError } from './aws-json-protocol';

export { AwsJsonError };

/*
 * The EventBridge PutEvents API over its real wire protocol (AWS JSON 1.1, `X-Amz-Target: AWSEvents.PutEvents`),
 * so the unmodified @aws-sdk/client-eventbridge client publishes here via AWS_ENDPOINT_URL_EVENTBRIDGE.
 * Entries are validated as EventBridge validates them: request-level problems are a 400 ValidationException,
 * entry-level problems come back per entry with FailedEntryCount. Accepted entries become EventBridge events.
 * Like AWS, an entry for a bus that does not exist is accepted (and silently lost there); the caller of
 * onEvents sees the bus name and decides what to log.
 */

export interface EventBridgeEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export interface PublishedEvent {
  eventBusName: string;
  event: EventBridgeEvent;
}

export interface LocalEventBridgeServer {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/** Serves requests outside the EventBridge API (e.g. a control plane); returns false to answer 404. */
export type ExtraRoutes = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

export interface StartEventBridgeServerOptions {
  account: string;
  region: string;
  /** Called synchronously with the accepted entries of each PutEvents call, before the response is sent. */
  onEvents(published: PublishedEvent[]): void;
  extraRoutes?: ExtraRoutes;
  host?: string;
  port?: number;
}

const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;
const JSON_11 = 'application/x-amz-json-1.1';

interface ResultEntry {
  EventId?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

export async function startEventBridgeServer(options: StartEventBridgeServerOptions): Promise<LocalEventBridgeServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendAwsJsonError(res, JSON_11, error instanceof AwsJsonError ? error : new AwsJsonError('InternalFailure', String(error), 500));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? host}`);
    const target = req.headers['x-amz-target'];
    if (req.method === 'POST' && typeof target === 'string') {
      const body = await readBody(req);
      if (target !== 'AWSEvents.PutEvents') throw new AwsJsonError('UnknownOperationException', `Operation ${target} is not supported here`);
      sendAwsJson(res, JSON_11, 200, putEvents(parseJsonBody(body)));
      return;
    }
    if (options.extraRoutes && (await options.extraRoutes(req, res, url))) return;
    sendAwsJson(res, JSON_11, 404, { message: `no route for ${req.method} ${url.pathname}` });
  }

  function putEvents(input: unknown): { FailedEntryCount: number; Entries: ResultEntry[] } {
    const entries = (input as { Entries?: unknown } | null)?.Entries;
    if (entries === undefined || entries === null) {
      throw validation("Value null at 'entries' failed to satisfy constraint: Member must not be null");
    }
    if (!Array.isArray(entries)) throw new AwsJsonError('SerializationException', 'Entries must be a list');
    if (entries.length < 1) {
      throw validation("Value '[]' at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1");
    }
    if (entries.length > MAX_ENTRIES) {
      throw validation(
        `Value '[PutEventsRequestEntry]' at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES}`,
      );
    }
    if (entries.reduce((sum: number, entry: unknown) => sum + entrySize(entry), 0) > MAX_REQUEST_BYTES) {
      throw new AwsJsonError('ValidationException', 'Total size of the entries in the request is over the limit.');
    }

    const accepted: PublishedEvent[] = [];
    const results = entries.map((entry: unknown): ResultEntry => {
      const checked = checkEntry(entry);
      if (!('event' in checked)) return checked;
      accepted.push(checked);
      return { EventId: checked.event.id };
    });
    if (accepted.length > 0) options.onEvents(accepted);
    return { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results };
  }

  function checkEntry(raw: unknown): PublishedEvent | ResultEntry {
    const entry = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const missing = (['Source', 'DetailType', 'Detail'] as const).find((field) => !nonEmptyString(entry[field]));
    if (missing) {
      return { ErrorCode: 'InvalidArgument', ErrorMessage: `Parameter ${missing} is not valid. Reason: ${missing} is a required argument.` };
    }
    const source = entry.Source as string;
    if (source.startsWith('aws.')) {
      return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
    }
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail as string);
    } catch {
      detail = undefined;
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    const resources = entry.Resources ?? [];
    if (!Array.isArray(resources) || !resources.every((r) => typeof r === 'string')) {
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Resources is not valid. Reason: Resources must be a list of strings.' };
    }
    const time = entryTime(entry.Time);
    if (!time) return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Time is not valid.' };
    return {
      eventBusName: busName(entry.EventBusName),
      event: {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType as string,
        source,
        account: options.account,
        time,
        region: options.region,
        resources,
        detail: detail as Record<string, unknown>,
      },
    };
  }

  return listenLocal(server, host, options.port ?? 0);
}

function validation(detail: string): AwsJsonError {
  return new AwsJsonError('ValidationException', `1 validation error detected: ${detail}`);
}

/** A bus may be named or given by ARN (arn:aws:events:region:account:event-bus/name). */
export function busName(value: unknown): string {
  if (!nonEmptyString(value)) return 'default';
  const arn = /^arn:[^:]+:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(value);
  return arn ? arn[1]! : value;
}

/** The SDK sends Time as epoch seconds; events carry ISO-8601 to the second. */
function entryTime(value: unknown): string | undefined {
  const date = value === undefined || value === null ? new Date() : typeof value === 'number' ? new Date(value * 1000) : new Date(String(value));
  if (Number.isNaN(date.getTime())) return undefined;
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** EventBridge's documented entry size: 14 bytes for Time, plus the UTF-8 bytes of the text fields. */
function entrySize(raw: unknown): number {
  const entry = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const bytes = (v: unknown) => (typeof v === 'string' ? Buffer.byteLength(v) : 0);
  const resources = Array.isArray(entry.Resources) ? entry.Resources.reduce((sum: number, r: unknown) => sum + bytes(r), 0) : 0;
  return (entry.Time !== undefined ? 14 : 0) + bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail) + resources;
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}




