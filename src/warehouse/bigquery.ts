import { createHash } from 'node:crypto';
import type { BigQuery, Query } from '@google-cloud/bigquery';
import { ConfigError, DatabaseError, errorMessage, ValidationError } from '../common/errors.ts';
import type { Settings } from '../config/settings.ts';
import type { TableLayout, WarehouseAdapter } from './adapter.ts';

const quoteLiteral = (value: string) => `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

/** The part of a BigQuery Job resource (jobs.insert with `dryRun`) the cost guard reads; int64s are strings. */
export interface DryRunJob {
  statistics?: {
    totalBytesProcessed?: string;
    query?: { totalBytesProcessed?: string; [field: string]: unknown };
    [field: string]: unknown;
  };
}

/**
 * The cost guard: the bytes a dry run says the statement would process, or a refusal naming what
 * the statement builds when that is over the limit.
 */
export function guardDryRun(job: DryRunJob, maxBytesBilled: number, what: string): number {
  const reported = job.statistics?.query?.totalBytesProcessed ?? job.statistics?.totalBytesProcessed;
  if (reported === undefined)
    throw new DatabaseError(`BigQuery dry run of ${what} reported no byte estimate`);
  const bytes = Number(reported);
  if (bytes > maxBytesBilled) {
    throw new ValidationError(
      `BigQuery cost guard: ${what} would process ${bytes} bytes (${(bytes / 1024 ** 3).toFixed(2)} GiB), over BIGQUERY_MAX_BYTES_BILLED=${maxBytesBilled}; raise the limit or narrow the model`,
    );
  }
  return bytes;
}

/** Whether the select that the `qualify` at `at` belongs to has a WHERE, GROUP BY or HAVING (scans back at its depth). */
function selectHasFilter(sql: string, at: number): boolean {
  let depth = 0;
  for (let i = at - 1; i >= 0; i--) {
    const ch = sql[i];
    if (ch === ')') depth++;
    else if (ch === '(') {
      if (depth === 0) return false;
      depth--;
    } else if (depth === 0) {
      const before = sql.slice(0, i + 1).toLowerCase();
      if (/\bselect$/.test(before)) return false;
      if (/\b(where|having)$/.test(before) || /\bgroup\s+by$/.test(before)) return true;
    }
  }
  return false;
}

/**
 * Rewrites the portable SQL the runner and models write into BigQuery's dialect. Only what the
 * warehouse actually writes is covered: type names, unenforced keys, single-column VALUES lists,
 * DELETE without WHERE, and QUALIFY without WHERE (BigQuery wants one of WHERE/GROUP BY/HAVING).
 */
export function toBigQuerySql(statement: string): string {
  let sql = statement
    .replace(/\bvarchar\b/gi, 'string')
    .replace(/\bprimary key \(([^)]*)\)/gi, 'primary key ($1) not enforced')
    .replace(/\(values ((?:\('[^']*'\)(?:, )?)+)\) as \w+\((\w+)\)/gi, (_, rows: string, column: string) => {
      const values = rows.match(/'[^']*'/g) ?? [];
      return `unnest([${values.join(', ')}]) as ${column}`;
    })
    .replace(/^(\s*delete from \S+)\s*$/i, '$1 where true');
  const qualify = /\bqualify\b/gi;
  let out = '';
  let last = 0;
  for (const match of sql.matchAll(qualify)) {
    if (!selectHasFilter(sql, match.index)) {
      out += `${sql.slice(last, match.index)}where true `;
      last = match.index;
    }
  }
  sql = out + sql.slice(last);
  return sql;
}

/** Relation text → the BigQuery `dataset.table` it names. */
function parseRelation(relation: string): { dataset: string; table: string } {
  const match = /^`[^.`]+\.([^.`]+)\.([^.`]+)`$/.exec(relation);
  if (!match) throw new ValidationError(`Not a BigQuery relation: ${relation}`);
  return { dataset: match[1]!, table: match[2]! };
}

interface StagedLoad {
  files: readonly string[];
  loaded: boolean;
}

/**
 * The BigQuery warehouse: `bigquery://project/dataset`, each warehouse schema a dataset
 * `<dataset>_<schema>`. Every statement is dry-run first and refused past the byte limit, which is
 * also sent as `maximumBytesBilled`. Lake partitions arrive by load jobs (local Parquet uploaded,
 * `gs://` URIs loaded in place). BigQuery has no multi-statement transactions over DDL, so
 * `transaction` runs its statements in order: each one is atomic on its own (CREATE OR REPLACE
 * swaps a table, MERGE replaces rows), and every build step is safe to re-run.
 */
export class BigQueryAdapter implements WarehouseAdapter {
  readonly kind = 'bigquery';
  /** What the statement being run builds, for the cost guard's message. */
  private target = 'a warehouse statement';
  private readonly staged = new Map<string, StagedLoad>();
  private clientInstance?: BigQuery;

  constructor(
    readonly location: string,
    readonly project: string,
    readonly dataset: string,
    private readonly options: { maxBytesBilled: number; region: string },
  ) {}

  static async open(
    url: string,
    settings: Pick<Settings, 'bigqueryMaxBytesBilled' | 'bigqueryLocation'>,
  ): Promise<BigQueryAdapter> {
    const parsed = new URL(url);
    const dataset = parsed.pathname.replace(/^\/+|\/+$/g, '');
    if (!parsed.hostname || !/^[A-Za-z0-9_]+$/.test(dataset)) {
      throw new ConfigError(
        `Invalid WAREHOUSE_URL "${url}": expected bigquery://project/dataset (dataset: letters, digits, _)`,
      );
    }
    return new BigQueryAdapter(url, parsed.hostname, dataset, {
      maxBytesBilled: settings.bigqueryMaxBytesBilled,
      region: settings.bigqueryLocation,
    });
  }

  /**
   * Created on first use: rendering SQL (`warehouse compile`) needs no credentials, and commands
   * that never touch BigQuery do not load its client library.
   */
  private async client() {
    if (!this.clientInstance) {
      const { BigQuery } = await import('@google-cloud/bigquery');
      this.clientInstance = new BigQuery({ projectId: this.project, location: this.options.region });
    }
    return this.clientInstance;
  }

  private datasetOf(schema: string) {
    return `${this.dataset}_${schema}`;
  }

  private async run(statement: string, what = this.target): Promise<Record<string, unknown>[]> {
    const sql = this.render(statement);
    await this.loadStaged(sql);
    const query: Query = { query: sql, location: this.options.region, useLegacySql: false };
    try {
      const client = await this.client();
      const [dry] = await client.createQueryJob({ ...query, dryRun: true });
      guardDryRun(dry.metadata as DryRunJob, this.options.maxBytesBilled, what);
      const [job] = await client.createQueryJob({
        ...query,
        maximumBytesBilled: String(this.options.maxBytesBilled),
      });
      const [rows] = await job.getQueryResults();
      return rows as Record<string, unknown>[];
    } catch (error) {
      if (error instanceof ValidationError) throw error;
      throw new DatabaseError(`BigQuery: ${what}: ${errorMessage(error)}`);
    }
  }

  async exec(statement: string) {
    await this.run(statement);
  }

  async query<T extends Record<string, unknown>>(statement: string): Promise<T[]> {
    const rows = await this.run(statement);
    // Dates come back as BigQueryDate objects, int64s as numbers or strings: plain values.
    return rows.map(
      (row) =>
        Object.fromEntries(
          Object.entries(row).map(([k, v]) => [
            k,
            v && typeof v === 'object' && 'value' in v ? (v as { value: unknown }).value : v,
          ]),
        ) as T,
    );
  }

  relation(schema: string, name: string) {
    return `\`${this.project}.${this.datasetOf(schema)}.${name}\``;
  }

  async ensureSchema(schema: string) {
    await this.run(
      `create schema if not exists \`${this.project}.${this.datasetOf(schema)}\` options (location = ${quoteLiteral(this.options.region)})`,
      `dataset ${this.datasetOf(schema)}`,
    );
  }

  async tableExists(schema: string, name: string) {
    const rows = await this.query<{ n: number }>(
      `select count(*) as n from \`${this.project}.${this.datasetOf(schema)}\`.INFORMATION_SCHEMA.TABLES
       where table_name = ${quoteLiteral(name)} and table_type = 'BASE TABLE'`,
    );
    return Number(rows[0]!.n) > 0;
  }

  async tablesIn(schema: string) {
    const rows = await this.query<{ name: string }>(
      `select table_name as name from \`${this.project}.${this.datasetOf(schema)}\`.INFORMATION_SCHEMA.TABLES
       where table_type = 'BASE TABLE'`,
    );
    return new Set(rows.map((row) => row.name));
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    return fn();
  }

  replaceTableSql(relation: string, select: string, layout: TableLayout = {}) {
    const partition = layout.partitionBy ? `\npartition by ${layout.partitionBy}` : '';
    // BigQuery clusters on at most four columns.
    const cluster = layout.clusterBy?.length ? `\ncluster by ${layout.clusterBy.slice(0, 4).join(', ')}` : '';
    return `create or replace table ${relation}${partition}${cluster} as\n${select}`;
  }

  replaceViewSql(relation: string, select: string) {
    return `create or replace view ${relation} as\n${select}`;
  }

  async replaceTable(relation: string, select: string, layout?: TableLayout) {
    await this.building(relation, () => this.exec(this.replaceTableSql(relation, select, layout)));
  }

  async replaceView(relation: string, select: string) {
    await this.building(relation, () => this.exec(this.replaceViewSql(relation, select)));
  }

  /**
   * One MERGE: `on false` makes every batch row an insert and every target row a candidate for
   * deletion, deleted when its key is in the batch; the batch has the target's columns in order.
   */
  mergeSql(target: string, batch: string, keys: readonly string[]) {
    const key = (alias: string) => this.macros.hash(...keys.map((k) => `${alias}.${k}`));
    return [
      `merge ${target} as t\nusing ${batch} as s\non false\nwhen not matched by source and ${key('t')} in (select ${key('b')} from ${batch} as b) then delete\nwhen not matched then insert row`,
    ];
  }

  render(statement: string) {
    return toBigQuerySql(statement);
  }

  async insertByName(relation: string, select: string) {
    const { dataset, table } = parseRelation(relation);
    const columns = await this.query<{ column_name: string }>(
      `select column_name from \`${this.project}.${dataset}\`.INFORMATION_SCHEMA.COLUMNS
       where table_name = ${quoteLiteral(table)} order by ordinal_position`,
    );
    const list = columns.map((c) => c.column_name).join(', ');
    await this.building(relation, () =>
      this.exec(`insert into ${relation} (${list})\nselect ${list} from (\n${select}\n)`),
    );
  }

  starExcept(alias: string, columns: readonly string[]) {
    return `${alias}.* except (${columns.join(', ')})`;
  }

  /**
   * A staging table the files are loaded into when a statement first reads it: local files by
   * upload, `gs://` URIs in place. Loading is deferred because the interface gives a relation.
   */
  readParquet(files: readonly string[], extractDate: string) {
    const name = `stage_${createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 16)}`;
    const relation = this.relation('_gourmand', name);
    if (!this.staged.has(relation)) this.staged.set(relation, { files, loaded: false });
    return `(select *, date ${quoteLiteral(extractDate)} as dt from ${relation})`;
  }

  private async loadStaged(sql: string) {
    for (const [relation, load] of this.staged) {
      if (load.loaded || !sql.includes(relation)) continue;
      const { dataset, table } = parseRelation(relation);
      const client = await this.client();
      const destination = client.dataset(dataset).table(table);
      const metadata = { sourceFormat: 'PARQUET', location: this.options.region };
      const remote = load.files.filter((f) => f.startsWith('gs://'));
      const local = load.files.filter((f) => !f.startsWith('gs://'));
      let disposition = 'WRITE_TRUNCATE';
      try {
        if (remote.length > 0) {
          const [job] = await client.createJob({
            configuration: {
              load: {
                sourceUris: remote,
                sourceFormat: 'PARQUET',
                writeDisposition: disposition,
                destinationTable: { projectId: this.project, datasetId: dataset, tableId: table },
              },
            },
          });
          await job.promise();
          disposition = 'WRITE_APPEND';
        }
        for (const file of local) {
          await destination.load(file, { ...metadata, writeDisposition: disposition });
          disposition = 'WRITE_APPEND';
        }
      } catch (error) {
        throw new DatabaseError(`BigQuery load job into ${relation}: ${errorMessage(error)}`);
      }
      load.loaded = true;
    }
  }

  private async building(relation: string, fn: () => Promise<void>) {
    const previous = this.target;
    const { dataset, table } = parseRelation(relation);
    this.target = `model ${dataset.slice(this.dataset.length + 1)}.${table}`;
    try {
      await fn();
    } finally {
      this.target = previous;
    }
  }

  readonly macros = {
    date_spine: (start: string, end: string) =>
      `(select date_day from unnest(generate_date_array(date ${quoteLiteral(start)}, date ${quoteLiteral(end)})) as date_day)`,
    date_add: (expr: string, days: string) => `date_add(${expr}, interval cast(${days} as int64) day)`,
    date_diff_days: (start: string, end: string) => `date_diff(${end}, ${start}, day)`,
    day_name: (expr: string) => `format_date('%A', ${expr})`,
    month_name: (expr: string) => `format_date('%B', ${expr})`,
    iso_week: (expr: string) => `extract(isoweek from ${expr})`,
    iso_day_of_week: (expr: string) => `cast(format_date('%u', ${expr}) as int64)`,
    day_of_year: (expr: string) => `cast(format_date('%j', ${expr}) as int64)`,
    /** The same hex digest as DuckDB's md5(concat_ws('|', …)): array_to_string skips nulls likewise. */
    hash: (...exprs: string[]) =>
      `to_hex(md5(array_to_string([${exprs.map((e) => `cast(${e} as string)`).join(', ')}], '|')))`,
  };

  async close() {
    for (const relation of this.staged.keys()) {
      if (this.staged.get(relation)!.loaded)
        await this.exec(`drop table if exists ${relation}`).catch(() => {});
    }
    this.staged.clear();
  }
}
