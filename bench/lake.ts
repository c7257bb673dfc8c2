/**
 * Lake export throughput: exporting ≥ 1,000,000 business rows to Parquet against a raw
 * `COPY business TO STDOUT` of the same table, in interleaved rounds (bench/procedure.ts): a
 * CHECKPOINT before each side, both warmed once so each reads from the same warm cache.
 * Target: ratio (COPY time / export time) ≥ 0.7.
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:lake [-- rows] [--rounds N]
 *   npm run bench:lake -- --quick      (20,000 rows, 1 round; PGlite when DATABASE_URL is unset)
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql } from 'kysely';
import { to as copyTo } from 'pg-copy-streams';
import { exportLake } from '../src/lake/export.ts';
import { FileStore } from '../src/lake/store.ts';
import { execScript } from '../src/oltp/database.ts';
import { benchArgs, interleaved, printRounds, QUICK, roundsFor } from './procedure.ts';
import { benchSql, scratchSource, timed } from './scratch-source.ts';

const rows = Number(benchArgs()[0] ?? (QUICK ? 20_000 : 1_000_000));
const database = await scratchSource();
const lakeDir = mkdtempSync(path.join(tmpdir(), 'gourmand-bench-lake-'));
try {
  console.log(`seeding ${rows.toLocaleString()} businesses into ${database.kind} …`);
  await execScript(database.db, benchSql('seed-businesses.sql', { n: rows }));
  await sql`analyze business`.execute(database.db);

  const rawCopy = async () => {
    let bytes = 0;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        done();
      },
    });
    if (database.pool) {
      const client = await database.pool.connect();
      try {
        await pipeline(client.query(copyTo('copy business to stdout with (format csv)')), sink);
      } finally {
        client.release();
      }
    } else {
      const result = await database.pglite!.query("copy business to '/dev/blob' with (format csv)");
      bytes = result.blob?.size ?? 0;
    }
    return bytes;
  };
  const store = new FileStore(lakeDir);
  const exportOnce = async () => {
    await database.db.deleteFrom('ops.lake_watermark').execute();
    const manifest = await exportLake(database, store, '2026-01-01', { tables: ['business'] });
    return manifest.tables.business!;
  };

  // Warm both paths once (the same cache state for each side), then interleaved rounds.
  await rawCopy();
  await exportOnce();
  const checkpoint = async () => {
    if (database.kind === 'postgres') await sql`checkpoint`.execute(database.db);
  };
  let exported = { rows: 0, files: [{ bytes: 0 }] };
  let copied = 0;
  const results = await interleaved(
    roundsFor(5),
    {
      name: 'lake export',
      prepare: checkpoint,
      run: async () => {
        const e = await timed(exportOnce);
        exported = e.value;
        return e.ms;
      },
    },
    {
      name: 'COPY TO STDOUT',
      prepare: checkpoint,
      run: async () => {
        const c = await timed(rawCopy);
        copied = c.value;
        return c.ms;
      },
    },
  );
  console.log(`source: ${database.kind}; rows exported: ${exported.rows.toLocaleString()}`);
  console.log(
    `raw COPY TO STDOUT: ${(copied / 1e6).toFixed(0)} MB of CSV; lake export: ${(exported.files.reduce((sum, f) => sum + f.bytes, 0) / 1e6).toFixed(0)} MB of Parquet in ${exported.files.length} files`,
  );
  printRounds(
    `lake export of ${rows.toLocaleString()} businesses vs COPY TO STDOUT (ratio COPY time / export time, target ≥ 0.7)`,
    results,
    (ms) => `${(ms / 1000).toFixed(2)} s`,
  );
} finally {
  await database.close();
  rmSync(lakeDir, { recursive: true, force: true });
}
