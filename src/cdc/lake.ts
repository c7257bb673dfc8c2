import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ValidationError } from '../common/errors.ts';
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
import { CDC_PREFIX, numberToLsn, readCdcManifest } from './changes.ts';

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (value: string) => `'${value.replaceAll("'", "''")}'`;

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
    for (const [table, shape] of Object.entries(changes.tables).sort(([a], [b]) => a.localeCompare(b))) {
      const files = await Promise.all(
        changes.files.filter((f) => f.table === table).map((f) => lake.localCopy(f.key, options.cacheDir)),
      );
      const value = (image: string, column: { name: string; duckType: string }) =>
        `cast(json_extract_string(${image}, ${quoteLiteral(`$.${column.name}`)}) as ${column.duckType})`;
      const keyOf = (name: string) => shape.columns.find((c) => c.name === name)!;
      const select =
        files.length === 0
          ? `select ${shape.columns.map((c) => `cast(null as ${c.duckType}) as ${quoteIdent(c.name)}`).join(', ')} where false`
          : `select ${shape.columns.map((c) => `${value('after', c)} as ${quoteIdent(c.name)}`).join(', ')}
             from (
               select * from read_parquet([${files.map(quoteLiteral).join(', ')}])
               where commit_lsn > ${low} and commit_lsn <= ${high}
               qualify row_number() over (
                 partition by ${shape.key.map((k) => value('coalesce(after, before)', keyOf(k))).join(', ')}
                 order by commit_lsn desc, seq desc) = 1
             )
             where op <> 'd'
             order by ${shape.key.map(quoteIdent).join(', ')}`;
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
