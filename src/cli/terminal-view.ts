import { styleText } from 'node:util';
import cliProgress from 'cli-progress';
import type { DestinationStream } from 'pino';

/**
 * What a person at a terminal sees of a run, in the manner of dbt's output: one line per task as
 * it starts and as it ends (`12:30:01  3 of 11  load_yelp ........ OK  13,273 rows  5.4 s`),
 * warnings and errors as one line with their task, and, when `live`, a progress bar with rate and
 * ETA for a step whose records say how far it is (`done`, `of`, `unit`). It reads the same JSON
 * records the run log file keeps, so the log is the one source of what happened; info records
 * that are not task events are left to the file (`gourmand logs`).
 */
export interface TerminalViewOptions {
  /** Progress bars redrawn in place (a TTY); otherwise plain lines only. */
  live: boolean;
  color: boolean;
  /** Lowest pino level of the warning/error lines shown (LOG_LEVEL, `--quiet`); task lines always show. */
  minLevel?: number;
  out?: NodeJS.WritableStream;
}

interface LogRecord {
  level: number;
  time: number;
  msg?: string;
  event?: string;
  task?: string;
  tasks?: number;
  runId?: number;
  runDate?: string;
  rows?: number;
  ms?: number;
  err?: unknown;
  done?: unknown;
  of?: unknown;
  unit?: string;
  calls?: number;
  quota_left?: number;
}

const NAME_WIDTH = 36;
const LEVELS: Record<number, string> = { 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

export class TerminalView implements DestinationStream {
  private readonly out: NodeJS.WritableStream;
  private total = 0;
  private readonly index = new Map<string, number>();
  private bars?: cliProgress.MultiBar;
  private readonly progress = new Map<string, { bar: cliProgress.SingleBar; started: number }>();

  constructor(private readonly options: TerminalViewOptions) {
    this.out = options.out ?? process.stderr;
  }

  write(line: string): void {
    let record: LogRecord;
    try {
      record = JSON.parse(line);
    } catch {
      return;
    }
    const text = this.render(record);
    if (text !== undefined) this.print(text);
  }

  /** Ends the live part (bars left at the end of a command). */
  stop(): void {
    this.bars?.stop();
    this.bars = undefined;
    this.progress.clear();
  }

  private render(r: LogRecord): string | undefined {
    const time = new Date(r.time).toISOString().slice(11, 19);
    const task = r.task ?? '';
    switch (r.event) {
      case 'run_started':
        this.total = r.tasks ?? 0;
        this.index.clear();
        return `${time}  Running ${this.total} tasks for ${r.runDate} (run ${r.runId})`;
      case 'task_started': {
        if (!this.index.has(task)) this.index.set(task, this.index.size + 1);
        return `${this.head(time, task)} ${this.paint('cyan', 'START')}`;
      }
      case 'task_succeeded':
        this.endProgress(task);
        return `${this.head(time, task)} ${this.paint('green', 'OK')}${figures(r)}`;
      case 'task_failed':
        this.endProgress(task);
        return `${this.head(time, task)} ${this.paint('red', 'ERROR')}${figures(r)}  ${oneLine(r.err)}`;
      case 'task_skipped':
        return `${this.head(time, task)} ${this.paint('yellow', 'SKIP')}`;
      case 'run_finished':
        this.stop();
        return undefined;
    }
    const level = LEVELS[r.level];
    if (level && r.level >= (this.options.minLevel ?? 0)) {
      const err = r.err === undefined ? '' : `: ${oneLine(r.err)}`;
      const label = this.paint(r.level >= 50 ? 'red' : 'yellow', level);
      return `${time}  ${label}  ${task ? `${task}  ` : ''}${oneLine(r.msg)}${err}`;
    }
    if (typeof r.done === 'number' && typeof r.of === 'number' && task) this.updateProgress(task, r);
    return undefined;
  }

  private head(time: string, task: string) {
    const n = this.index.get(task);
    const position = n && this.total ? `${n} of ${this.total}` : '';
    return `${time}  ${position.padStart(String(this.total).length * 2 + 4)}  ${`${task} `.padEnd(NAME_WIDTH, '.')}`;
  }

  private paint(color: 'cyan' | 'green' | 'red' | 'yellow', text: string) {
    return this.options.color ? styleText(color, text) : text;
  }

  private print(text: string) {
    // With bars on screen a line goes above them; cli-progress redraws the bars below it.
    if (this.bars) {
      this.bars.log(`${text}\n`);
      this.bars.update();
    } else this.out.write(`${text}\n`);
  }

  private updateProgress(task: string, r: LogRecord) {
    if (!this.options.live) return;
    const done = r.done as number;
    const of = r.of as number;
    this.bars ??= new cliProgress.MultiBar(
      {
        stream: this.out as NodeJS.WriteStream,
        format: `  {task} {bar} {value}/{total} {unit}  {rate}/s  ETA {eta_formatted}{extra}`,
        barCompleteChar: '█',
        barIncompleteChar: '░',
        barsize: 24,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 20,
        gracefulExit: true,
      },
      cliProgress.Presets.shades_grey,
    );
    let entry = this.progress.get(task);
    const payload = (elapsedMs: number) => ({
      task: task.padEnd(14),
      unit: r.unit ?? '',
      rate: elapsedMs > 0 ? ((done * 1000) / elapsedMs).toFixed(1) : '–',
      extra:
        (r.calls === undefined ? '' : `  ${r.calls.toLocaleString('en-US')} calls`) +
        (r.quota_left === undefined ? '' : `, ${r.quota_left.toLocaleString('en-US')} left today`),
    });
    if (!entry) {
      entry = { bar: this.bars.create(of, done, payload(0)), started: Date.now() };
      this.progress.set(task, entry);
    }
    entry.bar.setTotal(of);
    entry.bar.update(done, payload(Date.now() - entry.started));
    this.bars.update();
  }

  private endProgress(task: string) {
    const entry = this.progress.get(task);
    if (!entry || !this.bars) return;
    this.progress.delete(task);
    this.bars.remove(entry.bar);
    if (this.progress.size === 0) this.stop();
  }
}

function figures(r: LogRecord): string {
  const rows = r.rows === undefined ? '' : `  ${r.rows.toLocaleString('en-US')} rows`;
  const seconds = r.ms === undefined ? '' : `  ${(r.ms / 1000).toFixed(1)} s`;
  return `${rows}${seconds}`;
}

function oneLine(value: unknown): string {
  const text = typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
  return text.split('\n')[0]!;
}
