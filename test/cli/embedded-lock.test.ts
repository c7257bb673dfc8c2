import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPglite } from '../../src/oltp/database.ts';
import { runCli, spawnGourmand } from '../orchestrator/workers.ts';
import { migratedStateDir } from '../support/database.ts';

const DAY1 = '2026-12-01';
const DAY2 = '2026-12-02';

describe('one process per embedded database', () => {
  it('run, serve, a second run from another process (run by the server), stop, status: both dates, one holder', {
    timeout: 600_000,
  }, async () => {
    const stateDir = await migratedStateDir('gourmand-lock-');
    const env = {
      GOURMAND_STATE_DIR: stateDir,
      // Two states' counties: two runs of a country-wide pull were most of this test's time.
      SIM_BUSINESSES: '1000',
      SIM_CENSUS_STATES: 'CA,NV',
      LOG_LEVEL: 'warn',
      TASK_BACKOFF_MS: '10',
    };
    const first = await runCli(['run', '--date', DAY1], env);
    expect(first.code, first.stderr).toBe(0);

    const server = spawnGourmand(['serve', '--port', '0'], { ...env, LOG_LEVEL: 'info' });
    try {
      await server.waitFor('API http');
      // Another process's command that needs the database is refused in one line naming the holder.
      const refused = await runCli(['db', 'status'], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
      expect(refused.stderr).toMatch(
        new RegExp(
          `^error: The embedded database .*pglite is in use by \`gourmand serve\` \\(pid ${server.child.pid}, since .*\\): stop it first`,
        ),
      );
      // `gourmand run` hands its date to the server instead, and prints the same summary.
      const second = await runCli(['run', '--date', DAY2], env);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toMatch(new RegExp(`^Run \\d+ for ${DAY2}: succeeded`));
      expect(second.stdout).toMatch(/load_yelp\s+succeeded/);
      expect(server.output()).toContain(`running ${DAY2} for another process's \`gourmand run\``);
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }

    const status = await runCli(['status', '--json'], env);
    expect(status.code, status.stderr).toBe(0);
    const runs = (JSON.parse(status.stdout) as { runs: { run_date: string; status: string }[] }).runs;
    expect(runs.map((r) => [r.run_date, r.status]).sort()).toEqual([
      [DAY1, 'succeeded'],
      [DAY2, 'succeeded'],
    ]);
    const database = await openPglite(path.join(stateDir, 'pglite'));
    try {
      const { rows } = await database.pglite!.query<{ holding_date: string; n: number }>(
        'select holding_date::text, count(*)::int as n from business_holding group by 1 order by 1',
      );
      expect(rows.map((r) => r.holding_date)).toEqual([DAY1, DAY2]);
      expect(rows.every((r) => r.n > 0)).toBe(true);
    } finally {
      await database.close();
    }
  });
});
