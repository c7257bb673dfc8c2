import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeLeakedTempDirs } from '../../src/orchestrator/liveness.ts';
import { gourmand } from '../support/cli.ts';
import { createTestDatabase, databaseBackends, migratedStateDir } from '../support/database.ts';

const fixture = path.join(import.meta.dirname, 'fixtures', 'slow-run.ts');

describe.each(databaseBackends)('a run whose process died, on %s', (backend) => {
  it('shows as abandoned after the next command, and its attempt is closed', {
    timeout: 180_000,
  }, async () => {
    const server =
      backend === 'postgres' ? await createTestDatabase('postgres', { migrate: false }) : undefined;
    const stateDir = server
      ? mkdtempSync(path.join(tmpdir(), 'gourmand-liveness-'))
      : await migratedStateDir('gourmand-liveness-');
    const env = { GOURMAND_STATE_DIR: stateDir, DATABASE_URL: server?.url ?? '' };
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const killed = await new Promise<NodeJS.Signals | null>((resolve) => {
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('task started')) child.kill('SIGKILL');
        });
        child.on('exit', (_code, signal) => resolve(signal));
      });
      expect(killed).toBe('SIGKILL');
      // The killed holder's lock is left behind: stale, so the next command takes it over.
      expect(existsSync(path.join(stateDir, 'pglite.lock'))).toBe(backend === 'pglite');
      // The next command — `gourmand status` — finds the dead process and says so.
      const status = await gourmand(['status', '--json'], env);
      expect(status.code, status.stderr).toBe(0);
      const report = JSON.parse(status.stdout) as { runs: { status: string; error: string }[] };
      expect(report.runs).toEqual([
        expect.objectContaining({ status: 'abandoned', error: 'abandoned: the process running it died' }),
      ]);
    } finally {
      await server?.close();
    }
  });
});

describe('leaked temporary folders', () => {
  it('are removed when their process is gone, kept while it lives', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gourmand-tmp-'));
    // pid 2^22 + 1 is above Linux's pid_max: no such process.
    const dead = path.join(dir, 'gourmand-lake-4194305-abc');
    const mine = path.join(dir, `gourmand-load-${process.pid}-abc`);
    const other = path.join(dir, 'unrelated-4194305');
    for (const folder of [dead, mine, other]) mkdirSync(folder);
    expect(removeLeakedTempDirs(dir)).toBe(1);
    expect([existsSync(dead), existsSync(mine), existsSync(other)]).toEqual([false, true, true]);
  });
});
