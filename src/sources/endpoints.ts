import { SourceError } from '../common/errors.ts';
import type { Settings } from '../config/settings.ts';
import type { TaskContext } from '../orchestrator/graph.ts';
import { DEFAULT_CENSUS_KEY, DEFAULT_YELP_KEY, startSimulator } from '../simulator/index.ts';
import { type HttpOptions, SourceHttp } from './http.ts';

export interface SourceEndpoint {
  baseUrl: string;
  apiKey: string;
  /** Served by the in-process simulator (no rate limit needed). */
  simulated: boolean;
}

export interface SourceEndpoints {
  yelp: SourceEndpoint;
  census: SourceEndpoint;
  /** Full URL of the states page. */
  statesPage: { url: string; simulated: boolean };
}

/**
 * Where each source is. A source without an API key is served by the simulator, started once per
 * run (shared by every extract task of the run) and set to the run date.
 */
export async function sourceEndpoints(ctx: TaskContext): Promise<SourceEndpoints> {
  const { settings } = ctx;
  let simUrl: string | undefined;
  if (!settings.yelpApiKey || !settings.censusApiKey) {
    const sim = await ctx.resources.get('simulator', async () => {
      const server = await startSimulator({
        businesses: settings.simBusinesses,
        seed: settings.simSeed,
        date: ctx.runDate,
        searchDepthCap: settings.yelpSearchDepth === 240 ? 240 : 1000,
        statesPage: settings.simStatesPage,
        censusStates: settings.simCensusStates,
      });
      ctx.log.info({ url: server.url, businesses: settings.simBusinesses }, 'started the source simulator');
      return { value: server, dispose: () => server.close() };
    });
    sim.setDate(ctx.runDate);
    simUrl = sim.url;
  }
  const yelp = settings.yelpApiKey
    ? { baseUrl: settings.yelpBaseUrl, apiKey: settings.yelpApiKey, simulated: false }
    : { baseUrl: simUrl!, apiKey: DEFAULT_YELP_KEY, simulated: true };
  const census = settings.censusApiKey
    ? { baseUrl: settings.censusBaseUrl, apiKey: settings.censusApiKey, simulated: false }
    : { baseUrl: simUrl!, apiKey: DEFAULT_CENSUS_KEY, simulated: true };
  const statesPage = settings.censusApiKey
    ? { url: settings.statesPageUrl, simulated: false }
    : { url: `${simUrl}/abbreviations.htm`, simulated: true };
  if (liveSources(settings)) {
    refusePastDate(ctx.runDate, localToday(settings.scheduleTimezone));
  }
  return { yelp, census, statesPage };
}

/** Some source is a real API that only answers with today's state (no past dates). */
export function liveSources(
  settings: Pick<Settings, 'yelpApiKey' | 'censusApiKey' | 'sourceServesHistory'>,
): boolean {
  return Boolean(settings.yelpApiKey || settings.censusApiKey) && !settings.sourceServesHistory;
}

/** Today in the schedule's time zone, the calendar the run dates follow. */
export function localToday(timeZone: string, now = new Date()): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}

/**
 * A run date is the date the data describes. Live APIs only tell today's state, so pulling them
 * for a past date would stamp today's ratings on it: refused, the date stays a gap.
 */
export function refusePastDate(runDate: string, today: string): void {
  if (runDate >= today) return;
  throw new SourceError(
    `${runDate} is in the past (today is ${today}) and the live APIs only answer with today's state: not pulled, the date stays a gap; rebuild it from its kept raw pulls with \`gourmand backfill --from-raw\`, or use the simulator, which serves history`,
  );
}

/** The HTTP client of one source for one task, with the settings' limits and retries. */
export function sourceHttp(
  ctx: TaskContext,
  name: string,
  endpoint: { baseUrl: string; simulated: boolean },
  extra: Partial<HttpOptions> = {},
): SourceHttp {
  const settings: Settings = ctx.settings;
  return new SourceHttp({
    name,
    baseUrl: endpoint.baseUrl,
    concurrency: settings.extractConcurrency,
    ratePerSecond: endpoint.simulated ? Number.POSITIVE_INFINITY : settings.sourceRatePerSecond,
    timeoutMs: settings.sourceTimeoutMs,
    maxAttempts: settings.sourceAttempts,
    backoffMs: settings.sourceBackoffMs,
    signal: ctx.signal,
    log: ctx.log,
    ...extra,
  });
}
