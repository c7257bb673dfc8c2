import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPglite, openPostgres, type SourceDatabase } from '../../src/oltp/database.ts';
import { migrate } from '../../src/oltp/migrate.ts';

export type Backend = 'pglite' | 'postgres';

/**
 * Every database suite runs on embedded PGlite, and also on the real PostgreSQL server when
 * TEST_DATABASE_URL is set (CI sets it). An unreachable server then fails the suite: no skips.
 */
export const databaseBackends: Backend[] = process.env.TEST_DATABASE_URL
  ? ['pglite', 'postgres']
  : ['pglite'];

export interface TestDatabase extends SourceDatabase {
  /** The server URL of this throw-away database (postgres backend only). */
  readonly url?: string;
}

/** A fresh, empty database (migrated unless `migrate: false`), dropped again on close. */
export async function createTestDatabase(
  backend: Backend,
  options: { migrate?: boolean | string } = {},
): Promise<TestDatabase> {
  const database = backend === 'pglite' ? await openPglite() : await createServerDatabase();
  const target = options.migrate ?? true;
  if (target !== false) await migrate(database, { target: typeof target === 'string' ? target : undefined });
  return database;
}

async function createServerDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `gourmand_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openPostgres(url.href, 5);
  return {
    ...database,
    url: url.href,
    async close() {
      await database.close();
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      try {
        await cleanup.query(`drop database if exists ${name} with (force)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}
