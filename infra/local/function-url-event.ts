import { createHash } from 'node:crypto';
import type { LambdaFunctionURLEvent } from 'aws-lambda';

/*
 * A Lambda Function URL in both directions, payload format 2.0: the HTTP request becomes the event the function
 * receives, and what the function returns becomes the HTTP response, as Lambda maps them
 * (https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads). Pure: no I/O.
 */

export interface FunctionUrlRequest {
  method: string;
  /** Path and query below the function URL's root, e.g. `/v1/chat?stream=false`. */
  path: string;
  /** As node:http gives them: repeated headers as arrays, `set-cookie` included. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  sourceIp: string;
  /** `HTTP/1.1` unless told. */
  protocol?: string;
}

export interface FunctionUrlContext {
  accountId: string;
  region: string;
  /** The URL id: the first label of `<url-id>.lambda-url.<region>.on.aws`. */
  urlId: string;
  requestId: string;
  time: Date;
}

export interface FunctionUrlHttpResponse {
  statusCode: number;
  /** Lower-cased names; `set-cookie` carries every cookie the function returned. */
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** The id Lambda would give a function URL: 32 lower-case characters, stable for one function and qualifier. */
export function functionUrlId(functionName: string, qualifier: string): string {
  return createHash('sha256').update(`${functionName}:${qualifier}`).digest('hex').slice(0, 32).replace(/[0-9]/g, (d) => String.fromCharCode(97 + Number(d)));
}

export function functionUrlEvent(request: FunctionUrlRequest, context: FunctionUrlContext): LambdaFunctionURLEvent {
  const queryAt = request.path.indexOf('?');
  const rawPath = normalisePath(queryAt < 0 ? request.path : request.path.slice(0, queryAt));
  const rawQueryString = queryAt < 0 ? '' : request.path.slice(queryAt + 1);
  const headers: Record<string, string> = {};
  let cookies: string[] = [];
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    // The Cookie header becomes the `cookies` list, one entry per cookie, and leaves the headers.
    if (key === 'cookie') {
      cookies = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(';')).map((c) => c.trim()).filter((c) => c.length > 0);
      continue;
    }
    headers[key] = Array.isArray(value) ? value.join(',') : value;
  }
  const domainName = `${context.urlId}.lambda-url.${context.region}.on.aws`;
  headers.host = domainName;
  headers['x-forwarded-for'] ??= request.sourceIp;
  headers['x-forwarded-proto'] ??= 'https';
  headers['x-forwarded-port'] ??= '443';
  headers['x-amzn-trace-id'] ??= traceId(context.time, context.requestId);
  const queryStringParameters = parseQuery(rawQueryString);
  const binary = request.body.length > 0 && isBinary(headers['content-type'], request.body);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(queryStringParameters === undefined ? {} : { queryStringParameters }),
    requestContext: {
      accountId: context.accountId,
      apiId: context.urlId,
      domainName,
      domainPrefix: context.urlId,
      http: {
        method: request.method.toUpperCase(),
        path: rawPath,
        protocol: request.protocol ?? 'HTTP/1.1',
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: context.requestId,
      routeKey: '$default',
      stage: '$default',
      time: clfTime(context.time),
      timeEpoch: context.time.getTime(),
    },
    ...(request.body.length > 0 ? { body: binary ? request.body.toString('base64') : request.body.toString('utf8') } : {}),
    isBase64Encoded: binary,
  };
}

/**
 * The HTTP response for what the function returned. An object with a `statusCode` is a response (headers, cookies,
 * body, isBase64Encoded); any other value is the body, JSON-serialised, with 200 and application/json, which is
 * how Lambda infers the format. A structured response Lambda cannot read is a 502, as is a function error.
 */
export function functionUrlResponse(result: unknown): FunctionUrlHttpResponse {
  if (typeof result !== 'object' || result === null || Array.isArray(result) || !('statusCode' in result)) {
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(result ?? null)) };
  }
  const response = result as { statusCode: unknown; headers?: unknown; body?: unknown; isBase64Encoded?: unknown; cookies?: unknown };
  const status = typeof response.statusCode === 'string' ? Number(response.statusCode) : response.statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) return functionUrlErrorResponse();
  const headers: Record<string, string | string[]> = {};
  if (response.headers !== undefined && response.headers !== null) {
    if (typeof response.headers !== 'object') return functionUrlErrorResponse();
    for (const [name, value] of Object.entries(response.headers)) {
      if (value === undefined || value === null) continue;
      headers[name.toLowerCase()] = String(value);
    }
  }
  headers['content-type'] ??= 'application/json';
  if (response.cookies !== undefined && response.cookies !== null) {
    if (!Array.isArray(response.cookies)) return functionUrlErrorResponse();
    headers['set-cookie'] = response.cookies.map(String);
  }
  let body: Buffer;
  if (response.body === undefined || response.body === null) body = Buffer.alloc(0);
  else if (typeof response.body === 'string') body = response.isBase64Encoded === true ? Buffer.from(response.body, 'base64') : Buffer.from(response.body);
  else body = Buffer.from(JSON.stringify(response.body));
  return { statusCode: status, headers, body };
}

/** What the caller of a Function URL sees when the function failed or timed out. */
export function functionUrlErrorResponse(): FunctionUrlHttpResponse {
  return { statusCode: 502, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ Message: 'Internal Server Error' })) };
}

function normalisePath(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}

/** Repeated parameters are joined with commas, as in payload format 2.0; undefined when there is no query. */
function parseQuery(raw: string): Record<string, string> | undefined {
  if (raw === '') return undefined;
  const parameters: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    parameters[key] = key in parameters ? `${parameters[key]},${value}` : value;
  }
  return parameters;
}

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|graphql|yaml|x-yaml|ld\+json|[a-z0-9.+-]*\+(json|xml)))/i;

/** A body is passed base64-encoded unless its content type is textual (or, untyped, it is valid UTF-8). */
function isBinary(contentType: string | undefined, body: Buffer): boolean {
  if (contentType !== undefined) return !TEXT_TYPES.test(contentType.trim());
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(body);
    return false;
  } catch {
    return true;
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The request time as Lambda writes it: 07/Sep/2021:22:50:22 +0000. */
function clfTime(time: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(time.getUTCDate())}/${MONTHS[time.getUTCMonth()]}/${time.getUTCFullYear()}:${two(time.getUTCHours())}:${two(time.getUTCMinutes())}:${two(time.getUTCSeconds())} +0000`;
}

function traceId(time: Date, requestId: string): string {
  const epoch = Math.floor(time.getTime() / 1000).toString(16).padStart(8, '0');
  return `Root=1-${epoch}-${createHash('sha256').update(requestId).digest('hex').slice(0, 24)}`;
}
