import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadSettings } from '../src/config/settings.ts';
import { execScript, openPglite, openPostgres, type SourceDatabase } from '../src/oltp/database.ts';
import { migrate } from '../src/oltp/migrate.ts';

const SQL_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sql');

/** A bench SQL file with `:name` parameters replaced by numbers. */
export function benchSql(name: string, params: Record<string, number> = {}): string {
  let text = readFileSync(path.join(SQL_DIR, name), 'utf8');
  for (const [key, value] of Object.entries(params)) text = text.replaceAll(`:${key}`, String(value));
  return text;
}

/**
 * A scratch, migrated source database with a small geography: a new database on the PostgreSQL
 * server of DATABASE_URL (dropped on close), or an in-memory PGlite when DATABASE_URL is unset.
 */
export async function scratchSource(): Promise<SourceDatabase> {
  const { databaseUrl } = loadSettings();
  let database: SourceDatabase;
  if (!databaseUrl) {
    database = await openPglite();
  } else {
    const name = `gourmand_bench_${process.pid}`;
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(databaseUrl);
    url.pathname = `/${name}`;
    const inner = await openPostgres(url.href, 4);
    database = {
      ...inner,
      async close() {
        await inner.close();
        const cleanup = new pg.Client({ connectionString: databaseUrl });
        await cleanup.connect();
        await cleanup.query(`drop database if exists ${name} with (force)`);
        await cleanup.end();
      },
    };
  }
  await migrate(database);
  await execScript(database.db, benchSql('seed-geography.sql'));
  return database;
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}
