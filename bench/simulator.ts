/**
 * 1. Streams every open business of a day from a simulated world of N businesses (default 1,000,000)
 *    and compares the cost with a reference measured in the same run: JSON.stringify of as many rows
 *    (cycling through a sample of the same rows), i.e. the least any consumer of the rows pays.
 * 2. Pulls every county of a 20,000-business world over HTTP (search pages of 50, 4 at a time) and
 *    compares with a reference node:http server answering a fixed body of the same average size.
 * Usage: npm run bench:sim -- [businesses] [date]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { createWorld, startSimulator } from '../src/simulator/index.ts';

const businesses = Number(process.argv[2] ?? 1_000_000);
const date = process.argv[3] ?? '2026-11-25';

const t0 = performance.now();
const world = createWorld({ businesses, seed: 42 });
const createMs = performance.now() - t0;

let rows = 0;
let peakHeap = 0;
const sample = [];
const t1 = performance.now();
for (const row of world.businessesOn(date)) {
  rows++;
  if (sample.length < 10_000) sample.push(row);
  if ((rows & 0xffff) === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
}
const streamMs = performance.now() - t1;

const t2 = performance.now();
let bytes = 0;
for (let i = 0; i < rows; i++) bytes += JSON.stringify(sample[i % sample.length]).length;
const referenceMs = performance.now() - t2;

console.log(`world of ${businesses.toLocaleString('en-US')} businesses, ${date}`);
console.log(`  createWorld           ${createMs.toFixed(0)} ms`);
console.log(
  `  businessesOn          ${rows.toLocaleString('en-US')} rows in ${(streamMs / 1000).toFixed(1)} s (${Math.round(rows / (streamMs / 1000)).toLocaleString('en-US')} rows/s), peak heap ${(peakHeap / 1e6).toFixed(0)} MB`,
);
console.log(
  `  reference             JSON.stringify of as many rows: ${(referenceMs / 1000).toFixed(1)} s (${(bytes / 1e6).toFixed(0)} MB)`,
);
console.log(
  `  ratio                 streaming costs ${(streamMs / referenceMs).toFixed(1)}x serializing the rows`,
);

// ---- 2. HTTP pull of every county ----------------------------------------------------------------

const sim = await startSimulator({ businesses: 20_000, seed: 42, date });
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

const simulated = await pull(sim.url);
await sim.close();
const fixed = 'x'.repeat(Math.round(simulated.bytes / paths.length));
const reference = createServer((_, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(fixed);
});
await new Promise<void>((resolve) => reference.listen(0, '127.0.0.1', resolve));
const referenceRun = await pull(`http://127.0.0.1:${(reference.address() as AddressInfo).port}`);
reference.close();

console.log(
  `HTTP pull of every county, 20,000-business world: ${paths.length.toLocaleString('en-US')} search calls`,
);
console.log(
  `  simulator             ${(simulated.ms / 1000).toFixed(1)} s (${Math.round(paths.length / (simulated.ms / 1000))} calls/s, ${(simulated.bytes / 1e6).toFixed(0)} MB)`,
);
console.log(`  reference             fixed-body node:http server: ${(referenceRun.ms / 1000).toFixed(1)} s`);
console.log(`  ratio                 ${(simulated.ms / referenceRun.ms).toFixed(1)}x the reference`);
