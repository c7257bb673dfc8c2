import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ObjectStore } from '../lake/store.ts';
import type { LakeColumn } from '../lake/tables.ts';

/**
 * One row change, in the envelope Debezium's PostgreSQL connector uses (`before`, `after`, `op`
 * c/u/d, `source.lsn`, `ts_ms`), so Debezium consumers can read the stream. Column values are
 * PostgreSQL's text output (what pgoutput sends), or null.
 */
export interface ChangeEvent {
  before: Record<string, string | null> | null;
  after: Record<string, string | null> | null;
  /** c insert, u update, d delete, r read by the initial snapshot. */
  op: 'c' | 'u' | 'd' | 'r';
  /** When the stream processed the change (Debezium's meaning). */
  ts_ms: number;
  source: {
    connector: 'postgresql';
    name: 'gourmand';
    db: string;
    schema: string;
    table: string;
    /** The change's own WAL position, as a number (Debezium's type). */
    lsn: number;
    txId: number;
    /** Commit time of its transaction. */
    ts_ms: number;
    /** Gourmand's additions: the commit's LSN (orders transactions) and the change's place in it. */
    commit_lsn: number;
    seq: number;
  };
}

/** `16/B374D848` → 0x16B374D848, as a number (exact up to 2^53 bytes of WAL). */
export function lsnToNumber(lsn: string): number {
  const [hi, lo] = lsn.split('/');
  return Number.parseInt(hi!, 16) * 2 ** 32 + Number.parseInt(lo!, 16);
}

export function numberToLsn(value: number): string {
  return `${Math.floor(value / 2 ** 32)
    .toString(16)
    .toUpperCase()}/${(value % 2 ** 32).toString(16).toUpperCase()}`;
}

/** pgoutput column types → the lake's DuckDB types (the same mapping the export uses). */
export function duckTypeOfOid(typeOid: number, typeMod: number): string {
  switch (typeOid) {
    case 16:
      return 'BOOLEAN';
    case 20:
      return 'BIGINT';
    case 21:
      return 'SMALLINT';
    case 23:
      return 'INTEGER';
    case 700:
      return 'FLOAT';
    case 701:
      return 'DOUBLE';
    case 1700:
      return typeMod < 0
        ? 'DECIMAL(38, 10)'
        : `DECIMAL(${((typeMod - 4) >> 16) & 0xffff}, ${(typeMod - 4) & 0xffff})`;
    case 1082:
      return 'DATE';
    case 1114:
      return 'TIMESTAMP';
    case 1184:
      return 'TIMESTAMPTZ';
    case 2950:
      return 'UUID';
    default:
      return 'VARCHAR';
  }
}

export const CDC_PREFIX = '_cdc';
/**
 * The captured table of admin corrections (`api.business_override`, one row per corrected field of
 * a business): the export applies them through `business_effective`, the CDC build in DuckDB.
 */
export const CORRECTIONS_TABLE = 'business_override';
export const CDC_MANIFEST = `${CDC_PREFIX}/_manifest.json`;

export interface ChangeFile {
  key: string;
  table: string;
  rows: number;
  bytes: number;
  firstLsn: number;
  lastLsn: number;
}

/**
 * What the change files hold: written after the files, so readers (and a restarted stream) only
 * see complete ones. `highCommitLsn` is the last transaction in them: a restarted stream skips
 * every transaction at or below it, which removes the duplicates the slot sends again.
 */
export interface CdcManifest {
  highCommitLsn: number;
  /** Each table's key and columns, from the replication stream's relation messages. */
  tables: Record<string, { key: string[]; columns: LakeColumn[] }>;
  files: ChangeFile[];
}

export async function readCdcManifest(store: ObjectStore): Promise<CdcManifest> {
  const text = await store.getText(CDC_MANIFEST);
  return text === undefined ? { highCommitLsn: 0, tables: {}, files: [] } : (JSON.parse(text) as CdcManifest);
}

const quoteLiteral = (value: string) => `'${value.replaceAll("'", "''")}'`;
const hex = (n: number) => n.toString(16).padStart(16, '0');
const CHANGE_COLUMNS =
  "{'lsn': 'BIGINT', 'commit_lsn': 'BIGINT', 'seq': 'INTEGER', 'tx_id': 'BIGINT', 'commit_ts_ms': 'BIGINT', 'ts_ms': 'BIGINT', 'op': 'VARCHAR', 'before': 'JSON', 'after': 'JSON'}";

/**
 * Writes one batch of changes (whole transactions, in commit order) as one Parquet file per table
 * and commit date — `_cdc/<table>/dt=<date>/<first lsn>-<last lsn>.parquet`, each PUT atomic —
 * then the manifest naming them.
 */
export async function writeChangeFiles(
  store: ObjectStore,
  conn: DuckDBConnection,
  manifest: CdcManifest,
  events: readonly ChangeEvent[],
): Promise<CdcManifest> {
  const groups = new Map<string, ChangeEvent[]>();
  for (const event of events) {
    const date = new Date(event.source.ts_ms).toISOString().slice(0, 10);
    const group = `${event.source.table}\u0000${date}`;
    groups.set(group, [...(groups.get(group) ?? []), event]);
  }
  const work = await mkdtemp(path.join(tmpdir(), 'gourmand-cdc-'));
  const files: ChangeFile[] = [];
  try {
    for (const [group, changes] of groups) {
      const [table, date] = group.split('\u0000') as [string, string];
      const first = changes[0]!.source.lsn;
      const last = changes.at(-1)!.source.lsn;
      const key = `${CDC_PREFIX}/${table}/dt=${date}/${hex(first)}-${hex(last)}.parquet`;
      const json = path.join(work, 'changes.json');
      const parquet = path.join(work, 'changes.parquet');
      await writeFile(
        json,
        changes
          .map((e) =>
            JSON.stringify({
              lsn: e.source.lsn,
              commit_lsn: e.source.commit_lsn,
              seq: e.source.seq,
              tx_id: e.source.txId,
              commit_ts_ms: e.source.ts_ms,
              ts_ms: e.ts_ms,
              op: e.op,
              before: e.before,
              after: e.after,
            }),
          )
          .join('\n'),
      );
      await conn.run(
        `copy (select * from read_json(${quoteLiteral(json)}, format = 'newline_delimited', columns = ${CHANGE_COLUMNS}))
         to ${quoteLiteral(parquet)} (format parquet)`,
      );
      await store.putFile(key, parquet);
      files.push({
        key,
        table,
        rows: changes.length,
        bytes: (await stat(parquet)).size,
        firstLsn: first,
        lastLsn: last,
      });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const next: CdcManifest = {
    ...manifest,
    highCommitLsn: Math.max(manifest.highCommitLsn, ...events.map((e) => e.source.commit_lsn)),
    files: [...manifest.files, ...files],
  };
  await store.putText(CDC_MANIFEST, JSON.stringify(next));
  return next;
}
