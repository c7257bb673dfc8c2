import { ConfigError } from './errors.ts';

/** Today's date in UTC as 'YYYY-MM-DD' (the Yelp quota day also resets at midnight UTC). */
export function todayUtc(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** Validates a run date given on the command line: a real calendar day in 'YYYY-MM-DD'. */
export function parseRunDate(value: string, flag = '--date'): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const date = match ? new Date(`${value}T00:00:00Z`) : null;
  if (!match || !date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    throw new ConfigError(`Invalid ${flag} "${value}": expected a calendar date as YYYY-MM-DD`);
  }
  return value;
}

/** The day `days` after `date` ('YYYY-MM-DD' in, 'YYYY-MM-DD' out). */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
