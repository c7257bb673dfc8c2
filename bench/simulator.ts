/**
 * 1. Streams every open business of a day from a simulated world of N businesses (default 1,000,000)
 *    and compares the cost with a reference measured in the same rounds: JSON.stringify of as many
 *    rows (cycling through a sample of the same rows), i.e. the least any consumer of the rows pays.
 * 2. Pulls every county of a 20,000-business world over HTTP (search pages of 50, 4 at a time) and
 *    compares with a reference node:http server answering a fixed body of the same average size.
 * Both parts run interleaved rounds after one warm-up of each side (bench/procedure.ts).
 * Usage: npm run bench:sim -- [businesses] [date] [--rounds N]   (--quick: 20,000 and 2,000 businesses, 1 round)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { createWorld, startSimulator } from '../src/simulator/index.ts';
import { benchArgs, interleaved, printRounds, QUICK, roundsFor } from './procedure.ts';

const [businessArg, dateArg] = benchArgs();
const businesses = Number(businessArg ?? (QUICK ? 20_000 : 1_000_000));
const date = dateArg ?? '2026-11-25';
const pulled = QUICK ? 2_000 : 20_000;
const rounds = roundsFor(3);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

// ---- 1. Streaming a day's businesses ------------------------------------------------------------

const t0 = performance.now();
const world = createWorld({ businesses, seed: 42 });
console.log(
  `world of ${businesses.toLocaleString('en-US')} businesses, ${date}: createWorld ${(performance.now() - t0).toFixed(0)} ms`,
);

let rows = 0;
let peakHeap = 0;
const sample: unknown[] = [];
const stream = async () => {
  const started = performance.now();
  rows = 0;
  for (const row of world.businessesOn(date)) {
    rows++;
    if (sample.length < 10_000) sample.push(row);
    if ((rows & 0xffff) === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }
  return performance.now() - started;
};
const serialize = async () => {
  const started = performance.now();
  let bytes = 0;
  for (let i = 0; i < rows; i++) bytes += JSON.stringify(sample[i % sample.length]).length;
  if (bytes === 0 && rows > 0) throw new Error('nothing serialized');
  return performance.now() - started;
};
await stream();
await serialize();
const streaming = await interleaved(
  rounds,
  { name: 'businessesOn', run: stream },
  { name: 'JSON.stringify', run: serialize },
);
console.log(
  `businessesOn: ${rows.toLocaleString('en-US')} rows a round, peak heap ${(peakHeap / 1e6).toFixed(0)} MB`,
);
printRounds(
  `streaming ${rows.toLocaleString('en-US')} businesses vs JSON.stringify of as many rows (ratio stream / stringify time)`,
  streaming,
  seconds,
  (r) => r.ours / r.reference,
);

// ---- 2. HTTP pull of every county ----------------------------------------------------------------

const sim = await startSimulator({ businesses: pulled, seed: 42, date });
const truth = sim.world.truth(date);
const stateCode = new Map(truth.states.map((st) => [st.fips, st.code]));
const paths: string[] = [];
const perCounty = new Map<string, number>();
for (const b of truth.businesses) perCounty.set(b.countyFips, (perCounty.get(b.countyFips) ?? 0) + 1);
for (const c of truth.counties) {
  const location = encodeURIComponent(`${c.name}, ${stateCode.get(c.stateFips)}`);
  const pages = Math.max(1, Math.ceil((perCounty.get(c.fips) ?? 0) / 50));
  for (let page = 0; page < pages; page++) {
    paths.push(`/v3/businesses/search?location=${location}&limit=50&offset=${page * 50}`);
  }
}

async function pull(base: string): Promise<{ ms: number; bytes: number }> {
  let next = 0;
  let bytes = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < paths.length) {
        const response = await request(`${base}${paths[next++]}`, {
          headers: { authorization: 'Bearer sim-yelp-key' },
        });
        bytes += (await response.body.text()).length;
      }
    }),
  );
  return { ms: performance.now() - start, bytes };
}

// The warm-up pull also gives the reference its body size.
const warm = await pull(sim.url);
const fixed = 'x'.repeat(Math.round(warm.bytes / paths.length));
const reference = createServer((_, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(fixed);
});
await new Promise<void>((resolve) => reference.listen(0, '127.0.0.1', resolve));
const referenceUrl = `http://127.0.0.1:${(reference.address() as AddressInfo).port}`;
await pull(referenceUrl);
try {
  const http = await interleaved(
    rounds,
    { name: 'simulator', run: async () => (await pull(sim.url)).ms },
    { name: 'fixed-body node:http', run: async () => (await pull(referenceUrl)).ms },
  );
  printRounds(
    `HTTP pull of every county, ${pulled.toLocaleString('en-US')}-business world: ${paths.length.toLocaleString('en-US')} search calls, ${(warm.bytes / 1e6).toFixed(0)} MB (ratio simulator / reference time)`,
    http,
    seconds,
    (r) => r.ours / r.reference,
  );
} finally {
  reference.close();
  await sim.close();
}
