import type { FastifyInstance } from 'fastify';
import type { Logger } from '../common/logger.ts';
import type { Settings } from '../config/settings.ts';
import type { SourceDatabase } from '../oltp/database.ts';
import { buildApp } from './app.ts';
import { createCache } from './cache/index.ts';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  /** Stops accepting requests, finishes those in flight, closes the cache. */
  close(): Promise<void>;
}

/** Builds the app over its own cache and listens; the caller owns the database. */
export async function startServer(options: {
  settings: Settings;
  database: SourceDatabase;
  log: Logger;
  host?: string;
  port?: number;
}): Promise<RunningServer> {
  const { settings, database, log } = options;
  const cache = await createCache(settings, log);
  const app = await buildApp({ settings, database, cache, log });
  try {
    const url = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? settings.port });
    log.info(
      { url, cache: cache.kind, database: database.location },
      `API listening on ${url} (docs at ${url}/docs)`,
    );
    return {
      app,
      url,
      async close() {
        await app.close();
        await cache.close();
      },
    };
  } catch (error) {
    await app.close();
    await cache.close();
    throw error;
  }
}
