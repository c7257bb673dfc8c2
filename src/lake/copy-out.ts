import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { to as copyTo } from 'pg-copy-streams';
import type { SourceDatabase } from '../oltp/database.ts';

/** Reads of one export, all in one REPEATABLE READ snapshot of the source database. */
export interface SnapshotReader {
  query<T>(text: string): Promise<T[]>;
  /**
   * Streams the result of `select` to `file` as PostgreSQL CSV (NULL = unquoted empty field,
   * '' = quoted empty field), without materialising rows in JavaScript.
   */
  copyToCsv(select: string, file: string): Promise<void>;
}

/**
 * Runs `read` in one read-only REPEATABLE READ transaction, so every table of an export is read at
 * the same instant. On the server: one dedicated connection, COPY … TO STDOUT. On PGlite (one
 * connection): its transaction, which holds other queries of the process until it ends, and
 * COPY … TO '/dev/blob'. Everything `read` does must go through the reader.
 */
export async function withSnapshot<T>(
  database: SourceDatabase,
  read: (reader: SnapshotReader) => Promise<T>,
): Promise<T> {
  if (database.pool) {
    const client = await database.pool.connect();
    try {
      await client.query("set timezone = 'UTC'");
      await client.query('begin transaction isolation level repeatable read, read only');
      const result = await read({
        query: async <R>(text: string) => (await client.query(text)).rows as R[],
        copyToCsv: async (select, file) => {
          await pipeline(
            client.query(copyTo(`copy (${select}) to stdout with (format csv)`)),
            createWriteStream(file),
          );
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
  // Holding a Kysely connection first keeps the transaction from starting inside another caller's.
  return database.db.connection().execute(() =>
    database.pglite!.transaction(async (tx) => {
      await tx.query('set transaction isolation level repeatable read, read only');
      return read({
        query: async <R>(text: string) => (await tx.query<R>(text)).rows,
        copyToCsv: async (select, file) => {
          const result = await tx.query(`copy (${select}) to '/dev/blob' with (format csv)`);
          await writeFile(file, result.blob ? Buffer.from(await result.blob.arrayBuffer()) : '');
        },
      });
    }),
  );
}
