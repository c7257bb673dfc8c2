/**
 * Regenerates `places.json` from npm packages: every county of us-atlas (FIPS ids, names with the
 * Census suffix) and every ZIP of `zipcodes`, assigned to the county whose polygon contains it
 * (nearest county of the same state when the ZIP point falls just outside every polygon, e.g. on
 * a coast). Run: `npx tsx src/simulator/data/build-places.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { geoBounds, geoCentroid, geoContains, geoDistance } from 'd3-geo';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

interface CsvState {
  fips: string;
  code: string;
}
const states: CsvState[] = readFileSync(path.join(here, 'us-states.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [fips, , code] = line.split(',');
    return { fips: fips!, code: code! };
  });
const codeByFips = new Map(states.map((s) => [s.fips, s.code]));

const AK_CENSUS_AREAS = new Set([
  'Kusilvak',
  'Hoonah-Angoon',
  'Valdez-Cordova',
  'Yukon-Koyukuk',
  'Southeast Fairbanks',
  'Prince of Wales-Hyder',
  'Bethel',
  'Dillingham',
  'Nome',
  'Aleutians West',
]);
const AK_CITY_AND_BOROUGH = new Set(['Wrangell', 'Sitka', 'Yakutat', 'Juneau']);
const AK_MUNICIPALITY = new Set(['Anchorage', 'Skagway']);
const INDEPENDENT_CITY_STATES = new Set(['51', '24', '29', '32']);

/** The Census county name: "Autauga County", "Orleans Parish", "Richmond city", "Nome Census Area"… */
function censusName(fips: string, name: string): string {
  const state = fips.slice(0, 2);
  if (state === '11') return 'District of Columbia';
  if (state === '22') return `${name} Parish`;
  if (state === '72') return `${name} Municipio`;
  if (state === '02') {
    if (AK_CENSUS_AREAS.has(name)) return `${name} Census Area`;
    if (AK_CITY_AND_BOROUGH.has(name)) return `${name} City and Borough`;
    if (AK_MUNICIPALITY.has(name)) return `${name} Municipality`;
    return `${name} Borough`;
  }
  if (INDEPENDENT_CITY_STATES.has(state) && Number(fips.slice(2)) >= 500) {
    return name.endsWith(' City') ? name : `${name} city`;
  }
  return `${name} County`;
}

const topology = JSON.parse(readFileSync(require.resolve('us-atlas/counties-10m.json'), 'utf8')) as Topology;
const collection = feature(topology, topology.objects.counties as GeometryCollection<{ name: string }>);
const counties = collection.features
  .filter((f) => codeByFips.has(String(f.id).slice(0, 2)))
  .map((f) => ({
    fips: String(f.id),
    name: censusName(String(f.id), f.properties.name),
    feature: f,
    bounds: geoBounds(f),
    centroid: geoCentroid(f),
  }))
  .sort((a, b) => a.fips.localeCompare(b.fips));

const seen = new Set<string>();
for (const c of counties) {
  const key = `${c.fips.slice(0, 2)}|${c.name}`;
  if (seen.has(key)) throw new Error(`duplicate county name ${key}`);
  seen.add(key);
}

function inBounds(bounds: [[number, number], [number, number]], lon: number, lat: number): boolean {
  const [[west, south], [east, north]] = bounds;
  if (lat < south - 1e-9 || lat > north + 1e-9) return false;
  // bounds crossing the antimeridian (Aleutians) have west > east
  return west <= east ? lon >= west && lon <= east : lon >= west || lon <= east;
}

const codes = (require('zipcodes/lib/codes.js') as { codes: Record<string, ZipRow> }).codes;
interface ZipRow {
  zip: string;
  latitude: number;
  longitude: number;
  city: string;
  state: string;
}
const stateFipsByCode = new Map(states.map((s) => [s.code, s.fips]));
const zips: [string, number, number, string, number][] = [];
let outside = 0;
for (const row of Object.values(codes).sort((a, b) => a.zip.localeCompare(b.zip))) {
  const stateFips = stateFipsByCode.get(row.state);
  if (!stateFips || !Number.isFinite(row.latitude) || !Number.isFinite(row.longitude)) continue;
  if (row.latitude === 0 && row.longitude === 0) continue;
  const point: [number, number] = [row.longitude, row.latitude];
  const sameState = counties.filter((c) => c.fips.startsWith(stateFips));
  let county = sameState.find((c) => inBounds(c.bounds, point[0], point[1]) && geoContains(c.feature, point));
  if (!county) {
    outside++;
    county = sameState.reduce((best, c) =>
      geoDistance(c.centroid, point) < geoDistance(best.centroid, point) ? c : best,
    );
  }
  zips.push([row.zip, row.latitude, row.longitude, row.city, counties.indexOf(county)]);
}

const out = {
  source: 'us-atlas counties-10m.json + zipcodes; regenerate with src/simulator/data/build-places.ts',
  counties: counties.map((c) => [
    c.fips,
    c.name,
    Number(c.centroid[1].toFixed(4)),
    Number(c.centroid[0].toFixed(4)),
  ]),
  zips,
};
writeFileSync(path.join(here, 'places.json'), `${JSON.stringify(out)}\n`);
console.log(`${counties.length} counties, ${zips.length} ZIPs (${outside} placed in the nearest county)`);
