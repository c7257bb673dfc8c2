import type { LoadSession } from './session.ts';
import { loadScript } from './sql-files.ts';

/**
 * A first load into empty tables builds their secondary indexes and checks their foreign keys once
 * at the end (one index build, one anti-join per key) instead of once per inserted row, which was
 * most of the cost of inserting a million businesses. Only tables that are empty when the load
 * starts: nothing stored can depend on the dropped checks, and a violation still fails the load's
 * transaction when the key is re-added (all or nothing, as before). Only foreign keys between
 * those tables: the drops hold an exclusive lock on both ends until commit, and on a first load no
 * reader has anything to see in them yet (keys into county or payment_level stay checked per row).
 * Returns the statements that restore what was dropped, to run just before the load ends.
 */
export async function deferChecks(
  session: LoadSession,
  runDate: string,
  tables: readonly string[],
): Promise<() => Promise<void>> {
  const empty: string[] = [];
  for (const table of tables) {
    const [row] = await session.query<{ stored: boolean }>(
      `select exists (select 1 from ${table}) as stored`,
    );
    if (!row?.stored) empty.push(table);
  }
  const ddl = empty.length
    ? await session.query<{ drop: string; restore: string }>(loadScript('deferred-checks.sql', runDate), [
        empty,
      ])
    : [];
  for (const { drop } of ddl) await session.exec(drop);
  return async () => {
    for (const { restore } of ddl) await session.exec(restore);
  };
}
