/**
 * REST API on loopback (autocannon), in two sections, each measured against a reference in the
 * same run, in interleaved rounds (bench/procedure.ts), every round printed:
 * - cache hit: GET /businesses/{id} and a 4 kB filtered list from the cache, against a bare
 *   node:http server that returns the same bytes (headers and body of a cache hit);
 * - cache miss: every allowed sort × a representative set of filters, and one business, from a
 *   second app with caching off, against the same SQL sent straight to the database (`pg` on the
 *   server, the PGlite handle embedded) by as many concurrent clients, with no HTTP: the ratio is
 *   the API's own overhead. p50/p99 per case.
 * The servers run in a child process so the load generator does not share their event loop.
 * Targets (issue 9): hit ≥ 0.5× bare with Redis, ≥ 0.8× in-process; list miss p99 ≤ 20 ms at
 * 1,000,000 businesses on PostgreSQL and within 2× of bare pg; one business miss p99 ≤ 5 ms.
 * Usage: npm run bench:api -- [businesses=10000] [seconds=5] [connections=10] [--quick] [--rounds N]
 *        [--hits-only | --misses-only]   (one section)
 *        [--case TEXT]                   (only the cases whose name contains TEXT, e.g. "one business")
 * Uses PGlite in memory unless DATABASE_URL is set, the in-process cache unless REDIS_URL is set.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import type { BusinessFilter } from '../src/api/queries/businesses.ts';
import { benchArgs, interleaved, machineLine, median, QUICK, roundsFor } from './procedure.ts';

const [businesses, seconds, connections] = (QUICK ? [2_000, 1, 10] : [10_000, 5, 10]).map((fallback, i) => {
  const arg = benchArgs()[i];
  return arg ? Number(arg) : fallback;
}) as [number, number, number];
// Holdings only feed the latest-holding read model; fewer days keep a million-business seed quick.
const DAYS = businesses > 100_000 ? 5 : 30;

/** The list filters of the miss section; each runs under every sort, ascending and descending. */
const MISS_FILTERS: Record<string, Partial<BusinessFilter>> = {
  'no filter': {},
  state: { state: 'VA' },
  'category+price+rating': { category: 'pizza', price: [2, 3], minRating: 2 },
  'city+open': { city: 'City 42', open: true },
  q: { q: 'noodle' },
};
const SORTS = ['id', 'name', 'rating', 'review_count'] as const;
const HITS = !process.argv.includes('--misses-only');
const MISSES = !process.argv.includes('--hits-only');
const CASE = process.argv.includes('--case') ? process.argv[process.argv.indexOf('--case') + 1] : undefined;
const chosen = (name: string) => CASE === undefined || name.includes(CASE);

interface Latency {
  rps: number;
  p50: number;
  p99: number;
}
interface MissCase {
  name: string;
  url: string;
}
interface Targets {
  hits: { name: string; bytes: number; bare: string; hit: string }[];
  misses: MissCase[];
  cacheKind: string;
  databaseKind: string;
}

/** A server that answers every request with fixed headers and body: the ceiling of a Node HTTP server. */
async function bareServer(body: string, headers: Record<string, string>): Promise<string> {
  const server = http.createServer((_request, response) => {
    response.writeHead(200, headers);
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function listPath(filter: Partial<BusinessFilter>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) {
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
  }
  return `/businesses?${params}`;
}

/** `connections` clients run `query` back to back for `seconds`; latencies in ms. */
async function closedLoop(query: () => Promise<unknown>): Promise<Latency> {
  const times: number[] = [];
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const start = performance.now();
        await query();
        times.push(performance.now() - start);
      }
    }),
  );
  times.sort((a, b) => a - b);
  const at = (q: number) =>
    Number(times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(2));
  return { rps: times.length / seconds, p50: at(0.5), p99: at(0.99) };
}

/**
 * Child: seed a database, start the API twice (cached, uncached) and the bare servers; then
 * answer the parent's requests for a reference run (a line with the miss case's index).
 */
async function serve() {
  const { startServer } = await import('../src/api/server.ts');
  const { silentLogger } = await import('../src/common/logger.ts');
  const { loadSettings } = await import('../src/config/settings.ts');
  const { openDatabase, openPglite } = await import('../src/oltp/database.ts');
  const { migrate, resetDatabase } = await import('../src/oltp/migrate.ts');
  const { businessListQuery, getBusiness } = await import('../src/api/queries/businesses.ts');
  const env = { ...process.env, LOG_LEVEL: 'silent', API_RATE_LIMIT: '0', API_LOGIN_RATE_LIMIT: '0' };
  const settings = loadSettings({ env });
  const database = settings.databaseUrl ? await openDatabase(settings) : await openPglite();
  if (settings.databaseUrl) await resetDatabase(database);
  await migrate(database);
  const seed = readFileSync(new URL('./api-seed.sql', import.meta.url), 'utf8');
  const seeded = performance.now();
  await sql
    .raw(seed.replaceAll(':businesses', String(businesses)).replaceAll(':days', String(DAYS)))
    .execute(database.db);
  // A settled database, as autovacuum leaves it after a load: statistics, GIN pending list merged.
  await sql`vacuum analyze`.execute(database.db);
  console.error(
    `seeded ${businesses} businesses × ${DAYS} days in ${((performance.now() - seeded) / 1000).toFixed(1)} s`,
  );
  const uncached = loadSettings({ env: { ...env, API_CACHE_TTL_SECONDS: '0' } });
  const hit = await startServer({ settings, database, log: silentLogger, port: 0 });
  const miss = await startServer({ settings: uncached, database, log: silentLogger, port: 0 });
  const one = Math.ceil(businesses / 2);
  const hitPaths = {
    'GET /businesses/{id}': `/businesses/${one}`,
    'GET /businesses?filters':
      '/businesses?category=pizza&price=2&price=3&minRating=2&sort=rating&order=desc&limit=20',
  };
  const hits = [];
  for (const [name, path] of Object.entries(hitPaths)) {
    await fetch(`${hit.url}${path}`); // fills the cache
    const response = await fetch(`${hit.url}${path}`);
    const body = await response.text();
    // The same headers and body as a cache hit, so what differs is the framework's work.
    const headers = Object.fromEntries(
      [...response.headers].filter(([header]) => !['date', 'connection', 'keep-alive'].includes(header)),
    );
    hits.push({ name, bytes: body.length, bare: await bareServer(body, headers), hit: hit.url + path });
  }

  // Each miss case with its reference: the SQL the route sends, sent straight to the database.
  const references: (() => Promise<unknown>)[] = [];
  const misses: MissCase[] = [];
  for (const sort of SORTS) {
    for (const order of ['asc', 'desc'] as const) {
      for (const [name, extra] of Object.entries(MISS_FILTERS)) {
        const filter: BusinessFilter = { sort, order, limit: 20, ...extra };
        const compiled = businessListQuery(database.db, filter).compile();
        const parameters = [...compiled.parameters];
        references.push(
          database.pool
            ? () => database.pool!.query(compiled.sql, parameters)
            : () => database.pglite!.query(compiled.sql, parameters),
        );
        misses.push({ name: `list ${sort} ${order}, ${name}`, url: miss.url + listPath(filter) });
      }
    }
  }
  // One business: the reference runs the route's function without HTTP.
  references.push(() => getBusiness(database, one));
  misses.push({ name: 'one business', url: `${miss.url}/businesses/${one}` });

  const targets: Targets = { hits, misses, cacheKind: hit.app.cache.kind, databaseKind: database.kind };
  console.log(JSON.stringify(targets));
  const input = createInterface({ input: process.stdin });
  input.on('line', async (line) => {
    console.log(JSON.stringify(await closedLoop(references[Number(line)]!)));
  });
  input.on('close', async () => {
    await hit.close();
    await miss.close();
    await database.close();
    process.exit(0);
  });
}

async function measure(url: string): Promise<Latency> {
  const result = await autocannon({ url, connections, duration: seconds });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  }
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

/** Parent: start the child, measure each case against its reference, print the tables. */
async function main() {
  const child = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--serve', ...process.argv.slice(2)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! });
  const waiting: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  lines.on('line', (line) => waiting.shift()?.resolve(line));
  child.once('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`bench server exited with ${code}`));
  });
  const nextLine = () => new Promise<string>((resolve, reject) => waiting.push({ resolve, reject }));
  const targets = JSON.parse(await nextLine()) as Targets;
  const rounds = roundsFor(5);
  const fmt = (m: Latency) => `${Math.round(m.rps)}/s p50 ${m.p50} p99 ${m.p99}`;
  try {
    console.log(
      `\nREST API on loopback: ${businesses.toLocaleString('en-US')} businesses × ${DAYS} days, ${connections} connections, ${seconds} s per run, ${rounds} rounds, node ${process.version}  (${machineLine()})`,
    );
    if (HITS) {
      console.log(
        `\nCache hit (${targets.cacheKind}) vs bare node:http with the same bytes: req/s ratio per round`,
      );
      console.log('| case | bytes | round: hit / bare (ratio) | median ratio |');
      console.log('|---|---|---|---|');
    }
    for (const c of HITS ? targets.hits.filter((h) => chosen(h.name)) : []) {
      const all = await interleaved(
        rounds,
        { name: 'hit', run: () => measure(c.hit) },
        { name: 'bare', run: () => measure(c.bare) },
      );
      const ratios = all.map((r) => r.ours.rps / r.reference.rps);
      const each = all.map(
        (r, i) => `${r.round}: ${fmt(r.ours)} / ${fmt(r.reference)} (${ratios[i]!.toFixed(2)}×)`,
      );
      console.log(`| ${c.name} | ${c.bytes} | ${each.join('<br>')} | **${median(ratios).toFixed(2)}×** |`);
    }

    if (MISSES) {
      console.log(
        `\nCache miss (${targets.databaseKind}) vs the same SQL straight to the database, no HTTP: latency in ms`,
      );
      console.log(
        '| case | API p50 | API p99 | bare p50 | bare p99 | p50 ratio | rounds (API p99 / bare p99) |',
      );
      console.log('|---|---|---|---|---|---|---|');
    }
    for (const [index, c] of MISSES ? targets.misses.entries() : []) {
      if (!chosen(c.name)) continue;
      const all = await interleaved(
        rounds,
        { name: 'api', run: () => measure(c.url) },
        {
          name: 'bare',
          run: async () => {
            const reply = nextLine();
            child.stdin!.write(`${index}\n`);
            return JSON.parse(await reply) as Latency;
          },
        },
      );
      const med = (pick: (m: Latency) => number, side: 'ours' | 'reference') =>
        Number(median(all.map((r) => pick(r[side]))).toFixed(2));
      const [p50, p99, bare50, bare99] = [
        med((m) => m.p50, 'ours'),
        med((m) => m.p99, 'ours'),
        med((m) => m.p50, 'reference'),
        med((m) => m.p99, 'reference'),
      ];
      const each = all.map((r) => `${r.ours.p99} / ${r.reference.p99}`).join(', ');
      console.log(
        `| ${c.name} | ${p50} | ${p99} | ${bare50} | ${bare99} | ${(p50 / Math.max(bare50, 0.01)).toFixed(2)}× | ${each} |`,
      );
    }
  } finally {
    child.stdin!.end();
  }
}

if (process.argv.includes('--serve')) await serve();
else await main();
