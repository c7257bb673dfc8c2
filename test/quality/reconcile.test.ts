import { DuckDBInstance } from '@duckdb/node-api';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/logger.ts';
import type { Settings } from '../../src/config/settings.ts';
import { dailyGraph } from '../../src/orchestrator/pipeline.ts';
import { runGraph } from '../../src/orchestrator/runner.ts';
import { standaloneTask } from '../../src/orchestrator/single.ts';
import { alertHooks } from '../../src/quality/alerts.ts';
import { type SimulatorServer, startSimulator } from '../../src/simulator/index.ts';
import { simSettings, WEST } from '../e2e/truth.ts';
import { createTestDatabase, databaseBackends, type TestDatabase } from '../support/database.ts';
import { startReceiver } from './webhook-receiver.ts';

const DAY = '2026-03-10';
const CHECKS = ['row_count', 'review_count_sum', 'businesses_per_category', 'key_set', 'freshness'];

describe.each(databaseBackends)('reconciliation on %s', (backend) => {
  let sim: SimulatorServer;
  let database: TestDatabase;
  let settings: Settings;

  beforeAll(async () => {
    // The country-wide searches were most of the day's run.
    sim = await startSimulator({ businesses: 1200, seed: 11, date: DAY, censusStates: WEST });
    settings = simSettings(sim, { ALERT_BACKOFF_MS: '5' });
    database = await createTestDatabase(backend);
    const summary = await runGraph({
      graph: dailyGraph(),
      runDate: DAY,
      settings,
      database,
      log: silentLogger,
    });
    expect(summary.status).toBe('succeeded');
    // A whole pipeline day: past the default hook timeout on a busy machine.
  }, 300_000);
  afterAll(async () => {
    await database?.close();
    await sim?.close();
  });

  const results = (runId: number) =>
    database.db
      .selectFrom('ops.check_result')
      .select(['check_name', 'entity', 'status', 'expected', 'actual', 'details'])
      .where('run_id', '=', runId)
      .where('check_name', 'in', CHECKS)
      .orderBy('check_result_id')
      .execute();

  it('passes every check after a clean build', async () => {
    const run = await database.db
      .selectFrom('ops.pipeline_run')
      .select('run_id')
      .where('run_date', '=', DAY)
      .executeTakeFirstOrThrow();
    const rows = await results(run.run_id);
    expect(rows.filter((r) => r.status !== 'pass')).toEqual([]);
    expect(new Set(rows.map((r) => r.check_name))).toEqual(new Set(CHECKS));
    const holdings = rows.find((r) => r.check_name === 'row_count' && r.entity === 'business_holding')!;
    expect(holdings.expected).toBeGreaterThan(0);
    expect(holdings.actual).toBe(holdings.expected);
    expect(rows.find((r) => r.check_name === 'freshness')).toMatchObject({
      expected: 20260310,
      actual: 20260310,
    });
  });

  it('content hashes pass after a clean build and catch a row edited in the warehouse', async () => {
    const contentHashes = (runId: number) =>
      database.db
        .selectFrom('ops.check_result')
        .select(['entity', 'status'])
        .where('run_id', '=', runId)
        .where('check_name', '=', 'content_hash')
        .orderBy('entity')
        .execute();
    const first = await database.db
      .selectFrom('ops.pipeline_run')
      .select('run_id')
      .where('run_date', '=', DAY)
      .executeTakeFirstOrThrow();
    expect(await contentHashes(first.run_id)).toEqual([
      { entity: 'business:current', status: 'pass' },
      { entity: `business_holding:${DAY}`, status: 'pass' },
    ]);
    // Same keys and counts, one value changed on the warehouse side only, then put back.
    const file = new URL(settings.warehouseUrl).pathname;
    const original = await sql<{ id: number; rating: string; name: string }>`
      select h.business_id as id, h.rating::text as rating, b.name from business_holding h join business b using (business_id)
      where h.holding_date = ${DAY} order by h.business_id limit 1`.execute(database.db);
    const id = original.rows[0]!.id;
    const edit = async (rating: string, name: string) => {
      const instance = await DuckDBInstance.create(file);
      const duck = await instance.connect();
      await duck.run(`update marts.fct_business_holding set rating = ${rating}
        where holding_date = date '${DAY}' and business_id = ${id}`);
      await duck.run(
        `update snapshots.snap_business set business_name = ${name} where is_current and business_id = ${id}`,
      );
      // The instance too: left to the garbage collector, it may still hold the file when the task opens it.
      duck.closeSync();
      instance.closeSync();
    };
    await edit(original.rows[0]!.rating === '1.0' ? '2.0' : '1.0', `'Edited in the warehouse'`);
    const reconcileOnly = () =>
      runGraph({
        graph: [standaloneTask(dailyGraph(), 'reconcile')],
        runDate: DAY,
        settings,
        database,
        log: silentLogger,
        executor: 'task',
      });
    const edited = await reconcileOnly();
    expect(await contentHashes(edited.runId)).toEqual([
      { entity: 'business:current', status: 'fail' },
      { entity: `business_holding:${DAY}`, status: 'fail' },
    ]);
    expect((await results(edited.runId)).filter((r) => r.status !== 'pass')).toEqual([]);
    await edit(original.rows[0]!.rating, `'${original.rows[0]!.name.replaceAll("'", "''")}'`);
    const restored = await reconcileOnly();
    expect((await contentHashes(restored.runId)).map((r) => r.status)).toEqual(['pass', 'pass']);
  });

  it('catches a fact row deleted from the warehouse and a review count changed in the source, and alerts', async () => {
    // Two businesses of different states: one loses its fact row, the other gains reviews at the source.
    const { rows: picks } = await sql<{ business_id: number; state_code: string; review_count: number }>`
      select distinct on (s.state_code) h.business_id, s.state_code, h.review_count
      from business_holding h join business b using (business_id)
      join county c on c.county_id = b.county_id join state s on s.state_id = c.state_id
      where h.holding_date = ${DAY} order by s.state_code, h.business_id limit 2`.execute(database.db);
    const [deleted, changed] = picks as [(typeof picks)[0], (typeof picks)[0]];
    const { rows: before } = await sql<{ state_code: string; total: number; n: number }>`
      select s.state_code, sum(h.review_count)::int as total, count(*)::int as n
      from business_holding h join business b using (business_id)
      join county c on c.county_id = b.county_id join state s on s.state_id = c.state_id
      where h.holding_date = ${DAY} group by s.state_code`.execute(database.db);
    const sumOf = (state: string) => before.find((r) => r.state_code === state)!.total;
    const holdings = before.reduce((n, r) => n + r.n, 0);

    const file = new URL(settings.warehouseUrl).pathname;
    const instance = await DuckDBInstance.create(file);
    const duck = await instance.connect();
    await duck.run(
      `delete from marts.fct_business_holding where business_id = ${deleted.business_id} and holding_date = date '${DAY}'`,
    );
    duck.closeSync();
    instance.closeSync();
    await sql`update business_holding set review_count = review_count + 7
      where business_id = ${changed.business_id} and holding_date = ${DAY}`.execute(database.db);

    const receiver = await startReceiver();
    try {
      const alerting = { ...settings, alertWebhookUrl: receiver.url } as Settings;
      const summary = await runGraph({
        graph: [standaloneTask(dailyGraph(), 'reconcile')],
        runDate: DAY,
        settings: alerting,
        database,
        log: silentLogger,
        executor: 'task',
        hooks: alertHooks(alerting, database, silentLogger),
      });
      expect(summary.status).toBe('succeeded');
      const failed = (await results(summary.runId)).filter((r) => r.status !== 'pass');
      expect(failed).toEqual([
        {
          check_name: 'row_count',
          entity: 'business_holding',
          status: 'fail',
          expected: holdings,
          actual: holdings - 1,
          details: { tolerance: 0, difference: -1 },
        },
        {
          check_name: 'review_count_sum',
          entity: `state:${deleted.state_code}`,
          status: 'fail',
          expected: sumOf(deleted.state_code),
          actual: sumOf(deleted.state_code) - deleted.review_count,
          details: { tolerance: 0, difference: -deleted.review_count },
        },
        {
          check_name: 'review_count_sum',
          entity: `state:${changed.state_code}`,
          status: 'fail',
          expected: sumOf(changed.state_code) + 7,
          actual: sumOf(changed.state_code),
          details: { tolerance: 0, difference: -7 },
        },
        {
          check_name: 'key_set',
          entity: 'business_holding',
          status: 'fail',
          expected: 0,
          actual: 1,
          details: {
            source_keys: holdings,
            warehouse_keys: holdings - 1,
            missing: 1,
            extra: 0,
            missing_sample: [String(deleted.business_id)],
            extra_sample: [],
          },
        },
      ]);
      const [alert, ...more] = receiver.delivered();
      expect(more).toEqual([]);
      // The four above, and the holdings' content hash of the date.
      expect(alert!.text).toBe(`Gourmand run ${summary.runId} for ${DAY}: 5 error check(s) failed`);
      const body = JSON.stringify(alert!.blocks);
      expect(body).toContain(
        `*Check* \`row_count\` on \`business_holding\`: expected ${holdings}, actual ${holdings - 1}`,
      );
      expect(body).toContain(
        `*Check* \`review_count_sum\` on \`state:${changed.state_code}\`: expected ${sumOf(changed.state_code) + 7}, actual ${sumOf(changed.state_code)}`,
      );
    } finally {
      await receiver.close();
    }
  });
});
