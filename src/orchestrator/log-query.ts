import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance, listValue } from '@duckdb/node-api';
import pino from 'pino';
import { ConfigError } from '../common/errors.ts';
import type { Settings } from '../config/settings.ts';
import { logsDir } from './log-files.ts';

const load = (name: string) => readFileSync(new URL(`./logs/${name}.sql`, import.meta.url), 'utf8');
const RECORDS = load('records');
const STATS = {
  levels: load('stats-levels'),
  slowest: load('stats-slowest'),
  warnings: load('stats-warnings'),
};

export interface LogFilter {
  run?: number;
  /** A run date: the folder logs/<date>. */
  date?: string;
  task?: string;
  /** Lowest level kept: trace, debug, info, warn, error, fatal. */
  level?: string;
  grep?: string;
}

/** The run log files a filter can match (by folder and name; the records are filtered in DuckDB). */
export function logFiles(
  settings: Pick<Settings, 'stateDir'>,
  filter: Pick<LogFilter, 'run' | 'date'>,
): string[] {
  const dir = logsDir(settings);
  const folders = filter.date ? [filter.date] : readdirSafe(dir);
  return folders
    .flatMap((date) => readdirSafe(path.join(dir, date)).map((name) => path.join(dir, date, name)))
    .filter((file) => file.endsWith('.jsonl'))
    .filter((file) => filter.run === undefined || path.basename(file).startsWith(`run-${filter.run}.`))
    .sort();
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function levelNumber(level: string | undefined): number {
  if (level === undefined) return 0;
  const value = pino.levels.values[level];
  if (value === undefined) {
    throw new ConfigError(`--level must be one of ${Object.keys(pino.levels.values).join(', ')}`);
  }
  return value;
}

async function withRecords<T>(files: string[], fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    // Lines that are not JSON (a line cut by a crash) come back null and are left out.
    await conn.run(
      'create temp table log_record as select json from read_ndjson_objects($files, ignore_errors = true) where json is not null',
      { files: listValue(files) },
    );
    return await fn(conn);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

const plainRow = (row: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]));

/** The log records (parsed) that match a filter, oldest first: DuckDB's JSON reader over the files. */
export async function readLogs(
  settings: Pick<Settings, 'stateDir'>,
  filter: LogFilter,
): Promise<Record<string, unknown>[]> {
  const level = levelNumber(filter.level);
  const files = logFiles(settings, filter);
  if (files.length === 0) return [];
  return withRecords(files, async (conn) => {
    const reader = await conn.runAndReadAll(RECORDS, {
      run: filter.run ?? 0,
      task: filter.task ?? '',
      level,
      grep: filter.grep ?? '',
    });
    return reader.getRowObjectsJS().map((row) => JSON.parse(String(row.line)));
  });
}

export type LogStats = Record<keyof typeof STATS, Record<string, unknown>[]>;

/** Per task and level across runs: record counts, the slowest steps, the most frequent warnings. */
export async function logStats(
  settings: Pick<Settings, 'stateDir'>,
  filter: LogFilter = {},
): Promise<LogStats> {
  const files = logFiles(settings, filter);
  if (files.length === 0) return { levels: [], slowest: [], warnings: [] };
  return withRecords(files, async (conn) => {
    const result = {} as LogStats;
    for (const [name, statement] of Object.entries(STATS) as [keyof LogStats, string][]) {
      result[name] = (await conn.runAndReadAll(statement)).getRowObjectsJS().map(plainRow);
    }
    return result;
  });
}
