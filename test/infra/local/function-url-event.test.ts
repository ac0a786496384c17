import { describe, expect, it } from 'vitest';
import { functionUrlErrorResponse, functionUrlEvent, functionUrlId, functionUrlResponse } from '../../../infra/local/function-url-event';

const context = {
  accountId: '123456789012',
  region: 'us-east-1',
  urlId: functionUrlId('finegate-canary-router', 'live'),
  requestId: 'c0ffee00-0000-4000-8000-000000000001',
  time: new Date('2025-03-12T19:03:58.390Z'),
};

describe('functionUrlEvent (payload format 2.0)', () => {
  it('builds the event Lambda sends for a JSON POST', () => {
    const body = JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] });
    const event = functionUrlEvent(
      {
        method: 'post',
        path: '/v1/chat?stream=false&tag=a&tag=b',
        headers: { 'Content-Type': 'application/json', 'user-agent': 'curl/8.5', 'x-multi': ['1', '2'], cookie: 'a=1; b=2', authorization: 'AWS4-HMAC-SHA256 whatever' },
        body: Buffer.from(body),
        sourceIp: '10.0.0.7',
      },
      context,
    );
    const domainName = `${context.urlId}.lambda-url.us-east-1.on.aws`;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/v1/chat',
      rawQueryString: 'stream=false&tag=a&tag=b',
      cookies: ['a=1', 'b=2'],
      queryStringParameters: { stream: 'false', tag: 'a,b' },
      requestContext: {
        accountId: '123456789012',
        apiId: context.urlId,
        domainName,
        domainPrefix: context.urlId,
        http: { method: 'POST', path: '/v1/chat', protocol: 'HTTP/1.1', sourceIp: '10.0.0.7', userAgent: 'curl/8.5' },
        requestId: context.requestId,
        routeKey: '$default',
        stage: '$default',
        time: '12/Mar/2025:19:03:58 +0000',
        timeEpoch: 1741806238390,
      },
      body,
      isBase64Encoded: false,
    });
    // Header names lower-cased, repeated values comma-joined, the cookie header moved to `cookies`, the host the URL's.
    expect(event.headers).toMatchObject({ 'content-type': 'application/json', 'x-multi': '1,2', host: domainName, 'x-forwarded-for': '10.0.0.7', authorization: 'AWS4-HMAC-SHA256 whatever' });
    expect(event.headers).not.toHaveProperty('cookie');
    expect(event.headers['x-amzn-trace-id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    expect(context.urlId).toMatch(/^[a-z]{32}$/);
  });

  it('omits what a bare GET does not have, and base64-encodes a binary body', () => {
    const get = functionUrlEvent({ method: 'GET', path: '/', headers: {}, body: Buffer.alloc(0), sourceIp: '127.0.0.1' }, context);
    expect(get.rawQueryString).toBe('');
    for (const key of ['body', 'cookies', 'queryStringParameters']) expect(get).not.toHaveProperty(key);
    expect(get.isBase64Encoded).toBe(false);

    const bytes = Buffer.from([0, 255, 1, 254]);
    const binary = functionUrlEvent({ method: 'PUT', path: '/blob', headers: { 'content-type': 'application/octet-stream' }, body: bytes, sourceIp: '127.0.0.1' }, context);
    expect(binary).toMatchObject({ isBase64Encoded: true, body: bytes.toString('base64') });
    const untypedText = functionUrlEvent({ method: 'POST', path: '/', headers: {}, body: Buffer.from('héllo'), sourceIp: '127.0.0.1' }, context);
    expect(untypedText).toMatchObject({ isBase64Encoded: false, body: 'héllo' });
  });
});

describe('functionUrlResponse', () => {
  it('maps a structured response: status, headers, cookies as set-cookie, base64 bodies decoded', () => {
    const out = functionUrlResponse({
      statusCode: 201,
      headers: { 'Content-Type': 'text/plain', 'X-Finegate-Cohort': 'candidate' },
      cookies: ['a=1; Max-Age=60', 'b=2'],
      body: Buffer.from('made').toString('base64'),
      isBase64Encoded: true,
    });
    expect(out.statusCode).toBe(201);
    expect(out.headers).toEqual({ 'content-type': 'text/plain', 'x-finegate-cohort': 'candidate', 'set-cookie': ['a=1; Max-Age=60', 'b=2'] });
    expect(out.body.toString()).toBe('made');
    const bare = functionUrlResponse({ statusCode: 204 });
    expect(bare).toMatchObject({ statusCode: 204, headers: { 'content-type': 'application/json' } });
    expect(bare.body.length).toBe(0);
  });

  it('infers the format for anything else: 200, application/json, the value as JSON (a string keeps its quotes)', () => {
    const string = functionUrlResponse('Hello, world!');
    expect(string).toMatchObject({ statusCode: 200, headers: { 'content-type': 'application/json' } });
    expect(string.body.toString()).toBe('"Hello, world!"');
    expect(functionUrlResponse({ message: 'hi' }).body.toString()).toBe('{"message":"hi"}');
    expect(functionUrlResponse(undefined).body.toString()).toBe('null');
    expect(functionUrlResponse([1, 2]).body.toString()).toBe('[1,2]');
  });

  it('answers 502 for a response Lambda cannot read, as for a function error', () => {
    const expected = { statusCode: 502, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"Message":"Internal Server Error"}') };
    expect(functionUrlResponse({ statusCode: 'teapot' })).toEqual(expected);
    expect(functionUrlResponse({ statusCode: 99 })).toEqual(expected);
    expect(functionUrlResponse({ statusCode: 200, cookies: 'a=1' })).toEqual(expected);
    expect(functionUrlErrorResponse()).toEqual(expected);
  });
});
