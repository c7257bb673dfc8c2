import { SegmentsView } from '../lib/segments-view.ts';
import type { Overview, Segments } from '../lib/types.ts';
import { html, mount, NotBuilt, show, useApi, useQueryState } from '../lib/ui.ts';

const KEYS = ['from', 'to', 'state', 'category'] as const;

function SegmentsPage() {
  const [params, setParams] = useQueryState();
  const overview = useApi<Overview>('/analytics/overview');
  const states = useApi<{ items: { code: string; name: string }[] }>('/states');
  const categories = useApi<{ items: { alias: string; title: string }[] }>('/categories');
  const query = new URLSearchParams();
  for (const key of KEYS) if (params.get(key)) query.set(key, params.get(key)!);
  const segments = useApi<Segments>(`/analytics/segments?${query}`);
  const apply = (event: Event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [k, v] of new FormData(event.target as HTMLFormElement))
      if (typeof v === 'string' && v) next.set(k, v);
    setParams(next);
  };
  const range = overview.state === 'ok' ? overview.data : null;
  return html`
    <form class="filters" onSubmit=${apply} aria-label="Segment filters">
      <label>From <input type="date" name="from" min=${range?.firstHoldingDate} max=${range?.lastHoldingDate} value=${params.get('from') ?? ''} /></label>
      <label>To <input type="date" name="to" min=${range?.firstHoldingDate} max=${range?.lastHoldingDate} value=${params.get('to') ?? ''} /></label>
      <label>State <select name="state" value=${params.get('state') ?? ''}><option value="">any</option>
        ${states.state === 'ok' ? states.data.items.map((s) => html`<option value=${s.code}>${s.name}</option>`) : null}</select></label>
      <label>Category <select name="category" value=${params.get('category') ?? ''}><option value="">any</option>
        ${categories.state === 'ok' ? categories.data.items.map((c) => html`<option value=${c.alias}>${c.title}</option>`) : null}</select></label>
      <button type="submit">Apply</button>
    </form>
    ${show(segments, (s) => (s.built ? html`<${SegmentsView} segments=${s} />` : html`<${NotBuilt} />`))}
    <section aria-labelledby="tests"><h2 id="tests">Statistical tests</h2>
      <p class="muted">Tests of the differences between payment levels are on the <a href="/analyses">Analyses</a> page.</p>
    </section>`;
}

mount(SegmentsPage);
