import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addDays, todayUtc } from '../../src/common/dates.ts';
import { openDatabase } from '../../src/oltp/database.ts';
import { spawnGourmand } from '../orchestrator/workers.ts';
import { migratedStateDir } from '../support/database.ts';

const fixture = path.resolve(import.meta.dirname, 'fixtures', 'one-task-graph.ts');

describe('gourmand schedule', () => {
  it('runs the due date and the missed ones, then waits for the next firing until stopped', async () => {
    const stateDir = await migratedStateDir('gourmand-schedule-');
    const scheduler = spawnGourmand(['schedule', '--graph', fixture], {
      GOURMAND_STATE_DIR: stateDir,
      DATABASE_URL: '',
      LOG_LEVEL: 'info',
      // Midnight UTC has always passed today: today is due, and the two days before it.
      SCHEDULE_CRON: '0 0 * * *',
      SCHEDULE_TZ: 'UTC',
      SCHEDULE_CATCHUP_DAYS: '2',
    });
    const today = todayUtc();
    await scheduler.waitFor('scheduler: next run');
    expect(await scheduler.stop('SIGTERM')).toBe(0);
    expect(scheduler.output()).toContain(
      `next run ${addDays(today, 1)} at ${addDays(today, 1)}T00:00:00.000Z`,
    );
    const database = await openDatabase({ stateDir, databaseUrl: undefined });
    try {
      const runs = await database.db
        .selectFrom('ops.pipeline_run')
        .select(['run_date', 'status'])
        .orderBy('run_id')
        .execute();
      expect(runs).toEqual(
        [addDays(today, -2), addDays(today, -1), today].map((run_date) => ({
          run_date,
          status: 'succeeded',
        })),
      );
    } finally {
      await database.close();
    }
  });
});
