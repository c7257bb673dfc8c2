import { closeSync, mkdirSync, openSync, readdirSync, rmdirSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { addLogTap } from '../common/logger.ts';
import type { Settings } from '../config/settings.ts';
import type { SourceDatabase } from '../oltp/database.ts';

/** Warnings and errors kept in ops.task_log per run (and per worker task) at most. */
export const TASK_LOG_LIMIT = 200;
const DAY_MS = 24 * 3600 * 1000;
const LEVEL_NAMES: Record<number, string> = { 40: 'warn', 50: 'error', 60: 'fatal' };

export function logsDir(settings: Pick<Settings, 'stateDir'>): string {
  return path.resolve(settings.stateDir, 'logs');
}

/** The file of a run (in-process), or of one task of it run by a worker. */
export function runLogFile(
  settings: Pick<Settings, 'stateDir'>,
  runDate: string,
  runId: number,
  task?: string,
) {
  return path.join(logsDir(settings), runDate, task ? `run-${runId}.${task}.jsonl` : `run-${runId}.jsonl`);
}

export interface RunLogFile {
  file: string;
  /** Stops taking lines; waits for the ops.task_log inserts. */
  close(): Promise<void>;
}

/**
 * Keeps the JSON lines a run (or one task of it) logs: every line of every createLogger logger
 * carrying its runId (and task) goes to its file, warnings and errors also to ops.task_log on a
 * PostgreSQL server (an embedded database is one folder with the files). Files older than
 * LOG_RETENTION_DAYS are removed first.
 */
export function openRunLogFile(
  settings: Pick<Settings, 'stateDir' | 'logRetentionDays'>,
  database: SourceDatabase,
  run: { runId: number; runDate: string; task?: string },
): RunLogFile {
  removeOldLogs(logsDir(settings), settings.logRetentionDays);
  const file = runLogFile(settings, run.runDate, run.runId, run.task);
  mkdirSync(path.dirname(file), { recursive: true });
  const fd = openSync(file, 'a');
  const keepInDb = database.kind === 'postgres';
  let kept = 0;
  let inserts: Promise<unknown> = Promise.resolve();
  const removeTap = addLogTap((line) => {
    let record: { runId?: unknown; task?: unknown; level?: number; time?: number; msg?: unknown };
    try {
      record = JSON.parse(line);
    } catch {
      return;
    }
    if (record.runId !== run.runId || (run.task && record.task !== run.task)) return;
    writeSync(fd, line.endsWith('\n') ? line : `${line}\n`);
    const level = LEVEL_NAMES[record.level ?? 0];
    if (!keepInDb || !level || kept >= TASK_LOG_LIMIT) return;
    kept += 1;
    const row = {
      run_id: run.runId,
      task_name: typeof record.task === 'string' ? record.task : null,
      level,
      logged_at: new Date(record.time ?? Date.now()),
      msg: String(record.msg ?? ''),
      record: JSON.stringify(record),
    };
    // Keeping a log line never fails the run: a lost insert only loses that copy of the line.
    inserts = inserts.then(() =>
      database.db
        .insertInto('ops.task_log')
        .values(row)
        .execute()
        .catch(() => {}),
    );
  });
  return {
    file,
    async close() {
      removeTap();
      closeSync(fd);
      await inserts;
    },
  };
}

/** Removes log files last written more than `days` ago, and date folders left empty. */
function removeOldLogs(dir: string, days: number, now = Date.now()) {
  let dates: string[];
  try {
    dates = readdirSync(dir);
  } catch {
    return;
  }
  for (const date of dates) {
    const folder = path.join(dir, date);
    try {
      for (const name of readdirSync(folder)) {
        const file = path.join(folder, name);
        if (now - statSync(file).mtimeMs > days * DAY_MS) rmSync(file, { force: true });
      }
      if (readdirSync(folder).length === 0) rmdirSync(folder);
    } catch {
      // Another process rotating at the same moment: whatever it removed is gone either way.
    }
  }
}
