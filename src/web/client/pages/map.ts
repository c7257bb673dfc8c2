import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { loadAtlas } from '../lib/geo.ts';
import type { CountyRow, Locations, StateRow } from '../lib/types.ts';
import { html, mount, NotBuilt } from '../lib/ui.ts';
import { type MapData, UsMap } from '../lib/us-map.ts';

function MapPage() {
  const [data, setData] = useState<MapData | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [built, setBuilt] = useState(true);
  useEffect(() => {
    Promise.all([
      loadAtlas(),
      api<{ built: boolean; items: StateRow[] }>('/analytics/states'),
      api<{ built: boolean; items: CountyRow[] }>('/analytics/counties'),
      api<Locations>('/analytics/locations'),
    ]).then(
      ([atlas, states, counties, locations]) => {
        setBuilt(states.built);
        setData({ atlas, states: states.items, counties: counties.items, locations });
      },
      (e: Error) => setError(e.message),
    );
  }, []);
  if (error) return html`<p class="error" role="alert">Could not load the map: ${error}</p>`;
  if (!data) return html`<p class="muted">Loading…</p>`;
  return html`${built ? null : html`<${NotBuilt} />`}<${UsMap} data=${data} />`;
}

mount(MapPage);
