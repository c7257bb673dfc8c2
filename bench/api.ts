/**
 * REST API throughput on loopback (autocannon), against a bare node:http server that returns the
 * same bytes (headers and body of a cache hit), measured in the same run. Cases: GET /businesses/{id} and a filtered list, each as a
 * cache hit and as a miss (a second app with caching off, so every request queries the database).
 * The servers run in a child process so the load generator does not share their event loop.
 * Bare and cached runs alternate for five rounds; the round with the median ratio is reported.
 * Target: cached GET ≥ 0.5× the bare server's req/s.
 * Usage: npm run bench:api -- [businesses=10000] [seconds=5] [connections=10]
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

const [businesses, seconds, connections] = [10_000, 5, 10].map((fallback, i) => {
  const arg = process.argv.filter((a) => a !== '--serve')[i + 2];
  return arg ? Number(arg) : fallback;
}) as [number, number, number];

interface Targets {
  cases: { name: string; bytes: number; bare: string; hit: string; miss: string }[];
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

/** Child: seed a database, start the API twice (cached, uncached) and the bare servers. */
async function serve() {
  const { startServer } = await import('../src/api/server.ts');
  const { silentLogger } = await import('../src/common/logger.ts');
  const { loadSettings } = await import('../src/config/settings.ts');
  const { openDatabase, openPglite } = await import('../src/oltp/database.ts');
  const { migrate, resetDatabase } = await import('../src/oltp/migrate.ts');
  const env = { ...process.env, LOG_LEVEL: 'silent', API_RATE_LIMIT: '0', API_LOGIN_RATE_LIMIT: '0' };
  const settings = loadSettings({ env });
  const database = settings.databaseUrl ? await openDatabase(settings) : await openPglite();
  if (settings.databaseUrl) await resetDatabase(database);
  await migrate(database);
  const seed = readFileSync(new URL('./api-seed.sql', import.meta.url), 'utf8');
  await sql.raw(seed.replaceAll(':businesses', String(businesses))).execute(database.db);
  const uncached = loadSettings({ env: { ...env, API_CACHE_TTL_SECONDS: '0' } });
  const hit = await startServer({ settings, database, log: silentLogger, port: 0 });
  const miss = await startServer({ settings: uncached, database, log: silentLogger, port: 0 });
  const paths = {
    'GET /businesses/{id}': `/businesses/${Math.ceil(businesses / 2)}`,
    'GET /businesses?filters':
      '/businesses?category=pizza&price=2&price=3&minRating=2&sort=rating&order=desc&limit=20',
  };
  const cases = [];
  for (const [name, path] of Object.entries(paths)) {
    await fetch(`${hit.url}${path}`); // fills the cache
    const response = await fetch(`${hit.url}${path}`);
    const body = await response.text();
    // The same headers and body as a cache hit, so what differs is the framework's work.
    const headers = Object.fromEntries(
      [...response.headers].filter(([header]) => !['date', 'connection', 'keep-alive'].includes(header)),
    );
    cases.push({
      name,
      bytes: body.length,
      bare: await bareServer(body, headers),
      hit: hit.url + path,
      miss: miss.url + path,
    });
  }
  const targets: Targets = { cases, cacheKind: hit.app.cache.kind, databaseKind: database.kind };
  console.log(JSON.stringify(targets));
  process.stdin.resume();
  process.stdin.on('end', async () => {
    await hit.close();
    await miss.close();
    await database.close();
    process.exit(0);
  });
}

async function measure(url: string) {
  const result = await autocannon({ url, connections, duration: seconds });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  }
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

type Measured = Awaited<ReturnType<typeof measure>>;
const ROUNDS = 5;

function row(label: string, m: Measured, reference: { rps: number }) {
  return {
    case: label,
    'req/s': Math.round(m.rps),
    'p50 ms': m.p50,
    'p99 ms': m.p99,
    'vs bare': `${(m.rps / reference.rps).toFixed(2)}×`,
  };
}

/** Parent: start the child, load each target in turn, print the table. */
async function main() {
  const child = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--serve', ...process.argv.slice(2)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const firstLine = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  const targets = JSON.parse(firstLine) as Targets;
  const rows = [];
  try {
    for (const c of targets.cases) {
      // The bare server and the cached API alternate for a few rounds and the median ratio counts, so a
      // burst of load from elsewhere on the machine does not decide the ratio.
      const rounds: { bare: Measured; hit: Measured }[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        rounds.push({ bare: await measure(c.bare), hit: await measure(c.hit) });
      }
      // The round with the median ratio: its two runs were measured back to back.
      rounds.sort((a, b) => a.hit.rps / a.bare.rps - b.hit.rps / b.bare.rps);
      const { bare: reference, hit } = rounds[Math.floor(ROUNDS / 2)]!;
      rows.push(row(`${c.name}: bare node:http, same ${c.bytes}-byte body`, reference, reference));
      const ratios = rounds.map((r) => (r.hit.rps / r.bare.rps).toFixed(2));
      rows.push({
        ...row(`${c.name}: cache hit (${targets.cacheKind})`, hit, reference),
        'all rounds': ratios.join(' '),
      });
      rows.push(row(`${c.name}: cache miss (${targets.databaseKind})`, await measure(c.miss), reference));
    }
  } finally {
    child.stdin!.end();
  }
  console.log(
    `REST API on loopback: ${businesses.toLocaleString('en-US')} businesses, ${connections} connections, ${seconds} s per case, node ${process.version}`,
  );
  console.table(rows);
}

if (process.argv.includes('--serve')) await serve();
else await main();
