import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The AWS JSON protocol (1.0 and 1.1) as the local service endpoints speak it to the real SDK clients: request bodies,
 * responses with a request id, and errors with `__type` and `x-amzn-errortype`, as AWS shapes them.
 */

export class AwsJsonError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

/** A request body; over `maxBytes` it is refused with 413 before it is all read. */
export function readBody(req: IncomingMessage, maxBytes = Number.POSITIVE_INFINITY): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new AwsJsonError('ValidationException', 'request too large', 413));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The JSON of a request body (an empty body is `{}`), or the SerializationException AWS answers. */
export function parseJsonBody(body: string): unknown {
  try {
    return JSON.parse(body === '' ? '{}' : body);
  } catch {
    throw new AwsJsonError('SerializationException', 'Start of structure or map found where not expected.');
  }
}

export function sendAwsJson(res: ServerResponse, contentType: string, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(payload), 'x-amzn-requestid': randomUUID() });
  res.end(payload);
}

export function sendAwsJsonError(res: ServerResponse, contentType: string, error: AwsJsonError): void {
  const payload = JSON.stringify({ __type: error.type, message: error.message });
  res.writeHead(error.status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': randomUUID(),
    'x-amzn-errortype': error.type,
  });
  res.end(payload);
}

/** Listens on host:port (0 for a free one) and gives the endpoint and a stop that closes open connections too. */
export async function listenLocal(server: Server, host: string, port = 0): Promise<{ endpoint: string; port: number; stop: () => Promise<void> }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://${host}:${bound}`,
    port: bound,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
