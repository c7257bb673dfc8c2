import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMigrations } from '../../src/oltp/migrate.ts';
import { gourmand } from '../support/cli.ts';
import { createTestDatabase, databaseBackends, type TestDatabase } from '../support/database.ts';

describe.each(databaseBackends)('gourmand db and run on %s', (backend) => {
  let env: Record<string, string>;
  let server: TestDatabase | undefined;
  beforeAll(async () => {
    server = backend === 'postgres' ? await createTestDatabase('postgres', { migrate: false }) : undefined;
    env = {
      GOURMAND_STATE_DIR: mkdtempSync(path.join(tmpdir(), 'gourmand-cli-')),
      DATABASE_URL: server?.url ?? '',
    };
  });
  afterAll(async () => {
    await server?.close();
  });

  it('migrates once, then reports up to date', async () => {
    const first = await gourmand(['db', 'migrate'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`Applied ${listMigrations().length} migration\\(s\\)`));
    const second = await gourmand(['db', 'migrate'], env);
    expect(second.stdout).toMatch(/is up to date/);
    const status = JSON.parse((await gourmand(['db', 'status', '--json'], env)).stdout);
    expect(status.migrations.map((m: { state: string }) => m.state)).toEqual(
      listMigrations().map(() => 'applied'),
    );
  });

  it('refuses to reset without --yes', async () => {
    const result = await gourmand(['db', 'reset'], env);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('error: db reset deletes all data: pass --yes to confirm');
  });
});

describe('gourmand command line', () => {
  it('fails on a bad setting with one line and exit code 2', async () => {
    const result = await gourmand(['db', 'status'], { DATABASE_URL: 'foo' });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      'error: Invalid setting DATABASE_URL="foo": expected a postgres:// or postgresql:// URL, e.g. postgres://postgres@127.0.0.1:5432/gourmand',
    ]);
  });

  it('fails on a bad run date with exit code 2', async () => {
    const result = await gourmand(['run', '--date', '2026-02-30']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      'error: Invalid --date "2026-02-30": expected a calendar date as YYYY-MM-DD',
    );
  });

  // One process per command (about twenty): past the default minute on a busy two-core machine.
  it('shows help for every command', { timeout: 240_000 }, async () => {
    const top = await gourmand(['--help']);
    expect(top.code).toBe(0);
    const commands = [...top.stdout.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)]
      .map((m) => m[1]!)
      .filter((c) => c !== 'help');
    expect(commands).toEqual(expect.arrayContaining(['db', 'run', 'config']));
    // Two at a time: the machine has two cores.
    for (let i = 0; i < commands.length; i += 2) {
      const pair = commands.slice(i, i + 2);
      const helps = await Promise.all(pair.map((command) => gourmand([command, '--help'])));
      pair.forEach((command, j) => {
        expect(helps[j]!.code, command).toBe(0);
        expect(helps[j]!.stdout, command).toMatch(/^Usage: gourmand /);
      });
    }
  });
});
