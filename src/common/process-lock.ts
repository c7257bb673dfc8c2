import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { GourmandError } from './errors.ts';

/** Who holds a lock file: written by the holder, read by whoever is refused. */
export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  startedAt: string;
}

/** The folder or file is held by another live process; `holder` says which. */
export class InUseError extends GourmandError {
  constructor(
    message: string,
    readonly holder: LockHolder,
  ) {
    super(message);
  }
}

export interface ProcessLock {
  readonly file: string;
  release(): void;
}

/** The command this process runs, as a person would recognise it (`gourmand serve`). */
export function currentCommand(): string {
  const [, script = 'node', ...args] = process.argv;
  const flag = args.findIndex((arg) => arg.startsWith('-'));
  const words = (flag === -1 ? args : args.slice(0, flag)).slice(0, 3);
  const name = /gourmand(\.js)?$/.test(script) ? 'gourmand' : path.basename(script);
  return [name, ...words].join(' ');
}

/** Whether a process of this host exists (EPERM: it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

// Locks this process holds, released on exit even when nobody closes them (a crash, process.exit).
const held = new Map<string, LockHolder>();
let exitHook = false;

/**
 * An exclusive lock on `target` (a database folder or file) for this process: `<target>.lock`
 * created atomically (link of a complete temporary file) with pid, host, command and start time.
 * A lock whose process is gone (same host, pid dead: a SIGKILL) is stale and taken over; a live
 * holder — another process, or this one opening the same target twice — gets InUseError with
 * `what` and the holder in one line. Locks of other hosts are never presumed dead.
 */
export function acquireLock(target: string, what: string, advice: string): ProcessLock {
  const file = `${target}.lock`;
  mkdirSync(path.dirname(file), { recursive: true });
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    command: currentCommand(),
    startedAt: new Date().toISOString(),
  };
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(temp, `${JSON.stringify(me)}\n`, { mode: 0o644 });
  try {
    for (let tries = 0; tries < 5; tries++) {
      try {
        linkSync(temp, file);
        held.set(file, me);
        if (!exitHook) {
          exitHook = true;
          process.on('exit', () => {
            for (const [lockFile, holder] of held) releaseIfMine(lockFile, holder);
          });
        }
        return { file, release: () => releaseIfMine(file, me) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readHolder(file);
      // A half-read or vanished file: the holder is writing or leaving; look again.
      if (!holder) continue;
      if (holder.host !== me.host || processAlive(holder.pid)) {
        throw new InUseError(
          `${what} is in use by \`${holder.command}\` (pid ${holder.pid}${holder.host === me.host ? '' : ` on ${holder.host}`}, since ${holder.startedAt}): ${advice}`,
          holder,
        );
      }
      // Stale: move it aside atomically (one taker wins), and put it back if it was not the stale one.
      const aside = `${file}.stale.${process.pid}`;
      try {
        renameSync(file, aside);
      } catch {
        continue;
      }
      const moved = readHolder(aside);
      if (moved && moved.pid !== holder.pid) {
        try {
          linkSync(aside, file);
        } catch {}
      }
      rmSync(aside, { force: true });
    }
    throw new GourmandError(`Could not take the lock ${file}; try again`);
  } finally {
    rmSync(temp, { force: true });
  }
}

function releaseIfMine(file: string, me: LockHolder): void {
  if (held.get(file) !== me) return;
  held.delete(file);
  const holder = readHolder(file);
  if (holder && holder.pid === me.pid && holder.startedAt === me.startedAt) rmSync(file, { force: true });
}
