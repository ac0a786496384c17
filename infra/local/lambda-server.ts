import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenLocal } from './aws-json-protocol';
import { functionUrlErrorResponse, functionUrlEvent, functionUrlId, functionUrlResponse, type FunctionUrlHttpResponse } from './function-url-event';
import type { InvocationOutcome } from './lambda-invoker';
import { LambdaServiceError, type LambdaVersions, type ResolvedInvocation } from './lambda-versions';
import type { FunctionModel } from './template-model';

/*
 * The Lambda control and invoke APIs over their real wire protocol (REST-JSON, /2015-03-31/functions/…), so the
 * unmodified @aws-sdk/client-lambda talks to it via AWS_ENDPOINT_URL_LAMBDA: aliases (create, get, update with
 * RoutingConfig, delete, list), versions (publish, list), configuration (get with Qualifier, update), GetFunction
 * and Invoke (RequestResponse, Event, DryRun). Errors carry the x-amzn-errortype header and a {Type, message} body,
 * which is what the SDK names its exceptions by.
 *
 * The same server serves every function's Function URL under /function-urls/<function>/<qualifier>/…
 * (functionUrlFor builds it): the request becomes a payload-2.0 event, the alias picks the version, and the result
 * is mapped back to HTTP as Lambda maps it. Neither SigV4 nor a URL's AWS_IAM auth type is checked locally: any
 * Authorization header is accepted.
 */

export interface LambdaInvocationRecord {
  functionName: string;
  /** The alias or version invoked; undefined for an unqualified call (including a `$LATEST` Function URL). */
  qualifier?: string;
  executedVersion: string;
  durationMs: number;
  /** The function failed (error or timeout), as Lambda's Errors metric counts it. */
  error: boolean;
  at: Date;
  /** How it was invoked. */
  source: 'invoke' | 'event' | 'function-url';
}

export interface AsyncInvocationFailure {
  functionName: string;
  qualifier?: string;
  attempts: number;
  payload: unknown;
  outcome: InvocationOutcome;
}

export interface StartLambdaServerOptions {
  versions: LambdaVersions;
  /** Runs one invocation in-process (the runtime serialises them). */
  invoke(fn: FunctionModel, payload: unknown): Promise<InvocationOutcome>;
  account: string;
  region: string;
  /** After every invocation (API, Event retry or Function URL), for Lambda's own metrics. */
  onInvocation?(record: LambdaInvocationRecord): void;
  /** An Event invocation that failed every attempt (the function's asyncRetryAttempts retries). */
  onAsyncFailure?(failure: AsyncInvocationFailure): void;
  /** Delay before an Event invocation's first retry, doubled for each further one (default 25 ms, at most 400 ms). */
  asyncRetryBackoff?: { baseMs: number; maxMs: number };
  host?: string;
  port?: number;
}

export interface LocalLambdaServer {
  endpoint: string;
  port: number;
  /** Resolves once no Event invocation is running or waiting for a retry. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

const API = '/2015-03-31/functions/';
const URL_PREFIX = '/function-urls/';
// Lambda's payload limits: 6 MB for synchronous calls, 1 MB for asynchronous ones.
const SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024;
const ASYNC_PAYLOAD_LIMIT = 1024 * 1024;
const JSON_TYPE = 'application/json';

/** The local Function URL of a function's alias (or of $LATEST), ending in `/` like Lambda's. */
export function functionUrlFor(endpoint: string, functionName: string, qualifier = '$LATEST'): string {
  return `${endpoint.replace(/\/$/, '')}${URL_PREFIX}${encodeURIComponent(functionName)}/${encodeURIComponent(qualifier)}/`;
}

export async function startLambdaServer(options: StartLambdaServerOptions): Promise<LocalLambdaServer> {
  const { versions } = options;
  const host = options.host ?? '127.0.0.1';
  const backoff = options.asyncRetryBackoff ?? { baseMs: 25, maxMs: 400 };
  const running = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const failure = error instanceof LambdaServiceError ? error : new LambdaServiceError('ServiceException', error instanceof Error ? error.message : String(error), 500);
      sendError(res, failure);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith(URL_PREFIX)) return serveFunctionUrl(req, res, url);
    if (!url.pathname.startsWith(API)) throw new LambdaServiceError('UnknownOperationException', `no Lambda operation at ${req.method} ${url.pathname}`, 404);
    const [encodedName, resource, encodedAlias, ...rest] = url.pathname.slice(API.length).split('/');
    if (encodedName === undefined || encodedName === '' || rest.length > 0) throw new LambdaServiceError('UnknownOperationException', `no Lambda operation at ${req.method} ${url.pathname}`, 404);
    const name = decodeURIComponent(encodedName);
    const alias = encodedAlias === undefined ? undefined : decodeURIComponent(encodedAlias);
    const method = req.method ?? 'GET';
    const qualifier = url.searchParams.get('Qualifier') ?? undefined;

    if (resource === 'invocations' && alias === undefined && method === 'POST') return invokeApi(req, res, name, qualifier);
    const body = await readLimited(req, SYNC_PAYLOAD_LIMIT);
    const input = method === 'GET' || method === 'DELETE' ? {} : parseJson(body);
    const route = `${method} ${resource ?? ''}${alias === undefined ? '' : '/{alias}'}`;
    switch (route) {
      case 'GET ':
        return sendJson(res, 200, { Configuration: versions.getConfiguration(name, qualifier), Code: { RepositoryType: 'S3', Location: '' } });
      case 'GET configuration':
        return sendJson(res, 200, versions.getConfiguration(name, qualifier));
      case 'PUT configuration':
        return sendJson(res, 200, versions.updateConfiguration(name, input as Parameters<LambdaVersions['updateConfiguration']>[1]));
      case 'GET versions':
        return sendJson(res, 200, page(versions.listVersions(name), url, 'Versions'));
      case 'POST versions': {
        const { Description, CodeSha256, RevisionId } = input as { Description?: string; CodeSha256?: string; RevisionId?: string };
        const published = versions.publishVersion(name, {
          ...(Description === undefined ? {} : { description: Description }),
          ...(CodeSha256 === undefined ? {} : { codeSha256: CodeSha256 }),
          ...(RevisionId === undefined ? {} : { revisionId: RevisionId }),
        });
        return sendJson(res, 201, published);
      }
      case 'GET aliases':
        return sendJson(res, 200, page(versions.listAliases(name, url.searchParams.get('FunctionVersion') ?? undefined), url, 'Aliases'));
      case 'POST aliases': {
        const { Name, FunctionVersion, Description, RoutingConfig } = input as { Name?: string; FunctionVersion?: string; Description?: string; RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> } };
        if (typeof Name !== 'string' || typeof FunctionVersion !== 'string') throw new LambdaServiceError('ValidationException', '1 validation error detected: Name and FunctionVersion are required', 400);
        const created = versions.createAlias(name, {
          name: Name,
          functionVersion: FunctionVersion,
          ...(Description === undefined ? {} : { description: Description }),
          ...(RoutingConfig === undefined ? {} : { routingConfig: RoutingConfig }),
        });
        return sendJson(res, 201, created);
      }
      case 'GET aliases/{alias}':
        return sendJson(res, 200, versions.getAlias(name, alias!));
      case 'PUT aliases/{alias}': {
        const { FunctionVersion, Description, RoutingConfig, RevisionId } = input as { FunctionVersion?: string; Description?: string; RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> }; RevisionId?: string };
        const updated = versions.updateAlias(name, alias!, {
          ...(FunctionVersion === undefined ? {} : { functionVersion: FunctionVersion }),
          ...(Description === undefined ? {} : { description: Description }),
          ...(RoutingConfig === undefined ? {} : { routingConfig: RoutingConfig }),
          ...(RevisionId === undefined ? {} : { revisionId: RevisionId }),
        });
        return sendJson(res, 200, updated);
      }
      case 'DELETE aliases/{alias}':
        versions.deleteAlias(name, alias!);
        res.writeHead(204, { 'x-amzn-requestid': randomUUID() });
        res.end();
        return;
      default:
        throw new LambdaServiceError('UnknownOperationException', `no Lambda operation at ${method} ${url.pathname}`, 404);
    }
  }

  async function invokeApi(req: IncomingMessage, res: ServerResponse, name: string, qualifier: string | undefined): Promise<void> {
    const type = header(req, 'x-amz-invocation-type') ?? 'RequestResponse';
    if (type !== 'RequestResponse' && type !== 'Event' && type !== 'DryRun') {
      throw new LambdaServiceError('InvalidParameterValueException', `Unsupported invocation type: ${type}`, 400);
    }
    const limit = type === 'Event' ? ASYNC_PAYLOAD_LIMIT : SYNC_PAYLOAD_LIMIT;
    const raw = await readLimited(req, limit, () => new LambdaServiceError('RequestTooLargeException', `Request must be smaller than ${limit} bytes for the InvokeFunction operation`, 413));
    // Lambda hands an empty payload to the function as {}.
    const payload = raw.length === 0 ? {} : parseJson(raw);
    const resolved = versions.resolve(name, qualifier);
    if (type === 'DryRun') {
      res.writeHead(204, { 'x-amzn-requestid': randomUUID() });
      res.end();
      return;
    }
    if (type === 'Event') {
      runAsync(resolved, payload);
      res.writeHead(202, { 'x-amzn-requestid': randomUUID(), 'content-length': 0 });
      res.end();
      return;
    }
    const outcome = await run(resolved, payload, 'invoke');
    const headers: Record<string, string> = { 'content-type': JSON_TYPE, 'x-amzn-requestid': outcome.requestId, 'x-amz-executed-version': resolved.executedVersion };
    const body = outcome.outcome === 'success' ? JSON.stringify(outcome.result ?? null) : JSON.stringify(errorPayload(outcome));
    if (outcome.outcome !== 'success') headers['x-amz-function-error'] = 'Unhandled';
    res.writeHead(200, { ...headers, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  async function serveFunctionUrl(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const [encodedName, encodedQualifier] = url.pathname.slice(URL_PREFIX.length).split('/');
    const name = decodeURIComponent(encodedName ?? '');
    const qualifier = decodeURIComponent(encodedQualifier ?? '');
    const requestId = randomUUID();
    // A Function URL belongs to $LATEST or to an alias, never to a numbered version.
    if (name === '' || qualifier === '' || /^[0-9]+$/.test(qualifier)) return sendUrlResponse(res, requestId, notFoundUrl(`no Function URL at ${url.pathname}`));
    let resolved: ResolvedInvocation;
    try {
      resolved = versions.resolve(name, qualifier === '$LATEST' ? undefined : qualifier);
    } catch (error) {
      if (error instanceof LambdaServiceError && error.status < 500) return sendUrlResponse(res, requestId, notFoundUrl(error.message));
      throw error;
    }
    let body: Buffer;
    try {
      body = await readBuffer(req, SYNC_PAYLOAD_LIMIT);
    } catch {
      return sendUrlResponse(res, requestId, { statusCode: 413, headers: { 'content-type': JSON_TYPE }, body: Buffer.from(JSON.stringify({ Message: 'Request Too Long' })) });
    }
    const below = url.pathname.slice(`${URL_PREFIX}${encodedName}/${encodedQualifier}`.length);
    const event = functionUrlEvent(
      {
        method: req.method ?? 'GET',
        path: `${below || '/'}${url.search}`,
        headers: req.headers,
        body,
        sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
        protocol: `HTTP/${req.httpVersion}`,
      },
      { accountId: options.account, region: options.region, urlId: functionUrlId(name, qualifier), requestId, time: new Date() },
    );
    const outcome = await run(resolved, event, 'function-url');
    sendUrlResponse(res, requestId, outcome.outcome === 'success' ? functionUrlResponse(outcome.result) : functionUrlErrorResponse());
  }

  async function run(resolved: ResolvedInvocation, payload: unknown, source: LambdaInvocationRecord['source']): Promise<InvocationOutcome> {
    const at = new Date();
    const outcome = await options.invoke(resolved.fn, payload);
    options.onInvocation?.({
      functionName: resolved.functionName,
      ...(resolved.qualifier === undefined ? {} : { qualifier: resolved.qualifier }),
      executedVersion: resolved.executedVersion,
      durationMs: outcome.durationMs,
      error: outcome.outcome !== 'success',
      at,
      source,
    });
    return outcome;
  }

  /** An Event invocation: Lambda retries a failed one asyncRetryAttempts times, with a backoff. */
  function runAsync(resolved: ResolvedInvocation, payload: unknown): void {
    const attempts = 1 + Math.max(0, resolved.fn.asyncRetryAttempts);
    const work = (async () => {
      let outcome: InvocationOutcome | undefined;
      for (let attempt = 1; attempt <= attempts && !stopped; attempt++) {
        if (attempt > 1) await delay(Math.min(backoff.maxMs, backoff.baseMs * 2 ** (attempt - 2)));
        if (stopped) return;
        outcome = await run(resolved, payload, 'event');
        if (outcome.outcome === 'success') return;
        if (attempt === attempts) {
          options.onAsyncFailure?.({ functionName: resolved.functionName, ...(resolved.qualifier === undefined ? {} : { qualifier: resolved.qualifier }), attempts, payload, outcome });
        }
      }
    })();
    running.add(work);
    void work.catch(() => {}).finally(() => running.delete(work));
  }

  function delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });
  }

  const listening = await listenLocal(server, host, options.port ?? 0);
  return {
    endpoint: listening.endpoint,
    port: listening.port,
    idle: async () => {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    stop: async () => {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await listening.stop();
    },
  };
}

/** The payload Lambda returns for an unhandled error: errorType, errorMessage and the Node runtime's trace. */
function errorPayload(outcome: Extract<InvocationOutcome, { outcome: 'error' | 'timeout' }>): Record<string, unknown> {
  const { errorType, errorMessage, stackTrace } = outcome.error;
  if (outcome.outcome === 'timeout') return { errorType, errorMessage: `RequestId: ${outcome.requestId} Error: ${errorMessage}` };
  return { errorType, errorMessage, trace: [`${errorType}: ${errorMessage}`, ...(stackTrace ?? []).map((line) => `    ${line}`)] };
}

/** MaxItems and Marker over a list (the marker is the index to continue from). */
function page<T>(items: T[], url: URL, key: string): Record<string, unknown> {
  const start = Number(url.searchParams.get('Marker') ?? '0') || 0;
  const max = Number(url.searchParams.get('MaxItems') ?? '50') || 50;
  const slice = items.slice(start, start + max);
  return { [key]: slice, ...(start + max < items.length ? { NextMarker: String(start + max) } : {}) };
}

function notFoundUrl(message: string): FunctionUrlHttpResponse {
  return { statusCode: 404, headers: { 'content-type': JSON_TYPE }, body: Buffer.from(JSON.stringify({ Message: message })) };
}

function sendUrlResponse(res: ServerResponse, requestId: string, response: FunctionUrlHttpResponse): void {
  res.writeHead(response.statusCode, { ...response.headers, 'x-amzn-requestid': requestId, 'content-length': response.body.length });
  res.end(response.body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(payload), 'x-amzn-requestid': randomUUID() });
  res.end(payload);
}

function sendError(res: ServerResponse, error: LambdaServiceError): void {
  const payload = JSON.stringify({ Type: error.status >= 500 ? 'Service' : 'User', message: error.message });
  res.writeHead(error.status, {
    'content-type': JSON_TYPE,
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': randomUUID(),
    'x-amzn-errortype': error.type,
  });
  res.end(payload);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.length === 0 ? '{}' : body.toString('utf8'));
  } catch (error) {
    throw new LambdaServiceError('InvalidRequestContentException', `Could not parse request body into json: ${error instanceof Error ? error.message : String(error)}`, 400);
  }
}

function readLimited(req: IncomingMessage, maxBytes: number, tooLarge?: () => LambdaServiceError): Promise<Buffer> {
  return readBuffer(req, maxBytes).catch((error: unknown) => {
    throw error instanceof TooLarge ? (tooLarge?.() ?? new LambdaServiceError('RequestTooLargeException', `Request must be smaller than ${maxBytes} bytes`, 413)) : error;
  });
}

class TooLarge extends Error {}

function readBuffer(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > maxBytes) {
        refused = true;
        chunks.length = 0;
        // Drain the rest so the error can still be answered on this connection.
        reject(new TooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!refused) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}
