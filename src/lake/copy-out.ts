import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { to as copyTo } from 'pg-copy-streams';
import type { SourceDatabase } from '../oltp/database.ts';

/**
 * Streams the result of `select` to `file` as PostgreSQL CSV (NULL = unquoted empty field,
 * '' = quoted empty field), without materialising rows in JavaScript: COPY … TO STDOUT on the
 * server, COPY … TO '/dev/blob' on PGlite.
 */
export async function copySelectToCsv(database: SourceDatabase, select: string, file: string): Promise<void> {
  const copy = `copy (${select}) to stdout with (format csv)`;
  if (database.pool) {
    const client = await database.pool.connect();
    try {
      await client.query("set timezone = 'UTC'");
      await pipeline(client.query(copyTo(copy)), createWriteStream(file));
    } finally {
      client.release();
    }
    return;
  }
  const pglite = database.pglite!;
  const result = await pglite.query(copy.replace(/to stdout/, "to '/dev/blob'"));
  await writeFile(file, result.blob ? Buffer.from(await result.blob.arrayBuffer()) : '');
}
