import { existsSync, statSync } from 'node:fs';
import { DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import { ConfigError, DatabaseError, errorMessage } from '../common/errors.ts';
import type { Settings } from '../config/settings.ts';

export type Params = Record<string, string | number>;

/** Read-only access to the built marts for the serving process. */
export interface WarehouseReader {
  readonly location: string;
  /** Rows of one read-only query; `null` when no warehouse has been built yet. */
  query<T extends Record<string, unknown>>(statement: string, params?: Params): Promise<T[] | null>;
  /** Changes whenever a build has written the warehouse (cached answers older than it are stale). */
  version(): string;
  close(): Promise<void>;
}

const plain = (value: unknown) => (typeof value === 'bigint' ? Number(value) : value);

/**
 * The DuckDB file opened READ_ONLY only while queries are in flight (reference-counted), so the
 * pipeline — in another process or later in this one — can open it for writing between requests.
 * The API's response cache keeps the reopening rare.
 */
class DuckDbReader implements WarehouseReader {
  private open: Promise<DuckDBInstance> | null = null;
  private users = 0;

  constructor(readonly location: string) {}

  async query<T extends Record<string, unknown>>(statement: string, params?: Params): Promise<T[] | null> {
    if (!existsSync(this.location)) return null;
    this.users += 1;
    try {
      this.open ??= DuckDBInstance.create(this.location, { access_mode: 'READ_ONLY' });
      const conn = await (await this.open).connect();
      try {
        const reader = await conn.runAndReadAll(statement, params as Record<string, DuckDBValue>);
        return reader
          .getRowObjectsJS()
          .map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plain(v)])) as T);
      } finally {
        conn.closeSync();
      }
    } catch (error) {
      const message = errorMessage(error);
      // A file without the marts is a warehouse not built yet, not a failure.
      if (/Catalog Error: Table with name/.test(message)) return null;
      throw new DatabaseError(`Cannot read the warehouse ${this.location}: ${message}`);
    } finally {
      this.users -= 1;
      if (this.users === 0) await this.release();
    }
  }

  version() {
    const mtime = (file: string) => statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    return `${mtime(this.location)}:${mtime(`${this.location}.wal`)}`;
  }

  private async release() {
    const open = this.open;
    this.open = null;
    if (open) (await open.catch(() => null))?.closeSync();
  }

  async close() {
    if (this.users === 0) await this.release();
  }
}

/** The one accessor the API uses for the warehouse named by `WAREHOUSE_URL`. */
export function openWarehouseReader(settings: Pick<Settings, 'warehouseUrl'>): WarehouseReader {
  const url = new URL(settings.warehouseUrl);
  if (url.protocol !== 'duckdb:') {
    throw new ConfigError(
      `WAREHOUSE_URL "${settings.warehouseUrl}": only duckdb:// warehouses can be served in this build`,
    );
  }
  return new DuckDbReader(decodeURIComponent(`${url.host}${url.pathname}`));
}
