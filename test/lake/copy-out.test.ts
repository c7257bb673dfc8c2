import { createHook } from 'node:async_hooks';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSnapshot } from '../../src/lake/copy-out.ts';
import { openPglite, openPostgres, type SourceDatabase } from '../../src/oltp/database.ts';

// A query timeout no other timer of this process has, so its timers can be told apart.
const QUERY_TIMEOUT_MS = 987_654;

// NULL, an empty string, quotes, a comma, a newline, non-ASCII text, an instant and a number.
const AWKWARD = `select * from (values
  (1, null::text, '', 'say "hi", then
leave', 'Zürich café ☕', timestamptz '2026-03-01 12:34:56.789+02', 12.50::numeric(5, 2)),
  (2, 'x', 'y', '', '', null, null)) as t(id, a, b, c, d, e, f)`;
const AWKWARD_CSV =
  '1,,"","say ""hi"", then\nleave",Zürich café ☕,2026-03-01 10:34:56.789+00,12.50\n' + '2,x,y,"","",,\n';

const workDir = () => mkdtempSync(path.join(tmpdir(), 'gourmand-lake-test-'));

async function copyOut(database: SourceDatabase, select: string) {
  const directory = workDir();
  const file = path.join(directory, 'out.csv');
  const serverFiles = await withSnapshot(database, directory, async (reader) => {
    await reader.copyCsvToFile(select, file);
    return reader.serverFiles;
  });
  return { serverFiles, csv: readFileSync(file, 'utf8') };
}

describe.runIf(process.env.TEST_DATABASE_URL)('COPY TO a file on PostgreSQL', () => {
  const url = () => new URL(process.env.TEST_DATABASE_URL!);
  // A role that may not write server files (roles are the cluster's: one per process).
  const role = `gourmand_t_reader_${process.pid}`;
  const roleUrl = () => {
    const u = url();
    u.username = role;
    return u.href;
  };
  let admin: pg.Client;
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url().href });
    await admin.connect();
    await admin.query(`drop role if exists ${role}`);
    await admin.query(`create role ${role} login`);
  });
  afterAll(async () => {
    await admin.query(`drop role if exists ${role}`);
    await admin.end();
  });

  it('a superuser on this machine has the server write the file; a plain role streams the same bytes', async () => {
    const superuser = await openPostgres(url().href, 1);
    const plain = await openPostgres(roleUrl(), 1);
    try {
      const written = await copyOut(superuser, AWKWARD);
      const streamed = await copyOut(plain, AWKWARD);
      expect(written).toEqual({ serverFiles: true, csv: AWKWARD_CSV });
      expect(streamed).toEqual({ serverFiles: false, csv: AWKWARD_CSV });
    } finally {
      await superuser.close();
      await plain.close();
    }
  });

  it('streaming leaves no query-timeout timer behind (one kept a finished worker alive after SIGTERM)', async () => {
    const live = new Set<number>();
    const hook = createHook({
      init(id, type, _trigger, resource) {
        if (type === 'Timeout' && (resource as { _idleTimeout?: number })._idleTimeout === QUERY_TIMEOUT_MS) {
          live.add(id);
        }
      },
      destroy(id) {
        live.delete(id);
      },
    });
    const database = await openPostgres(roleUrl(), 1, { queryTimeoutMs: QUERY_TIMEOUT_MS });
    let copied: Awaited<ReturnType<typeof copyOut>>;
    hook.enable();
    try {
      copied = await copyOut(database, 'select generate_series(1, 3)');
      await database.close();
      // Destroy hooks of cleared timers are delivered on a later turn of the event loop.
      for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
    } finally {
      hook.disable();
    }
    expect(copied).toEqual({ serverFiles: false, csv: '1\n2\n3\n' });
    expect(live.size).toBe(0);
  });
});

describe('COPY TO a file on PGlite', () => {
  it('writes the same CSV as the server', async () => {
    const database = await openPglite();
    try {
      expect(await copyOut(database, AWKWARD)).toEqual({ serverFiles: false, csv: AWKWARD_CSV });
    } finally {
      await database.close();
    }
  });
});
