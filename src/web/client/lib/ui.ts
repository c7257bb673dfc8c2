import { html } from 'htm/preact';
import { type ComponentChildren, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.ts';

export { html };

export type Loaded<T> = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ok'; data: T };

/** GET one endpoint; refetches when `path` changes. */
export function useApi<T>(path: string | null): Loaded<T> {
  const [result, setResult] = useState<Loaded<T>>({ state: 'loading' });
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setResult({ state: 'loading' });
    api<T>(path).then(
      (data) => live && setResult({ state: 'ok', data }),
      (error: Error) => live && setResult({ state: 'error', message: error.message }),
    );
    return () => {
      live = false;
    };
  }, [path]);
  return result;
}

/** Renders a loaded value, or the loading line, or the error: never a blank panel. */
export function show<T>(loaded: Loaded<T>, view: (data: T) => ComponentChildren) {
  if (loaded.state === 'loading') return html`<p class="muted">Loading…</p>`;
  if (loaded.state === 'error')
    return html`<p class="error" role="alert">Could not load: ${loaded.message}</p>`;
  return view(loaded.data);
}

export const Empty = ({ children }: { children: ComponentChildren }) =>
  html`<p class="empty">${children}</p>`;

export const NotBuilt = () =>
  html`<${Empty}>No data yet: run <code>gourmand run</code> (or <code>npm start</code>) to load and build the warehouse.<//>`;

export const fmt = (value: number | null | undefined, digits = 0) =>
  value === null || value === undefined || Number.isNaN(value)
    ? '–'
    : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Mounts a page component into the shell's #app. */
export function mount(Page: () => ComponentChildren) {
  const app = document.getElementById('app')!;
  app.replaceChildren(); // the shell's "Loading…" (Preact keeps nodes it did not render)
  render(html`<${Page} />`, app);
}

/** Query-string state: read once, written with replaceState so the URL always holds the filters. */
export function useQueryState(): [URLSearchParams, (next: URLSearchParams) => void] {
  const [params, setParams] = useState(() => new URLSearchParams(location.search));
  const update = (next: URLSearchParams) => {
    const search = next.toString();
    history.replaceState(null, '', search ? `?${search}` : location.pathname);
    setParams(new URLSearchParams(next));
  };
  return [params, update];
}

/** A region that scrolls sideways on narrow screens, reachable by keyboard to scroll it. */
export const Scroll = ({ label, children }: { label: string; children: ComponentChildren }) =>
  html`<div class="scroll" tabindex="0" role="region" aria-label=${label}>${children}</div>`;

/** Attaches a DOM node (a Plot figure) built from data. */
export function Figure({ build, label }: { build: () => Element; label: string }) {
  const [host, setHost] = useState<HTMLDivElement | null>(null);
  useEffect(() => {
    if (!host) return;
    const node = build();
    // The figure is one image with its own label; Plot's per-mark labels on <g> are not allowed there.
    for (const g of node.querySelectorAll('g[aria-label]')) g.removeAttribute('aria-label');
    host.replaceChildren(node);
    return () => node.remove();
  });
  return html`<figure class="chart" role="img" aria-label=${label} ref=${setHost}></figure>`;
}
