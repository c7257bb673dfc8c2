/**
 * Streams every open business of a day from a simulated world of N businesses (default 1,000,000)
 * and compares the cost with a reference measured in the same run: JSON.stringify of as many rows
 * (cycling through a sample of the same rows), i.e. the least any consumer of the rows pays.
 * Usage: npm run bench:sim -- [businesses] [date]
 */
import { createWorld } from '../src/simulator/index.ts';

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
