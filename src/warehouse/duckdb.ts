import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { DatabaseError, errorMessage } from '../common/errors.ts';
import { acquireLock, type ProcessLock } from '../common/process-lock.ts';
import { quoteIdent, quoteLiteral } from '../common/sql-quote.ts';
import type { WarehouseAdapter } from './adapter.ts';

/** Plain JS values: bigints become numbers (counts and ids fit a double), the rest as DuckDB gives them. */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  return value;
}

/** The embedded warehouse: one DuckDB file, one connection (DuckDB serialises writers anyway). */
export class DuckDbAdapter implements WarehouseAdapter {
  readonly kind = 'duckdb';

  private constructor(
    readonly location: string,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly lock?: ProcessLock,
  ) {}

  static async open(file: string): Promise<DuckDbAdapter> {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    // DuckDB allows one writer process; the lock names it instead of a bare "could not set lock".
    const lock =
      file === ':memory:'
        ? undefined
        : acquireLock(
            file,
            `The DuckDB warehouse ${file}`,
            'wait for it to finish or stop it, then try again',
          );
    try {
      const instance = await DuckDBInstance.create(file);
      const conn = await instance.connect();
      // A daily build rewrites a few tables; checkpoint at close rather than in the middle of it.
      await conn.run("set checkpoint_threshold = '1GB'");
      return new DuckDbAdapter(file, instance, conn, lock);
    } catch (error) {
      lock?.release();
      throw new DatabaseError(`Cannot open the DuckDB warehouse ${file}: ${errorMessage(error)}`);
    }
  }

  async exec(statement: string) {
    await this.conn.run(statement);
  }

  async query<T extends Record<string, unknown>>(statement: string): Promise<T[]> {
    const reader = await this.conn.runAndReadAll(statement);
    return reader
      .getRowObjectsJS()
      .map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plain(v)])) as T);
  }

  relation(schema: string, name: string) {
    return `${quoteIdent(schema)}.${quoteIdent(name)}`;
  }

  async ensureSchema(schema: string) {
    await this.exec(`create schema if not exists ${quoteIdent(schema)}`);
  }

  async tableExists(schema: string, name: string) {
    const rows = await this.query<{ n: number }>(
      `select count(*) as n from duckdb_tables()
       where schema_name = ${quoteLiteral(schema)} and table_name = ${quoteLiteral(name)}`,
    );
    return rows[0]!.n > 0;
  }

  async tablesIn(schema: string) {
    const rows = await this.query<{ name: string }>(
      `select table_name as name from duckdb_tables() where schema_name = ${quoteLiteral(schema)}`,
    );
    return new Set(rows.map((row) => row.name));
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.exec('begin transaction');
    try {
      const result = await fn();
      await this.exec('commit');
      return result;
    } catch (error) {
      await this.exec('rollback').catch(() => {});
      throw error;
    }
  }

  replaceTableSql(relation: string, select: string) {
    return `create or replace table ${relation} as\n${select}`;
  }

  replaceViewSql(relation: string, select: string) {
    return `create or replace view ${relation} as\n${select}`;
  }

  async replaceTable(relation: string, select: string) {
    await this.exec(this.replaceTableSql(relation, select));
  }

  async replaceView(relation: string, select: string) {
    await this.exec(this.replaceViewSql(relation, select));
  }

  mergeSql(target: string, batch: string, keys: readonly string[]) {
    return [
      `delete from ${target} as t where exists (select 1 from ${batch} as b where ${keys.map((k) => `b.${k} = t.${k}`).join(' and ')})`,
      `insert into ${target} by name\nselect * from ${batch}`,
    ];
  }

  render(statement: string) {
    return statement;
  }

  async insertByName(relation: string, select: string) {
    await this.exec(`insert into ${relation} by name\n${select}`);
  }

  starExcept(alias: string, columns: readonly string[]) {
    return `${alias}.* exclude (${columns.join(', ')})`;
  }

  readParquet(files: readonly string[], extractDate: string) {
    return `(select *, date ${quoteLiteral(extractDate)} as dt from read_parquet([${files.map(quoteLiteral).join(', ')}]))`;
  }

  readonly macros = {
    /** One row per day, column `date_day`, both ends included. */
    date_spine: (start: string, end: string) =>
      `(select cast(range as date) as date_day from range(date ${quoteLiteral(start)}, date ${quoteLiteral(end)} + interval 1 day, interval 1 day))`,
    date_add: (expr: string, days: string) => `cast(${expr} + to_days(cast(${days} as integer)) as date)`,
    /** Whole days from `start` to `end` (negative when end is earlier). */
    date_diff_days: (start: string, end: string) => `date_diff('day', ${start}, ${end})`,
    day_name: (expr: string) => `dayname(${expr})`,
    month_name: (expr: string) => `monthname(${expr})`,
    iso_week: (expr: string) => `cast(extract('week' from ${expr}) as integer)`,
    iso_day_of_week: (expr: string) => `cast(extract('isodow' from ${expr}) as integer)`,
    day_of_year: (expr: string) => `cast(extract('doy' from ${expr}) as integer)`,
    /** A stable surrogate key from the given columns. */
    hash: (...exprs: string[]) =>
      `md5(concat_ws('|', ${exprs.map((e) => `cast(${e} as varchar)`).join(', ')}))`,
  };

  async close() {
    this.conn.closeSync();
    this.instance.closeSync();
    this.lock?.release();
  }
}
