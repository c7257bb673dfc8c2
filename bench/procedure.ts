/**
 * The one benchmark procedure every bench follows: ours and the reference alternate in interleaved
 * rounds (reference first in odd rounds, ours first in even ones, so neither always runs on a warmer
 * machine), each side gets the same preparation (e.g. `CHECKPOINT`, a cold or warm cache) before it
 * runs, every round is printed, and the load average is printed with the results.
 *
 * `--quick` (or BENCH_QUICK=1) asks a bench for its smoke-run size; `--rounds N` (or BENCH_ROUNDS)
 * overrides its number of rounds.
 */

import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';

export const QUICK = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';

/** Positional arguments after the script, without flags such as `--quick` or `--rounds N`. */
export function benchArgs(): string[] {
  const args: string[] = [];
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rounds' || argv[i] === '--case') i++;
    else if (!argv[i]?.startsWith('--')) args.push(argv[i] as string);
  }
  return args;
}

export function roundsFor(fallback: number): number {
  const at = process.argv.indexOf('--rounds');
  const value = at >= 0 ? process.argv[at + 1] : process.env.BENCH_ROUNDS;
  return value ? Math.max(1, Number(value)) : QUICK ? 1 : fallback;
}

export interface Side<T> {
  name: string;
  /** Brings the machine to the same state before this side runs (not timed). */
  prepare?: () => Promise<void>;
  /** One measurement; returns the figure to compare (e.g. ms, rows/s) and anything to print. */
  run: () => Promise<T>;
}

export interface Round<T> {
  round: number;
  ours: T;
  reference: T;
}

/** Runs ours and the reference alternately for `rounds` rounds, preparing each side before it runs. */
export async function interleaved<T>(
  rounds: number,
  ours: Side<T>,
  reference: Side<T>,
  onRound?: (round: Round<T>) => void,
): Promise<Round<T>[]> {
  const results: Round<T>[] = [];
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? [reference, ours] : [ours, reference];
    const figures = new Map<Side<T>, T>();
    for (const side of order) {
      await side.prepare?.();
      figures.set(side, await side.run());
    }
    const result = { round, ours: figures.get(ours) as T, reference: figures.get(reference) as T };
    results.push(result);
    onRound?.(result);
  }
  return results;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** "load average 0.42 0.40 0.31 (2 cores), commit abc1234" — printed with every bench's results. */
export function machineLine(): string {
  const load = loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout: the figure is still worth printing
  }
  return `load average ${load}, commit ${commit}, ${new Date().toISOString()}`;
}

/** Prints a markdown table of every round: ours, the reference and their ratio (reference / ours by default). */
export function printRounds(
  title: string,
  rounds: Round<number>[],
  format: (value: number) => string,
  ratio: (round: Round<number>) => number = (r) => r.reference / r.ours,
): void {
  console.log(`\n${title}  (${machineLine()})`);
  console.log('| round | ours | reference | ratio |');
  console.log('|---|---|---|---|');
  for (const r of rounds)
    console.log(`| ${r.round} | ${format(r.ours)} | ${format(r.reference)} | ${ratio(r).toFixed(2)}× |`);
  console.log(
    `| **median** | ${format(median(rounds.map((r) => r.ours)))} | ${format(median(rounds.map((r) => r.reference)))} | **${median(rounds.map(ratio)).toFixed(2)}×** |`,
  );
}
