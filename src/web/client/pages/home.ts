import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import type { Freshness, Overview, Run } from '../lib/types.ts';
import { fmt, html, mount, NotBuilt, show, useApi } from '../lib/ui.ts';

const LINKS = [
  ['/explorer', 'Explorer', 'search and filter businesses, their history, notes and favourites'],
  ['/map', 'Map', 'where the businesses are, and businesses per 100,000 residents by state and county'],
  ['/segments', 'Segments', 'payment level against rating, review count and review growth'],
  ['/analyses', 'Analyses', 'the statistical analyses of the data'],
  ['/pipeline', 'Pipeline', 'runs, tasks, checks, alerts, freshness and the warehouse lineage'],
  ['/account', 'Account', 'register, log in, your favourites and notes'],
  ['/docs', 'API docs', 'the REST API behind every page'],
] as const;

function Home() {
  const overview = useApi<Overview>('/analytics/overview');
  const freshness = useApi<Freshness>('/analytics/pipeline/freshness');
  const [run, setRun] = useState<Run | null | 'error'>(null);
  useEffect(() => {
    api<{ items: Run[] }>('/analytics/pipeline/runs?limit=1').then(
      (r) => setRun(r.items[0] ?? null),
      () => setRun('error'),
    );
  }, []);
  return html`
    <section aria-labelledby="loaded">
      <h2 id="loaded">What is loaded</h2>
      ${show(overview, (o) =>
        o.built
          ? html`<dl class="kpis">
              <div><dt>Open businesses</dt><dd data-kpi="open">${fmt(o.openBusinesses)}</dd></div>
              <div><dt>Closed businesses</dt><dd data-kpi="closed">${fmt(o.closedBusinesses)}</dd></div>
              <div><dt>Reviews</dt><dd data-kpi="reviews">${fmt(o.reviews)}</dd></div>
              <div><dt>Days of holdings</dt><dd data-kpi="dates">${fmt(o.holdingDates)}</dd></div>
              <div><dt>From – to</dt><dd data-kpi="range">${o.firstHoldingDate} – ${o.lastHoldingDate}</dd></div>
            </dl>
            <p class="note">Current businesses and reviews in the warehouse (mart <code>rpt_overview</code>); days of holdings: dates with a daily rating snapshot.</p>`
          : html`<${NotBuilt} />`,
      )}
      ${show(
        freshness,
        (f) =>
          html`<p>Freshness: source holdings up to <strong>${f.sourceLatest ?? '–'}</strong>, warehouse up to <strong>${f.warehouseLatest ?? '–'}</strong>${f.status ? html`, check <span class=${`status ${f.status}`}>${f.status}</span>` : ''}.</p>`,
      )}
    </section>
    <section aria-labelledby="last-run">
      <h2 id="last-run">Last run</h2>
      ${
        run === 'error'
          ? html`<p class="error" role="alert">Could not load the runs.</p>`
          : run === null
            ? html`<p class="empty">No run yet: run <code>gourmand run</code>.</p>`
            : html`<p>Run <a href=${`/pipeline?run=${run.runId}`}>#${run.runId}</a> for ${run.runDate}: <span class=${`status ${run.status}`} data-kpi="last-run">${run.status}</span>${run.error ? html` — ${run.error}` : ''}</p>`
      }
    </section>
    <section aria-labelledby="pages">
      <h2 id="pages">Pages</h2>
      <ul class="links">${LINKS.map(([href, title, text]) => html`<li><a href=${href}>${title}</a> — ${text}</li>`)}</ul>
    </section>`;
}

mount(Home);
