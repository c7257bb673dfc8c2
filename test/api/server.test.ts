import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDatabase, withStatementTimeout } from '../../src/api/database.ts';
import { type RunningServer, startServer } from '../../src/api/server.ts';
import { silentLogger } from '../../src/common/logger.ts';
import { createTestDatabase, databaseBackends, type TestDatabase } from '../support/database.ts';
import { testSettings } from '../support/settings.ts';
import { seedStandard } from './fixtures.ts';
import { JWT_SECRET } from './support.ts';

describe.each(databaseBackends)('the API over real HTTP on %s', (backend) => {
  let database: TestDatabase;
  let server: RunningServer;
  let pizza: number;
  beforeAll(async () => {
    database = await createTestDatabase(backend);
    pizza = (await seedStandard(database.db)).businesses.pizza;
    server = await startServer({
      settings: testSettings({ JWT_SECRET }),
      database,
      log: silentLogger,
      port: 0,
    });
  });
  afterAll(async () => {
    await server?.close();
    await database?.close();
  });

  it('listens on loopback and serves JSON with cache headers', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const first = await fetch(`${server.url}/businesses/${pizza}`);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('miss');
    expect((await first.json()).name).toBe('Raleigh Pizza 100%');
    const second = await fetch(`${server.url}/businesses/${pizza}`, {
      headers: { 'if-none-match': first.headers.get('etag')! },
    });
    expect(second.status).toBe(304);
    expect(second.headers.get('x-cache')).toBe('hit');
  });
});

describe('statement timeout', () => {
  it('is added to the PostgreSQL session options, keeping existing ones', () => {
    const url = withStatementTimeout({
      databaseUrl: 'postgres://u@h:5432/db?options=-c%20search_path%3Dx',
      databaseStatementTimeoutMs: 2500,
    });
    expect(new URL(url!).searchParams.get('options')).toBe('-c search_path=x -c statement_timeout=2500');
    expect(withStatementTimeout({ databaseUrl: 'postgres://h/db', databaseStatementTimeoutMs: 0 })).toBe(
      'postgres://h/db',
    );
  });

  it.runIf(databaseBackends.includes('postgres'))('applies to every API session on the server', async () => {
    const scratch = await createTestDatabase('postgres', { migrate: false });
    const database = await openApiDatabase({
      databaseUrl: scratch.url,
      stateDir: '/nonexistent',
      databaseStatementTimeoutMs: 150,
    });
    try {
      const { rows } = await sql<{ statement_timeout: string }>`show statement_timeout`.execute(database.db);
      expect(rows[0]!.statement_timeout).toBe('150ms');
      await expect(sql`select pg_sleep(2)`.execute(database.db)).rejects.toMatchObject({ code: '57014' });
    } finally {
      await database.close();
      await scratch.close();
    }
  });
});
