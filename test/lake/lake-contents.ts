import { DuckDBInstance } from '@duckdb/node-api';
import type { FileStore } from '../../src/lake/store.ts';

/** Every row of every Parquet file of the lake, as JSON text, keyed by lake key. */
export async function lakeContents(store: FileStore): Promise<Record<string, string>> {
  const keys = (await store.list('')).filter((key) => key.endsWith('.parquet'));
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const out: Record<string, string> = {};
    for (const key of keys) {
      const reader = await conn.runAndReadAll(`select * from read_parquet('${await store.localCopy(key)}')`);
      out[key] = JSON.stringify(reader.getRowObjectsJson());
    }
    return out;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
