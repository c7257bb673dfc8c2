import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseRunDate } from '../common/dates.ts';
import { errorMessage, GourmandError } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import type { LockHolder } from '../common/process-lock.ts';
import type { Settings } from '../config/settings.ts';
import { statePath } from '../config/state-dir.ts';
import type { RunSummary } from './runner.ts';

/**
 * The local control endpoint of a process that holds the embedded database (`gourmand serve`,
 * `gourmand start`): another process's `gourmand run` asks it to run a date instead of opening the
 * database itself. Loopback only, on its own port (never the API's), and authenticated by a random
 * token in `<state>/control.json`, readable by the owner only.
 */
interface ControlFile {
  pid: number;
  url: string;
  token: string;
}

export type RunDate = (date: string, mode?: string) => Promise<RunSummary>;

const controlFile = (settings: Pick<Settings, 'stateDir'>) => statePath(settings, 'control.json');

/** Runs the dates asked for one at a time (requests, the schedule); a failed one does not block the next. */
export function oneAtATime(run: RunDate): { run: RunDate; idle(): Promise<unknown> } {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run(date, mode) {
      const next = tail.then(() => run(date, mode));
      tail = next.catch(() => {});
      return next;
    },
    idle: () => tail,
  };
}

export async function startControl(
  settings: Pick<Settings, 'stateDir'>,
  log: Logger,
  runDate: RunDate,
): Promise<{ close(): Promise<void> }> {
  const token = randomBytes(32).toString('hex');
  const expected = Buffer.from(`Bearer ${token}`);
  const server = http.createServer((request, response) => {
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const given = Buffer.from(request.headers.authorization ?? '');
    const remote = request.socket.remoteAddress ?? '';
    if (!['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(remote))
      return reply(403, { error: 'loopback only' });
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return reply(401, { error: 'bad or missing token' });
    }
    if (request.method !== 'POST' || request.url !== '/runs') return reply(404, { error: 'POST /runs only' });
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      let date: string;
      let mode: string | undefined;
      try {
        const parsed = JSON.parse(body) as { date?: unknown; mode?: unknown };
        date = parseRunDate(String(parsed.date));
        mode = typeof parsed.mode === 'string' ? parsed.mode : undefined;
      } catch (error) {
        return reply(400, { error: errorMessage(error) });
      }
      log.info({ runDate: date }, `running ${date} for another process's \`gourmand run\``);
      runDate(date, mode).then(
        (summary) => reply(200, summary),
        (error) => reply(500, { error: errorMessage(error) }),
      );
    });
  });
  // A run takes as long as it takes.
  server.requestTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const file = controlFile(settings);
  const temp = `${file}.${process.pid}.tmp`;
  const content: ControlFile = { pid: process.pid, url: `http://127.0.0.1:${port}`, token };
  writeFileSync(temp, JSON.stringify(content), { mode: 0o600 });
  renameSync(temp, file);
  return {
    async close() {
      try {
        if ((JSON.parse(readFileSync(file, 'utf8')) as ControlFile).pid === process.pid) rmSync(file);
      } catch {}
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Asks the process holding the embedded database to run a date, and waits for its summary.
 * Undefined when that holder offers no control endpoint (it is not a server).
 */
export async function requestRun(
  settings: Pick<Settings, 'stateDir'>,
  holder: LockHolder,
  date: string,
  mode?: string,
): Promise<RunSummary | undefined> {
  const file = controlFile(settings);
  let control: ControlFile;
  try {
    // Only a file nobody else can read or write is trusted with the token.
    const stat = statSync(file);
    if ((stat.mode & 0o077) !== 0 || (process.getuid && stat.uid !== process.getuid())) return undefined;
    control = JSON.parse(readFileSync(file, 'utf8')) as ControlFile;
  } catch {
    return undefined;
  }
  if (control.pid !== holder.pid) return undefined;
  const body = JSON.stringify({ date, mode });
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const request = http.request(
      `${control.url}/runs`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${control.token}`, 'content-type': 'application/json' },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  }).catch((error: unknown) => {
    throw new GourmandError(
      `\`${holder.command}\` (pid ${holder.pid}) holds the embedded database but did not answer at ${control.url}: ${errorMessage(error)}`,
    );
  });
  if (status !== 200) {
    const message = (JSON.parse(text) as { error?: string }).error ?? text;
    throw new GourmandError(`\`${holder.command}\` (pid ${holder.pid}) could not run ${date}: ${message}`);
  }
  return JSON.parse(text) as RunSummary;
}
