import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  listMigrations,
  MIGRATIONS_DIR,
  migrate,
  migrationStatus,
  resetDatabase,
} from '../../src/oltp/migrate.ts';
import { createTestDatabase, databaseBackends, type TestDatabase } from '../support/database.ts';

describe.each(databaseBackends)('migrations on %s', (backend) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(backend, { migrate: false });
  });
  afterAll(async () => {
    await database?.close();
  });

  it('applies every migration once, then nothing', async () => {
    const first = await migrate(database);
    expect(first.map((m) => m.version)).toEqual(listMigrations().map((m) => m.version));
    expect(await migrate(database)).toEqual([]);
    const status = await migrationStatus(database);
    expect(status.every((s) => s.state === 'applied')).toBe(true);
  });

  it('reset drops everything so the next migrate starts over', async () => {
    await resetDatabase(database);
    const status = await migrationStatus(database);
    expect(status.every((s) => s.state === 'pending')).toBe(true);
    await migrate(database);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from payment_level`.execute(
      database.db,
    );
    expect(rows[0]!.n).toBe(4);
  });

  it('refuses to run when an applied migration file was edited', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gourmand-migrations-'));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const first = listMigrations(dir)[0]!;
    writeFileSync(path.join(dir, first.file), `${first.sql}\n-- edited\n`);
    await expect(migrate(database, { dir })).rejects.toThrow(
      `Migration ${first.file} changed after it was applied; migrations are forward-only`,
    );
  });
});
