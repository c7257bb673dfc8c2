import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClientOptions, Client as ClientType } from '@elastic/elasticsearch';
import type { DestinationStream } from 'pino';
import type { DestinationStream as BulkStream, Options } from 'pino-elasticsearch';

// Required only when shipping is on: the Elasticsearch client costs every command ~0.3 s to load.
const require = createRequire(import.meta.url);

export interface LogShipper {
  stream: DestinationStream;
  /** Sends what is left; gives up after the timeout. Never throws. */
  close(): Promise<void>;
}

/**
 * Ships every log record to an Elasticsearch (or OpenSearch) node through pino-elasticsearch, the
 * pino transport maintained by the pino team, by the bulk API. It runs in-process so the last
 * flush can be bounded: a receiver that is down or never answers costs at most `timeoutMs` per
 * request and at exit, and never fails the command (its errors are dropped, not logged, which would
 * feed them back into the shipper).
 */
export function logShipper(url: string, timeoutMs: number): LogShipper {
  const { Client } = require('@elastic/elasticsearch') as { Client: typeof ClientType };
  const pinoElasticsearch: unknown = require('pino-elasticsearch');
  const clients: ClientType[] = [];
  class ShipClient extends Client {
    constructor(options: ClientOptions) {
      super({ ...options, requestTimeout: timeoutMs, maxRetries: 0 });
      clients.push(this);
    }
  }
  // Its second argument (the client class) is real but missing from its type declarations.
  const ship = pinoElasticsearch as unknown as (
    options: Options,
    deps: { Client: typeof ClientType },
  ) => BulkStream;
  const stream = ship(
    { node: url, index: 'gourmand-logs-%{DATE}', esVersion: 8, flushBytes: 256 * 1024, flushInterval: 2000 },
    { Client: ShipClient },
  );
  const ended = new Promise<void>((resolve) => {
    stream.on('insert', () => resolve());
    stream.on('error', () => resolve());
  });
  stream.on('insertError', () => {});
  stream.on('unknown', () => {});
  return {
    stream,
    async close() {
      stream.end();
      const timer = new AbortController();
      await Promise.race([ended, sleep(timeoutMs, undefined, { signal: timer.signal }).catch(() => {})]);
      timer.abort();
      await Promise.all(clients.map((client) => client.close().catch(() => {})));
    },
  };
}
