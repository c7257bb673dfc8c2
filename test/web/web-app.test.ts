import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import pino from 'pino';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ANALYSES } from '../../src/analysis/index.ts';
import type { AnalysisResult } from '../../src/analysis/result.ts';
import { type RunningServer, startServer } from '../../src/api/server.ts';
import { silentLogger } from '../../src/common/logger.ts';
import { openWarehouseReader, type WarehouseReader } from '../../src/warehouse/reader.ts';
import { renderReport } from '../../src/web/report.ts';
import { tempDir } from '../warehouse/helpers.ts';
import { launchChromium } from './browser.ts';
import { FAILED_DAY, simulatedWorld, type WebWorld } from './world.ts';

// The tests only read the world (the one that writes makes its own account) and spend most of
// their time waiting on Chromium, the API and DuckDB: a few at a time keep two cores busy. A page
// shared with others may take more than expect.poll's default second to show an answer.
vi.setConfig({
  testTimeout: 120_000,
  hookTimeout: 600_000,
  maxConcurrency: 4,
  expect: { poll: { timeout: 30_000 } },
});

const WIDTHS = [1280, 390] as const;

/**
 * The rules a default axe run checks (enabled, not experimental or deprecated) whose violations
 * are serious or critical: a violation takes its rule's impact (axe-core's finalizeRuleResult), so
 * the others could never fail the page check and are not run. The audit read is that of the
 * axe-core AxeBuilder injects; axe.getRules() does not give the impact.
 */
type AxeRule = { id: string; impact?: string; enabled?: boolean; tags: string[] };
const injectedAxe = createRequire(createRequire(import.meta.url).resolve('@axe-core/playwright'))(
  'axe-core',
) as {
  _audit: { rules: AxeRule[] };
};
const SEVERE_RULES = injectedAxe._audit.rules
  .filter(
    (rule) => rule.enabled !== false && !rule.tags.some((t) => t === 'experimental' || t === 'deprecated'),
  )
  .filter((rule) => rule.impact === 'serious' || rule.impact === 'critical')
  .map((rule) => rule.id);

/** A line of a run's log file (pino's JSON). */
interface LogRecord {
  runId: number;
  time: number;
  level: number;
  task?: string;
  msg: string;
  err?: string;
  event?: string;
}

describe.concurrent('web app in Chromium after a simulated pipeline over three dates', () => {
  let world: WebWorld;
  let server: RunningServer;
  let browser: Browser;
  let warehouse: WarehouseReader;
  let businessId: number;
  let launching: Promise<Browser> | undefined;

  const sql = async <T extends Record<string, unknown>>(text: string) => (await warehouse.query<T>(text))!;

  beforeAll(async () => {
    // Chromium starts while the pipeline runs.
    launching = launchChromium();
    launching.catch(() => {});
    world = await simulatedWorld();
    const settings = {
      ...world.settings,
      devMode: true,
      apiRateLimitPerMinute: 0,
      apiLoginRateLimitPerMinute: 0,
    };
    server = await startServer({
      settings,
      database: world.database,
      log: silentLogger,
      host: '127.0.0.1',
      port: 0,
    });
    warehouse = openWarehouseReader(settings);
    browser = await launching;
    const [first] = await sql<{ id: number }>(
      'select min(business_id) as id from marts.dim_business where is_current and not is_closed',
    );
    businessId = first!.id;
  });
  afterAll(async () => {
    for (const context of shared.values()) await (await context).close();
    // Closed even when the world failed before the browser was taken.
    await (await launching?.catch(() => undefined))?.close();
    await server?.close();
    await warehouse?.close();
    await world?.close();
  });

  const guardRail = (url: string, text: string) =>
    url.startsWith(`${server.url}/analytics/analyses/`) && text.includes('status of 422');

  /** One context per width for the pages that keep no state of their own (its cache is shared). */
  const shared = new Map<number, Promise<BrowserContext>>();
  const sharedContext = (width: number) => {
    if (!shared.has(width)) shared.set(width, browser.newContext({ viewport: { width, height: 900 } }));
    return shared.get(width)!;
  };

  /** A page (in its width's shared context unless given one) that records console errors and failed requests. */
  async function open(width: number, context?: BrowserContext) {
    const page = await (context ?? (await sharedContext(width))).newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      // An analysis this small world cannot support answers 422 and the page says why in words.
      if (guardRail(m.location().url, m.text())) return;
      problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => {
      // Cancelled, not failed: a reload or navigation aborts what is still in flight (seen once for
      // /me/favourites when the test reloaded right after logging out).
      if (r.failure()?.errorText === 'net::ERR_ABORTED') return;
      problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400 && !guardRail(r.url(), `status of ${r.status()}`))
        problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    return { page, problems, close: () => page.close() };
  }

  /** Loads a page and waits until nothing says "Loading…" any more. */
  async function visit(page: Page, url: string) {
    await page.goto(`${server.url}${url}`, { waitUntil: 'networkidle' });
    await page.waitForFunction(() => !document.body.textContent?.includes('Loading…'));
  }

  const PAGES = [
    '/',
    '/explorer',
    '/business/:id',
    '/map',
    '/segments',
    '/analyses',
    '/pipeline',
    '/account',
  ];

  it('checks the serious and critical axe rules', () => {
    expect(SEVERE_RULES.length).toBeGreaterThan(50);
    expect(SEVERE_RULES).toEqual(
      expect.arrayContaining(['color-contrast', 'image-alt', 'label', 'button-name']),
    );
  });

  it('ran three good dates and a failed one', () => {
    expect(world.summaries.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'failed']);
  });

  it.each(WIDTHS.flatMap((width) => PAGES.map((route) => [route, width] as const)))(
    '%s loads at %i px with no console error, no failed request, no sideways scroll and no serious axe violation',
    async (route, width) => {
      const url = route.replace(':id', String(businessId));
      // All findings collected, so one run reports them all.
      const findings: string[] = [];
      const { page, problems, close } = await open(width);
      await visit(page, url);
      findings.push(...problems.map((p) => `${url} at ${width}px: ${p}`));
      // Nothing wider than the viewport except what scrolls on purpose (tables and the lineage).
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (overflow > 0) findings.push(`${url} at ${width}px scrolls sideways by ${overflow}px`);
      // Only violations are read: passes and the rest are not gathered.
      const audit = await new AxeBuilder({ page })
        .withRules(SEVERE_RULES)
        .options({ resultTypes: ['violations'] })
        .analyze();
      for (const v of audit.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
        findings.push(`${url} at ${width}px: ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      }
      await close();
      expect(findings).toEqual([]);
    },
  );

  it('the home page shows the counts of the marts', async () => {
    const [counts] = await sql<{ open: number; closed: number; reviews: number; dates: number }>(
      `select (select count(*) from marts.dim_business where is_current and not is_closed) as open,
              (select count(*) from marts.dim_business where is_current and is_closed) as closed,
              (select count(*) from marts.dim_review where is_current) as reviews,
              (select count(distinct holding_date) from marts.fct_business_holding) as dates`,
    );
    const { page, close } = await open(1280);
    await visit(page, '/');
    const kpi = (name: string) => page.locator(`[data-kpi="${name}"]`).innerText();
    expect(await kpi('open')).toBe(counts!.open.toLocaleString('en-US'));
    expect(await kpi('closed')).toBe(counts!.closed.toLocaleString('en-US'));
    expect(await kpi('reviews')).toBe(counts!.reviews.toLocaleString('en-US'));
    expect(await kpi('dates')).toBe(String(counts!.dates));
    expect(counts!.dates).toBe(3);
    expect(await kpi('last-run')).toBe('failed');
    await close();
  });

  it('the map draws 50 states, DC and Puerto Rico, and places every business with coordinates', async () => {
    const [mart] = await sql<{ n: number }>(
      `select count(*) as n from marts.dim_business
       where is_current and not is_closed and latitude is not null and longitude is not null`,
    );
    const { page, close } = await open(1280);
    await visit(page, '/map');
    const fips = await page
      .locator('path[data-shape="state"]')
      .evaluateAll((ps) => ps.map((p) => p.getAttribute('data-fips')));
    expect(fips).toHaveLength(52);
    expect(fips).toEqual(expect.arrayContaining(['02', '11', '15', '72']));
    const map = page.locator('svg.map');
    const inside = Number(await map.getAttribute('data-points'));
    const outside = Number(await map.getAttribute('data-outside'));
    expect(inside + outside).toBe(mart!.n);
    const binned = await page
      .locator('.density path')
      .evaluateAll((ps) => ps.reduce((s, p) => s + Number(p.getAttribute('data-count')), 0));
    expect(binned).toBe(inside);
    expect(await page.locator('p.note[data-outside]').innerText()).toContain(`${outside} `);
    // Click a state to zoom: the view box narrows and the state's figures are offered in the explorer.
    const before = await map.getAttribute('viewBox');
    await page.locator('path[data-fips="48"]').click();
    expect(await map.getAttribute('viewBox')).not.toBe(before);
    await expect
      .poll(() => page.getByRole('link', { name: 'List them in the explorer' }).getAttribute('href'))
      .toBe('/explorer?state=TX');
    await close();
  });

  it('segments show as many businesses per payment level as the marts hold', async () => {
    const mart = await sql<{ level: string; n: number }>(
      `select coalesce(b.payment_level_symbol, 'unknown') as level, count(distinct f.business_id) as n
       from marts.fct_business_holding f join marts.dim_business b on b.business_id = f.business_id and b.is_current
       group by 1`,
    );
    const { page, close } = await open(1280);
    await visit(page, '/segments');
    for (const { level, n } of mart) {
      const row = page.locator(`tr[data-level="${level}"] td`).first();
      expect(await row.innerText(), level).toBe(n.toLocaleString('en-US'));
    }
    await close();
  });

  /** An analysis as the API serves it (the page and the report must show this, not recompute it). */
  const analysis = async (query: string) => {
    const response = await server.app.inject({ url: `/analytics/analyses/${query}` });
    return { status: response.statusCode, body: response.json() as AnalysisResult & { message: string } };
  };

  /**
   * Each analysis's section: the API's sentence, one chart per estimated figure and per
   * distribution, one row per test; or, where this small world is too small for it (422), the
   * API's message as text. The default world runs every analysis (test/analysis/pipeline.test.ts).
   */
  async function expectAnalyses(page: Page) {
    let answered = 0;
    for (const { name } of ANALYSES) {
      const { status, body } = await analysis(name);
      const section = page.locator(`[data-analysis="${name}"]`);
      if (status === 422) {
        expect(await section.locator('.guard').textContent(), name).toBe(body.message);
        continue;
      }
      expect(status, name).toBe(200);
      answered += 1;
      expect(await section.locator('.sentence').textContent(), name).toBe(body.sentence);
      const charts =
        new Set(body.estimates.map((e) => e.group)).size + new Set(body.spreads.map((s) => s.measure)).size;
      expect(await section.locator('figure.chart svg').count(), name).toBe(charts);
      expect(await section.locator('table[data-table="tests"] tbody tr').count(), name).toBe(
        body.tests.length,
      );
    }
    expect(answered).toBeGreaterThanOrEqual(3);
    expect(await page.locator('main').innerText()).not.toMatch(/NaN|undefined|Infinity/);
  }

  it("the Analysis page shows every analysis with the API's sentence, charts and numbers, or its guard rail", async () => {
    const { page, close } = await open(390);
    await visit(page, '/analyses');
    await expectAnalyses(page);
    await close();
  });

  // expect.poll from the test's context: the global one can lose its test to a concurrent one that
  // ends meanwhile ("expect.poll() must be called inside a test"), as here once.
  it('the Analysis page re-runs an analysis with the parameters typed in, and shows a guard rail as text', async ({
    expect,
  }) => {
    const states = await sql<{ code: string }>(
      `select c.state_code as code from marts.dim_business b join marts.dim_county c using (county_id)
       where b.is_current group by 1 order by count(*) desc, 1`,
    );
    const [first, second] = states.map((s) => s.code);
    const small = states.at(-1)!.code;
    const { page, close } = await open(390);
    await visit(page, '/analyses');
    const section = page.locator('[data-analysis="state-daily-change"]');
    const run = async (codes: string) => {
      await section.getByLabel('States', { exact: true }).fill(codes);
      await section.getByRole('button', { name: 'Run' }).click();
    };
    await run(`${first} ${second}`);
    const expected = await analysis(`state-daily-change?state=${first}&state=${second}`);
    expect(expected.status).toBe(200);
    await expect.poll(() => section.locator('.sentence').textContent()).toBe(expected.body.sentence);
    await run(`${first},${small}`);
    const guard = await analysis(`state-daily-change?state=${first}&state=${small}`);
    expect(guard.status).toBe(422);
    expect(guard.body.message).toMatch(new RegExp(`^n = \\d in group ${small}: at least 10 needed`));
    await expect.poll(() => section.locator('.guard').textContent()).toBe(guard.body.message);
    // the form keeps what was asked (not the last answer's states), so the next run starts from it
    expect(await section.getByLabel('States', { exact: true }).inputValue()).toBe(`${first} ${small}`);
    await close();
  });

  // expect.poll from the test's context, as above.
  it('a filter narrows the list, is in the URL and survives a reload', async ({ expect }) => {
    const [state] = await sql<{ code: string; n: number }>(
      `select c.state_code as code, count(*) as n from marts.dim_business b join marts.dim_county c using (county_id)
       where b.is_current group by 1 order by 2 desc, 1 limit 1`,
    );
    const { page, close } = await open(390);
    await visit(page, '/explorer');
    await page.getByLabel('State').selectOption(state!.code);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/state=/);
    expect(new URL(page.url()).searchParams.get('state')).toBe(state!.code);
    const cities = () => page.locator('table.list tbody tr td:nth-child(5)').allInnerTexts();
    // the rows shown before the filter (or a table mid-render) may still be there: wait for the narrowed page itself
    const inState = (rows: string[]) => rows.length > 0 && rows.every((c) => c.endsWith(`, ${state!.code}`));
    await expect.poll(async () => inState(await cities())).toBe(true);
    await expect.poll(async () => (await cities()).length).toBe(Math.min(25, state!.n));
    const narrowed = await cities();
    expect(inState(narrowed)).toBe(true);
    await page.reload({ waitUntil: 'networkidle' });
    expect(await page.getByLabel('State').inputValue()).toBe(state!.code);
    await expect.poll(cities).toEqual(narrowed);
    await close();
  });

  it('register → verify → log in → favourite → note → reload → both still there → log out', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 900 } });
    const { page, problems } = await open(390, context);
    const email = `web-${Date.now()}@example.com`;
    await visit(page, '/account');
    const register = page.locator('section', { has: page.getByRole('heading', { name: 'Register' }) });
    await register.getByLabel('E-mail').fill(email);
    await register.getByLabel(/Password/).fill('correct horse battery');
    await register.getByRole('button', { name: 'Register' }).click();
    await page.getByText('the verification token is filled in below').waitFor();
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('E-mail address verified.').waitFor();
    const login = page.locator('section', { has: page.getByRole('heading', { name: 'Log in' }) });
    await login.getByLabel('E-mail').fill(email);
    await login.getByLabel('Password').fill('correct horse battery');
    await login.getByRole('button', { name: 'Log in' }).click();
    await page.locator(`[data-account="${email}"]`).waitFor();

    await visit(page, `/business/${businessId}`);
    await page.getByRole('button', { name: 'Add to favourites' }).click();
    await page.getByRole('button', { name: '★ Favourite' }).waitFor();
    await page.getByLabel('Your note').fill('Great <b>tacos</b>');
    await page.locator('select[name="rating"]').selectOption('4');
    await page.getByRole('button', { name: 'Save note' }).click();
    await page.getByText('Great <b>tacos</b>').waitFor();

    await page.reload({ waitUntil: 'networkidle' });
    await page.getByRole('button', { name: '★ Favourite' }).waitFor();
    expect(await page.getByText('Great <b>tacos</b>').count()).toBe(1);
    expect(await page.locator('.notes b').count()).toBe(0);
    await visit(page, '/account');
    await page.locator('.favourites a', { hasText: /./ }).first().waitFor();
    expect(await page.locator('.favourites a').getAttribute('href')).toBe(`/business/${businessId}`);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await page.reload({ waitUntil: 'networkidle' });
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });

  /** The records of a run's log file (the file ops.pipeline_run names), read without DuckDB. */
  async function logRecords(runId: number) {
    const run = await world.database.db
      .selectFrom('ops.pipeline_run')
      .select('log_file')
      .where('run_id', '=', runId)
      .executeTakeFirstOrThrow();
    expect(run.log_file).toBeTruthy();
    return readFileSync(run.log_file!, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as LogRecord);
  }

  it('the failed run shows its task error and its log lines, and the alert link opens that run', async () => {
    const failed = world.summaries[3]!;
    const alert = world.webhook.delivered().find((a) => a.text.includes(FAILED_DAY));
    expect(alert).toBeDefined();
    const link = JSON.stringify(alert!.blocks).match(/<(http[^|>]+)\|/)![1]!;
    const target = new URL(link);
    expect(target.searchParams.get('run')).toBe(String(failed.runId));
    const { page, problems, close } = await open(1280);
    await visit(page, `${target.pathname}${target.search}`);
    expect(new URL(page.url()).pathname).toBe('/pipeline');
    await page.locator(`[data-run="${failed.runId}"]`).waitFor();
    const error = failed.tasks.extract_census!.error!;
    expect(error.length).toBeGreaterThan(0);
    expect(await page.locator('tr[data-task="extract_census"] .task-error').innerText()).toBe(error);

    // Its log lines, one table per task (the run's own first), as the run's log file holds them
    // at info and up (the page's level).
    const records = (await logRecords(failed.runId)).filter((r) => r.level >= pino.levels.values.info!);
    expect(records.every((r) => r.runId === failed.runId)).toBe(true);
    const failure = records.filter((r) => r.event === 'task_failed');
    expect(failure.map((r) => [r.task, r.err])).toEqual([['extract_census', error]]);
    const expected = new Map<string, string[][]>();
    for (const r of records) {
      const task = r.task ?? '(run)';
      const line = [
        new Date(r.time).toISOString().slice(11, 19),
        pino.levels.labels[r.level]!,
        r.msg,
        r.err ?? '',
      ];
      expected.set(task, [...(expected.get(task) ?? []), line]);
    }
    expect(expected.get('(run)')?.[0]?.[2]).toBe(`run ${failed.runId} started for ${FAILED_DAY}`);
    const shown = await page.locator('details.task-log').evaluateAll((tables) =>
      tables.map((t) => [
        t.getAttribute('data-log-task'),
        [...t.querySelectorAll('tbody tr')].map((tr) => {
          const [time, level, message] = [...tr.querySelectorAll('td')];
          // The message is the cell's own text; an error's text is in the <pre> after it.
          const text = [...message!.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE);
          return [
            time!.textContent,
            level!.textContent,
            text.map((n) => n.textContent).join(''),
            message!.querySelector('.task-error')?.textContent ?? '',
          ];
        }),
      ]),
    );
    expect(shown).toEqual([...expected]);
    // The failing task's error line, seen as a person opens that task's log.
    const census = page.locator('details[data-log-task="extract_census"]');
    await census.locator('summary').click();
    const errorLine = census.locator('tr[data-level="error"]', { hasText: 'extract_census failed' });
    await errorLine.waitFor({ state: 'visible' });
    expect(await errorLine.locator('td').nth(2).innerText()).toContain(
      'extract_census failed after 1 attempt(s)',
    );
    expect(await errorLine.locator('.task-error').innerText()).toBe(error);
    expect(problems).toEqual([]);
    await close();
  });

  it('a failed fetch shows an error, never a blank chart', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.route('**/analytics/segments*', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ message: 'warehouse busy' }),
      }),
    );
    const page = await context.newPage();
    await page.goto(`${server.url}/segments`, { waitUntil: 'networkidle' });
    expect(await page.getByRole('alert').innerText()).toBe('Could not load: warehouse busy');
    await context.close();
  });

  it('/docs works over plain HTTP on a non-loopback-looking address (127.0.0.2)', async () => {
    const second = await startServer({
      settings: world.settings,
      database: world.database,
      log: silentLogger,
      host: '127.0.0.2',
      port: 0,
    });
    try {
      const { page, problems, close } = await open(1280);
      await page.goto(`${second.url}/docs`, { waitUntil: 'networkidle' });
      await page.getByText('Gourmand API').first().waitFor();
      expect(await page.locator('.opblock').count()).toBeGreaterThan(10);
      expect(problems).toEqual([]);
      await close();
    } finally {
      await second.close();
    }
  });

  it('the report opens from disk with the network off and shows the same figures as the live pages', async () => {
    const file = path.join(tempDir('report'), 'report.html');
    writeFileSync(file, await renderReport(server.app));
    const live = await open(1280);
    await visit(live.page, '/');
    const kpis = async (page: Page) =>
      Object.fromEntries(
        await Promise.all(
          ['open', 'closed', 'reviews', 'range'].map(async (k) => [
            k,
            await page.locator(`[data-kpi="${k}"]`).innerText(),
          ]),
        ),
      );
    const liveKpis = await kpis(live.page);
    await visit(live.page, '/segments');
    const liveSegments = await live.page.locator('table[data-table="segments"]').innerText();
    await visit(live.page, '/map');
    const liveMap = await live.page
      .locator('svg.map')
      .evaluate((m) => [m.getAttribute('data-points'), m.getAttribute('data-outside')]);
    await live.close();

    const context = await browser.newContext({ offline: true, viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    context.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url());
    });
    const report = await open(1280, context);
    await report.page.goto(`file://${file}`);
    await report.page.locator('table[data-table="segments"]').waitFor();
    expect(await kpis(report.page)).toEqual(liveKpis);
    expect(await report.page.locator('table[data-table="segments"]').innerText()).toBe(liveSegments);
    expect(
      await report.page
        .locator('svg.map')
        .evaluate((m) => [m.getAttribute('data-points'), m.getAttribute('data-outside')]),
    ).toEqual(liveMap);
    expect(await report.page.locator('path[data-shape="state"]').count()).toBe(52);
    await expectAnalyses(report.page);
    expect(requests).toEqual([]);
    expect(report.problems).toEqual([]);
    await context.close();
  });
});
