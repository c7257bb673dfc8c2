import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ValidationError } from '../common/errors.ts';
import { quoteIdent, quoteLiteral } from '../common/sql-quote.ts';
import type { Settings } from '../config/settings.ts';
import {
  listExportDates,
  type Manifest,
  manifestKey,
  partitionPrefix,
  readManifest,
  renderManifest,
  sha256File,
} from '../lake/manifest.ts';
import { type ObjectStore, openObjectStore } from '../lake/store.ts';
import type { LakeColumn } from '../lake/tables.ts';
import { CDC_PREFIX, type CdcManifest, CORRECTIONS_TABLE, numberToLsn, readCdcManifest } from './changes.ts';

/** A manifest of the CDC-derived lake: the export's shape plus the commit-LSN window it covers. */
type CdcLakeManifest = Manifest & { cdc: { lowCommitLsn: number; highCommitLsn: number } };

/** The lake the change files are turned into, in the export's layout: `<lake>/_cdc/lake/`. */
export function cdcLakeStore(settings: Pick<Settings, 'lakeUrl' | 's3Endpoint' | 's3Region'>): ObjectStore {
  const base = settings.lakeUrl.endsWith('/') ? settings.lakeUrl : `${settings.lakeUrl}/`;
  return openObjectStore({ ...settings, lakeUrl: new URL(`${CDC_PREFIX}/lake`, base).href });
}

/**
 * Writes the extract date `runDate` of the CDC lake: for every captured table, the last version of
 * each row changed by the transactions committed since the previous date's window (deleted rows
 * left out), cast to the source's types. That is what the daily export of the same moment holds —
 * the rows changed since its watermark, as they are now — so the warehouse builds the same marts
 * from either. Re-running a date recomputes it from the same lower bound.
 */
export async function materializeCdcLake(
  lake: ObjectStore,
  target: ObjectStore,
  options: { runDate: string; cacheDir: string },
): Promise<CdcLakeManifest> {
  const changes = await readCdcManifest(lake);
  const dates = await listExportDates(target);
  const later = dates.find((d) => d > options.runDate);
  if (later) {
    throw new ValidationError(
      `The CDC lake already has ${later}; only the latest date (or a later one) can be built from change files`,
    );
  }
  const previous = dates.filter((d) => d < options.runDate).at(-1);
  const before = previous
    ? ((await readManifest(target, previous)) as CdcLakeManifest | undefined)
    : undefined;
  const low = before?.cdc.highCommitLsn ?? 0;
  const high = changes.highCommitLsn;
  const manifest: CdcLakeManifest = {
    extractDate: options.runDate,
    exportedAt: new Date().toISOString(),
    tables: {},
    cdc: { lowCommitLsn: low, highCommitLsn: high },
  };
  const work = await mkdtemp(path.join(tmpdir(), 'gourmand-cdc-lake-'));
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    // Correction times are instants; the closure date they give is a UTC date, as in the view.
    await conn.run("set TimeZone = 'UTC'");
    const filesOf = (table: string) =>
      Promise.all(
        changes.files.filter((f) => f.table === table).map((f) => lake.localCopy(f.key, options.cacheDir)),
      );
    const corrections = changes.tables[CORRECTIONS_TABLE];
    for (const [table, shape] of Object.entries(changes.tables).sort(([a], [b]) => a.localeCompare(b))) {
      if (table === CORRECTIONS_TABLE) continue;
      const changed = latestRows(shape, await filesOf(table), { low, high });
      const select =
        table === CORRECTED_TABLE && corrections
          ? applyCorrections(
              shape,
              changed,
              // Every correction in force at the window's end, however long ago it was set.
              latestRows(corrections, await filesOf(CORRECTIONS_TABLE), { low: 0, high }),
            )
          : changed;
      const parquet = path.join(work, `${table}.parquet`);
      const reader = await conn.runAndReadAll(
        `copy (${select}) to ${quoteLiteral(parquet)} (format parquet)`,
      );
      const key = `${partitionPrefix(table, options.runDate)}part-0000.parquet`;
      await target.putFile(key, parquet);
      const rows = Number(reader.getRowsJS()[0]?.[0] ?? 0);
      manifest.tables[table] = {
        table,
        low: previous ? numberToLsn(low) : null,
        high: numberToLsn(high),
        rows,
        files: [{ key, rows, bytes: (await stat(parquet)).size, sha256: await sha256File(parquet) }],
        columns: shape.columns,
      };
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
    await rm(work, { recursive: true, force: true });
  }
  await target.putText(manifestKey(options.runDate), renderManifest(manifest));
  return manifest;
}

type Shape = CdcManifest['tables'][string];

/**
 * The last version of each row changed by the transactions committed in (low, high], deleted rows
 * left out, cast to the source's types and ordered by key.
 */
function latestRows(shape: Shape, files: string[], window: { low: number; high: number }): string {
  const value = (image: string, column: LakeColumn) =>
    `cast(json_extract_string(${image}, ${quoteLiteral(`$.${column.name}`)}) as ${column.duckType})`;
  const keyOf = (name: string) => shape.columns.find((c) => c.name === name)!;
  if (files.length === 0)
    return `select ${shape.columns.map((c) => `cast(null as ${c.duckType}) as ${quoteIdent(c.name)}`).join(', ')} where false`;
  return `select ${shape.columns.map((c) => `${value('after', c)} as ${quoteIdent(c.name)}`).join(', ')}
    from (
      select * from read_parquet([${files.map(quoteLiteral).join(', ')}])
      where commit_lsn > ${window.low} and commit_lsn <= ${window.high}
      qualify row_number() over (
        partition by ${shape.key.map((k) => value('coalesce(after, before)', keyOf(k))).join(', ')}
        order by commit_lsn desc, seq desc) = 1
    )
    where op <> 'd'
    order by ${shape.key.map(quoteIdent).join(', ')}`;
}

/** The table the corrections apply to, as the export reads it through `business_effective`. */
const CORRECTED_TABLE = 'business';

/**
 * `business_effective` (migration 0079) over the CDC rows: a corrected field's value replaces the
 * source's (JSON null: corrected to null), and an admin closure sets valid_to as the source would
 * (its closure date, else the correction's date; reopening clears it). Any column may be named by
 * a correction here: the table's check constraint limits which are.
 */
function applyCorrections(shape: Shape, businesses: string, corrections: string): string {
  const path = (field: string) => quoteLiteral(`$."${field}"`);
  const column = (c: LakeColumn) => {
    const name = quoteIdent(c.name);
    if (c.name === 'valid_to')
      return `case when not coalesce(json_exists(o.f, ${path('is_closed')}), false) then b.valid_to
        when cast(json_extract_string(o.f, ${path('is_closed')}) as boolean) then coalesce(b.valid_to, o.closed_on)
        end as ${name}`;
    return `case when json_exists(o.f, ${path(c.name)})
      then cast(json_extract_string(o.f, ${path(c.name)}) as ${c.duckType}) else b.${name} end as ${name}`;
  };
  return `select ${shape.columns.map(column).join(',\n  ')}
    from (${businesses}) b
    left join (
      select business_id,
             json_group_object(field, cast(value as json)) as f,
             max(cast(set_at as date)) filter (where field = 'is_closed') as closed_on
      from (${corrections}) c
      group by business_id
    ) o on o.business_id = b.business_id
    order by b.business_id`;
}
