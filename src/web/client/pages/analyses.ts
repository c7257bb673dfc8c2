import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { html, mount } from '../lib/ui.ts';

interface Listed {
  name: string;
  title?: string;
  description?: string;
}

/** The analyses the API offers (`/analytics/analyses`), when that endpoint exists. */
function Analyses() {
  const [items, setItems] = useState<Listed[] | null | 'none'>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    // Asked of the OpenAPI document first: a build without the analyses has no such route.
    api<{ paths: Record<string, unknown> }>('/openapi.json')
      .then(async (doc) =>
        doc.paths['/analytics/analyses']
          ? (await api<{ items: Listed[] }>('/analytics/analyses')).items
          : 'none',
      )
      .then(setItems, (e: Error) => setError(e.message));
  }, []);
  if (error) return html`<p class="error" role="alert">Could not load the analyses: ${error}</p>`;
  if (items === null) return html`<p class="muted">Loading…</p>`;
  if (items === 'none' || items.length === 0)
    return html`<p class="empty">No analyses are available in this build yet.</p>`;
  return html`<ul class="links">${items.map(
    (a) =>
      html`<li><a href=${`/analytics/analyses/${encodeURIComponent(a.name)}`}>${a.title ?? a.name}</a>${a.description ? ` — ${a.description}` : ''}</li>`,
  )}</ul>`;
}

mount(Analyses);
