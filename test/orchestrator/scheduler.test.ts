import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/logger.ts';
import { openPostgres, type SourceDatabase } from '../../src/oltp/database.ts';
import type { Task } from '../../src/orchestrator/graph.ts';
import { RunLog } from '../../src/orchestrator/run-log.ts';
import { runGraph } from '../../src/orchestrator/runner.ts';
import { type Clock, Scheduler } from '../../src/orchestrator/scheduler.ts';
import { createTestDatabase, databaseBackends, type TestDatabase } from '../support/database.ts';
import { testSettings } from '../support/settings.ts';

/** A clock that jumps instead of waiting, and stops the loop after `sleeps` sleeps. */
function fakeClock(start: string, controller: AbortController, sleeps: number) {
  let now = Date.parse(start);
  const slept: string[] = [];
  const clock: Clock = {
    now: () => new Date(now),
    async sleep(ms) {
      now += ms;
      slept.push(new Date(now).toISOString());
      if (slept.length >= sleeps) controller.abort();
    },
  };
  return { clock, slept };
}

const work: Task = {
  name: 'work',
  dependsOn: [],
  async run() {
    // Long enough for two schedulers ticking together to overlap.
    await sleep(30);
    return { rows: 1 };
  },
};

describe.each(databaseBackends)('scheduler on %s', (backend) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.close();
  });

  const settings = (env: Record<string, string> = {}) =>
    testSettings({ SCHEDULE_CRON: '30 12 * * *', SCHEDULE_TZ: 'UTC', SCHEDULE_CATCHUP_DAYS: '7', ...env });

  const scheduler = (db: SourceDatabase, clock: Clock, env?: Record<string, string>) => {
    const s = settings(env);
    return new Scheduler({
      settings: s,
      database: db,
      log: silentLogger,
      clock,
      runDate: (date) =>
        runGraph({ graph: [work], runDate: date, settings: s, database: db, log: silentLogger }),
    });
  };

  const runsBetween = async (from: string, to: string) =>
    database.db
      .selectFrom('ops.pipeline_run')
      .select(['run_date', 'status', 'executor'])
      .where('run_date', '>=', from)
      .where('run_date', '<=', to)
      .orderBy('run_id')
      .execute();

  it('catches up three missed dates in order, then runs at each firing', async () => {
    const runLog = new RunLog(database.db);
    await runLog.finishRun(await runLog.startRun('2026-06-06', 'in-process'), 'succeeded');
    // A failed run and a single-task run do not count as the date having run.
    await runLog.finishRun(await runLog.startRun('2026-06-08', 'in-process'), 'failed');
    await runLog.finishRun(await runLog.startRun('2026-06-09', 'task'), 'succeeded');
    const controller = new AbortController();
    const { clock, slept } = fakeClock('2026-06-10T13:00:00Z', controller, 2);
    await scheduler(database, clock).start(controller.signal);
    expect(slept).toEqual(['2026-06-11T12:30:00.000Z', '2026-06-12T12:30:00.000Z']);
    const runs = (await runsBetween('2026-06-07', '2026-06-12')).filter(
      (r) => r.status === 'succeeded' && r.executor !== 'task',
    );
    expect(runs.map((r) => r.run_date)).toEqual([
      '2026-06-07',
      '2026-06-08',
      '2026-06-09',
      '2026-06-10',
      '2026-06-11',
    ]);
  });

  it('catches up no further back than the configured limit, and not before the time of day', async () => {
    const { clock } = fakeClock('2026-07-20T12:29:59Z', new AbortController(), 1);
    const ran = await scheduler(database, clock, { SCHEDULE_CATCHUP_DAYS: '2' }).tick();
    expect(ran.map((r) => r.runDate)).toEqual(['2026-07-17', '2026-07-18', '2026-07-19']);
  });

  it('dates a firing by the calendar of the schedule time zone', () => {
    const { clock } = fakeClock('2026-08-10T04:00:00Z', new AbortController(), 1);
    const s = scheduler(database, clock, {
      SCHEDULE_CRON: '30 23 * * *',
      SCHEDULE_TZ: 'America/New_York',
      SCHEDULE_CATCHUP_DAYS: '1',
    });
    // 23:30 in New York on Aug 9 is 03:30 UTC on Aug 10.
    expect(s.dueDates(clock.now())).toEqual(['2026-08-08', '2026-08-09']);
    expect(s.nextFire(clock.now())!.toISOString()).toBe('2026-08-11T03:30:00.000Z');
  });

  it('two schedulers on the same database run each date exactly once', async () => {
    const second = backend === 'postgres' ? await openPostgres(database.url!, 3) : database;
    try {
      const { clock } = fakeClock('2026-09-05T18:00:00Z', new AbortController(), 1);
      const env = { SCHEDULE_CATCHUP_DAYS: '4' };
      const a = scheduler(database, clock, env);
      const b = scheduler(second, clock, env);
      await Promise.all([a.tick(), b.tick()]);
      // Whoever stopped at a busy date finishes on its next tick; nothing is run twice.
      await Promise.all([a.tick(), b.tick()]);
      const runs = await runsBetween('2026-09-01', '2026-09-05');
      expect(runs).toEqual(
        ['2026-09-01', '2026-09-02', '2026-09-03', '2026-09-04', '2026-09-05'].map((run_date) => ({
          run_date,
          status: 'succeeded',
          executor: 'in-process',
        })),
      );
    } finally {
      if (second !== database) await second.close();
    }
  });

  it('resumes a partial date first at every tick, and goes on to the later dates after it', async () => {
    // A pull that completes on its second try, like a quota-limited pass finishing the next day.
    const tries = new Map<string, number>();
    const pull: Task = {
      name: 'pull',
      dependsOn: [],
      async run(ctx) {
        const n = (tries.get(ctx.runDate) ?? 0) + 1;
        tries.set(ctx.runDate, n);
        return {
          rows: 1,
          partial: ctx.runDate === '2026-10-01' && n === 1 ? '3 counties not yet pulled' : undefined,
        };
      },
    };
    const s = settings({ SCHEDULE_CATCHUP_DAYS: '2' });
    const controller = new AbortController();
    const { clock } = fakeClock('2026-10-02T13:00:00Z', controller, 2);
    await new Scheduler({
      settings: s,
      database,
      log: silentLogger,
      clock,
      runDate: (date) => runGraph({ graph: [pull], runDate: date, settings: s, database, log: silentLogger }),
    }).start(controller.signal);
    // First tick: 10-01 partial, 10-02 still runs; the next firing (10-03) resumes 10-01 before 10-03.
    expect(await runsBetween('2026-10-01', '2026-10-03')).toEqual([
      { run_date: '2026-10-01', status: 'partial', executor: 'in-process' },
      { run_date: '2026-10-02', status: 'succeeded', executor: 'in-process' },
      { run_date: '2026-10-01', status: 'succeeded', executor: 'in-process' },
      { run_date: '2026-10-03', status: 'succeeded', executor: 'in-process' },
    ]);
    const [run] = await database.db
      .selectFrom('ops.pipeline_run')
      .select('error')
      .where('run_date', '=', '2026-10-01')
      .where('status', '=', 'partial')
      .execute();
    expect(run!.error).toBe('partial: pull: 3 counties not yet pulled');
  });
});
