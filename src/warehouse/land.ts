import { type Logger, silentLogger } from '../common/logger.ts';
import { listExportDates, readManifest } from '../lake/export.ts';
import type { ObjectStore } from '../lake/store.ts';
import type { WarehouseAdapter } from './adapter.ts';

/**
 * Brings lake partitions into the warehouse's `lake` schema: one table per lake table holding
 * every extracted row version with its extract date `dt`. A full refresh reads every partition
 * up to the run date; otherwise only the run date's partitions and any date not landed before or
 * re-exported since (its manifest's exportedAt changed).
 * `source('lake', 't')` in a model reads these tables.
 */
export interface LandResult {
  /** Extract dates landed by this run, ascending. */
  dates: string[];
  /** Lake object keys read. */
  filesRead: string[];
  rows: number;
}

const META = '_gourmand';

export async function landLake(
  adapter: WarehouseAdapter,
  store: ObjectStore,
  options: { runDate: string; fullRefresh: boolean; cacheDir: string; log?: Logger },
): Promise<LandResult> {
  const log = options.log ?? silentLogger;
  await adapter.ensureSchema('lake');
  await adapter.ensureSchema(META);
  const landed = adapter.relation(META, 'landed_partition');
  await adapter.exec(
    `create table if not exists ${landed} (table_name varchar, extract_date date, exported_at varchar, primary key (table_name, extract_date))`,
  );
  const available = (await listExportDates(store)).filter((date) => date <= options.runDate);
  // A date is (re)landed when it is the run date, was never landed, or was re-exported since.
  const landedAt = new Map(
    (
      await adapter.query<{ d: string; at: string }>(
        `select cast(extract_date as varchar) as d, min(exported_at) as at from ${landed} group by 1`,
      )
    ).map((row) => [row.d, row.at]),
  );
  const manifests = new Map(
    await Promise.all(available.map(async (date) => [date, await readManifest(store, date)] as const)),
  );
  const dates = available.filter(
    (date) =>
      options.fullRefresh ||
      date === options.runDate ||
      landedAt.get(date) !== manifests.get(date)?.exportedAt,
  );
  const result: LandResult = { dates, filesRead: [], rows: 0 };
  await adapter.transaction(async () => {
    if (options.fullRefresh) await adapter.exec(`delete from ${landed}`);
    // Tables created (or emptied by a full refresh) in this run hold no rows of any date yet.
    const fresh = new Set<string>();
    for (const date of dates) {
      const manifest = manifests.get(date);
      if (!manifest) continue;
      for (const table of Object.values(manifest.tables)) {
        const target = adapter.relation('lake', table.table);
        const files = await Promise.all(table.files.map((f) => store.localCopy(f.key, options.cacheDir)));
        result.filesRead.push(...table.files.map((f) => f.key));
        const source = adapter.readParquet(files, date);
        if (
          !fresh.has(table.table) &&
          (options.fullRefresh || !(await adapter.tableExists('lake', table.table)))
        ) {
          await adapter.replaceTable(target, `select * from ${source} where false`);
          fresh.add(table.table);
        }
        if (landedAt.has(date) && !fresh.has(table.table)) {
          await adapter.exec(`delete from ${target} where dt = cast('${date}' as date)`);
        }
        await adapter.insertByName(target, `select * from ${source}`);
        result.rows += table.rows;
      }
      await adapter.exec(`delete from ${landed} where extract_date = cast('${date}' as date)`);
      await adapter.exec(
        `insert into ${landed} select table_name, cast('${date}' as date), '${manifest.exportedAt}' from (values ${Object.keys(
          manifest.tables,
        )
          .map((t) => `('${t}')`)
          .join(', ')}) as t(table_name)`,
      );
      log.info({ date, tables: Object.keys(manifest.tables).length }, `landed lake partitions of ${date}`);
    }
    // Incremental models and snapshots must take a re-landed date in again.
    const applied = adapter.relation(META, 'applied_date');
    if (dates.length > 0 && (await adapter.tableExists(META, 'applied_date'))) {
      await adapter.exec(
        `delete from ${applied} where extract_date in (${dates.map((d) => `cast('${d}' as date)`).join(', ')})`,
      );
    }
  });
  return result;
}
