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

/** Yelp gives review and event times as Pacific wall-clock time, whatever the business's zone. */
export const YELP_TIME_ZONE = 'America/Los_Angeles';

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** 'YYYY-MM-DD HH:MM:SS' wall-clock time of an instant in a time zone (Intl: DST rules included). */
export function wallClock(instant: Date, timeZone: string): string {
  let format = zoneFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    zoneFormats.set(timeZone, format);
  }
  const part = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}:${part.second}`;
}

/**
 * The instant of a wall-clock time 'YYYY-MM-DD HH:MM:SS' in a time zone. The zone's offset is read
 * from Intl at the guessed instant, then once more at the corrected one (the two differ only
 * across a DST change).
 */
export function fromWallClock(local: string, timeZone: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(local);
  if (!match) throw new RangeError(`not a wall-clock time YYYY-MM-DD HH:MM:SS: "${local}"`);
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  const asUtc = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
  const offsetAt = (instant: number) =>
    Date.parse(`${wallClock(new Date(instant), timeZone).replace(' ', 'T')}Z`) - instant;
  const first = asUtc - offsetAt(asUtc);
  return new Date(asUtc - offsetAt(first));
}
