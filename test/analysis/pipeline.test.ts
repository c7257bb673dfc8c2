import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYSES, AnalysisError, AnalysisInputError, runAnalysis } from '../../src/analysis/index.ts';
import { AnalysisResult } from '../../src/analysis/result.ts';
import { buildApp } from '../../src/api/app.ts';
import { MemoryCache } from '../../src/api/cache/memory.ts';
import { startServer } from '../../src/api/server.ts';
import { silentLogger } from '../../src/common/logger.ts';
import type { Settings } from '../../src/config/settings.ts';
import { selectTasks } from '../../src/orchestrator/graph.ts';
import { dailyGraph } from '../../src/orchestrator/pipeline.ts';
import { type RunSummary, runGraph } from '../../src/orchestrator/runner.ts';
import { type SimulatorServer, startSimulator } from '../../src/simulator/index.ts';
import { withWarehouse } from '../../src/warehouse/adapter.ts';
import { simSettings } from '../e2e/truth.ts';
import { gourmand } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { launchChromium } from '../web/browser.ts';

// The default world (3,000 businesses, seed 42) through the real pipeline for two days.
const DAYS = ['2026-11-24', '2026-11-25'];

describe('analyses after the default pipeline', () => {
  let sim: SimulatorServer;
  let database: TestDatabase;
  let settings: Settings;
  const summaries: RunSummary[] = [];

  beforeAll(async () => {
    sim = await startSimulator({ businesses: 3000, seed: 42, date: DAYS[0]! });
    settings = simSettings(sim);
    database = await createTestDatabase('pglite');
    for (const date of DAYS) {
      sim.setDate(date);
      summaries.push(
        await runGraph({
          graph: selectTasks(dailyGraph(), ['warehouse_test'], true),
          runDate: date,
          settings,
          database,
          log: silentLogger,
          attempts: 1,
        }),
      );
    }
  }, 600_000);
  afterAll(async () => {
    await database?.close();
    await sim?.close();
  });

  it('builds and tests the marts, rpt_business_profile included', () => {
    for (const s of summaries) expect(s.status, JSON.stringify(s.tasks)).toBe('succeeded');
  });

  it('shows real variation: businesses per 100k people differ ≥ 2× across states, review volume by payment level', async () => {
    await withWarehouse(settings, async (warehouse) => {
      // states with at least 20 businesses, so the spread is the planted density and not small-number noise
      const perState = await warehouse.query<{ state_code: string; per100k: number }>(
        'select state_code, businesses_per_100k as per100k from marts.rpt_state_per_capita where businesses >= 20 order by 2',
      );
      expect(perState.length).toBeGreaterThan(10);
      expect(perState.at(-1)!.per100k / perState[0]!.per100k).toBeGreaterThanOrEqual(2);
      const levels = new Map(
        (
          await warehouse.query<{ symbol: string; reviews: number }>(
            'select payment_level_symbol as symbol, avg_review_count as reviews from marts.rpt_payment_level_performance',
          )
        ).map((r) => [r.symbol, r.reviews]),
      );
      expect(levels.get('$')! / levels.get('$$$$')!).toBeGreaterThanOrEqual(1.5);
      const profile = await warehouse.query<{ n: number; chains: number }>(
        `select count(*) as n, count(distinct chain_name) as chains from marts.rpt_business_profile`,
      );
      expect(profile[0]!.chains).toBeGreaterThanOrEqual(5);
    });
  });

  it('runs every analysis on the default window with a result that has a sentence and no NaN', async () => {
    await withWarehouse(settings, async (warehouse) => {
      for (const analysis of ANALYSES) {
        const result = await runAnalysis(warehouse, analysis.name, {});
        expect(AnalysisResult.parse(result).analysis).toBe(analysis.name);
        expect(result.sentence.length).toBeGreaterThan(40);
        expect(JSON.stringify(result)).not.toMatch(/NaN|null,"ciHigh":[0-9]/);
        if (result.window) expect(result.window).toEqual({ from: DAYS[0], to: DAYS[1] });
      }
    });
  });

  it('gives one clear message for an empty filter, a bad parameter and too small a group', async () => {
    await withWarehouse(settings, async (warehouse) => {
      await expect(runAnalysis(warehouse, 'payment-level', { state: ['ZZ'] })).rejects.toThrow(
        new AnalysisError(
          `no businesses match ${DAYS[0]} to ${DAYS[1]}; state ZZ; independent businesses: check the filters and the window`,
        ),
      );
      await expect(runAnalysis(warehouse, 'state-daily-change', { state: ['FL'] })).rejects.toThrow(
        AnalysisInputError,
      );
      await expect(runAnalysis(warehouse, 'payment-level', { threshold: 3 })).rejects.toThrow(
        /payment-level takes no parameter "threshold"/,
      );
      await expect(runAnalysis(warehouse, 'state-daily-change', { state: ['FL', 'WY'] })).rejects.toThrow(
        /^n = \d in group WY: at least 10 needed/,
      );
    });
  });

  it('gourmand analyze: --help lists every analysis; a run prints the table and the same sentence', async () => {
    const help = await gourmand(['analyze', '--help']);
    expect(help.code).toBe(0);
    for (const analysis of ANALYSES) expect(help.stdout).toContain(analysis.name);
    const expected = await withWarehouse(settings, (warehouse) =>
      runAnalysis(warehouse, 'payment-level', {}),
    );
    const env = { GOURMAND_STATE_DIR: settings.stateDir };
    const json = await gourmand(['analyze', 'payment-level', '--json'], env);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toEqual(expected);
    const text = await gourmand(['analyze', 'state-daily-change', '--state', 'CA', '--state', 'TX'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Businesses in CA gained .* and those in TX/);
    expect(text.stdout).toContain('Welch t-test: daily review change, CA vs TX');
    const bad = await gourmand(['analyze', 'payment-level', '--state', 'ZZ'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toMatch(/^error: no businesses match .*state ZZ/);
  }, 300_000);

  it("the web app's Analysis page shows each analysis's sentence on the default world (Chromium)", async () => {
    const expected = await withWarehouse(settings, async (warehouse) => {
      const out = [];
      for (const { name } of ANALYSES) out.push({ name, ...(await runAnalysis(warehouse, name, {})) });
      return out;
    });
    const server = await startServer({ settings, database, log: silentLogger, host: '127.0.0.1', port: 0 });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${server.url}/analyses`, { waitUntil: 'networkidle' });
      await page.waitForFunction(() => !document.body.textContent?.includes('Loading…'));
      for (const { name, sentence } of expected) {
        expect(await page.locator(`[data-analysis="${name}"] .sentence`).textContent(), name).toBe(sentence);
      }
    } finally {
      await browser.close();
      await server.close();
    }
  }, 120_000);

  it('GET /analytics/analyses lists them; GET /analytics/analyses/<name> serves the same result, cached', async () => {
    const app = await buildApp({ settings, database, cache: new MemoryCache(), log: silentLogger });
    try {
      const list = await app.inject({ url: '/analytics/analyses' });
      expect(list.statusCode).toBe(200);
      expect(list.json().items.map((a: { name: string }) => a.name)).toEqual(ANALYSES.map((a) => a.name));
      const url = '/analytics/analyses/chain-review-days?chain=Subway&chain=McDonald%27s&seed=3';
      const first = await app.inject({ url });
      expect(first.statusCode, first.body).toBe(200);
      expect(first.headers['x-cache']).toBe('miss');
      const expected = await withWarehouse(settings, (warehouse) =>
        runAnalysis(warehouse, 'chain-review-days', { chain: ['Subway', "McDonald's"], seed: 3 }),
      );
      expect(first.json()).toEqual(expected);
      expect((await app.inject({ url })).headers['x-cache']).toBe('hit');
      // requests at once (two users, or the Analysis page's sections) take turns at the warehouse
      const together = await Promise.all(
        ['payment-level', 'state-daily-change', 'review-rise-share'].map((name) =>
          app.inject({ url: `/analytics/analyses/${name}?seed=7` }),
        ),
      );
      expect(together.map((r) => r.statusCode)).toEqual([200, 200, 200]);
      const empty = await app.inject({ url: '/analytics/analyses/payment-level?state=ZZ' });
      expect(empty.statusCode).toBe(422);
      expect(empty.json().message).toMatch(/^no businesses match/);
      expect((await app.inject({ url: '/analytics/analyses/payment-level?threshold=3' })).statusCode).toBe(
        400,
      );
      expect((await app.inject({ url: '/analytics/analyses/nope' })).statusCode).toBe(400);
      const openapi = (await app.inject({ url: '/openapi.json' })).json();
      expect(Object.keys(openapi.paths)).toEqual(
        expect.arrayContaining(['/analytics/analyses/', '/analytics/analyses/{name}']),
      );
    } finally {
      await app.close();
    }
  });
});
