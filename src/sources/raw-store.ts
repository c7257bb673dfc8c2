import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { ValidationError } from '../common/errors.ts';
import type { Settings } from '../config/settings.ts';

/**
 * Raw pulls kept in the state folder, `<stateDir>/raw/<source>/<date>/…`, as gzip JSON lines, so
 * a load can be replayed without calling the APIs again. Files are written to a temporary name
 * and renamed, so a file that exists is complete: that is also the extract's checkpoint.
 */
export function rawDir(settings: Pick<Settings, 'stateDir'>, source: string, date: string): string {
  return path.resolve(settings.stateDir, 'raw', source, date);
}

export async function writeJsonLines(file: string, records: Iterable<unknown>): Promise<number> {
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const gzip = createGzip();
  const done = pipeline(gzip, createWriteStream(temp));
  let count = 0;
  for (const record of records) {
    if (!gzip.write(`${JSON.stringify(record)}\n`)) await once(gzip, 'drain');
    count++;
  }
  gzip.end();
  await done;
  renameSync(temp, file);
  return count;
}

export async function* readJsonLines<T = unknown>(file: string): AsyncGenerator<T> {
  const lines = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line) yield JSON.parse(line) as T;
  }
}

export async function readAllJsonLines<T = unknown>(file: string): Promise<T[]> {
  const out: T[] = [];
  for await (const record of readJsonLines<T>(file)) out.push(record);
  return out;
}

export function hasFile(file: string): boolean {
  return existsSync(file);
}

/**
 * Fails with one line when a kept pull a task reads is missing, naming it, where it looked and
 * what to do: a load never succeeds empty because it ran in another folder than its extract.
 */
export function requireRaw(
  settings: Pick<Settings, 'stateDir'>,
  location: string,
  what: string,
  producer: string,
): void {
  if (existsSync(location)) return;
  const state = path.resolve(settings.stateDir);
  const hint = existsSync(state)
    ? `run ${producer} for this date first`
    : `the state folder ${state} does not exist: set GOURMAND_STATE_DIR to the folder ${producer} wrote to`;
  throw new ValidationError(`${what} is missing: looked for ${location} (${hint})`);
}

/** The complete `.jsonl.gz` files of a folder (temporary files of a crashed write are ignored). */
export function listJsonLines(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl.gz'))
    .sort()
    .map((name) => path.join(dir, name));
}
