import * as Plot from '@observablehq/plot';
import { useMemo, useState } from 'preact/hooks';
import {
  type Atlas,
  boundsOf,
  HEIGHT,
  hexagon,
  hexbin,
  pathOf,
  placePoints,
  type Shape,
  WIDTH,
} from './geo.ts';
import type { CountyRow, Locations, StateRow } from './types.ts';
import { Figure, fmt, html } from './ui.ts';

export interface MapData {
  atlas: Atlas;
  states: StateRow[];
  counties: CountyRow[];
  locations: Locations;
}

const HEX_RADIUS = 7;

/**
 * The US map: a per-capita choropleth by state or county, a hexbin density layer of the business
 * locations, a legend, hover details and click (or the select) to zoom into a state.
 */
export function UsMap({ data, interactive = true }: { data: MapData; interactive?: boolean }) {
  const [level, setLevel] = useState<'state' | 'county'>('state');
  const [density, setDensity] = useState(true);
  const [focus, setFocus] = useState<string | null>(null);
  const [hover, setHover] = useState<string>('');

  const stateByFips = useMemo(() => {
    const byCode = new Map(data.states.map((s) => [s.stateCode, s]));
    const byName = new Map(data.states.map((s) => [s.stateName, s]));
    const fipsToCode = new Map(data.counties.map((c) => [c.countyFips.slice(0, 2), c.stateCode]));
    return new Map(
      data.atlas.states.map((shape) => {
        const code = fipsToCode.get(String(shape.id));
        return [String(shape.id), (code ? byCode.get(code) : undefined) ?? byName.get(shape.properties.name)];
      }),
    );
  }, [data]);
  const countyByFips = useMemo(() => new Map(data.counties.map((c) => [c.countyFips, c])), [data]);
  const placed = useMemo(() => placePoints(data.locations.points, data.atlas.states), [data]);
  const bins = useMemo(() => hexbin(placed.inside, HEX_RADIUS), [placed]);

  const values = (level === 'state' ? data.states : data.counties)
    .map((r) => r.businessesPer100k)
    .filter((v): v is number => v !== null);
  // Sextiles, not equal steps: a few sparse, small states would otherwise wash out every other colour.
  const color = Plot.scale({
    color: {
      type: 'quantile',
      scheme: 'blues',
      domain: values.length ? values : [0],
      n: 6,
      label: `Businesses per 100,000 residents, by ${level} (sextiles)`,
    },
  });
  const fill = (v: number | null | undefined) =>
    v === null || v === undefined ? '#c8c8c8' : (color.apply(v) as string);
  const maxBin = Math.max(1, ...bins.map((b) => b.count));

  const focused = focus ? data.atlas.states.find((s) => String(s.id) === focus) : undefined;
  const viewBox = (() => {
    if (!focused) return `0 0 ${WIDTH} ${HEIGHT}`;
    const [[x0, y0], [x1, y1]] = boundsOf(focused);
    const pad = 20;
    return `${x0 - pad} ${y0 - pad} ${x1 - x0 + 2 * pad} ${y1 - y0 + 2 * pad}`;
  })();
  const stateText = (shape: Shape) => {
    const s = stateByFips.get(String(shape.id));
    return s
      ? `${s.stateName}: ${fmt(s.businesses)} businesses, ${fmt(s.population)} residents, ${fmt(s.businessesPer100k, 1)} per 100,000`
      : `${shape.properties.name}: no data`;
  };
  const countyText = (shape: Shape) => {
    const c = countyByFips.get(String(shape.id));
    return c
      ? `${c.countyName}, ${c.stateCode}: ${fmt(c.businesses)} businesses, ${fmt(c.population)} residents, ${fmt(c.businessesPer100k, 1)} per 100,000`
      : `${shape.properties.name}: no data`;
  };
  const zoom = (id: string | null) => setFocus(id === focus ? null : id);
  const focusState = focus ? stateByFips.get(focus) : undefined;

  return html`
    ${
      interactive
        ? html`<div class="controls" role="group" aria-label="Map layers">
            <label>Choropleth
              <select value=${level} onChange=${(e: Event) => setLevel((e.target as HTMLSelectElement).value as 'state' | 'county')}>
                <option value="state">by state</option><option value="county">by county</option>
              </select></label>
            <label><input type="checkbox" checked=${density} onChange=${(e: Event) => setDensity((e.target as HTMLInputElement).checked)} /> Density of businesses</label>
            <label>Zoom to state
              <select value=${focus ?? ''} onChange=${(e: Event) => setFocus((e.target as HTMLSelectElement).value || null)}>
                <option value="">all of the US</option>
                ${[...data.atlas.states]
                  .sort((a, b) => a.properties.name.localeCompare(b.properties.name))
                  .map((s) => html`<option value=${String(s.id)}>${s.properties.name}</option>`)}
              </select></label>
          </div>`
        : null
    }
    <${Figure} label="Legend" build=${() => Plot.legend({ color: color as unknown as Plot.ScaleOptions, width: 320, tickFormat: ',.3~g' }) as Element} />
    <div class="map-wrap">
      <svg class="map" viewBox=${viewBox} role="img" aria-label=${`Map of businesses per 100,000 residents by ${level}${density ? ', with business density' : ''}`}
        data-points=${placed.inside.length} data-outside=${placed.outside}>
        <g class="choropleth">
          ${
            level === 'county'
              ? data.atlas.counties.map(
                  (
                    shape,
                  ) => html`<path d=${pathOf(shape)} fill=${fill(countyByFips.get(String(shape.id))?.businessesPer100k)}
                    data-shape="county" onMouseEnter=${() => setHover(countyText(shape))}><title>${countyText(shape)}</title></path>`,
                )
              : null
          }
          ${data.atlas.states.map(
            (shape) => html`<path d=${pathOf(shape)} data-shape="state" data-fips=${String(shape.id)}
              class=${level === 'county' ? 'state-outline' : 'state'}
              fill=${level === 'state' ? fill(stateByFips.get(String(shape.id))?.businessesPer100k) : 'none'}
              onMouseEnter=${() => level === 'state' && setHover(stateText(shape))}
              onClick=${() => interactive && zoom(String(shape.id))}><title>${stateText(shape)}</title></path>`,
          )}
        </g>
        ${
          density
            ? html`<g class="density" data-bins=${bins.length}>${bins.map(
                (
                  b,
                ) => html`<path d=${hexagon(HEX_RADIUS * 0.92)} transform=${`translate(${b.x.toFixed(1)},${b.y.toFixed(1)})`}
                  fill-opacity=${(0.25 + (0.75 * b.count) / maxBin).toFixed(2)} data-count=${b.count}><title>${b.count} businesses</title></path>`,
              )}</g>`
            : null
        }
      </svg>
      <p class="hover" aria-live="polite">${hover || 'Hover a state or county for its figures; click a state to zoom.'}</p>
    </div>
    ${
      focusState
        ? html`<p>Zoomed to <strong>${focusState.stateName}</strong>: ${fmt(focusState.businesses)} businesses, ${fmt(focusState.businessesPer100k, 1)} per 100,000.
            <a href=${`/explorer?state=${focusState.stateCode}`}>List them in the explorer</a> ·
            <button type="button" onClick=${() => setFocus(null)}>Show all of the US</button></p>`
        : null
    }
    <p class="note" data-outside=${placed.outside}>
      ${fmt(data.locations.count)} open businesses with coordinates (mart <code>rpt_business_location</code>); each hexagon counts those in it.
      <strong>${fmt(placed.outside)}</strong> ${placed.outside === 1 ? 'lies' : 'lie'} outside the drawn states, DC and Puerto Rico and ${placed.outside === 1 ? 'is' : 'are'} not drawn.
      Per capita: current open businesses per 100,000 residents of the latest Census county estimates, summed by state (marts <code>rpt_state_per_capita</code>, <code>rpt_county_per_capita</code>).
    </p>`;
}
