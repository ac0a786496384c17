import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/*
 * A reverse proxy between the real SDK clients and a local service (the S3 server, DynamoDB Local, EventBridge, a
 * model server). Point a client's endpoint at `url` and every request is forwarded unchanged (Host header included,
 * so SigV4 signatures still verify) unless a rule matches it; a matching rule answers instead with the error the
 * real service sends when it throttles or fails, resets the connection, holds it, or delays it.
 */

/** The error a faulted request gets, as the real service would send it. */
export type Fault =
  /** S3's 503 SlowDown, XML body (HEAD gets the status alone, as S3 sends it). */
  | { kind: 's3-slowdown' }
  /** DynamoDB's 400 ProvisionedThroughputExceededException, AWS JSON 1.0. */
  | { kind: 'dynamodb-throughput-exceeded' }
  /** 400 ThrottlingException in AWS JSON (DynamoDB control plane, EventBridge, Step Functions, Bedrock…). */
  | { kind: 'aws-json-throttling' }
  /** 500 InternalFailure in AWS JSON. */
  | { kind: 'aws-json-internal-error' }
  /** An OpenAI-style 429 with Retry-After (seconds) and retry-after-ms. */
  | { kind: 'rate-limited'; retryAfterMs: number }
  /** Any status and body (an OpenAI-style error body when none is given). */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** The connection is destroyed before any response byte: ECONNRESET at the client. */
  | { kind: 'reset' }
  /** Forwarded after a delay. */
  | { kind: 'latency'; ms: number }
  /** Never answered until the proxy closes: what a request in flight at a Lambda timeout sees. */
  | { kind: 'hang' };

export interface RequestFacts {
  method: string;
  /** Path and query as received. */
  url: string;
  /** X-Amz-Target (AWS JSON protocols): `DynamoDB_20120810.PutItem`, `AWSEvents.PutEvents`… */
  target?: string;
  /** The request body as text (bodies are buffered: they are small in tests). */
  body: string;
}

export interface FaultRule {
  /** A label for the log; defaults to the fault's kind. */
  name?: string;
  method?: string;
  /** Matched against the path and query. */
  path?: RegExp;
  /** Matched against X-Amz-Target (a string must equal its operation suffix, e.g. `PutItem`). */
  target?: RegExp | string;
  /** Matched against the body text. */
  body?: RegExp;
  /** Any further condition. */
  when?: (request: RequestFacts) => boolean;
  /** Matching requests let through before the first fault. @default 0 */
  skip?: number;
  /** How many matching requests are faulted; then the rule passes everything. @default unlimited */
  times?: number;
  fault: Fault;
}

export interface ProxiedRequest {
  /** When the request was received (ms since the epoch). */
  at: number;
  method: string;
  url: string;
  target?: string;
  /** The rule that faulted it, if any. */
  fault?: string;
  /** The status the client got (undefined for a reset or a hang). */
  status?: number;
}

export interface ActiveRule {
  readonly rule: FaultRule;
  /** Requests the rule matched (faulted or let through by `skip`/`times`). */
  readonly matched: number;
  /** Requests the rule faulted. */
  readonly faulted: number;
  /** Stops the rule. */
  remove(): void;
}

export interface FaultProxy {
  /** http://127.0.0.1:<port>, to use as the client's endpoint. */
  readonly url: string;
  readonly requests: readonly ProxiedRequest[];
  /** Adds a rule; rules are tried in the order added, the first matching one with faults left applies. */
  add(rule: FaultRule): ActiveRule;
  /** Removes every rule and releases held requests (their connections are destroyed). */
  clear(): void;
  close(): Promise<void>;
}

interface RuleState {
  rule: FaultRule;
  matched: number;
  faulted: number;
  removed: boolean;
}

export async function startFaultProxy(targetEndpoint: string): Promise<FaultProxy> {
  const target = new URL(targetEndpoint);
  const rules: RuleState[] = [];
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const held = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const facts: RequestFacts = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        ...(typeof req.headers['x-amz-target'] === 'string' ? { target: req.headers['x-amz-target'] } : {}),
        body: body.toString('utf8'),
      };
      const record: ProxiedRequest = { at: Date.now(), method: facts.method, url: facts.url, ...(facts.target ? { target: facts.target } : {}) };
      requests.push(record);
      const state = pick(rules, facts);
      if (!state) return forward(req, body, res, record);
      record.fault = state.rule.name ?? state.rule.fault.kind;
      applyFault(state.rule.fault, facts, req, body, res, record);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  function forward(req: IncomingMessage, body: Buffer, res: ServerResponse, record: ProxiedRequest): void {
    const headers: IncomingHttpHeaders = { ...req.headers };
    // The body was buffered whole: send it with its length, whatever framing the client chose.
    delete headers['transfer-encoding'];
    headers['content-length'] = String(body.length);
    const upstream = httpRequest(
      { protocol: target.protocol, hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers },
      (answer) => {
        record.status = answer.statusCode;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('error', () => res.destroy());
      },
    );
    upstream.on('error', () => res.destroy());
    upstream.end(body);
  }

  function applyFault(fault: Fault, facts: RequestFacts, req: IncomingMessage, body: Buffer, res: ServerResponse, record: ProxiedRequest): void {
    const send = (status: number, headers: Record<string, string>, payload: string) => {
      record.status = status;
      const bodyless = facts.method === 'HEAD';
      res.writeHead(status, { ...headers, 'content-length': String(bodyless ? 0 : Buffer.byteLength(payload)) });
      res.end(bodyless ? undefined : payload);
    };
    const requestId = randomUUID();
    switch (fault.kind) {
      case 's3-slowdown':
        return send(503, { 'content-type': 'application/xml', 'x-amz-request-id': requestId }, s3Error('SlowDown', 'Please reduce your request rate.', requestId));
      case 'dynamodb-throughput-exceeded':
        return send(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId }, JSON.stringify({
          __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
          message: 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
        }));
      case 'aws-json-throttling':
        return send(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId, 'x-amzn-errortype': 'ThrottlingException' }, JSON.stringify({
          __type: 'ThrottlingException',
          message: 'Rate exceeded',
        }));
      case 'aws-json-internal-error':
        return send(500, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId, 'x-amzn-errortype': 'InternalFailure' }, JSON.stringify({
          __type: 'InternalFailure',
          message: 'The request processing has failed because of an unknown error, exception or failure.',
        }));
      case 'rate-limited':
        return send(429, { 'content-type': 'application/json', 'retry-after': String(Math.ceil(fault.retryAfterMs / 1000)), 'retry-after-ms': String(fault.retryAfterMs) }, JSON.stringify({
          error: { message: 'Rate limit reached for requests. Please try again later.', type: 'requests', param: null, code: 'rate_limit_exceeded' },
        }));
      case 'status':
        return send(fault.status, { 'content-type': 'application/json', ...fault.headers }, fault.body ?? JSON.stringify({
          error: { message: `upstream answered ${fault.status}`, type: 'server_error', param: null, code: null },
        }));
      case 'reset':
        req.socket.destroy();
        return;
      case 'latency': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          forward(req, body, res, record);
        }, fault.ms);
        timers.add(timer);
        return;
      }
      case 'hang':
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    add(rule) {
      const state: RuleState = { rule, matched: 0, faulted: 0, removed: false };
      rules.push(state);
      return {
        rule,
        get matched() {
          return state.matched;
        },
        get faulted() {
          return state.faulted;
        },
        remove: () => {
          state.removed = true;
        },
      };
    },
    clear() {
      for (const state of rules) state.removed = true;
      rules.length = 0;
      for (const res of held) res.destroy();
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const res of held) res.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The first rule that matches and still has faults to give; counts the match on every matching rule it passes. */
function pick(rules: RuleState[], facts: RequestFacts): RuleState | undefined {
  for (const state of rules) {
    if (state.removed || !matches(state.rule, facts)) continue;
    const index = state.matched++;
    const skip = state.rule.skip ?? 0;
    if (index < skip) continue;
    if (state.rule.times !== undefined && state.faulted >= state.rule.times) continue;
    state.faulted++;
    return state;
  }
  return undefined;
}

function matches(rule: FaultRule, facts: RequestFacts): boolean {
  if (rule.method !== undefined && rule.method.toUpperCase() !== facts.method.toUpperCase()) return false;
  if (rule.path !== undefined && !rule.path.test(facts.url)) return false;
  if (rule.target !== undefined) {
    if (facts.target === undefined) return false;
    if (typeof rule.target === 'string' ? facts.target.split('.').pop() !== rule.target : !rule.target.test(facts.target)) return false;
  }
  if (rule.body !== undefined && !rule.body.test(facts.body)) return false;
  if (rule.when !== undefined && !rule.when(facts)) return false;
  return true;
}

function s3Error(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId><HostId>${requestId}</HostId></Error>`;
}
