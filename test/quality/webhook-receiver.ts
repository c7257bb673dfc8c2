import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A webhook receiver on loopback that answers with the given status codes in turn (then 200). */
export interface WebhookReceiver {
  url: string;
  /** Every request body received, parsed, with the status answered. */
  requests: { status: number; body: { text: string; blocks: unknown[] } }[];
  /** The bodies answered with 2xx: the alerts actually delivered. */
  delivered(): { text: string; blocks: unknown[] }[];
  close(): Promise<void>;
}

export async function startReceiver(statuses: number[] = []): Promise<WebhookReceiver> {
  const queue = [...statuses];
  const requests: WebhookReceiver['requests'] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => {
      raw += chunk.toString();
    });
    req.on('end', () => {
      const status = queue.shift() ?? 200;
      requests.push({ status, body: JSON.parse(raw) });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'boom');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    delivered: () => requests.filter((r) => r.status >= 200 && r.status < 300).map((r) => r.body),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A URL on loopback where nothing listens (a port just released). */
export async function unreachableUrl(): Promise<string> {
  const receiver = await startReceiver();
  await receiver.close();
  return receiver.url;
}
