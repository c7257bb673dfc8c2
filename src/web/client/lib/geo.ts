import {
  type GeoPermissibleObjects,
  geoAlbersUsa,
  geoBounds,
  geoContains,
  geoMercator,
  geoPath,
} from 'd3-geo';
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';

export const WIDTH = 975;
export const HEIGHT = 610;
/** Drawn shapes: the 50 states, DC and Puerto Rico (the other territories have no Census counties). */
const TERRITORIES = new Set(['60', '66', '69', '78']);
const PUERTO_RICO = '72';

export type Shape = Feature<Geometry, { name: string }> & { id: string };

export interface Atlas {
  states: Shape[];
  counties: Shape[];
}

export async function loadAtlas(url = '/assets/counties-10m.json'): Promise<Atlas> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`Cannot load the map shapes (${url} answered ${response.status})`);
  return atlasFrom((await response.json()) as Topology);
}

export function atlasFrom(topology: Topology): Atlas {
  const collection = (name: string) =>
    (
      feature(topology, topology.objects[name] as GeometryCollection) as unknown as FeatureCollection<
        Geometry,
        { name: string }
      >
    ).features as Shape[];
  const keep = (f: Shape) => !TERRITORIES.has(String(f.id).slice(0, 2));
  return { states: collection('states').filter(keep), counties: collection('counties').filter(keep) };
}

/**
 * Albers USA (lower 48, Alaska and Hawaii insets) plus a Puerto Rico inset at the bottom right,
 * which d3's composite leaves out.
 */
const mainland = geoAlbersUsa().scale(1300).translate([487.5, 305]);
const puertoRico = geoMercator().center([-66.45, 18.2]).scale(3000).translate([880, 585]);
const inPuertoRico = (lon: number, lat: number) => lon > -68.1 && lon < -65.1 && lat > 17.6 && lat < 18.7;

export const mainlandPath = geoPath(mainland);
export const puertoRicoPath = geoPath(puertoRico);

export const pathOf = (shape: Shape) =>
  (String(shape.id).startsWith(PUERTO_RICO) ? puertoRicoPath : mainlandPath)(
    shape as GeoPermissibleObjects,
  ) ?? '';
export const boundsOf = (shape: Shape) =>
  (String(shape.id).startsWith(PUERTO_RICO) ? puertoRicoPath : mainlandPath).bounds(
    shape as GeoPermissibleObjects,
  );

export function project(lon: number, lat: number): [number, number] | null {
  return (inPuertoRico(lon, lat) ? puertoRico : mainland)([lon, lat]);
}

/** Points that lie in a drawn state, and how many do not (the original's external-validity caveat). */
export function placePoints(points: readonly [number, number][], states: readonly Shape[]) {
  const boxes = states.map((s) => ({ shape: s, box: geoBounds(s) }));
  const inside: [number, number][] = [];
  let outside = 0;
  for (const [lon, lat] of points) {
    const xy = project(lon, lat);
    const hit =
      xy &&
      boxes.some(
        ({ shape, box: [[w, s], [e, n]] }) =>
          (w > e || (lon >= w && lon <= e)) && lat >= s && lat <= n && geoContains(shape, [lon, lat]),
      );
    if (hit) inside.push(xy);
    else outside += 1;
  }
  return { inside, outside };
}

export interface Bin {
  x: number;
  y: number;
  count: number;
}

/** Hexagonal bins of projected points (the d3-hexbin algorithm), pointy-top, radius `r`. */
export function hexbin(points: readonly [number, number][], r: number): Bin[] {
  const dx = r * 2 * Math.sin(Math.PI / 3);
  const dy = r * 1.5;
  const bins = new Map<string, Bin>();
  for (const [x, y] of points) {
    const py = y / dy;
    let pj = Math.round(py);
    const px = x / dx - (pj & 1) / 2;
    let pi = Math.round(px);
    const py1 = py - pj;
    if (Math.abs(py1) * 3 > 1) {
      const px1 = px - pi;
      const pi2 = pi + (px < pi ? -1 : 1) / 2;
      const pj2 = pj + (py < pj ? -1 : 1);
      const px2 = px - pi2;
      const py2 = py - pj2;
      if (px1 * px1 + py1 * py1 > px2 * px2 + py2 * py2) {
        pi = pi2 + (pj & 1 ? 1 : -1) / 2;
        pj = pj2;
      }
    }
    const key = `${pi},${pj}`;
    const bin = bins.get(key);
    if (bin) bin.count += 1;
    else bins.set(key, { x: (pi + (pj & 1) / 2) * dx, y: pj * dy, count: 1 });
  }
  return [...bins.values()];
}

export function hexagon(r: number): string {
  const corners = [0, 1, 2, 3, 4, 5].map((k) => {
    const a = (k * Math.PI) / 3;
    return `${(Math.sin(a) * r).toFixed(2)},${(-Math.cos(a) * r).toFixed(2)}`;
  });
  return `M${corners[0]}L${corners.slice(1).join('L')}Z`;
}
