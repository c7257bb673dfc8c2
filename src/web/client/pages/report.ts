import { render } from 'preact';
import { AnalysisView } from '../lib/analysis-view.ts';
import { atlasFrom } from '../lib/geo.ts';
import { Attempts, Checks } from '../lib/run-view.ts';
import { SegmentsView } from '../lib/segments-view.ts';
import type { ReportData } from '../lib/types.ts';
import { fmt, html } from '../lib/ui.ts';
import { UsMap } from '../lib/us-map.ts';

/** The self-contained report: the same components as the live pages, over data inlined in the file. */
const data = JSON.parse(document.getElementById('report-data')!.textContent!) as ReportData;
const o = data.overview;

render(
  html`
    <section aria-labelledby="loaded"><h2 id="loaded">What is loaded</h2>
      <dl class="kpis">
        <div><dt>Open businesses</dt><dd data-kpi="open">${fmt(o.openBusinesses)}</dd></div>
        <div><dt>Closed businesses</dt><dd data-kpi="closed">${fmt(o.closedBusinesses)}</dd></div>
        <div><dt>Reviews</dt><dd data-kpi="reviews">${fmt(o.reviews)}</dd></div>
        <div><dt>From – to</dt><dd data-kpi="range">${o.firstHoldingDate} – ${o.lastHoldingDate}</dd></div>
      </dl>
    </section>
    <section aria-labelledby="map"><h2 id="map">Map</h2>
      <${UsMap} data=${{ atlas: atlasFrom(data.topology), states: data.states, counties: data.counties, locations: data.locations }} interactive=${false} />
    </section>
    <section aria-labelledby="segments"><h2 id="segments">Segments</h2><${SegmentsView} segments=${data.segments} /></section>
    <section aria-labelledby="analyses"><h2 id="analyses">Analyses</h2>
      ${data.analyses.map(
        (a) => html`<section class="analysis" data-analysis=${a.name} aria-labelledby=${`analysis-${a.name}`}>
          <h3 id=${`analysis-${a.name}`}>${a.title}</h3><p class="muted">${a.description}</p>
          ${a.result ? html`<${AnalysisView} result=${a.result} />` : html`<p class="guard" role="status">${a.message}</p>`}
        </section>`,
      )}
    </section>
    <section aria-labelledby="health"><h2 id="health">Latest run</h2>
      ${
        data.run
          ? html`<p>Run #${data.run.runId} for ${data.run.runDate}: <span class=${`status ${data.run.status}`}>${data.run.status}</span></p>
              <${Attempts} run=${data.run} /><${Checks} checks=${data.run.checks} />`
          : html`<p class="empty">No run recorded.</p>`
      }
    </section>`,
  document.getElementById('app')!,
);
