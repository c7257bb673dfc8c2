import path from 'node:path';
import { sql } from 'kysely';
import type { Settings } from '../../config/settings.ts';
import type { Task } from '../../orchestrator/graph.ts';
import {
  hasFile,
  listJsonLines,
  readAllJsonLines,
  readJsonLines,
  requireRaw,
} from '../../sources/raw-store.ts';
import { type CensusLine, censusFile, type StatesLine, statesFile, yelpRawDir } from '../../sources/tasks.ts';
import { type CategoryLine, categoriesFile, failuresFile, type YelpLine } from '../../sources/yelp-pull.ts';
import { loadGeography } from './geography.ts';
import { withLoadTransaction } from './session.ts';
import { loadYelp, type YelpLoadInput } from './yelp.ts';

export const loadGeographyTask: Task = {
  name: 'load_geography',
  dependsOn: ['extract_census', 'extract_states'],
  description: 'Load country, states, counties and county population',
  async run(ctx) {
    const censusPull = censusFile(ctx.settings, ctx.runDate);
    const statesPull = statesFile(ctx.settings, ctx.runDate);
    requireRaw(ctx.settings, censusPull, `The Census pull of ${ctx.runDate}`, 'extract_census');
    requireRaw(ctx.settings, statesPull, `The states page pull of ${ctx.runDate}`, 'extract_states');
    const census = await readAllJsonLines<CensusLine>(censusPull);
    const states = await readAllJsonLines<StatesLine>(statesPull);
    const counts = await withLoadTransaction(ctx.database, async (session) => {
      const loaded = await loadGeography(session, ctx.runDate, {
        states: states.flatMap((line) => (line.t === 'state' ? [line] : [])),
        counties: census.flatMap((line) => (line.t === 'county' ? [line] : [])),
        population: census.flatMap((line) => (line.t === 'population' ? [line] : [])),
        quarantined: [
          ...census.flatMap((line) => (line.t === 'quarantine' ? [{ ...line, source: 'census' }] : [])),
          ...states.flatMap((line) => (line.t === 'quarantine' ? [{ ...line, source: 'states' }] : [])),
        ],
      });
      await ctx.fence(session);
      return loaded;
    });
    return { rows: (counts.county ?? 0) + (counts.county_population ?? 0), details: counts };
  },
};

export const loadYelpTask: Task = {
  name: 'load_yelp',
  dependsOn: ['extract_yelp', 'load_geography'],
  description: "Load the day's Yelp pull: businesses, bridges, holdings, closures, reviews, events",
  async run(ctx) {
    const { input, counties } = await yelpLoadInput(ctx.settings, ctx.runDate);
    ctx.log.info({ counties }, 'loading the yelp pull');
    const counts = await withLoadTransaction(ctx.database, async (session) => {
      const loaded = await loadYelp(session, ctx.runDate, input);
      await ctx.fence(session);
      return loaded;
    });
    // The list finds its pages by index-only scans of business_current (migration 0170), which
    // read the heap for every page the load rewrote until a vacuum marks it all-visible again:
    // autovacuum's work on the server; PGlite has none.
    if (ctx.database.kind === 'pglite') await sql`vacuum business_current`.execute(ctx.database.db);
    return { rows: counts.business_holding ?? 0, details: { counties, ...counts } };
  },
};

/** The kept raw pull of a date, as the Yelp load reads it. */
export async function yelpLoadInput(
  settings: Pick<Settings, 'stateDir'> & Partial<Pick<Settings, 'extractMode'>>,
  date: string,
): Promise<{ input: YelpLoadInput; counties: number }> {
  const dir = yelpRawDir({ extractMode: 'auto', ...settings }, date);
  requireRaw(settings, path.join(dir, 'counties'), `The Yelp pull of ${date}`, 'extract_yelp');
  const counties = listJsonLines(path.join(dir, 'counties'));
  // The counties Yelp rejected on this date carry their reasons to ops.quarantine.
  const files = hasFile(failuresFile(dir)) ? [...counties, failuresFile(dir)] : counties;
  async function* lines(): AsyncGenerator<YelpLine> {
    for (const file of files) yield* readJsonLines<YelpLine>(file);
  }
  const categories = hasFile(categoriesFile(dir))
    ? await readAllJsonLines<CategoryLine>(categoriesFile(dir))
    : [];
  return { input: { lines: lines(), categories }, counties: counties.length };
}

export const loadTasks: Task[] = [loadGeographyTask, loadYelpTask];
