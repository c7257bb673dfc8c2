/**
 * Real geography (states, counties, ZIP places) from `data/`, and the generated county populations
 * that the Census endpoint serves: each state's real 2010 and 2020 totals, interpolated for the
 * years between and split over its counties by weights that add up exactly.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hash, unit } from './hash.ts';

const dataDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'data');

export interface State {
  fips: string;
  name: string;
  code: string;
  pop2010: number;
  pop2020: number;
}
export interface County {
  index: number;
  fips: string;
  name: string;
  stateFips: string;
  state: State;
  latitude: number;
  longitude: number;
  /** Indexes into `Geography.zips`. */
  zips: number[];
}
export interface Zip {
  zip: string;
  latitude: number;
  longitude: number;
  city: string;
  county: number;
}
export interface Geography {
  states: State[];
  counties: County[];
  zips: Zip[];
  stateByFips: Map<string, State>;
}

let cached: Geography | undefined;

/** The static geography, parsed once per process. */
export function geography(): Geography {
  if (cached) return cached;
  const states = readFileSync(path.join(dataDir, 'us-states.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [fips, name, code, pop2010, pop2020] = line.split(',');
      return { fips: fips!, name: name!, code: code!, pop2010: Number(pop2010), pop2020: Number(pop2020) };
    });
  const stateByFips = new Map(states.map((s) => [s.fips, s]));
  const places = JSON.parse(readFileSync(path.join(dataDir, 'places.json'), 'utf8')) as {
    counties: [string, string, number, number][];
    zips: [string, number, number, string, number][];
  };
  const counties: County[] = places.counties.map(([fips, name, latitude, longitude], index) => ({
    index,
    fips,
    name,
    stateFips: fips.slice(0, 2),
    state: stateByFips.get(fips.slice(0, 2))!,
    latitude,
    longitude,
    zips: [],
  }));
  const zips = places.zips.map(([zip, latitude, longitude, city, county], i) => {
    counties[county]!.zips.push(i);
    return { zip, latitude, longitude, city, county };
  });
  cached = { states, counties, zips, stateByFips };
  return cached;
}

/** Census PEP 2019 vintage DATE_CODE labels (1 and 2 are April 2010, 3..12 are July 2010..2019). */
export const DATE_CODE_LABELS: Record<string, string> = {
  '1': '4/1/2010 Census population',
  '2': '4/1/2010 population estimates base',
  ...Object.fromEntries(
    Array.from({ length: 10 }, (_, i) => [String(i + 3), `7/1/${2010 + i} population estimate`]),
  ),
};

/** The year a DATE_CODE estimates (2010 for codes 1..3). */
export function dateCodeYear(code: number): number {
  return code <= 3 ? 2010 : 2007 + code;
}

/** The DATE_CODE whose formula gives a year's July estimate (extended past 2019 for the ACS years). */
export function yearDateCode(year: number): number {
  return Math.max(3, year - 2007);
}

/** A state's total for a DATE_CODE: the 2010 census, then linear to 2020 at July of each year. */
export function stateTotal(state: State, code: number): number {
  if (code === 1) return state.pop2010;
  if (code === 2) return state.pop2010 + Math.round(state.pop2010 * 0.00002);
  const yearsSinceCensus = dateCodeYear(code) - 2010 + 0.25;
  return Math.round(state.pop2010 + ((state.pop2020 - state.pop2010) * yearsSinceCensus) / 10);
}

/**
 * Relative size of a county: ZIP count (a proxy for population) times log-normal noise, growing
 * or shrinking by a per-county yearly rate. Seed-independent: the Census side is the real world.
 */
function countyWeight(county: County, code: number): number {
  const base =
    (county.zips.length + 0.5) * Math.exp(1.2 * (unit(county.index, 1) + unit(county.index, 2) - 1));
  const rate = -0.012 + 0.035 * unit(county.index, 3);
  return base * (1 + rate) ** (dateCodeYear(code) - 2010);
}

/** Splits `total` over `weights` exactly (largest remainder, ties by position). */
function apportion(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const shares = weights.map((w) => (total * w) / sum);
  const out = shares.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = shares
    .map((s, i) => [s - Math.floor(s), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left-- <= 0) break;
    out[i]!++;
  }
  return out;
}

let populations: Map<number, number[]> | undefined;

/** Population of every county (by county index) for a DATE_CODE 1..12; sums to the state total. */
export function countyPopulations(code: number): number[] {
  populations ??= new Map();
  const hit = populations.get(code);
  if (hit) return hit;
  const { states, counties } = geography();
  const out = new Array<number>(counties.length).fill(0);
  for (const state of states) {
    const members = counties.filter((c) => c.stateFips === state.fips);
    const split = apportion(
      stateTotal(state, code),
      members.map((c) => countyWeight(c, code)),
    );
    members.forEach((c, i) => {
      out[c.index] = split[i]!;
    });
  }
  populations.set(code, out);
  return out;
}

/** A fixed, non-alphabetical order of counties for Census responses (as the real API, no order promised). */
export function censusRowOrder(): number[] {
  rowOrder ??= geography()
    .counties.map((c) => c.index)
    .sort((a, b) => hash(a, 77) - hash(b, 77));
  return rowOrder;
}
let rowOrder: number[] | undefined;
