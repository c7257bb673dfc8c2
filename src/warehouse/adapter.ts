import { ConfigError } from '../common/errors.ts';
import type { Settings } from '../config/settings.ts';
import { BigQueryAdapter } from './bigquery.ts';
import { DuckDbAdapter } from './duckdb.ts';

/** How a table is laid out where the engine cares (BigQuery); DuckDB ignores it. */
export interface TableLayout {
  /** A date column to partition by. */
  partitionBy?: string;
  clusterBy?: readonly string[];
}

/**
 * Everything dialect-specific the runner and the models need. Models only use portable SQL plus
 * the macros below, so a BigQuery adapter is a new class here, not a change to any model.
 */
export interface WarehouseAdapter {
  readonly kind: string;
  readonly location: string;
  exec(statement: string): Promise<void>;
  query<T extends Record<string, unknown>>(statement: string): Promise<T[]>;
  /** `schema.name`, quoted for this dialect. */
  relation(schema: string, name: string): string;
  ensureSchema(schema: string): Promise<void>;
  /** Whether a table (not a view) of that name exists. */
  tableExists(schema: string, name: string): Promise<boolean>;
  /** The tables (not views) of a schema, in one query: for callers that would ask tableExists in a loop. */
  tablesIn(schema: string): Promise<Set<string>>;
  /** Runs `fn` in one transaction: all of it is visible or none of it. */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /** `create or replace table relation as select`: the old table stays readable until the swap. */
  replaceTable(relation: string, select: string, layout?: TableLayout): Promise<void>;
  replaceView(relation: string, select: string): Promise<void>;
  /** The statements `replaceTable`/`replaceView` run (what `warehouse compile` prints). */
  replaceTableSql(relation: string, select: string, layout?: TableLayout): string;
  replaceViewSql(relation: string, select: string): string;
  /** Statements that replace the target's rows whose `keys` occur in `batch`, then add the batch's rows. */
  mergeSql(target: string, batch: string, keys: readonly string[]): string[];
  /** A statement as this engine runs it (portable helper SQL rewritten to the dialect). */
  render(statement: string): string;
  /** Inserts the select's rows, matching columns by name. */
  insertByName(relation: string, select: string): Promise<void>;
  /** `alias.*` without the given columns. */
  starExcept(alias: string, columns: readonly string[]): string;
  /** A relation over Parquet files (local paths), with a `dt` column set to `extractDate`. */
  readParquet(files: readonly string[], extractDate: string): string;
  /** Macros models may call as `{{ name(args) }}`; each returns SQL text. */
  readonly macros: Readonly<Record<string, (...args: string[]) => string>>;
  close(): Promise<void>;
}

export async function openWarehouse(
  settings: Pick<Settings, 'warehouseUrl' | 'bigqueryMaxBytesBilled' | 'bigqueryLocation'>,
): Promise<WarehouseAdapter> {
  const url = new URL(settings.warehouseUrl);
  if (url.protocol === 'duckdb:') {
    const file = decodeURIComponent(`${url.host}${url.pathname}`);
    if (!file)
      throw new ConfigError(
        `Invalid WAREHOUSE_URL "${settings.warehouseUrl}": expected duckdb:///path/file.duckdb`,
      );
    return DuckDbAdapter.open(file === '/:memory:' ? ':memory:' : file);
  }
  if (url.protocol === 'bigquery:') return BigQueryAdapter.open(settings.warehouseUrl, settings);
  throw new ConfigError(
    `Invalid WAREHOUSE_URL "${settings.warehouseUrl}": expected duckdb:///path/file.duckdb or bigquery://project/dataset`,
  );
}

/** Opens the warehouse for the duration of `fn`, closing it whatever happens. */
export async function withWarehouse<T>(
  settings: Parameters<typeof openWarehouse>[0],
  fn: (adapter: WarehouseAdapter) => Promise<T>,
): Promise<T> {
  const adapter = await openWarehouse(settings);
  try {
    return await fn(adapter);
  } finally {
    await adapter.close();
  }
}
