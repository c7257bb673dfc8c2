import type { PGlite } from '@electric-sql/pglite';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';

/**
 * Lets Kysely's PostgresDialect drive an embedded PGlite.
 *
 * PGlite is a single Postgres session, so every "connection" is the same session: a mutex
 * hands it to one Kysely connection at a time, which keeps a transaction's statements from
 * interleaving with another caller's. (kysely-pglite-dialect does the same but pins an older
 * PGlite; this is the whole of it.) Consequence: inside `db.transaction()`, query through the
 * transaction handle — using the outer `db` there would wait for itself.
 */
export function pglitePool(pglite: PGlite): PostgresPool {
  let tail: Promise<void> = Promise.resolve();
  const client = {
    async query(sqlText: string, parameters?: ReadonlyArray<unknown>): Promise<PostgresQueryResult<unknown>> {
      if (parameters && parameters.length > 0) {
        return toKysely(await pglite.query(sqlText, [...parameters]));
      }
      // No parameters: simple protocol, so migration scripts may hold several statements.
      const results = await pglite.exec(sqlText);
      return toKysely(results[results.length - 1] ?? { rows: [] });
    },
  };
  return {
    async connect() {
      let release!: () => void;
      const previous = tail;
      tail = new Promise<void>((resolve) => {
        release = resolve;
      });
      await previous;
      let released = false;
      return {
        query: client.query,
        release() {
          if (!released) {
            released = true;
            release();
          }
        },
      } as unknown as PostgresPoolClient;
    },
    async end() {},
  };
}

function toKysely(result: {
  rows: unknown[];
  affectedRows?: number;
  command?: string;
}): PostgresQueryResult<unknown> {
  return {
    command: (result.command ?? 'SELECT') as PostgresQueryResult<unknown>['command'],
    rowCount: result.affectedRows ?? result.rows.length,
    rows: result.rows,
  };
}
