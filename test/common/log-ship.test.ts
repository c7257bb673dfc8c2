import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logShipper } from '../../src/common/log-ship.ts';
import { createLogger } from '../../src/common/logger.ts';
import type { Task } from '../../src/orchestrator/graph.ts';
import { runGraph } from '../../src/orchestrator/runner.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { testSettings } from '../support/settings.ts';

const TIMEOUT_MS = 500;
const chatty: Task = {
  name: 'chatty',
  dependsOn: [],
  run: async ({ log }) => {
    for (let i = 0; i < 300; i++) log.info({ i }, `line ${i}`);
    log.warn('one warning');
    return { rows: 300 };
  },
};

/** A loopback Elasticsearch bulk API: parses the NDJSON bodies, keeps every document. */
async function bulkReceiver(mode: 'answer' | 'hang') {
  const documents: Record<string, unknown>[] = [];
  const server: Server = createServer((request, response) => {
    if (mode === 'hang') return;
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      const headers = { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' };
      if (!request.url?.endsWith('/_bulk')) {
        response.writeHead(200, headers).end('{}');
        return;
      }
      const lines = body
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line));
      const items: unknown[] = [];
      // Action line, then its document.
      for (let i = 0; i < lines.length; i += 2) {
        documents.push(lines[i + 1]);
        items.push({ index: { _index: lines[i].index._index, status: 201, result: 'created' } });
      }
      response.writeHead(200, headers).end(JSON.stringify({ took: 1, errors: false, items }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    documents,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function closedPortUrl() {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('LOG_SHIP_URL: the log records shipped by pino-elasticsearch', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('pglite');
  });
  afterAll(async () => {
    await database?.close();
  });

  async function shippedRun(url: string) {
    const settings = testSettings();
    const shipper = logShipper(url, TIMEOUT_MS);
    const log = createLogger('silent', { extra: [shipper.stream] });
    const summary = await runGraph({ graph: [chatty], runDate: '2026-04-02', settings, database, log });
    const started = Date.now();
    await shipper.close();
    const file = path.join(settings.stateDir, 'logs', '2026-04-02', `run-${summary.runId}.jsonl`);
    const kept = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    return { summary, closeMs: Date.now() - started, kept };
  }

  it('every record of a run arrives once at a bulk API receiver', async () => {
    const receiver = await bulkReceiver('answer');
    try {
      const { summary, kept } = await shippedRun(receiver.url);
      expect(summary.status).toBe('succeeded');
      const ofRun = receiver.documents.filter((d) => d.runId === summary.runId);
      // The same records as the run's log file, each once (pino-elasticsearch rewrites time as ISO).
      const key = (r: Record<string, unknown>) => `${r.msg}|${r.i ?? ''}|${r.event ?? ''}`;
      expect(ofRun.map(key).sort()).toEqual(kept.map(key).sort());
      expect(new Set(ofRun.map(key)).size).toBe(ofRun.length);
      expect(ofRun.filter((d) => typeof d.i === 'number')).toHaveLength(300);
    } finally {
      await receiver.close();
    }
  });

  // The bound under test is the shipping timeout itself: the run ends as usual, closing waits at most that.
  it('a receiver on a closed port neither fails the run nor holds it past its timeout', async () => {
    const { summary, closeMs } = await shippedRun(await closedPortUrl());
    expect(summary.status).toBe('succeeded');
    expect(closeMs).toBeLessThanOrEqual(TIMEOUT_MS + 1000);
  });

  it('a receiver that accepts but never answers neither fails the run nor holds it past its timeout', async () => {
    const receiver = await bulkReceiver('hang');
    try {
      const { summary, closeMs } = await shippedRun(receiver.url);
      expect(summary.status).toBe('succeeded');
      expect(closeMs).toBeLessThanOrEqual(TIMEOUT_MS + 1000);
    } finally {
      await receiver.close();
    }
  });
});
