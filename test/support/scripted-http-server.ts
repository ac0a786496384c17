import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query as received (still percent-encoded). */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** The body as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface ScriptedReply {
  status: number;
  headers?: Record<string, string>;
  /** Sent as JSON unless it is a string. */
  body?: unknown;
  /** Wait this long before replying (a slow server); a client that gives up first closes the stream. */
  delayMs?: number;
}

export interface ScriptedServerOptions {
  /** Speak HTTP/2 in cleartext (prior knowledge), as the AWS SDK's HTTP/2 handler does; HTTP/1.1 otherwise. */
  http2?: boolean;
}

export interface ScriptedServer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** The most requests the server held unanswered at once. */
  readonly peakInFlight: number;
  close(): Promise<void>;
}

type Request = IncomingMessage | Http2ServerRequest;
type Response = ServerResponse | Http2ServerResponse;

/**
 * A real HTTP server on a free loopback port that answers each request with what `reply` returns for it (given
 * the request and its 0-based index), recording every request. Model adapters are tested through their real SDK
 * clients against it.
 */
export async function startScriptedServer(
  reply: (request: RecordedRequest, index: number) => ScriptedReply,
  options: ScriptedServerOptions = {},
): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let inFlight = 0;
  let peakInFlight = 0;

  const handle = (req: Request, res: Response): void => {
    inFlight++;
    peakInFlight = Math.max(peakInFlight, inFlight);
    let open = true;
    res.on('close', () => {
      open = false;
      inFlight--;
    });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const recorded: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, json };
      const index = requests.push(recorded) - 1;
      const scripted = reply(recorded, index);
      const send = (): void => {
        if (!open) return;
        const payload = typeof scripted.body === 'string' ? scripted.body : scripted.body === undefined ? '' : JSON.stringify(scripted.body);
        // The HTTP/2 compatibility response has the same writeHead/end as HTTP/1.1's.
        const out = res as ServerResponse;
        out.writeHead(scripted.status, { 'content-type': 'application/json', ...scripted.headers });
        out.end(payload);
      };
      if (scripted.delayMs) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          send();
        }, scripted.delayMs);
        timers.add(timer);
      } else send();
    });
  };

  let closeServer: () => Promise<void>;
  let address: AddressInfo;
  if (options.http2) {
    const sessions = new Set<Http2Session>();
    const server = createHttp2Server(handle);
    server.on('session', (session) => {
      sessions.add(session);
      session.on('close', () => sessions.delete(session));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = server.address() as AddressInfo;
    closeServer = async () => {
      for (const s of sessions) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
  } else {
    const server = createServer(handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = server.address() as AddressInfo;
    closeServer = async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
  }

  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    get peakInFlight() {
      return peakInFlight;
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      await closeServer();
    },
  };
}
