import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { sql } from 'kysely';
import { ValidationError } from '../common/errors.ts';
import { type Logger, silentLogger } from '../common/logger.ts';
import type { SourceDatabase } from '../oltp/database.ts';
import { copySelectToCsv } from './copy-out.ts';
import { isTempKey, type ObjectStore } from './store.ts';
import { LAKE_TABLES, type LakeColumn, sourceOf, tableShape } from './tables.ts';

/**
 * Lake layout: `<table>/dt=<extract date>/part-0000.parquet`, and one manifest per export,
 * `_manifests/dt=<date>.json`, naming every file it wrote. Readers go through manifests only.
 */
export const partitionPrefix = (table: string, date: string) => `${table}/dt=${date}/`;
export const manifestKey = (date: string) => `_manifests/dt=${date}.json`;

export interface ManifestFile {
  key: string;
  rows: number;
  bytes: number;
}

export interface TableExport {
  table: string;
  /** Exclusive lower bound on updated_at (null: from the beginning, or a whole-table export). */
  low: string | null;
  /** Inclusive upper bound on updated_at. */
  high: string;
  rows: number;
  files: ManifestFile[];
  columns: LakeColumn[];
}

export interface Manifest {
  extractDate: string;
  exportedAt: string;
  tables: Record<string, TableExport>;
}

export interface ExportOptions {
  log?: Logger;
  /** Only these tables (tests, benchmarks); default: every lake table. */
  tables?: readonly string[];
  signal?: AbortSignal;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (value: string) => `'${value.replaceAll("'", "''")}'`;

interface Range {
  low: string | null;
  high: string;
}

/**
 * The watermark range of `date`: from the previous date's high watermark to now. Re-exporting the
 * latest date re-derives the same lower bound and so replaces its partition. An earlier date cannot be
 * exported again: the source keeps only each row's latest version, so the rows changed since would
 * vanish from it.
 */
async function rangeFor(database: SourceDatabase, table: string, date: string, now: string): Promise<Range> {
  const { rows } = await sql<{ before: string | null; latest: string | null }>`
    select
      (select high_watermark::text from ops.lake_watermark
        where table_name = ${table} and extract_date < ${date} order by extract_date desc limit 1) as before,
      (select max(extract_date)::text from ops.lake_watermark where table_name = ${table}) as latest
  `.execute(database.db);
  const latest = rows[0]?.latest;
  if (latest && latest > date) {
    throw new ValidationError(
      `Lake export of ${date}: ${table} was already exported for ${latest}; only the latest date (or a later one) can be exported, since rows changed after ${date} are no longer in the source as they were`,
    );
  }
  return { low: rows[0]?.before ?? null, high: now };
}

/**
 * Exports every source table's rows changed since the last watermark to Parquet for `date`.
 * Files are written atomically, then stale files of the partition are removed, then the
 * manifest (last), then the watermark rows in one transaction.
 */
export async function exportLake(
  database: SourceDatabase,
  store: ObjectStore,
  date: string,
  options: ExportOptions = {},
): Promise<Manifest> {
  const log = options.log ?? silentLogger;
  const tables = LAKE_TABLES.filter((t) => !options.tables || options.tables.includes(t.name));
  const { rows } = await sql<{ now: string }>`select now()::text as now`.execute(database.db);
  const now = rows[0]!.now;
  // The pid in the name lets a later start-up remove it if this process dies (liveness.ts).
  const work = await mkdtemp(path.join(tmpdir(), `gourmand-lake-${process.pid}-`));
  const duck = await DuckDBInstance.create(':memory:');
  const conn = await duck.connect();
  // One conversion thread: the other core is busy with the server's COPY of the next chunk.
  await conn.run('set threads = 1');
  const manifest: Manifest = { extractDate: date, exportedAt: new Date().toISOString(), tables: {} };
  try {
    for (const table of tables) {
      options.signal?.throwIfAborted();
      const shape = await tableShape(database, sourceOf(table));
      const range: Range = shape.incremental
        ? await rangeFor(database, table.name, date, now)
        : { low: null, high: now };
      const where = !shape.incremental
        ? ''
        : range.low === null
          ? `where updated_at <= ${quoteLiteral(range.high)}::timestamptz`
          : `where updated_at > ${quoteLiteral(range.low)}::timestamptz and updated_at <= ${quoteLiteral(range.high)}::timestamptz`;
      const files = await exportChunks(database, store, conn, {
        table: table.name,
        relation: sourceOf(table),
        key: table.key,
        columns: shape.columns,
        where,
        prefix: partitionPrefix(table.name, date),
        work,
      });
      const rowCount = files.reduce((sum, f) => sum + f.rows, 0);
      // Anything else in the partition is a leftover of an earlier export of this date.
      const keep = new Set(files.map((f) => f.key));
      const stale = (await store.list(partitionPrefix(table.name, date))).filter((k) => !keep.has(k));
      await store.delete(stale);
      manifest.tables[table.name] = {
        table: table.name,
        low: range.low,
        high: range.high,
        rows: rowCount,
        files,
        columns: shape.columns,
      };
      log.info({ table: table.name, rows: rowCount, date }, `exported ${rowCount} ${table.name} rows`);
    }
    // A partial export (tests, benchmarks) keeps the other tables of an existing manifest.
    const previous = await readManifest(store, date);
    if (previous && options.tables) manifest.tables = { ...previous.tables, ...manifest.tables };
    await store.putText(manifestKey(date), `${JSON.stringify(manifest, null, 2)}\n`);
    await database.db.transaction().execute(async (trx) => {
      for (const t of Object.values(manifest.tables)) {
        if (options.tables && !options.tables.includes(t.table)) continue;
        const values = {
          table_name: t.table,
          extract_date: date,
          low_watermark: t.low,
          high_watermark: t.high,
          rows: t.rows,
          files: JSON.stringify(t.files),
          manifest_key: manifestKey(date),
        };
        await trx
          .insertInto('ops.lake_watermark')
          .values(values)
          .onConflict((oc) =>
            oc.columns(['table_name', 'extract_date']).doUpdateSet({ ...values, exported_at: sql`now()` }),
          )
          .execute();
      }
    });
    return manifest;
  } finally {
    conn.closeSync();
    duck.closeSync();
    await rm(work, { recursive: true, force: true });
  }
}

/** Rows per Parquet file: big exports are split by key range so copying and converting overlap. */
export const CHUNK_ROWS = 125_000;

interface ChunkJob {
  table: string;
  /** The table or view the rows are read from. */
  relation: string;
  key: readonly string[];
  columns: LakeColumn[];
  where: string;
  prefix: string;
  work: string;
}

/**
 * Copies the selected rows out of the source in key-range chunks and has DuckDB turn each
 * chunk's CSV (already in key order) into a Parquet file, converting chunk i while chunk i+1 is being copied.
 */
async function exportChunks(
  database: SourceDatabase,
  store: ObjectStore,
  conn: DuckDBConnection,
  job: ChunkJob,
): Promise<ManifestFile[]> {
  const first = quoteIdent(job.key[0]!);
  const from = `from ${quoteIdent(job.relation)} ${job.where}`;
  const { rows } = await sql<{ n: number; lo: number | null; hi: number | null }>`
    select count(*)::bigint as n, min(${sql.raw(first)})::bigint as lo, max(${sql.raw(first)})::bigint as hi ${sql.raw(from)}
  `.execute(database.db);
  const { n, lo, hi } = rows[0]!;
  const chunks =
    lo === null || hi === null ? 1 : Math.max(1, Math.min(Math.ceil(n / CHUNK_ROWS), hi - lo + 1));
  const step = lo === null || hi === null ? 0 : Math.ceil((hi - lo + 1) / chunks);
  const columnList = job.columns.map((c) => quoteIdent(c.name)).join(', ');
  const duckColumns = job.columns
    .map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(c.duckType)}`)
    .join(', ');
  const files: ManifestFile[] = [];
  let converting: Promise<void> = Promise.resolve();
  for (let i = 0; i < chunks; i++) {
    const range =
      chunks === 1
        ? ''
        : `${job.where ? 'and' : 'where'} ${first} >= ${lo! + i * step} and ${first} < ${lo! + (i + 1) * step}`;
    const csv = path.join(job.work, `${job.table}-${i}.csv`);
    const parquet = path.join(job.work, `${job.table}-${i}.parquet`);
    const key = `${job.prefix}part-${String(i).padStart(4, '0')}.parquet`;
    // Ordered by the primary key, which the key-range scan reads in that order anyway.
    const orderBy = `order by ${job.key.map(quoteIdent).join(', ')}`;
    await copySelectToCsv(database, `select ${columnList} ${from} ${range} ${orderBy}`, csv);
    await converting;
    converting = (async () => {
      const reader = await conn.runAndReadAll(
        `copy (select * from read_csv(${quoteLiteral(csv)}, header = false, auto_detect = false,
           columns = {${duckColumns}}, nullstr = '', allow_quoted_nulls = false, quote = '"', escape = '"'))
         to ${quoteLiteral(parquet)} (format parquet)`,
      );
      await store.putFile(key, parquet);
      const { size } = await stat(parquet);
      files.push({ key, rows: Number(reader.getRowsJS()[0]?.[0] ?? 0), bytes: size });
      await rm(csv, { force: true });
      await rm(parquet, { force: true });
    })();
    // Awaited before the next conversion or at the end; until then a failure must not count as unhandled.
    converting.catch(() => {});
  }
  await converting;
  return files;
}

export async function readManifest(store: ObjectStore, date: string): Promise<Manifest | undefined> {
  const text = await store.getText(manifestKey(date));
  return text === undefined ? undefined : (JSON.parse(text) as Manifest);
}

/** Every extract date that has a manifest, ascending. */
export async function listExportDates(store: ObjectStore): Promise<string[]> {
  const keys = await store.list('_manifests/');
  return keys
    .filter((key) => !isTempKey(key))
    .map((key) => /dt=(\d{4}-\d{2}-\d{2})\.json$/.exec(key)?.[1])
    .filter((date): date is string => date !== undefined)
    .sort();
}
