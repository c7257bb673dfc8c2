import { createHook } from 'node:async_hooks';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { makeFifos, openFifoWriter, withSnapshot } from '../../src/lake/copy-out.ts';
import { openPostgres } from '../../src/oltp/database.ts';

// A query timeout no other timer of this process has, so its timers can be told apart.
const QUERY_TIMEOUT_MS = 987_654;

describe.runIf(process.env.TEST_DATABASE_URL)('COPY TO on PostgreSQL', () => {
  it('leaves no query-timeout timer behind (one kept a finished worker alive after SIGTERM)', async () => {
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
    const database = await openPostgres(process.env.TEST_DATABASE_URL!, 1, {
      queryTimeoutMs: QUERY_TIMEOUT_MS,
    });
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'gourmand-copy-')), 'out.csv');
    hook.enable();
    try {
      await withSnapshot(database, (reader) =>
        reader.copyCsv('select generate_series(1, 3)', createWriteStream(file)),
      );
      await database.close();
      // Destroy hooks of cleared timers are delivered on a later turn of the event loop.
      for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
    } finally {
      hook.disable();
    }
    expect(readFileSync(file, 'utf8')).toBe('1\n2\n3\n');
    expect(live.size).toBe(0);
  });
});

describe('FIFO writer', () => {
  it('opens once the reader has, so every byte reaches a reader that opens late', async () => {
    const fifo = path.join(mkdtempSync(path.join(tmpdir(), 'gourmand-fifo-')), 'late');
    await makeFifos([fifo]);
    let read: Promise<string> | undefined;
    const reading = new Promise<void>((resolve) =>
      setTimeout(() => {
        read = text(createReadStream(fifo));
        resolve();
      }, 50),
    );
    const sink = await openFifoWriter(
      fifo,
      reading.then(() => read),
    );
    const body = 'x'.repeat(200_000);
    sink.end(body);
    await reading;
    expect(await read).toBe(body);
  });

  it("rejects with the reader's error when the reader fails before opening it", async () => {
    const fifo = path.join(mkdtempSync(path.join(tmpdir(), 'gourmand-fifo-')), 'never');
    await makeFifos([fifo]);
    await expect(openFifoWriter(fifo, Promise.reject(new Error('bad read_csv')))).rejects.toThrow(
      'bad read_csv',
    );
  });
});
