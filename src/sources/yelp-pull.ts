import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, errorMessage, SourceError } from '../common/errors.ts';
import { type Logger, silentLogger } from '../common/logger.ts';
import type { CoverageEntry } from './coverage.ts';
import { PullStoppedError, SourceHttpError } from './http.ts';
import type { QuarantinedRecord } from './quarantine.ts';
import { hasFile, readAllJsonLines, writeJsonLines } from './raw-store.ts';
import type { YelpClient } from './yelp.ts';
import type { YelpCategory } from './yelp-schemas.ts';

export type YelpMode = 'full' | 'daily' | 'test';

export interface YelpCounty {
  fips: string;
  /** As the Census names it: "Autauga County". */
  name: string;
  /** USPS code of its state. */
  stateCode: string;
}

/** One line of a county's raw file. */
export type YelpLine =
  | { t: 'business'; county: string; r: unknown }
  | { t: 'review'; business: string; r: unknown }
  | { t: 'event'; county: string; r: unknown }
  | { t: 'closed'; county: string; id: string }
  | { t: 'coverage'; county: string; complete: boolean; total: number; found: number }
  | ({ t: 'quarantine' } & QuarantinedRecord);

export type CategoryLine = { t: 'category'; r: unknown } | ({ t: 'quarantine' } & QuarantinedRecord);

export interface YelpPullOptions {
  client: YelpClient;
  /** The counties to pull, in the order to pull them. */
  counties: readonly YelpCounty[];
  /** The pull each county gets: full until the county had its full first pull, then daily. */
  modeOf: (fips: string) => YelpMode;
  /** `<stateDir>/raw/yelp/<date>`. */
  dir: string;
  /** Where a county cut short by the quota keeps the answers it already has (any date). */
  checkpointDir: string;
  /** Open businesses already in the database, by the county they were found under. */
  known: ReadonlyMap<string, readonly string[]>;
  concurrency: number;
  log?: Logger;
}

export interface YelpPullSummary {
  countiesPulled: number;
  countiesCached: number;
  countiesFailed: number;
  businesses: number;
  reviews: number;
  events: number;
  closed: number;
  quarantined: number;
  /** Why the pull stopped early (quota, call limit), if it did. */
  stopped?: string;
  /** Each county pulled or failed by this pull, for the coverage ledger. */
  entries: CoverageEntry[];
}

export const countyFile = (dir: string, fips: string) => path.join(dir, 'counties', `${fips}.jsonl.gz`);
export const categoriesFile = (dir: string) => path.join(dir, 'categories.jsonl.gz');
/** The quarantine lines of the counties that failed on a date (rewritten by every pull of it). */
export const failuresFile = (dir: string) => path.join(dir, 'failures.jsonl.gz');
const checkpointFile = (dir: string, fips: string) => path.join(dir, `${fips}.jsonl.gz`);

/**
 * 400 (LOCATION_NOT_FOUND, VALIDATION_ERROR) and 404 say the request itself is wrong: retrying
 * cannot help, so the county is failed for good on that date (and tried again by a later pass).
 */
function isPermanent(error: unknown): error is SourceHttpError {
  return error instanceof SourceHttpError && (error.status === 400 || error.status === 404);
}

/**
 * Pulls every county into its own raw file. A county's file is written only once all of its
 * calls succeeded, so it is also the checkpoint: a crashed or quota-stopped pull, run again,
 * skips the counties it already has and calls the API only for the rest; a county the quota cut
 * short keeps the answers it got (page by page) and asks only for the others when it resumes.
 * A county Yelp rejects (permanent error) or that keeps failing is recorded and the pull goes on;
 * a refused key (ConfigError) stops everything at once.
 */
export async function pullYelp(options: YelpPullOptions): Promise<YelpPullSummary> {
  const log = options.log ?? silentLogger;
  const { client, dir, modeOf } = options;
  const summary: YelpPullSummary = {
    countiesPulled: 0,
    countiesCached: 0,
    countiesFailed: 0,
    businesses: 0,
    reviews: 0,
    events: 0,
    closed: 0,
    quarantined: 0,
    entries: [],
  };
  // The folder says the pull of this date ran, even when the quota let no county finish: the load
  // then loads nothing and the run is partial, while a pull that never ran is a missing input.
  mkdirSync(path.join(dir, 'counties'), { recursive: true });
  try {
    const topCategories = await loadCategories(client, dir);
    const knownIds = new Set([...options.known.values()].flat());
    const pending = options.counties.filter((county) => {
      if (!hasFile(countyFile(dir, county.fips))) return true;
      summary.countiesCached++;
      summary.entries.push({
        fips: county.fips,
        status: 'pulled',
        mode: ledgerMode(modeOf(county.fips)),
        calls: 0,
      });
      return false;
    });
    let next = 0;
    let lastLog = Date.now();
    const worker = async () => {
      while (next < pending.length && !summary.stopped) {
        const county = pending[next++]!;
        const mode = modeOf(county.fips);
        const checkpoint = checkpointFile(options.checkpointDir, county.fips);
        const cache = new Map<string, unknown>(
          hasFile(checkpoint) ? await readAllJsonLines<[string, unknown]>(checkpoint) : [],
        );
        const countyClient = client.replaying(cache);
        try {
          const lines = await pullCounty(countyClient, county, mode, topCategories, options.known, knownIds);
          await writeJsonLines(countyFile(dir, county.fips), lines);
          rmSync(checkpoint, { force: true });
          summary.countiesPulled++;
          summary.entries.push({
            fips: county.fips,
            status: 'pulled',
            mode: ledgerMode(mode),
            calls: countyClient.calls,
          });
          for (const line of lines) {
            if (line.t === 'business') summary.businesses++;
            else if (line.t === 'review') summary.reviews++;
            else if (line.t === 'event') summary.events++;
            else if (line.t === 'closed') summary.closed++;
            else if (line.t === 'quarantine') summary.quarantined++;
          }
        } catch (error) {
          if (error instanceof PullStoppedError) {
            summary.stopped ??= error.message;
            if (cache.size > 0) await writeJsonLines(checkpoint, cache.entries());
            return;
          }
          if (error instanceof ConfigError || !(error instanceof SourceError)) throw error;
          summary.countiesFailed++;
          const permanent = isPermanent(error);
          summary.entries.push({
            fips: county.fips,
            status: 'failed',
            mode: ledgerMode(mode),
            reason: errorMessage(error),
            permanent,
            calls: countyClient.calls,
          });
          log.warn(
            { county: county.fips, err: errorMessage(error) },
            permanent
              ? 'county rejected by Yelp; a later pass tries it again'
              : 'county pull failed; a re-run resumes it',
          );
        }
        // done/of records drive the terminal view's progress bar: the first county, every 2 s, the last.
        const done = summary.countiesPulled + summary.countiesFailed;
        if (done === 1 || done === pending.length || Date.now() - lastLog > 2000) {
          lastLog = Date.now();
          log.info(
            { done, of: pending.length, unit: 'counties', calls: client.calls, quota_left: client.quotaLeft },
            'yelp pull progress',
          );
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  } catch (error) {
    if (!(error instanceof PullStoppedError)) throw error;
    summary.stopped ??= error.message;
  }
  return summary;
}

/** The ledger keeps real pulls only; a test pull never reaches it. */
function ledgerMode(mode: YelpMode): 'full' | 'daily' {
  return mode === 'daily' ? 'daily' : 'full';
}

/** The category list (pulled once per date); returns the top-level aliases used to split searches. */
async function loadCategories(client: YelpClient, dir: string): Promise<string[]> {
  const file = categoriesFile(dir);
  if (!hasFile(file)) {
    const { categories, quarantined } = await client.categories();
    const lines: CategoryLine[] = [
      ...categories.map((r) => ({ t: 'category' as const, r })),
      ...quarantined.map((q) => ({ t: 'quarantine' as const, ...q })),
    ];
    await writeJsonLines(file, lines);
  }
  const lines = await readAllJsonLines<CategoryLine>(file);
  return lines
    .filter((line): line is { t: 'category'; r: YelpCategory } => line.t === 'category')
    .filter((line) => (line.r.parent_aliases ?? []).length === 0)
    .map((line) => line.r.alias)
    .sort();
}

async function pullCounty(
  client: YelpClient,
  county: YelpCounty,
  mode: YelpMode,
  topCategories: readonly string[],
  known: ReadonlyMap<string, readonly string[]>,
  knownIds: ReadonlySet<string>,
): Promise<YelpLine[]> {
  const location = `${county.name}, ${county.stateCode}`;
  const lines: YelpLine[] = [];
  const found = await client.search(location, topCategories);
  for (const r of found.businesses.values()) lines.push({ t: 'business', county: county.fips, r });
  for (const q of found.quarantined) lines.push({ t: 'quarantine', ...q });
  lines.push({
    t: 'coverage',
    county: county.fips,
    complete: found.complete,
    total: found.total,
    found: found.businesses.size,
  });
  if (mode === 'test') return lines;

  // A business gone from a fully covered county's search is checked: closed, or just unlisted today.
  if (found.complete) {
    const missing = (known.get(county.fips) ?? []).filter((id) => !found.businesses.has(id));
    const closed = await Promise.all(missing.map(async (id) => ((await client.isClosed(id)) ? id : null)));
    for (const id of closed) if (id) lines.push({ t: 'closed', county: county.fips, id });
  }

  const ids = [...found.businesses.keys()];
  const newIds = mode === 'full' ? ids : ids.filter((id) => !knownIds.has(id));
  const reviews = await Promise.all(newIds.map(async (id) => ({ id, ...(await client.reviews(id)) })));
  for (const { id, reviews: list, quarantined } of reviews) {
    for (const r of list) lines.push({ t: 'review', business: id, r });
    for (const q of quarantined) lines.push({ t: 'quarantine', ...q });
  }
  // Events: every county on the full pull; afterwards the counties that gained a business.
  if (mode === 'full' || newIds.length > 0) {
    const events = await client.events(location);
    for (const r of events.events) lines.push({ t: 'event', county: county.fips, r });
    for (const q of events.quarantined) lines.push({ t: 'quarantine', ...q });
  }
  return lines;
}
