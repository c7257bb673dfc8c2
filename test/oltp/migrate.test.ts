import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMigrations, migrate, migrationStatus, resetDatabase } from '../../src/oltp/migrate.ts';
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
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from payment_level`.execute(database.db);
    expect(rows[0]!.n).toBe(4);
  });
});
