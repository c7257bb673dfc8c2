import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { SourceError } from '../common/errors.ts';
import type { Settings } from '../config/settings.ts';
import type { Task, TaskContext } from '../orchestrator/graph.ts';
import { type CensusCounty, type CensusPopulation, pullCensus } from './census.ts';
import { sourceEndpoints, sourceHttp } from './endpoints.ts';
import type { QuarantinedRecord } from './quarantine.ts';
import { hasFile, rawDir, readAllJsonLines, requireRaw, writeJsonLines } from './raw-store.ts';
import { pullStates, type StateAbbreviation } from './states.ts';
import { YelpClient } from './yelp.ts';
import { pullYelp, type YelpCounty, type YelpMode } from './yelp-pull.ts';

/** The original's `test` pull stopped at 300 calls. */
export const TEST_MODE_CALLS = 300;

export type CensusLine =
  | ({ t: 'county' } & CensusCounty)
  | ({ t: 'population' } & CensusPopulation)
  | ({ t: 'quarantine' } & QuarantinedRecord);
export type StatesLine = { t: 'state' } & StateAbbreviation;

export const censusFile = (settings: Pick<Settings, 'stateDir'>, date: string) =>
  path.join(rawDir(settings, 'census', date), 'census.jsonl.gz');
export const statesFile = (settings: Pick<Settings, 'stateDir'>, date: string) =>
  path.join(rawDir(settings, 'states', date), 'states.jsonl.gz');

export const extractCensusTask: Task = {
  name: 'extract_census',
  needs: ['censusApiKey', 'censusBaseUrl', 'simBusinesses', 'simSeed', 'sourceServesHistory'],
  dependsOn: ['migrate'],
  description: 'Pull county names and population estimates from the Census API',
  async run(ctx) {
    const file = censusFile(ctx.settings, ctx.runDate);
    if (hasFile(file)) return cachedOutcome(file);
    const { census } = await sourceEndpoints(ctx);
    const http = sourceHttp(ctx, 'census', census);
    const pulled = await pullCensus(http, census.apiKey);
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
  needs: ['censusApiKey', 'statesPageUrl', 'simBusinesses', 'simSeed', 'sourceServesHistory'],
  dependsOn: ['migrate'],
  description: 'Scrape state names and USPS abbreviations from the states page',
  async run(ctx) {
    const file = statesFile(ctx.settings, ctx.runDate);
    if (hasFile(file)) return cachedOutcome(file);
    const { statesPage } = await sourceEndpoints(ctx);
    const url = new URL(statesPage.url);
    const http = sourceHttp(ctx, 'states', { baseUrl: url.origin, simulated: statesPage.simulated });
    const states = await pullStates(http, url.pathname + url.search);
    const rows = await writeJsonLines(
      file,
      states.map((s) => ({ t: 'state', ...s })),
    );
    return { rows, details: { calls: http.calls, retries: http.retries, states: states.length } };
  },
};

export const extractYelpTask: Task = {
  name: 'extract_yelp',
  needs: ['yelpApiKey', 'yelpBaseUrl', 'extractMode', 'yelpSearchDepth', 'simBusinesses', 'simSeed'],
  // The counties to search come from the Census pull, their state codes from the states page.
  dependsOn: ['migrate', 'extract_census', 'extract_states'],
  description: 'Pull businesses per county (and categories, reviews, events) from Yelp Fusion',
  async run(ctx) {
    const dir = rawDir(ctx.settings, 'yelp', ctx.runDate);
    const mode = await resolveMode(ctx, dir);
    const counties = await yelpCounties(ctx.settings, ctx.runDate);
    const { yelp } = await sourceEndpoints(ctx);
    const http = sourceHttp(ctx, 'yelp', yelp, {
      headers: { authorization: `Bearer ${yelp.apiKey}` },
      callLimit: mode === 'test' ? TEST_MODE_CALLS : undefined,
    });
    const client = new YelpClient(http, ctx.settings.yelpSearchDepth);
    const summary = await pullYelp({
      client,
      counties,
      mode,
      dir,
      known: await knownBusinesses(ctx),
      concurrency: ctx.settings.extractConcurrency,
      log: ctx.log,
    });
    if (summary.stopped) ctx.log.warn(`yelp pull stopped early: ${summary.stopped}`);
    if (summary.countiesFailed > 0) {
      throw new SourceError(
        `yelp: ${summary.countiesFailed} of ${counties.length} counties failed after retries; the ${summary.countiesPulled} pulled are kept and a re-run resumes the rest`,
      );
    }
    const { stopped, ...counts } = summary;
    return {
      rows: summary.businesses + summary.reviews + summary.events,
      details: {
        mode,
        calls: http.calls,
        retries: http.retries,
        ...counts,
        ...(stopped ? { stopped } : {}),
      },
    };
  },
};

export const sourceTasks: Task[] = [extractCensusTask, extractStatesTask, extractYelpTask];

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

/**
 * `auto`: the first day (no business yet) is a full pull, every later day a daily one. The mode a
 * date's pull started with is kept beside it, so a resumed pull goes on the way it began.
 */
async function resolveMode(ctx: TaskContext, dir: string): Promise<YelpMode> {
  const setting = ctx.settings.extractMode;
  if (setting === 'full' || setting === 'daily' || setting === 'test') return setting;
  const file = path.join(dir, 'mode.json');
  if (hasFile(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { mode: YelpMode }).mode;
  const { rows } = await sql<{ any: boolean }>`select exists (select 1 from business) as any`.execute(
    ctx.database.db,
  );
  const mode: YelpMode = rows[0]?.any ? 'daily' : 'full';
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, JSON.stringify({ mode }));
  return mode;
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
  const codeByName = new Map(states.map((s) => [s.name.toLowerCase(), s.code]));
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
