import { createServer } from 'node:net';

/**
 * A TCP port that was free a moment ago, for servers that must be told their port up front (DynamoDB Local).
 * Servers we run in-process listen on port 0 instead, which cannot race.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not obtain a free port'))));
    });
  });
}
