import { createReadStream, openAsBlob } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Transaction } from '@electric-sql/pglite';
import { from as copyFrom } from 'pg-copy-streams';
import { DatabaseError } from '../../common/errors.ts';
import type { DatabaseKind, SourceDatabase } from '../database.ts';

/** Memory per sort, hash and for temporary tables of a load on the server (one load at a time). */
const LOAD_MEMORY = '256MB';

/**
 * Loads run one at a time: they give new rows ids max(id) + row_number(), which two concurrent
 * loads would hand out twice. Held until the load's transaction ends.
 */
const LOAD_LOCK_SQL = 'select pg_advisory_xact_lock(7431090)';

export type CopyValue = string | number | boolean | null | undefined;
export type RowSource = Iterable<readonly CopyValue[]> | AsyncIterable<readonly CopyValue[]>;

/**
 * One load transaction on either engine: plain SQL (scripts), and COPY of rows into a table —
 * pg-copy-streams on the server, `COPY … FROM '/dev/blob'` on PGlite. Everything a load does
 * happens inside it, so a crash leaves the database as the previous load left it.
 */
export interface LoadSession {
  readonly kind: DatabaseKind;
  exec(script: string): Promise<void>;
  query<T>(text: string, params?: unknown[]): Promise<T[]>;
  /** COPY rows (in column order) into `table`; returns the number of rows sent. */
  copy(table: string, columns: readonly string[], rows: RowSource): Promise<number>;
  /** COPY a CSV file (as `csvField` writes it) into `table`. */
  copyFile(table: string, columns: readonly string[], file: string): Promise<void>;
}

export async function withLoadTransaction<T>(
  database: SourceDatabase,
  fn: (session: LoadSession) => Promise<T>,
): Promise<T> {
  if (database.kind === 'postgres') {
    const client = await database.pool!.connect();
    try {
      await client.query('begin');
      // Sorts, hash joins and temporary (staging) tables over a million rows spill to disk at the
      // defaults (4 MB, 8 MB). temp_buffers only takes effect before the session's first temp table.
      await client.query(`set local work_mem = '${LOAD_MEMORY}'; set local temp_buffers = '${LOAD_MEMORY}'`);
      await client.query(LOAD_LOCK_SQL);
      const result = await fn({
        kind: 'postgres',
        exec: async (script) => {
          await client.query(script);
        },
        query: async <R>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as R[],
        copy: async (table, columns, rows) => {
          let count = 0;
          const counted = csvChunks(rows, () => count++);
          await pipeline(Readable.from(counted), client.query(copyFrom(copySql(table, columns, 'STDIN'))));
          return count;
        },
        copyFile: async (table, columns, file) => {
          await pipeline(createReadStream(file), client.query(copyFrom(copySql(table, columns, 'STDIN'))));
        },
      });
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
  const pglite = database.pglite;
  if (!pglite) throw new DatabaseError('PGlite handle missing');
  // Hold Kysely's connection so no other query of this process runs inside our transaction.
  return database.db.connection().execute(() =>
    pglite.transaction(async (tx: Transaction) => {
      await tx.query(LOAD_LOCK_SQL);
      return fn({
        kind: 'pglite',
        exec: async (script) => {
          await tx.exec(script);
        },
        query: async <R>(text: string, params?: unknown[]) => (await tx.query<R>(text, params)).rows,
        copy: async (table, columns, rows) => {
          let count = 0;
          const chunks: string[] = [];
          for await (const chunk of csvChunks(rows, () => count++)) chunks.push(chunk);
          if (count > 0) {
            await tx.query(copySql(table, columns, "'/dev/blob'"), [], { blob: new Blob(chunks) });
          }
          return count;
        },
        copyFile: async (table, columns, file) => {
          await tx.query(copySql(table, columns, "'/dev/blob'"), [], { blob: await openAsBlob(file) });
        },
      });
    }),
  );
}

function copySql(table: string, columns: readonly string[], source: string): string {
  return `copy ${table} (${columns.join(', ')}) from ${source} with (format csv)`;
}

/** CSV in chunks of many rows: null/undefined → unquoted empty (NULL), strings always quoted. */
async function* csvChunks(rows: RowSource, onRow: () => void): AsyncGenerator<string> {
  let chunk = '';
  for await (const row of rows) {
    onRow();
    chunk += `${row.map(csvField).join(',')}\n`;
    if (chunk.length >= 1 << 16) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

export function csvField(value: CopyValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  return `"${value.replaceAll('"', '""')}"`;
}
