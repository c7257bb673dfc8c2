import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/logger.ts';
import type { SourceDatabase } from '../../src/oltp/database.ts';
import { followRun, submitRun } from '../../src/orchestrator/bullmq.ts';
import { runGraph } from '../../src/orchestrator/runner.ts';
import { startReceiver, type WebhookReceiver } from '../quality/webhook-receiver.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { testSettings } from '../support/settings.ts';
import { graph } from './fixtures/diamond-graph.ts';
import { redisUrl, spawnWorkers, stopWorkers, uniquePrefix, type WorkerProcess } from './workers.ts';

const fixture = path.join(import.meta.dirname, 'fixtures', 'diamond-graph.ts');
// Worker processes share one database: the real server. Both services are required when set.
const enabled = Boolean(process.env.TEST_DATABASE_URL && redisUrl);

const outputRows = async (database: SourceDatabase, runDate: string) =>
  (
    await sql<{ task: string; attempt: number }>`
      select task, attempt from fixture_output where run_date = ${runDate} order by task, attempt`.execute(
      database.db,
    )
  ).rows;

const taskRuns = (database: SourceDatabase, runId: number) =>
  database.db
    .selectFrom('ops.task_run')
    .select(['task_name', 'attempt', 'status'])
    .where('run_id', '=', runId)
    .orderBy('task_name')
    .orderBy('attempt')
    .execute();

describe.runIf(enabled)('BullMQ workers (real PostgreSQL and Redis)', () => {
  let server: TestDatabase;
  let local: TestDatabase;
  let receiver: WebhookReceiver;
  const prefix = uniquePrefix();
  const workers: WorkerProcess[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await createTestDatabase('postgres');
    local = await createTestDatabase('pglite');
    receiver = await startReceiver();
    env = {
      DATABASE_URL: server.url!,
      REDIS_URL: redisUrl!,
      QUEUE_PREFIX: prefix,
      TASK_BACKOFF_MS: '10',
      ALERT_WEBHOOK_URL: receiver.url,
      ALERT_BACKOFF_MS: '10',
    };
    const args = ['--graph', fixture, '--lock-duration-ms', '2000', '--stalled-interval-ms', '500'];
    workers.push(...(await spawnWorkers(2, args, env)));
  });

  afterAll(async () => {
    await stopWorkers(workers, prefix);
    await receiver?.close();
    await server?.close();
    await local?.close();
  });

  const settings = () => testSettings({ REDIS_URL: redisUrl!, QUEUE_PREFIX: prefix, TASK_BACKOFF_MS: '10' });

  const runOnWorkers = async (runDate: string) => {
    const runId = await submitRun({ graph: graph(), runDate, settings: settings(), database: server });
    return followRun({ graph: graph(), runId, database: server, log: silentLogger, pollMs: 50 });
  };

  const runInProcess = (runDate: string) =>
    runGraph({ graph: graph(), runDate, settings: testSettings(), database: local, log: silentLogger });

  it('runs the graph on two workers with the same records and output as the in-process runner', async () => {
    const remote = await runOnWorkers('2026-04-01');
    const inProcess = await runInProcess('2026-04-01');
    expect(remote.status).toBe('succeeded');
    expect(Object.values(remote.tasks).map((t) => t.status)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    expect(await outputRows(server, '2026-04-01')).toEqual(await outputRows(local, '2026-04-01'));
    expect(await taskRuns(server, remote.runId)).toEqual(await taskRuns(local, inProcess.runId));
    expect(await taskRuns(server, remote.runId)).toContainEqual({
      task_name: 'extract',
      attempt: 1,
      status: 'failed',
    });
    const run = await server.db
      .selectFrom('ops.pipeline_run')
      .selectAll()
      .where('run_id', '=', remote.runId)
      .executeTakeFirstOrThrow();
    expect([run.executor, run.status]).toEqual(['bullmq', 'succeeded']);
  });

  it('a task that fails for good skips its dependents, fails the run and alerts once', async () => {
    const remote = await runOnWorkers('2026-04-13');
    const inProcess = await runInProcess('2026-04-13');
    expect(remote.status).toBe('failed');
    expect(remote.tasks.transform_b!.status).toBe('failed');
    expect(remote.tasks.transform_b!.attempts).toBe(3);
    expect(remote.tasks.publish!.status).toBe('skipped');
    expect(await taskRuns(server, remote.runId)).toEqual(await taskRuns(local, inProcess.runId));
    const alerts = receiver.delivered().filter((a) => a.text.includes(`run ${remote.runId} `));
    expect(alerts.map((a) => a.text)).toEqual([
      `Gourmand run ${remote.runId} for 2026-04-13: task transform_b failed`,
    ]);
  });

  it('a task below two failed upstreams is skipped once', async () => {
    const remote = await runOnWorkers('2026-04-17');
    const inProcess = await runInProcess('2026-04-17');
    expect(remote.status).toBe('failed');
    expect([remote.tasks.transform_a!.status, remote.tasks.transform_b!.status]).toEqual([
      'failed',
      'failed',
    ]);
    const publish = (await taskRuns(server, remote.runId)).filter((r) => r.task_name === 'publish');
    expect(publish).toEqual([{ task_name: 'publish', attempt: 1, status: 'skipped' }]);
    expect(await taskRuns(server, remote.runId)).toEqual(await taskRuns(local, inProcess.runId));
  });

  it('a worker killed with SIGKILL mid-task has its job finished by the other worker', async () => {
    const runId = await submitRun({
      graph: graph(),
      runDate: '2026-04-21',
      settings: settings(),
      database: server,
    });
    const victim = await Promise.race(
      workers.map((w) => w.waitFor('"runDate":"2026-04-21"', 'transform_a working').then(() => w)),
    );
    await victim.stop('SIGKILL');
    const survivor = workers.find((w) => w !== victim)!;
    const remote = await followRun({
      graph: graph(),
      runId,
      database: server,
      log: silentLogger,
      pollMs: 50,
    });
    expect(remote.status).toBe('succeeded');
    const attempts = await server.db
      .selectFrom('ops.task_run')
      .select(['attempt', 'status', 'error'])
      .where('run_id', '=', runId)
      .where('task_name', '=', 'transform_a')
      .orderBy('attempt')
      .execute();
    expect(attempts).toEqual([
      { attempt: 1, status: 'failed', error: 'worker lost (job stalled and was taken over)' },
      { attempt: 2, status: 'succeeded', error: null },
    ]);
    const { rows } = await sql<{ pid: number }>`
      select pid from fixture_output where run_date = '2026-04-21' and task = 'transform_a'`.execute(
      server.db,
    );
    expect(rows).toEqual([{ pid: survivor.child.pid }]);
    // Same final state as an undisturbed in-process run, apart from the attempts the victim lost
    // (it may have been running transform_b beside transform_a).
    const lost = await server.db
      .selectFrom('ops.task_run')
      .select('task_name')
      .where('run_id', '=', runId)
      .where('error', 'like', 'worker lost%')
      .execute();
    const untouched = (r: { task: string }) => !lost.some((l) => l.task_name === r.task);
    await runInProcess('2026-04-21');
    const fixtureRows = (await outputRows(server, '2026-04-21')).filter(untouched);
    expect(fixtureRows).toEqual((await outputRows(local, '2026-04-21')).filter(untouched));
    expect((await outputRows(server, '2026-04-21')).map((r) => r.task)).toEqual(
      expect.arrayContaining(['extract', 'transform_a', 'transform_b', 'publish']),
    );
  });
});
