import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { it } from 'vitest';
import { openPglite, openPostgres, type SourceDatabase } from '../../src/oltp/database.ts';
import { listMigrations, migrate } from '../../src/oltp/migrate.ts';

export type Backend = 'pglite' | 'postgres';

/**
 * Every database suite runs on embedded PGlite, and also on the real PostgreSQL server when
 * TEST_DATABASE_URL is set (CI sets it). An unreachable server then fails the suite: no skips.
 */
export const databaseBackends: Backend[] = process.env.TEST_DATABASE_URL
  ? ['pglite', 'postgres']
  : ['pglite'];

/**
 * `it` for suites whose subject is not the database (sources, say): each test runs on one backend,
 * taking turns from the server's, so both are exercised without running every test twice.
 */
export function itInTurn() {
  const order = [...databaseBackends].reverse();
  let turn = 0;
  return (name: string, fn: (backend: Backend) => Promise<void>) => {
    const backend = order[turn++ % order.length]!;
    it(`${name} (${backend})`, () => fn(backend));
  };
}

export interface TestDatabase extends SourceDatabase {
  /** The server URL of this throw-away database (postgres backend only). */
  readonly url?: string;
}

/** A fresh, empty database (migrated unless `migrate: false`), dropped again on close. */
export async function createTestDatabase(
  backend: Backend,
  options: { migrate?: boolean | string } = {},
): Promise<TestDatabase> {
  const target = options.migrate ?? true;
  // A fully migrated database is copied from one migrated once per migration set (a PostgreSQL
  // template, a PGlite dump): migrating each of the suite's hundreds of databases cost seconds each.
  // migrate() still runs on the copy and finds nothing to do.
  const full = target === true;
  const database =
    backend === 'pglite'
      ? await openPglite(undefined, { loadDataDir: full ? await pgliteDump() : undefined })
      : await createServerDatabase(full ? await serverTemplate() : undefined);
  if (target !== false) await migrate(database, { target: typeof target === 'string' ? target : undefined });
  return database;
}

/** An embedded database in `dataDir`, migrated: copied from the same dump as createTestDatabase's. */
export async function openMigratedPglite(dataDir: string): Promise<SourceDatabase> {
  return openPglite(dataDir, { loadDataDir: await pgliteDump() });
}

/**
 * A fresh state folder whose embedded database is already migrated, for CLI tests whose subject is
 * not the migration: their first command spent seconds migrating PGlite.
 */
export async function migratedStateDir(prefix: string): Promise<string> {
  const stateDir = mkdtempSync(path.join(tmpdir(), prefix));
  await (await openMigratedPglite(path.join(stateDir, 'pglite'))).close();
  return stateDir;
}

/** The migration files' fingerprint: a copy made from another migration set is never used. */
const migrationSet = createHash('sha256')
  .update(
    listMigrations()
      .map((m) => `${m.file}:${m.checksum}`)
      .join('\n'),
  )
  .digest('hex')
  .slice(0, 12);

const PGLITE_VERSION = (
  JSON.parse(
    readFileSync(
      path.resolve(import.meta.dirname, '../../node_modules/@electric-sql/pglite/package.json'),
      'utf8',
    ),
  ) as { version: string }
).version;

let dump: Promise<Blob> | undefined;

/** A migrated PGlite data folder as a tarball, shared by the suite's processes through a file. */
function pgliteDump(): Promise<Blob> {
  dump ??= (async () => {
    // The PGlite version too: a data folder dumped by another version may not load.
    const file = path.join(tmpdir(), `gourmand-pglite-${PGLITE_VERSION}-${migrationSet}.tar`);
    const cached = await readFile(file).catch(() => undefined);
    if (cached) return new Blob([cached]);
    const database = await openPglite();
    try {
      await migrate(database);
      const tarball = await database.pglite!.dumpDataDir('none');
      // Written aside, then renamed: a process reading it never sees half a file.
      const partial = `${file}.${process.pid}`;
      await writeFile(partial, Buffer.from(await tarball.arrayBuffer()));
      await rename(partial, file);
      return tarball;
    } finally {
      await database.close();
    }
  })();
  return dump;
}

let template: Promise<string> | undefined;

/** A migrated database on the server to copy (`create database … template`), built once per migration set. */
function serverTemplate(): Promise<string> {
  template ??= (async () => {
    const name = `gourmand_tpl_${migrationSet}`;
    const admin = new pg.Client({ connectionString: adminUrl() });
    await admin.connect();
    try {
      // The suite's processes start together: one builds, the others wait for it.
      await admin.query('select pg_advisory_lock(7246002)');
      const found = await admin.query('select 1 from pg_database where datname = $1', [name]);
      if (found.rowCount === 0) {
        // Built under another name and renamed when complete: a crash never leaves half a template.
        const building = `${name}_${process.pid}`;
        await admin.query(`drop database if exists ${building}`);
        await admin.query(`create database ${building}`);
        const database = await openPostgres(serverUrl(building), 2);
        try {
          await migrate(database);
        } finally {
          await database.close();
        }
        await admin.query(`alter database ${building} rename to ${name}`);
      }
    } finally {
      await admin.query('select pg_advisory_unlock(7246002)');
      await admin.end();
    }
    return name;
  })();
  return template;
}

function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set');
  return url;
}

function serverUrl(name: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.href;
}

async function createServerDatabase(templateName?: string): Promise<TestDatabase> {
  const name = `gourmand_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`create database ${name}${templateName ? ` template ${templateName}` : ''}`);
  } finally {
    await admin.end();
  }
  const url = serverUrl(name);
  const database = await openPostgres(url, 5);
  return {
    ...database,
    url,
    async close() {
      await database.close();
      const cleanup = new pg.Client({ connectionString: adminUrl() });
      await cleanup.connect();
      try {
        await cleanup.query(`drop database if exists ${name} with (force)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}
