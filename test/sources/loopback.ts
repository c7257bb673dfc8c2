import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type HttpOptions, SourceHttp } from '../../src/sources/http.ts';

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

/** A small HTTP server on 127.0.0.1, port 0; `close` also drops connections held open on purpose. */
export async function loopback(handler: Handler): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => handler(req, res, new URL(req.url ?? '/', 'http://x')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

export function yelpError(res: ServerResponse, status: number, code: string) {
  sendJson(res, status, { error: { code, description: `${code} description` } });
}

/** A client with fast retries for tests. */
export function testHttp(baseUrl: string, options: Partial<HttpOptions> = {}) {
  return new SourceHttp({
    name: 'test',
    baseUrl,
    concurrency: 4,
    ratePerSecond: Number.POSITIVE_INFINITY,
    timeoutMs: 2000,
    maxAttempts: 4,
    backoffMs: 1,
    ...options,
  });
}
