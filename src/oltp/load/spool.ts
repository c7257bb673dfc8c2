import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type CopyValue, csvField } from './session.ts';

/**
 * CSV files of the side tables (bridges, reviews, …) written during the one pass over a day's
 * records that streams the businesses, then COPY'd after it: one read of the input, flat memory.
 */
export class SpoolFolder {
  readonly dir = mkdtempSync(path.join(tmpdir(), `gourmand-load-${process.pid}-`));
  private readonly spools: Spool[] = [];

  spool(name: string): Spool {
    const spool = new Spool(path.join(this.dir, `${name}.csv`));
    this.spools.push(spool);
    return spool;
  }

  remove(): void {
    for (const spool of this.spools) spool.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class Spool {
  rows = 0;
  private buffer = '';
  private fd: number | undefined;

  constructor(readonly file: string) {
    this.fd = openSync(file, 'w');
  }

  write(row: readonly CopyValue[]): void {
    this.rows++;
    this.buffer += `${row.map(csvField).join(',')}\n`;
    if (this.buffer.length >= 1 << 16) this.flush();
  }

  /** Flushes and closes; the file is then ready to COPY. */
  close(): void {
    if (this.fd === undefined) return;
    this.flush();
    closeSync(this.fd);
    this.fd = undefined;
  }

  private flush() {
    if (this.fd !== undefined && this.buffer) writeSync(this.fd, this.buffer);
    this.buffer = '';
  }
}
