import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { quoteLiteral } from '../common/sql-quote.ts';
import type { SourceDatabase } from '../oltp/database.ts';

/** Reads of one export, all in one REPEATABLE READ snapshot of the source database. */
export interface SnapshotReader {
  /** Whether the database server writes the files itself (else they are streamed through here). */
  readonly serverFiles: boolean;
  query<T>(text: string): Promise<T[]>;
  /**
   * Writes the result of `select` to `file`, a path in the snapshot's directory, as PostgreSQL CSV
   * (NULL = unquoted empty field, '' = quoted empty field), without materialising rows in JavaScript.
   */
  copyCsvToFile(select: string, file: string): Promise<void>;
}

/** An empty file anyone may write: the server's COPY opens it without creating it in the directory. */
async function writableFile(file: string): Promise<void> {
  await writeFile(file, '');
  await chmod(file, 0o666);
}

/**
 * Whether the server can write the files of `directory` itself (`COPY … TO 'file'`): the role has
 * pg_write_server_files' privileges (a superuser has every role's), the server's encoding is UTF-8
 * (a server file is not converted to the client's encoding), and a token it writes to a file of the
 * directory comes back here, so the server shares this machine's filesystem. The directory is made
 * traversable (0711: not listable) for the server's own user.
 */
async function serverWritesInto(client: pg.PoolClient, directory: string): Promise<boolean> {
  const { rows } = await client.query<{ allowed: boolean; encoding: string }>(`
    select pg_has_role(current_user, 'pg_write_server_files', 'usage') as allowed,
           current_setting('server_encoding') as encoding`);
  if (!rows[0]?.allowed || rows[0].encoding !== 'UTF8') return false;
  await chmod(directory, 0o711);
  const probe = path.join(directory, 'server-probe');
  const token = randomUUID();
  await writableFile(probe);
  await client.query('savepoint server_probe');
  try {
    await client.query(`copy (select ${quoteLiteral(token)}) to ${quoteLiteral(probe)}`);
    await client.query('release savepoint server_probe');
  } catch {
    // Another machine's server has no such directory: the export streams the rows instead.
    await client.query('rollback to savepoint server_probe');
    return false;
  }
  return (await readFile(probe, 'utf8')) === `${token}\n`;
}

/**
 * Runs `read` in one read-only REPEATABLE READ transaction, so every table of an export is read at
 * the same instant; its files go into `directory`. On the server: one dedicated connection, and
 * `COPY … TO 'file'` written by the server itself when it can (serverWritesInto), else
 * `COPY … TO STDOUT` streamed into the file, which costs this process as much CPU as DuckDB's
 * conversion. On PGlite (one connection): its transaction, which holds other queries of the process
 * until it ends, and `COPY … TO '/dev/blob'`. Everything `read` does must go through the reader.
 */
export async function withSnapshot<T>(
  database: SourceDatabase,
  directory: string,
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
      const serverFiles = await serverWritesInto(client, directory);
      const result = await read({
        serverFiles,
        query: async <R>(text: string) => (await client.query(text)).rows as R[],
        copyCsvToFile: async (select, file) => {
          const copy = `copy (${select}) to`;
          if (serverFiles) {
            await writableFile(file);
            await client.query(`${copy} ${quoteLiteral(file)} with (format csv)`);
            return;
          }
          const stream = client.query(copyTo(`${copy} stdout with (format csv)`));
          try {
            await pipeline(stream, createWriteStream(file));
          } catch (error) {
            broken = error as Error;
            throw error;
          } finally {
            // pg arms DATABASE_QUERY_TIMEOUT_MS for every query and disarms it in the query's
            // callback, which a COPY TO stream never calls (COPY FROM does): each export left a
            // 30-minute timer that kept a finished `gourmand worker` alive after SIGTERM.
            (stream as { callback?: () => void }).callback?.();
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
        serverFiles: false,
        query: async <R>(text: string) => (await tx.query<R>(text)).rows,
        copyCsvToFile: async (select, file) => {
          const result = await tx.query(`copy (${select}) to '/dev/blob' with (format csv)`);
          await writeFile(file, result.blob ? Buffer.from(await result.blob.arrayBuffer()) : Buffer.alloc(0));
        },
      });
    }),
  );
}
