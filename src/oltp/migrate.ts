import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { DatabaseError } from '../common/errors.ts';
import { type Logger, silentLogger } from '../common/logger.ts';
import { execScript, type SourceDatabase } from './database.ts';

/**
 * Versioned, forward-only migrations: `migrations/NNNN_name.sql`, applied in order, each in its
 * own transaction, recorded in ops.schema_migration with a checksum so an edited, already-applied
 * file is caught instead of silently diverging.
 */
export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface Migration {
  version: string;
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

export interface MigrationStatus {
  version: string;
  name: string;
  state: 'applied' | 'pending';
  appliedAt: Date | null;
}

// Any constant shared by all migrators: two processes migrating at once queue up on it.
const MIGRATION_LOCK = 7_246_001;

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const text = readFileSync(path.join(dir, file), 'utf8');
      return {
        version: file.slice(0, 4),
        name: file.slice(5, -4),
        file,
        sql: text,
        checksum: createHash('sha256').update(text).digest('hex'),
      };
    });
}

async function ensureTrackingTable(database: SourceDatabase) {
  await execScript(
    database.db,
    `create schema if not exists ops;
     create table if not exists ops.schema_migration (
       version    text primary key,
       name       text not null,
       checksum   text not null,
       applied_at timestamptz not null default now()
     );`,
  );
}

async function appliedMigrations(database: SourceDatabase) {
  await ensureTrackingTable(database);
  const rows = await database.db.selectFrom('ops.schema_migration').selectAll().execute();
  return new Map(rows.map((row) => [row.version, row]));
}

function assertUnchanged(migrations: Migration[], applied: Map<string, { checksum: string }>) {
  for (const migration of migrations) {
    const row = applied.get(migration.version);
    if (row && row.checksum !== migration.checksum) {
      throw new DatabaseError(
        `Migration ${migration.file} changed after it was applied; migrations are forward-only: revert the edit and add a new migration`,
      );
    }
  }
}

export interface MigrateOptions {
  /** Stop after this version (inclusive); default: the latest. */
  target?: string;
  log?: Logger;
  dir?: string;
}

/** Applies pending migrations; returns the ones it applied (none when up to date). */
export async function migrate(database: SourceDatabase, options: MigrateOptions = {}): Promise<Migration[]> {
  const log = options.log ?? silentLogger;
  const migrations = listMigrations(options.dir);
  const applied = await appliedMigrations(database);
  assertUnchanged(migrations, applied);
  const done: Migration[] = [];
  for (const migration of migrations) {
    if (options.target && migration.version > options.target) break;
    if (applied.has(migration.version)) continue;
    const ran = await database.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(trx);
      // Another process may have applied it while we waited for the lock.
      const already = await trx
        .selectFrom('ops.schema_migration')
        .select('version')
        .where('version', '=', migration.version)
        .executeTakeFirst();
      if (already) return false;
      await execScript(trx, migration.sql);
      await trx
        .insertInto('ops.schema_migration')
        .values({ version: migration.version, name: migration.name, checksum: migration.checksum })
        .execute();
      return true;
    });
    if (ran) {
      log.info({ migration: migration.file }, `applied migration ${migration.file}`);
      done.push(migration);
    }
  }
  return done;
}

export async function migrationStatus(database: SourceDatabase, dir?: string): Promise<MigrationStatus[]> {
  const migrations = listMigrations(dir);
  const applied = await appliedMigrations(database);
  assertUnchanged(migrations, applied);
  return migrations.map((migration) => {
    const row = applied.get(migration.version);
    return {
      version: migration.version,
      name: migration.name,
      state: row ? 'applied' : 'pending',
      appliedAt: row?.applied_at ?? null,
    };
  });
}

/** Drops every schema the migrations created (all non-system schemas) and recreates `public`. */
export async function resetDatabase(database: SourceDatabase): Promise<string[]> {
  const { rows } = await sql<{ nspname: string }>`
    select nspname from pg_namespace
    where nspname not like 'pg\\_%' and nspname <> 'information_schema'
  `.execute(database.db);
  const schemas = rows.map((row) => row.nspname);
  const drops = schemas.map((schema) => `drop schema if exists "${schema.replaceAll('"', '""')}" cascade;`);
  await execScript(database.db, `${drops.join('\n')}\ncreate schema public;`);
  return schemas;
}
