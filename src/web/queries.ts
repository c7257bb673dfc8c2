import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Kysely, sql } from 'kysely';
import type { Schema } from '../oltp/schema.ts';

const readQuery = (name: string) =>
  readFileSync(path.join(import.meta.dirname, 'queries', `${name}.sql`), 'utf8');
const BUSINESSES_BY_STATE = readQuery('businesses_by_state');
const PAYMENT_LEVELS = readQuery('payment_levels');

export interface DashboardData {
  freshness: {
    latestHolding: string | null;
    openBusinesses: number;
    closedBusinesses: number;
    reviews: number;
  };
  runs: {
    runId: number;
    runDate: string;
    status: string;
    startedAt: Date;
    seconds: number | null;
    failedTasks: string[];
  }[];
  failingChecks: {
    runDate: string;
    checkName: string;
    entity: string;
    severity: string;
    expected: number | null;
    actual: number | null;
  }[];
  states: {
    stateCode: string;
    stateName: string;
    businesses: number;
    reviews: number;
    population: number | null;
  }[];
  paymentLevels: {
    symbol: string;
    name: string;
    businesses: number;
    avgRating: number;
    reviewsGained: number;
  }[];
}

/** Everything the dashboard shows, read from the source database and its ops schema. */
export async function loadDashboard(db: Kysely<Schema>): Promise<DashboardData> {
  const [freshness, runs, failedTasks, failingChecks, states, paymentLevels] = await Promise.all([
    db
      .selectFrom('business_effective')
      .select((eb) => [
        eb.fn.countAll<number>().filterWhere('is_closed', '=', false).as('open'),
        eb.fn.countAll<number>().filterWhere('is_closed', '=', true).as('closed'),
        eb
          .selectFrom('business_holding')
          .select((h) => h.fn.max('holding_date').as('d'))
          .as('latest'),
        eb
          .selectFrom('review')
          .select((r) => r.fn.countAll<number>().as('n'))
          .as('reviews'),
      ])
      .executeTakeFirstOrThrow(),
    db.selectFrom('ops.pipeline_run').selectAll().orderBy('run_id', 'desc').limit(10).execute(),
    db
      .selectFrom('ops.task_run')
      .select(['run_id', 'task_name'])
      .where('status', '=', 'failed')
      .where('run_id', 'in', (eb) =>
        eb.selectFrom('ops.pipeline_run').select('run_id').orderBy('run_id', 'desc').limit(10),
      )
      .distinct()
      .execute(),
    db
      .selectFrom('ops.check_result')
      .select(['run_date', 'check_name', 'entity', 'severity', 'expected', 'actual'])
      .where('status', '!=', 'pass')
      .where('run_date', '=', (eb) => eb.selectFrom('ops.check_result').select(eb.fn.max('run_date').as('d')))
      .orderBy('severity', 'desc')
      .orderBy('check_name')
      .limit(50)
      .execute(),
    sql<{
      state_code: string;
      state_name: string;
      businesses: number;
      reviews: number;
      population: number | null;
    }>`${sql.raw(BUSINESSES_BY_STATE)}`.execute(db),
    sql<{
      symbol: string;
      name: string;
      businesses: number;
      avg_rating: number;
      reviews_gained: number;
    }>`${sql.raw(PAYMENT_LEVELS)}`.execute(db),
  ]);
  return {
    freshness: {
      latestHolding: (freshness.latest as string | null) ?? null,
      openBusinesses: Number(freshness.open),
      closedBusinesses: Number(freshness.closed),
      reviews: Number(freshness.reviews ?? 0),
    },
    runs: runs.map((run) => ({
      runId: run.run_id,
      runDate: run.run_date,
      status: run.status,
      startedAt: run.started_at,
      seconds: run.ended_at ? (run.ended_at.getTime() - run.started_at.getTime()) / 1000 : null,
      failedTasks: failedTasks.filter((t) => t.run_id === run.run_id).map((t) => t.task_name),
    })),
    failingChecks: failingChecks.map((c) => ({
      runDate: c.run_date,
      checkName: c.check_name,
      entity: c.entity,
      severity: c.severity,
      expected: c.expected,
      actual: c.actual,
    })),
    states: states.rows.map((s) => ({
      stateCode: s.state_code,
      stateName: s.state_name,
      businesses: s.businesses,
      reviews: s.reviews,
      population: s.population === null ? null : Number(s.population),
    })),
    paymentLevels: paymentLevels.rows.map((p) => ({
      symbol: p.symbol,
      name: p.name,
      businesses: p.businesses,
      avgRating: p.avg_rating,
      reviewsGained: p.reviews_gained,
    })),
  };
}
