import { execFile } from 'node:child_process';
import { constants, open } from 'node:fs';
import { Socket } from 'node:net';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { to as copyTo } from 'pg-copy-streams';
import type { SourceDatabase } from '../oltp/database.ts';

/** Reads of one export, all in one REPEATABLE READ snapshot of the source database. */
export interface SnapshotReader {
  query<T>(text: string): Promise<T[]>;
  /**
   * Streams the result of `select` into `sink` as PostgreSQL CSV (NULL = unquoted empty field,
   * '' = quoted empty field), without materialising rows in JavaScript, and ends it.
   */
  copyCsv(select: string, sink: Writable): Promise<void>;
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
    // A COPY stream that failed midway leaves the connection mid-protocol: it is closed, not
    // reused, and closing it ends the transaction.
    let broken: Error | undefined;
    try {
      await client.query("set timezone = 'UTC'");
      await client.query('begin transaction isolation level repeatable read, read only');
      const result = await read({
        query: async <R>(text: string) => (await client.query(text)).rows as R[],
        copyCsv: async (select, sink) => {
          const copy = client.query(copyTo(`copy (${select}) to stdout with (format csv)`));
          try {
            await pipeline(copy, sink);
          } catch (error) {
            broken = error as Error;
            throw error;
          } finally {
            // pg arms DATABASE_QUERY_TIMEOUT_MS for every query and disarms it in the query's
            // callback, which a COPY TO stream never calls (COPY FROM does): each export left a
            // 30-minute timer that kept a finished `gourmand worker` alive after SIGTERM.
            (copy as { callback?: () => void }).callback?.();
          }
        },
      });
      await client.query('commit');
      return result;
    } catch (error) {
      if (!broken) await client.query('rollback').catch(() => {});
      throw error;
    } finally {
      client.release(broken);
    }
  }
  // Holding a Kysely connection first keeps the transaction from starting inside another caller's.
  return database.db.connection().execute(() =>
    database.pglite!.transaction(async (tx) => {
      await tx.query('set transaction isolation level repeatable read, read only');
      return read({
        query: async <R>(text: string) => (await tx.query<R>(text)).rows,
        copyCsv: async (select, sink) => {
          const result = await tx.query(`copy (${select}) to '/dev/blob' with (format csv)`);
          const bytes = result.blob ? Buffer.from(await result.blob.arrayBuffer()) : Buffer.alloc(0);
          await pipeline(Readable.from([bytes]), sink);
        },
      });
    }),
  );
}

const run = promisify(execFile);
const openFd = promisify(open);

/** Creates named pipes (FIFOs) at these paths. */
export async function makeFifos(paths: readonly string[]): Promise<void> {
  if (paths.length > 0) await run('mkfifo', [...paths]);
}

/**
 * The write end of a FIFO, once `reading` (the reader's work) has opened its read end. Opened
 * non-blocking, so no libuv thread waits for the reader; and not before the reader, because data
 * written to a FIFO nobody reads is dropped when the writer closes it, and a reader opening it
 * afterwards would wait for a writer forever. Rejects when `reading` ends without opening it.
 */
export async function openFifoWriter(file: string, reading: Promise<unknown>): Promise<Socket> {
  let settled: { error: unknown } | undefined;
  reading.then(
    () => (settled = { error: new Error(`${file} was never opened for reading`) }),
    (error: unknown) => (settled = { error }),
  );
  for (;;) {
    try {
      const fd = await openFd(file, constants.O_WRONLY | constants.O_NONBLOCK);
      return new Socket({ fd, readable: false, writable: true });
    } catch (error) {
      // ENXIO: no reader yet.
      if ((error as NodeJS.ErrnoException).code !== 'ENXIO') throw error;
    }
    if (settled) throw settled.error;
    await sleep(1);
  }
}
