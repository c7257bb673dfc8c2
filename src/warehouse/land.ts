import { ValidationError } from '../common/errors.ts';
import { type Logger, silentLogger } from '../common/logger.ts';
import { listExportDates, type Manifest, readManifest, verifiedCopy } from '../lake/manifest.ts';
import type { ObjectStore } from '../lake/store.ts';
import type { WarehouseAdapter } from './adapter.ts';
import { recordChanged, recordRebuilt } from './changes.ts';

/**
 * Brings lake partitions into the warehouse's `lake` schema: one table per lake table holding
 * every extracted row version with its extract date `dt`. A full refresh reads every partition
 * up to the run date; otherwise only the run date's partitions and any date not landed before or
 * re-exported since (its manifest's exportedAt changed).
 * `source('lake', 't')` in a model reads these tables.
 *
 * Landing is planned first, reading only: which dates, every manifest parsed and every file's size
 * and SHA-256 checked. A build that must refuse (a corrupt file, an older date the snapshots cannot
 * take) refuses there, before anything in the warehouse changes.
 */
export interface LandResult {
  /** Extract dates landed by this run, ascending. */
  dates: string[];
  /** Lake object keys read. */
  filesRead: string[];
  rows: number;
}

export interface LandingPlan {
  runDate: string;
  fullRefresh: boolean;
  /** Dates to land, ascending. */
  dates: string[];
  /** Dates never landed, or re-exported since they were (every date on a full refresh). */
  changed: string[];
  /** The latest date landed before this build (null: none). */
  latestLanded: string | null;
  manifests: Map<string, Manifest>;
  /** Lake key → verified local copy. */
  files: Map<string, string>;
}

const META = '_gourmand';
const LANDED = 'landed_partition';

export async function planLanding(
  adapter: WarehouseAdapter,
  store: ObjectStore,
  options: { runDate: string; fullRefresh: boolean; cacheDir: string },
): Promise<LandingPlan> {
  const available = (await listExportDates(store)).filter((date) => date <= options.runDate);
  const landedAt = (await adapter.tableExists(META, LANDED))
    ? new Map(
        (
          await adapter.query<{ d: string; at: string }>(
            `select cast(extract_date as varchar) as d, min(exported_at) as at from ${adapter.relation(META, LANDED)} group by 1`,
          )
        ).map((row) => [row.d, row.at]),
      )
    : new Map<string, string>();
  const latestLanded = [...landedAt.keys()].sort().at(-1) ?? null;
  const manifests = new Map<string, Manifest>();
  for (const date of available) {
    const manifest = await readManifest(store, date);
    if (manifest) manifests.set(date, manifest);
  }
  const changed = available.filter(
    (date) => options.fullRefresh || landedAt.get(date) !== manifests.get(date)?.exportedAt,
  );
  // The run date is landed again too: a re-run replaces it.
  const dates = available.filter((date) => changed.includes(date) || date === options.runDate);
  const files = new Map<string, string>();
  for (const date of dates) {
    for (const file of Object.values(manifests.get(date)?.tables ?? {}).flatMap((t) => t.files)) {
      files.set(file.key, await verifiedCopy(store, file, options.cacheDir));
    }
  }
  return { ...options, dates, changed, latestLanded, manifests, files };
}

/**
 * Why the plan cannot be built incrementally, or undefined. The snapshots apply dates in order, so
 * a date older than the latest landed one can only come in with a full refresh.
 */
export function landingRefusal(plan: LandingPlan): string | undefined {
  if (plan.fullRefresh || plan.latestLanded === null) return undefined;
  const older = plan.changed.filter((date) => date < plan.latestLanded!);
  if (older.length === 0) return undefined;
  return `Warehouse build of ${plan.runDate}: the lake has new exports of ${older.join(', ')}, older than ${plan.latestLanded} which the warehouse already holds; rebuild it with --full-refresh`;
}

/** Lands a plan (checked with landingRefusal) in one transaction. */
export async function landLake(
  adapter: WarehouseAdapter,
  plan: LandingPlan,
  options: { log?: Logger } = {},
): Promise<LandResult> {
  const refusal = landingRefusal(plan);
  if (refusal) throw new ValidationError(refusal);
  const log = options.log ?? silentLogger;
  await adapter.ensureSchema('lake');
  await adapter.ensureSchema(META);
  const landed = adapter.relation(META, LANDED);
  await adapter.exec(
    `create table if not exists ${landed} (table_name varchar, extract_date date, exported_at varchar, primary key (table_name, extract_date))`,
  );
  const result: LandResult = { dates: plan.dates, filesRead: [], rows: 0 };
  await adapter.transaction(async () => {
    if (plan.fullRefresh) await adapter.exec(`delete from ${landed}`);
    // Tables created (or emptied by a full refresh) in this run hold no rows of any date yet.
    const fresh = new Set<string>();
    const existing = plan.fullRefresh ? new Set<string>() : await adapter.tablesIn('lake');
    for (const date of plan.dates) {
      const manifest = plan.manifests.get(date);
      if (!manifest) continue;
      for (const table of Object.values(manifest.tables)) {
        const target = adapter.relation('lake', table.table);
        const files = table.files.map((f) => plan.files.get(f.key)!);
        result.filesRead.push(...table.files.map((f) => f.key));
        const source = adapter.readParquet(files, date);
        const entity = `lake.${table.table}`;
        if (!fresh.has(table.table) && !existing.has(table.table)) {
          await adapter.replaceTable(target, `select * from ${source} where false`);
          await recordRebuilt(adapter, entity);
          fresh.add(table.table);
        }
        if (!fresh.has(table.table)) {
          await adapter.exec(`delete from ${target} where dt = cast('${date}' as date)`);
          // Landing replaces whole partitions: the tests need only look at this one again.
          await recordChanged(adapter, entity, ['dt'], `select cast('${date}' as date) as dt`);
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
    if (plan.dates.length > 0 && (await adapter.tableExists(META, 'applied_date'))) {
      await adapter.exec(
        `delete from ${applied} where extract_date in (${plan.dates.map((d) => `cast('${d}' as date)`).join(', ')})`,
      );
    }
  });
  return result;
}
