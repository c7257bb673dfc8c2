import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { WarehouseAdapter } from '../../src/warehouse/adapter.ts';
import { DuckDbAdapter } from '../../src/warehouse/duckdb.ts';

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `gourmand-${prefix}-`));
}

export async function openTempWarehouse(): Promise<DuckDbAdapter> {
  return DuckDbAdapter.open(path.join(tempDir('wh'), 'warehouse.duckdb'));
}

/** Every table and view the build made (not the lake copy or bookkeeping), as sorted JSON rows. */
export async function dumpWarehouse(adapter: WarehouseAdapter): Promise<Record<string, string>> {
  const relations = await adapter.query<{ s: string; t: string }>(
    `select table_schema as s, table_name as t from information_schema.tables
     where table_schema in ('staging', 'intermediate', 'marts', 'snapshots') order by 1, 2`,
  );
  const out: Record<string, string> = {};
  for (const { s, t } of relations) {
    const rows = await adapter.query(`select * from ${adapter.relation(s, t)} order by all`);
    out[`${s}.${t}`] = JSON.stringify(rows, (_, v) => (typeof v === 'bigint' ? Number(v) : v));
  }
  return out;
}
