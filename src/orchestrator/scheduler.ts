import { setTimeout as sleep } from 'node:timers/promises';
import { Cron } from 'croner';
import { sql } from 'kysely';
import { ConfigError, errorMessage } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import type { Settings } from '../config/settings.ts';
import type { SourceDatabase } from '../oltp/database.ts';
import type { RunSummary } from './runner.ts';

/** Time as the scheduler sees it; tests inject one that jumps instead of waiting. */
export interface Clock {
  now(): Date;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }).catch(() => {}),
};

export interface SchedulerOptions {
  settings: Pick<Settings, 'scheduleCron' | 'scheduleTimezone' | 'scheduleCatchupDays'>;
  database: SourceDatabase;
  log: Logger;
  /** Runs the pipeline for one date (any executor). */
  runDate: (date: string) => Promise<RunSummary>;
  /**
   * The sources only tell today's state (live APIs): a missed past date is recorded in ops.run_gap
   * instead of being run with today's data.
   */
  liveSources?: boolean;
  /** Dates before this one are never due (nothing ran before it to miss). */
  since?: string;
  clock?: Clock;
}

// First key of the two-key advisory lock: the namespace of "run date" locks.
const RUN_DATE_LOCK = 7_246_030;

// PGlite is one session in one process, where advisory locks are re-entrant: dates held by
// schedulers sharing that instance are tracked here instead.
const embeddedLocks = new WeakMap<object, Set<string>>();

/**
 * Starts the daily run at the cron time in the configured time zone. Each tick runs, oldest first,
 * every recent scheduled date (the current one plus up to `scheduleCatchupDays` missed ones) that
 * has no succeeded run in ops.pipeline_run (a partial date is resumed before the next), each under a PostgreSQL advisory lock keyed by the
 * date, so schedulers on several hosts never run the same date twice.
 */
export class Scheduler {
  private readonly cron: Cron;
  private readonly clock: Clock;
  private readonly dateFormat: Intl.DateTimeFormat;

  constructor(private readonly options: SchedulerOptions) {
    const { scheduleCron, scheduleTimezone } = options.settings;
    try {
      this.cron = new Cron(scheduleCron, { timezone: scheduleTimezone, paused: true });
    } catch (error) {
      throw new ConfigError(`Invalid setting SCHEDULE_CRON="${scheduleCron}": ${errorMessage(error)}`);
    }
    this.clock = options.clock ?? systemClock;
    // en-CA formats as YYYY-MM-DD.
    this.dateFormat = new Intl.DateTimeFormat('en-CA', {
      timeZone: scheduleTimezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
  }

  /** The run date of a firing: its calendar day in the schedule's time zone. */
  runDateOf(fire: Date): string {
    return this.dateFormat.format(fire);
  }

  /** The dates of the latest firing at or before `now` and of up to scheduleCatchupDays before it. */
  dueDates(now: Date): string[] {
    // previousRuns excludes the reference instant itself; a firing exactly now is due.
    const reference = new Date(now.getTime() + 1);
    const fires = this.cron.previousRuns(this.options.settings.scheduleCatchupDays + 1, reference);
    const since = this.options.since ?? '';
    return [...new Set(fires.map((fire) => this.runDateOf(fire)))].filter((date) => date >= since).sort();
  }

  nextFire(now: Date): Date | null {
    return this.cron.nextRun(now);
  }

  /** Runs the due dates that lack a succeeded run, oldest first; returns the runs it made. */
  async tick(): Promise<RunSummary[]> {
    const due = this.dueDates(this.clock.now());
    const done = await this.succeededDates(this.options.database, due);
    const summaries: RunSummary[] = [];
    const today = this.runDateOf(this.clock.now());
    for (const date of due.filter((d) => !done.has(d))) {
      if (this.options.liveSources && date < today) {
        await this.recordGap(date);
        continue;
      }
      const outcome = await this.withDateLock(date, async (database) => {
        // Another scheduler may have finished this date while we waited for the lock.
        if ((await this.succeededDates(database, [date])).has(date)) return 'done';
        this.options.log.info({ runDate: date }, `scheduler: running ${date}`);
        return this.options.runDate(date);
      });
      if (outcome === 'busy') {
        // Another scheduler is on this date; later dates wait for it so dates still run in order.
        this.options.log.info({ runDate: date }, `scheduler: ${date} is being run elsewhere`);
        break;
      }
      if (outcome === 'done') continue;
      summaries.push(outcome);
      // A partial date stays due (it is resumed first at every tick) but does not hold back later dates.
      if (outcome.status === 'partial') {
        this.options.log.warn({ runDate: date }, `scheduler: ${date} partial; resumed at the next tick`);
        continue;
      }
      if (outcome.status !== 'succeeded') {
        this.options.log.warn(
          { runDate: date, status: outcome.status },
          `scheduler: ${date} ${outcome.status}`,
        );
        break;
      }
    }
    return summaries;
  }

  /** Ticks now, then at every firing, until the signal aborts. A failed tick is logged and retried at the next firing. */
  async start(signal: AbortSignal): Promise<void> {
    const { log } = this.options;
    while (!signal.aborted) {
      try {
        await this.tick();
      } catch (error) {
        log.error({ err: errorMessage(error) }, 'scheduler: tick failed; retrying at the next firing');
      }
      const now = this.clock.now();
      const next = this.nextFire(now);
      if (!next || signal.aborted) return;
      log.info(
        { next: next.toISOString() },
        `scheduler: next run ${this.runDateOf(next)} at ${next.toISOString()}`,
      );
      await this.clock.sleep(next.getTime() - now.getTime(), signal);
    }
  }

  private async recordGap(date: string): Promise<void> {
    const inserted = await this.options.database.db
      .insertInto('ops.run_gap')
      .values({
        run_date: date,
        reason: 'missed while the scheduler was down; the live APIs only answer with today’s state',
      })
      .onConflict((oc) => oc.column('run_date').doNothing())
      .returning('run_date')
      .execute();
    if (inserted.length > 0) {
      this.options.log.warn(
        { runDate: date },
        `scheduler: ${date} was missed and is recorded as a gap (live APIs cannot tell a past date; \`gourmand backfill --from-raw\` rebuilds dates whose raw pulls are kept)`,
      );
    }
  }

  private async succeededDates(database: SourceDatabase, dates: string[]): Promise<Set<string>> {
    if (dates.length === 0) return new Set();
    const rows = await database.db
      .selectFrom('ops.pipeline_run')
      .select('run_date')
      .distinct()
      .where('status', '=', 'succeeded')
      // A single task run for a date (Airflow, by hand) is not a run of the pipeline.
      .where('executor', '<>', 'task')
      .where('run_date', 'in', dates)
      .execute();
    return new Set(rows.map((row) => row.run_date));
  }

  private async withDateLock<T>(
    date: string,
    fn: (database: SourceDatabase) => Promise<T>,
  ): Promise<T | 'busy'> {
    const { database } = this.options;
    if (database.kind === 'pglite') {
      const key = database.pglite ?? database;
      const held = embeddedLocks.get(key) ?? new Set<string>();
      embeddedLocks.set(key, held);
      if (held.has(date)) return 'busy';
      held.add(date);
      try {
        return await fn(database);
      } finally {
        held.delete(date);
      }
    }
    const day = Math.round(Date.parse(`${date}T00:00:00Z`) / 86_400_000);
    // A session lock on one pinned connection: held for the whole run, released even if it fails.
    return database.db.connection().execute(async (connection) => {
      const { rows } = await sql<{ locked: boolean }>`
        select pg_try_advisory_lock(${RUN_DATE_LOCK}, ${day}) as locked`.execute(connection);
      if (!rows[0]?.locked) return 'busy' as const;
      try {
        return await fn(database);
      } finally {
        await sql`select pg_advisory_unlock(${RUN_DATE_LOCK}, ${day})`.execute(connection);
      }
    });
  }
}
