import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { sql } from 'kysely';
import { type Logger, silentLogger } from '../common/logger.ts';
import { quoteIdent, quoteLiteral } from '../common/sql-quote.ts';
import type { SourceDatabase } from '../oltp/database.ts';
import { type SnapshotReader, withSnapshot } from './copy-out.ts';
import {
  type Manifest,
  type ManifestFile,
  manifestKey,
  partitionPrefix,
  readManifest,
  renderManifest,
  sha256File,
} from './manifest.ts';
import type { ObjectStore } from './store.ts';
import {
  CHANGE_XID,
  LAKE_TABLES,
  type LakeColumn,
  type LakeTableName,
  sourceOf,
  tableShape,
} from './tables.ts';

export interface ExportOptions {
  log?: Logger;
  /** Only these tables (tests, benchmarks); default: every lake table. */
  tables?: readonly string[];
  signal?: AbortSignal;
  /** Rows per Parquet file of a big table (tests); default CHUNK_ROWS. */
  chunkRows?: number;
  /** Called inside the export's snapshot after each table is written (tests interleave writes). */
  afterTable?: (table: string) => Promise<void>;
}

/** What an export did: the manifest it wrote, or, for a date older than the latest export, nothing. */
export interface ExportResult extends Manifest {
  /** Set when the date is older than the latest export: nothing was written. */
  skipped?: {
    latest: string;
    /** Rows changed since the latest export's snapshot; the next export of a date ≥ latest takes them. */
    pendingRows: number;
  };
}

interface Previous {
  date: string;
  snapshot: string | null;
  high: string;
}

/** The export of `table` before `date` (or up to it): the one whose snapshot bounds this export. */
async function previousExport(reader: SnapshotReader, table: string, date: string, inclusive = false) {
  const rows = await reader.query<{ date: string; snapshot: string | null; high: string }>(`
    select extract_date::text as date, snapshot::text as snapshot, high_watermark::text as high
    from ops.lake_watermark
    where table_name = ${quoteLiteral(table)} and extract_date ${inclusive ? '<=' : '<'} ${quoteLiteral(date)}
    order by extract_date desc limit 1`);
  return rows[0] as Previous | undefined;
}

/**
 * The rows of an incremental table that the previous export's snapshot could not see: changed by a
 * transaction that committed after it was taken, or was still running then. The current snapshot
 * (the reader's) sees exactly the committed ones, so each change is exported once. Rows from before
 * change tracking (change_xid null) are bounded by that export's timestamp watermark.
 */
function changedSince(previous: Previous | undefined): string {
  if (!previous) return '';
  if (previous.snapshot === null) {
    return `where ${CHANGE_XID} is not null or updated_at > ${quoteLiteral(previous.high)}::timestamptz`;
  }
  const snapshot = `${quoteLiteral(previous.snapshot)}::pg_snapshot`;
  return `where ${CHANGE_XID} >= pg_snapshot_xmin(${snapshot}) and not pg_visible_in_snapshot(${CHANGE_XID}, ${snapshot})`;
}

/**
 * Exports every source table's rows changed since the previous export to Parquet for `date`, all
 * read in one snapshot. Files are written atomically, then stale files of the partition are
 * removed, then the manifest (last), then the watermark rows (with the snapshot) in one
 * transaction. Re-exporting the latest date re-derives the same lower bound and so replaces its
 * partition. A date older than the latest export writes nothing: its changes are in the later
 * exports, and rows changed since go into the next export of a date ≥ the latest (see
 * docs/decisions.md).
 */
export async function exportLake(
  database: SourceDatabase,
  store: ObjectStore,
  date: string,
  options: ExportOptions = {},
): Promise<ExportResult> {
  const log = options.log ?? silentLogger;
  const tables = LAKE_TABLES.filter((t) => !options.tables || options.tables.includes(t.name));
  // The pid in the name lets a later start-up remove it if this process dies (liveness.ts).
  const work = await mkdtemp(path.join(tmpdir(), `gourmand-lake-${process.pid}-`));
  const duck = await DuckDBInstance.create(':memory:');
  // Two connections: two chunks convert at once while the server copies the next.
  const conns = [await duck.connect(), await duck.connect()] as const;
  // One thread per conversion (the setting is the instance's): the cores are shared with the COPY.
  await conns[0].run('set threads = 1');
  try {
    const result = await withSnapshot(database, work, async (reader): Promise<ExportResult> => {
      const [now] = await reader.query<{ snapshot: string; now: string }>(
        'select pg_current_snapshot()::text as snapshot, now()::text as now',
      );
      log.debug(
        { date, serverFiles: reader.serverFiles },
        reader.serverFiles
          ? 'lake export: the database server writes the CSV of each chunk'
          : 'lake export: the CSV of each chunk is streamed through this process',
      );
      const manifest: Manifest = {
        extractDate: date,
        exportedAt: new Date().toISOString(),
        snapshot: now!.snapshot,
        tables: {},
      };
      const skipped = await olderDate(
        reader,
        tables.map((t) => t.name),
        date,
      );
      if (skipped) return { ...manifest, tables: {}, skipped };
      for (const table of tables) {
        options.signal?.throwIfAborted();
        const shape = await tableShape(reader, sourceOf(table));
        const previous = shape.incremental ? await previousExport(reader, table.name, date) : undefined;
        const files = await exportChunks(reader, store, conns, {
          table: table.name,
          relation: sourceOf(table),
          key: table.key,
          columns: shape.columns,
          where: shape.incremental ? changedSince(previous) : '',
          prefix: partitionPrefix(table.name, date),
          work,
          chunkRows: options.chunkRows ?? CHUNK_ROWS,
        });
        const rowCount = files.reduce((sum, f) => sum + f.rows, 0);
        // Anything else in the partition is a leftover of an earlier export of this date.
        const keep = new Set(files.map((f) => f.key));
        const stale = (await store.list(partitionPrefix(table.name, date))).filter((k) => !keep.has(k));
        await store.delete(stale);
        manifest.tables[table.name] = {
          table: table.name,
          low: previous?.high ?? null,
          high: now!.now,
          after: previous?.snapshot ?? null,
          rows: rowCount,
          files,
          columns: shape.columns,
        };
        log.info(
          {
            table: table.name,
            rows: rowCount,
            date,
            files: files.length,
            done: Object.keys(manifest.tables).length,
            of: tables.length,
            unit: 'tables',
          },
          `exported ${rowCount} ${table.name} rows`,
        );
        await options.afterTable?.(table.name);
      }
      return manifest;
    });
    if (result.skipped) {
      const { latest, pendingRows } = result.skipped;
      log.info(
        { date, latest, pendingRows },
        `lake export of ${date} skipped: the lake already holds ${latest}${pendingRows > 0 ? `; ${pendingRows} row(s) changed since go into the next export` : ' and nothing changed since'}`,
      );
      return result;
    }
    await writeManifest(database, store, result, options.tables);
    return result;
  } finally {
    for (const conn of conns) conn.closeSync();
    duck.closeSync();
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * For a date older than the latest export of any of the tables: how many rows the latest export's
 * snapshot could not see (they wait for the next export). Undefined when the date is the latest or
 * newer.
 */
async function olderDate(
  reader: SnapshotReader,
  names: readonly LakeTableName[],
  date: string,
): Promise<ExportResult['skipped']> {
  const list = names.map(quoteLiteral).join(', ');
  const [latest] = await reader.query<{ date: string | null }>(
    `select max(extract_date)::text as date from ops.lake_watermark where table_name in (${list})`,
  );
  if (!latest?.date || latest.date <= date) return undefined;
  let pendingRows = 0;
  for (const table of LAKE_TABLES.filter((t) => names.includes(t.name))) {
    const shape = await tableShape(reader, sourceOf(table));
    if (!shape.incremental) continue;
    const previous = await previousExport(reader, table.name, latest.date, true);
    const [count] = await reader.query<{ n: string }>(
      `select count(*) as n from ${quoteIdent(sourceOf(table))} ${changedSince(previous)}`,
    );
    pendingRows += Number(count!.n);
  }
  return { latest: latest.date, pendingRows };
}

async function writeManifest(
  database: SourceDatabase,
  store: ObjectStore,
  manifest: Manifest,
  only: readonly string[] | undefined,
): Promise<void> {
  const date = manifest.extractDate;
  // A partial export (tests, benchmarks) keeps the other tables of an existing manifest; a full one
  // never reads the old manifest, so it can replace a broken one.
  if (only) {
    const previous = await readManifest(store, date);
    if (previous) manifest.tables = { ...previous.tables, ...manifest.tables };
  }
  await store.putText(manifestKey(date), renderManifest(manifest));
  await database.db.transaction().execute(async (trx) => {
    for (const t of Object.values(manifest.tables)) {
      if (only && !only.includes(t.table)) continue;
      const values = {
        table_name: t.table,
        extract_date: date,
        low_watermark: t.low,
        high_watermark: t.high,
        snapshot: manifest.snapshot ?? null,
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
}

/**
 * A string column stops being dictionary-encoded once its dictionary page passes 64 KB instead of
 * DuckDB's 1 MB: the columns of unique strings (names, URLs) give it up sooner, about a tenth less of
 * the conversion's CPU, same file size; columns of few values keep theirs.
 */
const PARQUET_OPTIONS = 'format parquet, string_dictionary_page_size_limit 65536';

/** Rows per Parquet file: big exports are split by key range into files of about this size. */
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
  chunkRows: number;
}

/**
 * Copies the selected rows out of the source in key-range chunks, each into a CSV file that DuckDB
 * then writes as a Parquet file. The copies run back to back while two DuckDB connections convert
 * the chunks already copied, so the server's COPY and the conversions keep both cores busy
 * (streaming each chunk through a pipe into DuckDB made each wait for the other). The copies stay at
 * most three chunks ahead of the conversions, which bounds the CSV on disk.
 */
async function exportChunks(
  reader: SnapshotReader,
  store: ObjectStore,
  conns: readonly [DuckDBConnection, DuckDBConnection],
  job: ChunkJob,
): Promise<ManifestFile[]> {
  const first = quoteIdent(job.key[0]!);
  const from = `from ${quoteIdent(job.relation)} ${job.where}`;
  const [counts] = await reader.query<{ n: string; lo: string | null; hi: string | null }>(
    `select count(*) as n, min(${first})::bigint as lo, max(${first})::bigint as hi ${from}`,
  );
  const n = Number(counts!.n);
  const lo = counts!.lo === null ? null : Number(counts!.lo);
  const hi = counts!.hi === null ? null : Number(counts!.hi);
  const chunks =
    lo === null || hi === null ? 1 : Math.max(1, Math.min(Math.ceil(n / job.chunkRows), hi - lo + 1));
  const step = lo === null || hi === null ? 0 : Math.ceil((hi - lo + 1) / chunks);
  const columnList = job.columns.map((c) => quoteIdent(c.name)).join(', ');
  const duckColumns = job.columns
    .map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(c.duckType)}`)
    .join(', ');
  // Ordered by the primary key, which the key-range scan reads in that order anyway.
  const orderBy = `order by ${job.key.map(quoteIdent).join(', ')}`;
  const convert = async (i: number, csv: string): Promise<ManifestFile> => {
    const parquet = path.join(job.work, `${job.table}-${i}.parquet`);
    const key = `${job.prefix}part-${String(i).padStart(4, '0')}.parquet`;
    const converted = await conns[i % 2]!.runAndReadAll(
      `copy (select * from read_csv(${quoteLiteral(csv)}, header = false, auto_detect = false,
         columns = {${duckColumns}}, nullstr = '', allow_quoted_nulls = false, quote = '"', escape = '"'))
       to ${quoteLiteral(parquet)} (${PARQUET_OPTIONS})`,
    );
    await rm(csv, { force: true });
    const { size } = await stat(parquet);
    const sha256 = await sha256File(parquet);
    await store.putFile(key, parquet);
    await rm(parquet, { force: true });
    return { key, rows: Number(converted.getRowsJS()[0]?.[0] ?? 0), bytes: size, sha256 };
  };
  // files[i] settles when chunk i is in the store; chunk i converts on the connection chunk i-2 used.
  const files: Promise<ManifestFile>[] = [];
  try {
    for (let i = 0; i < chunks; i++) {
      if (i >= 3) await files[i - 3];
      const range =
        chunks === 1
          ? ''
          : `${job.where ? 'and' : 'where'} ${first} >= ${lo! + i * step} and ${first} < ${lo! + (i + 1) * step}`;
      const csv = path.join(job.work, `${job.table}-${i}.csv`);
      await reader.copyCsvToFile(`select ${columnList} ${from} ${range} ${orderBy}`, csv);
      const file = (files[i - 2] ?? Promise.resolve()).catch(() => {}).then(() => convert(i, csv));
      // Awaited later; a failure meanwhile must not count as unhandled.
      file.catch(() => {});
      files.push(file);
    }
    return await Promise.all(files);
  } finally {
    // Nothing may still run on a connection when the export closes it.
    await Promise.allSettled(files);
  }
}
