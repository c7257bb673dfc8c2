import path from 'node:path';
import type { Settings } from '../config/settings.ts';
import type { Task, TaskContext } from '../orchestrator/graph.ts';
import { type CensusCounty, type CensusPopulation, pullCensus } from './census.ts';
import { CoverageLedger, type CoverageReport } from './coverage.ts';
import { sourceEndpoints, sourceHttp } from './endpoints.ts';
import type { QuarantinedRecord } from './quarantine.ts';
import { hasFile, rawDir, readAllJsonLines, requireRaw, writeJsonLines } from './raw-store.ts';
import { mergeStates, pullStates, type StateAbbreviation } from './states.ts';
import { YelpClient } from './yelp.ts';
import { failuresFile, pullYelp, type YelpCounty, type YelpMode } from './yelp-pull.ts';

/** The original's `test` pull stopped at 300 calls. */
export const TEST_MODE_CALLS = 300;

export type CensusLine =
  | ({ t: 'county' } & CensusCounty)
  | ({ t: 'population' } & CensusPopulation)
  | ({ t: 'quarantine' } & QuarantinedRecord);
export type StatesLine = ({ t: 'state' } & StateAbbreviation) | ({ t: 'quarantine' } & QuarantinedRecord);

export const censusFile = (settings: Pick<Settings, 'stateDir'>, date: string) =>
  path.join(rawDir(settings, 'census', date), 'census.jsonl.gz');
export const statesFile = (settings: Pick<Settings, 'stateDir'>, date: string) =>
  path.join(rawDir(settings, 'states', date), 'states.jsonl.gz');

export const extractCensusTask: Task = {
  name: 'extract_census',
  needs: [
    'censusApiKey',
    'censusBaseUrl',
    'simBusinesses',
    'simSeed',
    'simCensusStates',
    'sourceServesHistory',
  ],
  dependsOn: ['migrate'],
  description: 'Pull county names and population estimates from the Census API',
  async run(ctx) {
    const file = censusFile(ctx.settings, ctx.runDate);
    if (hasFile(file)) return cachedOutcome(file);
    const { census } = await sourceEndpoints(ctx);
    const http = sourceHttp(ctx, 'census', census, { keySetting: 'CENSUS_API_KEY' });
    const pulled = await pullCensus(http, census.apiKey, ctx.settings.censusDataset, ctx.runDate);
    const rows = await writeJsonLines(file, [
      ...pulled.counties.map((c) => ({ t: 'county', ...c })),
      ...pulled.population.map((p) => ({ t: 'population', ...p })),
      ...pulled.quarantined.map((q) => ({ t: 'quarantine', ...q })),
    ]);
    return {
      rows,
      details: {
        calls: http.calls,
        retries: http.retries,
        counties: pulled.counties.length,
        population: pulled.population.length,
        quarantined: pulled.quarantined.length,
      },
    };
  },
};

export const extractStatesTask: Task = {
  name: 'extract_states',
  needs: [
    'censusApiKey',
    'statesPageUrl',
    'simBusinesses',
    'simSeed',
    'simCensusStates',
    'sourceServesHistory',
  ],
  dependsOn: ['migrate'],
  description: 'Scrape state names and USPS abbreviations from the states page',
  async run(ctx) {
    const file = statesFile(ctx.settings, ctx.runDate);
    if (hasFile(file)) return cachedOutcome(file);
    const { statesPage } = await sourceEndpoints(ctx);
    const url = new URL(statesPage.url);
    const http = sourceHttp(ctx, 'states', { baseUrl: url.origin, simulated: statesPage.simulated });
    const page = await pullStates(http, url.pathname + url.search);
    const { states, quarantined } = mergeStates(page);
    const rows = await writeJsonLines(file, [
      ...states.map((s) => ({ t: 'state', ...s })),
      ...quarantined.map((q) => ({ t: 'quarantine', ...q })),
    ]);
    return {
      rows,
      details: {
        calls: http.calls,
        retries: http.retries,
        onPage: page.length,
        states: states.length,
        quarantined: quarantined.length,
      },
    };
  },
};

export const extractYelpTask: Task = {
  name: 'extract_yelp',
  needs: [
    'yelpApiKey',
    'yelpBaseUrl',
    'extractMode',
    'yelpSearchDepth',
    'simBusinesses',
    'simSeed',
    'simCensusStates',
  ],
  // The counties to search come from the Census pull, their state codes from the states page.
  dependsOn: ['migrate', 'extract_census', 'extract_states'],
  description: 'Pull businesses per county (and categories, reviews, events) from Yelp Fusion',
  async run(ctx) {
    const test = ctx.settings.extractMode === 'test';
    const dir = yelpRawDir(ctx.settings, ctx.runDate);
    const counties = await yelpCounties(ctx.settings, ctx.runDate);
    const byFips = new Map(counties.map((c) => [c.fips, c]));
    const allFips = counties.map((c) => c.fips);
    const ledger = new CoverageLedger(ctx.database);
    // A test pull is kept apart: its own raw folder and checkpoints, no ledger entries.
    const plan = test ? undefined : await ledger.plan(ctx.runDate, allFips);
    const { yelp } = await sourceEndpoints(ctx);
    const http = sourceHttp(ctx, 'yelp', yelp, {
      headers: { authorization: `Bearer ${yelp.apiKey}` },
      keySetting: 'YELP_API_KEY',
      callLimit: test ? TEST_MODE_CALLS : undefined,
    });
    const client = new YelpClient(http, ctx.settings.yelpSearchDepth);
    const { extractMode: setting } = ctx.settings;
    // auto: a county gets its full first pull (businesses, reviews, events) until the ledger has it.
    const modeOf = (fips: string): YelpMode =>
      setting !== 'auto' ? (setting as YelpMode) : plan?.fullyPulled.has(fips) ? 'daily' : 'full';
    const summary = await pullYelp({
      client,
      counties: plan ? plan.pending.map((fips) => byFips.get(fips)!) : counties,
      modeOf,
      dir,
      checkpointDir: path.join(path.dirname(dir), 'checkpoints'),
      known: await knownBusinesses(ctx),
      concurrency: ctx.settings.extractConcurrency,
      log: ctx.log,
    });
    if (summary.stopped) ctx.log.warn(`yelp pull stopped early: ${summary.stopped}`);
    const { stopped, entries, ...counts } = summary;
    const modes = [...new Set(entries.map((e) => e.mode))].sort();
    const details: Record<string, number | string> = {
      mode: test ? 'test' : modes.length > 0 ? modes.join('+') : 'none',
      calls: http.calls,
      retries: http.retries,
      ...counts,
      ...(stopped ? { stopped } : {}),
    };
    const rows = summary.businesses + summary.reviews + summary.events;
    if (!plan) return { rows, details };

    await ledger.record(ctx.runDate, entries);
    const coverage = await ledger.report(ctx.runDate, allFips);
    // A failed county has no raw file: its reason reaches ops.quarantine through this one.
    await writeJsonLines(
      failuresFile(dir),
      coverage.failed.map((f) => ({
        t: 'quarantine',
        entity: 'county',
        key: f.fips,
        reason: `yelp search failed: ${f.reason}`,
        record: byFips.get(f.fips) ?? null,
      })),
    );
    Object.assign(details, {
      coverage: `${coverage.pulled}/${coverage.counties}`,
      notYetPulled: coverage.notYetPulled,
      failedCounties: coverage.failed.length,
      passStarted: coverage.passStarted,
    });
    return { rows, details, partial: coveragePartial(coverage, stopped) };
  },
};

export const sourceTasks: Task[] = [extractCensusTask, extractStatesTask, extractYelpTask];

/** Where a date's Yelp pull is kept; a test pull has its own folder, never read by a real one. */
export function yelpRawDir(settings: Pick<Settings, 'stateDir' | 'extractMode'>, date: string): string {
  return rawDir(settings, settings.extractMode === 'test' ? 'yelp-test' : 'yelp', date);
}

/** Why a pull is incomplete, in one line; undefined when the pass is done without failures. */
function coveragePartial(coverage: CoverageReport, stopped: string | undefined): string | undefined {
  if (coverage.notYetPulled === 0 && coverage.failed.length === 0) return undefined;
  const failed = coverage.failed
    .slice(0, 3)
    .map((f) => `${f.fips} (${f.reason})`)
    .join(', ');
  return [
    `${coverage.pulled} of ${coverage.counties} counties pulled since ${coverage.passStarted}`,
    coverage.notYetPulled > 0
      ? `${coverage.notYetPulled} not yet pulled${stopped ? ` (${stopped})` : ''}`
      : '',
    coverage.failed.length > 0
      ? `${coverage.failed.length} failed: ${failed}${coverage.failed.length > 3 ? ', …' : ''}`
      : '',
  ]
    .filter(Boolean)
    .join('; ');
}

/** Where each extract keeps its pull of a date. */
const keptPulls: Record<string, (settings: Pick<Settings, 'stateDir'>, date: string) => string> = {
  extract_census: censusFile,
  extract_states: statesFile,
  extract_yelp: (settings, date) => path.join(rawDir(settings, 'yelp', date), 'counties'),
};

/**
 * The extracts as `gourmand backfill --from-raw` runs them: the pull kept for the date, or a
 * one-line failure — never an API call, which would answer with today's state.
 */
export const replayTasks: Task[] = sourceTasks.map((task) => ({
  ...task,
  description: `${task.description} (replayed from the kept raw pull)`,
  async run(ctx) {
    requireRaw(
      ctx.settings,
      keptPulls[task.name]!(ctx.settings, ctx.runDate),
      `The kept pull of ${ctx.runDate}`,
      task.name,
    );
    return { details: { calls: 0, cached: 'yes' } };
  },
}));

async function cachedOutcome(file: string) {
  const rows = (await readAllJsonLines(file)).length;
  return { rows, details: { calls: 0, cached: 'yes' } };
}

/** Census counties with their state's USPS code ("Autauga County, AL"). */
export async function yelpCounties(
  settings: Pick<Settings, 'stateDir'>,
  date: string,
): Promise<YelpCounty[]> {
  requireRaw(settings, censusFile(settings, date), `The Census pull of ${date}`, 'extract_census');
  requireRaw(settings, statesFile(settings, date), `The states page pull of ${date}`, 'extract_states');
  const census = await readAllJsonLines<CensusLine>(censusFile(settings, date));
  const states = await readAllJsonLines<StatesLine>(statesFile(settings, date));
  const codeByName = new Map(
    states.flatMap((s) => (s.t === 'state' ? [[s.name.toLowerCase(), s.code] as const] : [])),
  );
  const counties: YelpCounty[] = [];
  for (const line of census) {
    if (line.t !== 'county') continue;
    const stateCode = codeByName.get(line.stateName.toLowerCase());
    if (stateCode) counties.push({ fips: line.fips, name: line.name, stateCode });
  }
  return counties;
}

/** Open businesses already loaded, by the county they were found under. */
async function knownBusinesses(ctx: TaskContext): Promise<Map<string, string[]>> {
  const rows = await ctx.database.db
    .selectFrom('business')
    .innerJoin('county', 'county.county_id', 'business.county_id')
    .select(['business.yelp_id', 'county.fips_code'])
    .where('business.is_closed', '=', false)
    .execute();
  const known = new Map<string, string[]>();
  for (const row of rows) {
    const list = known.get(row.fips_code) ?? [];
    list.push(row.yelp_id);
    known.set(row.fips_code, list);
  }
  return known;
}
