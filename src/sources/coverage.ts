import { sql } from 'kysely';
import type { SourceDatabase } from '../oltp/database.ts';

/** What happened to one county in one pull, as the ledger records it. */
export interface CoverageEntry {
  fips: string;
  status: 'pulled' | 'failed';
  mode: 'full' | 'daily';
  reason?: string;
  /** A failure a retry cannot fix (LOCATION_NOT_FOUND, 404, validation): not retried that date. */
  permanent?: boolean;
  calls: number;
}

export interface CoveragePlan {
  /** The date the current pass over every county started. */
  passStarted: string;
  /** Counties still to pull in this pass, in rotation order (FIPS order, from the pass's start). */
  pending: string[];
  /** Counties that had their full first pull (businesses, reviews, events) on any date. */
  fullyPulled: Set<string>;
}

export interface CoverageReport {
  counties: number;
  pulled: number;
  failed: { fips: string; reason: string }[];
  notYetPulled: number;
  passStarted: string;
}

/**
 * The coverage ledger (ops.coverage, ops.coverage_pass): per source, date and county, pulled or
 * failed with the reason. A pull that the daily quota cuts short is a pass over every county
 * spread over several dates: each date pulls the counties the pass has not pulled yet, in an
 * order that rotates from where the previous pass ended, so every county gets its turn and the
 * ledger tells how fresh each one is. A new pass starts on the first date after one completes.
 */
export class CoverageLedger {
  constructor(
    private readonly database: SourceDatabase,
    private readonly source = 'yelp',
  ) {}

  async plan(runDate: string, counties: readonly string[]): Promise<CoveragePlan> {
    const db = this.database.db;
    const sorted = [...counties].sort();
    let pass = await db
      .selectFrom('ops.coverage_pass')
      .selectAll()
      .where('source', '=', this.source)
      .executeTakeFirst();
    if (!pass) {
      pass = { source: this.source, pass_started: runDate, start_after: null };
      await db.insertInto('ops.coverage_pass').values(pass).execute();
    }
    let pending = await this.pending(pass.pass_started, runDate, sorted);
    const passEnd = await this.lastDate(pass.pass_started);
    if (pending.length === 0 && passEnd !== undefined && runDate > passEnd) {
      // The pass is complete: the next one starts after the county its last date pulled last.
      const last = await db
        .selectFrom('ops.coverage')
        .select('county_fips')
        .where('source', '=', this.source)
        .where('run_date', '=', passEnd)
        .where('status', '=', 'pulled')
        .orderBy('recorded_at', 'desc')
        .orderBy('county_fips', 'desc')
        .executeTakeFirst();
      pass = { source: this.source, pass_started: runDate, start_after: last?.county_fips ?? null };
      await db
        .updateTable('ops.coverage_pass')
        .set({ pass_started: pass.pass_started, start_after: pass.start_after })
        .where('source', '=', this.source)
        .execute();
      pending = sorted;
    }
    const start = pass.start_after;
    const rotated = start
      ? [...pending.filter((fips) => fips > start), ...pending.filter((fips) => fips <= start)]
      : pending;
    const full = await db
      .selectFrom('ops.coverage')
      .select('county_fips')
      .distinct()
      .where('source', '=', this.source)
      .where('status', '=', 'pulled')
      .where('mode', '=', 'full')
      .execute();
    return {
      passStarted: pass.pass_started,
      pending: rotated,
      fullyPulled: new Set(full.map((row) => row.county_fips)),
    };
  }

  /** Records the counties of a pull (a re-run of the date overwrites their entries). */
  async record(runDate: string, entries: readonly CoverageEntry[]): Promise<void> {
    for (let i = 0; i < entries.length; i += 500) {
      await this.database.db
        .insertInto('ops.coverage')
        .values(
          entries.slice(i, i + 500).map((e) => ({
            source: this.source,
            run_date: runDate,
            county_fips: e.fips,
            status: e.status,
            mode: e.mode,
            reason: e.reason ?? null,
            permanent: e.permanent ?? false,
            calls: e.calls,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['source', 'run_date', 'county_fips']).doUpdateSet((eb) => ({
            status: eb.ref('excluded.status'),
            mode: eb.ref('excluded.mode'),
            reason: eb.ref('excluded.reason'),
            permanent: eb.ref('excluded.permanent'),
            // A re-run finding the county's file sends nothing: keep the calls the pull made.
            calls: sql<number>`greatest(ops.coverage.calls, excluded.calls)`,
            recorded_at: sql<Date>`now()`,
          })),
        )
        .execute();
    }
  }

  /**
   * The current pass as of `runDate` (or, for a date before it, that date alone): how many counties
   * it pulled, failed, has still to pull.
   */
  async report(runDate: string, counties: readonly string[]): Promise<CoverageReport> {
    const pass = await this.database.db
      .selectFrom('ops.coverage_pass')
      .select('pass_started')
      .where('source', '=', this.source)
      .executeTakeFirst();
    // A date before the current pass (a re-run of history) is judged by its own pulls.
    const passStarted = pass && pass.pass_started <= runDate ? pass.pass_started : runDate;
    const pending = await this.pending(passStarted, runDate, counties);
    const pulled = await this.database.db
      .selectFrom('ops.coverage')
      .select((eb) => eb.fn.count<number>('county_fips').distinct().as('n'))
      .where('source', '=', this.source)
      .where('run_date', '>=', passStarted)
      .where('run_date', '<=', runDate)
      .where('status', '=', 'pulled')
      .executeTakeFirst();
    const failed = await this.database.db
      .selectFrom('ops.coverage')
      .select(['county_fips', 'reason'])
      .where('source', '=', this.source)
      .where('run_date', '=', runDate)
      .where('status', '=', 'failed')
      .orderBy('county_fips')
      .execute();
    return {
      counties: counties.length,
      pulled: Number(pulled?.n ?? 0),
      failed: failed.map((row) => ({ fips: row.county_fips, reason: row.reason ?? '' })),
      notYetPulled: pending.length,
      passStarted,
    };
  }

  /**
   * Counties the pass has neither pulled nor given up on: a permanent failure is not retried in
   * the same pass (a later pass, on a later date, tries the county again).
   */
  private async pending(passStarted: string, runDate: string, counties: readonly string[]) {
    const rows = await this.database.db
      .selectFrom('ops.coverage')
      .select('county_fips')
      .where('source', '=', this.source)
      .where('run_date', '>=', passStarted)
      .where('run_date', '<=', runDate)
      .where((eb) => eb.or([eb('status', '=', 'pulled'), eb('permanent', '=', true)]))
      .execute();
    const done = new Set(rows.map((row) => row.county_fips));
    return counties.filter((fips) => !done.has(fips));
  }

  private async lastDate(passStarted: string): Promise<string | undefined> {
    const row = await this.database.db
      .selectFrom('ops.coverage')
      .select((eb) => eb.fn.max('run_date').as('last'))
      .where('source', '=', this.source)
      .where('run_date', '>=', passStarted)
      .executeTakeFirst();
    return row?.last ?? undefined;
  }
}
