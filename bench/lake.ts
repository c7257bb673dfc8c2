/**
 * Lake export throughput: exporting ≥ 1,000,000 business rows to Parquet against a raw
 * `COPY business TO STDOUT` of the same table in the same run. Target: ratio ≥ 0.5.
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:lake [-- rows]
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
import { benchSql, scratchSource, timed } from './scratch-source.ts';

const rows = Number(process.argv[2] ?? 1_000_000);
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

  // Warm both paths once, then take the best of three of each, interleaved.
  await rawCopy();
  await exportOnce();
  const copyMs: number[] = [];
  const exportMs: number[] = [];
  let exported = { rows: 0, files: [{ bytes: 0 }] };
  let copied = 0;
  for (let i = 0; i < 3; i++) {
    const c = await timed(rawCopy);
    copyMs.push(c.ms);
    copied = c.value;
    const e = await timed(exportOnce);
    exportMs.push(e.ms);
    exported = e.value;
  }
  const copyBest = Math.min(...copyMs);
  const exportBest = Math.min(...exportMs);
  console.log(`source: ${database.kind}; rows exported: ${exported.rows.toLocaleString()}`);
  console.log(
    `raw COPY TO STDOUT:  ${(copyBest / 1000).toFixed(2)} s  (${(copied / 1e6).toFixed(0)} MB of CSV)`,
  );
  console.log(
    `lake export (Parquet): ${(exportBest / 1000).toFixed(2)} s  (${(exported.files.reduce((sum, f) => sum + f.bytes, 0) / 1e6).toFixed(0)} MB of Parquet in ${exported.files.length} files)`,
  );
  console.log(`ratio (COPY time / export time): ${(copyBest / exportBest).toFixed(2)}  (target ≥ 0.5)`);
} finally {
  await database.close();
  rmSync(lakeDir, { recursive: true, force: true });
}
