import type { Command } from 'commander';
import { parseRunDate, todayUtc } from '../common/dates.ts';
import { ConfigError } from '../common/errors.ts';
import {
  createWorld,
  DEFAULT_CENSUS_KEY,
  DEFAULT_YELP_KEY,
  type FaultOptions,
  startSimulator,
} from '../simulator/index.ts';
import { cliContext, printTable } from './context.ts';

interface ServeOptions {
  port: string;
  businesses?: string;
  seed?: string;
  date?: string;
  depthCap: string;
  yelpKey: string;
  censusKey: string;
  dailyQuota: string;
  perSecondLimit: string;
  faultErrorRate: string;
  faultRateLimitRate: string;
  faultTimeoutRate: string;
  faultMalformedRate: string;
  faultLatencyMs: string;
  faultSeed: string;
  faultBrokenIds?: string;
}

/** A numeric flag within [min, max], or a one-line ConfigError naming the flag. */
function numberFlag(flag: string, value: string, min: number, max: number, integer = true): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new ConfigError(
      `Invalid ${flag} "${value}": expected ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`,
    );
  }
  return n;
}

const rate = (flag: string, value: string) => numberFlag(flag, value, 0, 1, false);

export function registerSimCommands(program: Command): void {
  const sim = program
    .command('sim')
    .description('The offline source simulator (Yelp Fusion v3, Census Data API, states page)');

  sim
    .command('serve')
    .description('Serve the simulated sources on loopback until interrupted')
    .option('--port <port>', 'port (0 = any free port)', '0')
    .option('--businesses <n>', 'world size (default: setting simBusinesses)')
    .option('--seed <n>', 'world seed (default: setting simSeed)')
    .option('--date <YYYY-MM-DD>', 'simulated day served (default: today UTC)')
    .option('--depth-cap <n>', 'search result depth, 1000 or 240', '1000')
    .option('--yelp-key <key>', 'accepted Yelp bearer token', DEFAULT_YELP_KEY)
    .option('--census-key <key>', 'accepted Census key', DEFAULT_CENSUS_KEY)
    .option('--daily-quota <n>', 'Yelp calls per simulated day', '1000000')
    .option('--per-second-limit <n>', 'Yelp calls per second (0 = unlimited)', '0')
    .option('--fault-error-rate <p>', 'share of requests answered 500', '0')
    .option('--fault-rate-limit-rate <p>', 'share of Yelp requests answered 429', '0')
    .option('--fault-timeout-rate <p>', 'share of requests never answered', '0')
    .option('--fault-malformed-rate <p>', 'share of JSON answers truncated', '0')
    .option('--fault-latency-ms <ms>', 'delay added to every answer', '0')
    .option('--fault-seed <n>', 'seed of the fault decisions', '0')
    .option('--fault-broken-ids <ids>', 'comma-separated Yelp ids served without name and coordinates')
    .action(async (options: ServeOptions, command: Command) => {
      const { settings, log } = cliContext(command);
      const depthCap = numberFlag('--depth-cap', options.depthCap, 240, 1000);
      if (depthCap !== 240 && depthCap !== 1000) {
        throw new ConfigError(`Invalid --depth-cap "${options.depthCap}": expected 1000 or 240`);
      }
      const faults: FaultOptions = {
        errorRate: rate('--fault-error-rate', options.faultErrorRate),
        rateLimitRate: rate('--fault-rate-limit-rate', options.faultRateLimitRate),
        timeoutRate: rate('--fault-timeout-rate', options.faultTimeoutRate),
        malformedRate: rate('--fault-malformed-rate', options.faultMalformedRate),
        latencyMs: numberFlag('--fault-latency-ms', options.faultLatencyMs, 0, 600_000),
        seed: numberFlag('--fault-seed', options.faultSeed, 0, 2 ** 31 - 1),
        brokenBusinessIds: options.faultBrokenIds?.split(',').filter(Boolean),
      };
      const server = await startSimulator({
        port: numberFlag('--port', options.port, 0, 65_535),
        businesses:
          options.businesses === undefined
            ? settings.simBusinesses
            : numberFlag('--businesses', options.businesses, 1, 10_000_000),
        seed:
          options.seed === undefined ? settings.simSeed : numberFlag('--seed', options.seed, 0, 2 ** 31 - 1),
        date: options.date === undefined ? undefined : parseRunDate(options.date),
        searchDepthCap: depthCap,
        statesPage: settings.simStatesPage,
        yelpApiKey: options.yelpKey,
        censusApiKey: options.censusKey,
        dailyQuota: numberFlag('--daily-quota', options.dailyQuota, 0, 1e12),
        perSecondLimit: numberFlag('--per-second-limit', options.perSecondLimit, 0, 1e9),
        faults,
      });
      console.log(
        `Simulator serving ${server.world.size} businesses (seed ${server.world.seed}) for ${server.date} at ${server.url}`,
      );
      console.log('Point Gourmand at it with:');
      console.log(`  export YELP_BASE_URL=${server.url}`);
      console.log(`  export CENSUS_BASE_URL=${server.url}`);
      console.log(`  export STATES_PAGE_URL=${server.url}/abbreviations.htm`);
      console.log(`  export YELP_API_KEY=${options.yelpKey}`);
      console.log(`  export CENSUS_API_KEY=${options.censusKey}`);
      console.log('  export SOURCE_SERVES_HISTORY=true');
      // API keys make a run treat these URLs as the real APIs, throttled to their 5 requests/s (a
      // pull of 500 businesses: ~22 min instead of ~10 s): lift that, and match the search depth.
      console.log(`  export SOURCE_RATE_PER_SECOND=1000`);
      console.log(`  export YELP_SEARCH_DEPTH=${depthCap}`);
      console.log(
        'To mimic the real limits on purpose: restart with --per-second-limit 5 --depth-cap 240 (and a --daily-quota),',
      );
      console.log('and leave SOURCE_RATE_PER_SECOND unset (5 requests/s, what Yelp allows).');
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      log.info({ stats: server.stats() }, 'simulator stopping');
      await server.close();
    });

  sim
    .command('truth')
    .description("Print the world's ground truth for a day (JSON), or counts per entity with --summary")
    .option('--date <YYYY-MM-DD>', 'day', todayUtc())
    .option('--businesses <n>', 'world size (default: setting simBusinesses)')
    .option('--seed <n>', 'world seed (default: setting simSeed)')
    .option('--summary', 'only counts per entity')
    .action(
      (
        options: { date: string; businesses?: string; seed?: string; summary?: boolean },
        command: Command,
      ) => {
        const { settings } = cliContext(command);
        const world = createWorld({
          businesses:
            options.businesses === undefined
              ? settings.simBusinesses
              : numberFlag('--businesses', options.businesses, 1, 10_000_000),
          seed:
            options.seed === undefined
              ? settings.simSeed
              : numberFlag('--seed', options.seed, 0, 2 ** 31 - 1),
        });
        const truth = world.truth(parseRunDate(options.date));
        if (!options.summary) {
          console.log(JSON.stringify(truth));
          return;
        }
        console.log(`Truth of world seed ${world.seed}, ${world.size} businesses, on ${truth.date}:`);
        printTable(
          Object.entries(truth)
            .filter((entry): entry is [string, unknown[]] => Array.isArray(entry[1]))
            .map(([entity, rows]) => ({ entity, rows: rows.length })),
        );
      },
    );
}
