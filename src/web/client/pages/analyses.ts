import { useEffect, useState } from 'preact/hooks';
import { AnalysisView } from '../lib/analysis-view.ts';
import { ApiError, api } from '../lib/api.ts';
import type { AnalysisResult, AnalysisSummary } from '../lib/types.ts';
import { html, mount, show, useApi } from '../lib/ui.ts';

/** Parameters the form offers, in this order, for the analyses that take them (the list says which). */
const LIST_PARAMS: Record<string, { label: string; hint: string; split: RegExp }> = {
  state: { label: 'States', hint: 'two-letter codes, e.g. FL NY', split: /[\s,]+/ },
  category: { label: 'Categories', hint: 'e.g. restaurants food', split: /[\s,]+/ },
  chain: { label: 'Chains', hint: "two, comma-separated, e.g. Subway, McDonald's", split: /\s*,\s*/ },
};
const NUMBER_PARAMS: Record<string, string> = {
  threshold: 'Rise of at least (%)',
  reference: 'Reference share',
  alpha: 'α',
  seed: 'Bootstrap seed',
};

type Outcome =
  | { state: 'loading' }
  | { state: 'ok'; result: AnalysisResult }
  /** The analysis cannot answer this selection (too few observations, an empty filter, a bad value). */
  | { state: 'guard'; message: string }
  | { state: 'error'; message: string };

/** The form's fields as the API's query string (lists as repeated keys, empty fields left out). */
function toQuery(form: HTMLFormElement): string {
  const query = new URLSearchParams();
  for (const [key, value] of new FormData(form)) {
    if (typeof value !== 'string' || value.trim() === '') continue;
    const list = LIST_PARAMS[key];
    if (list) for (const item of value.trim().split(list.split)) query.append(key, item);
    else query.set(key, value.trim());
  }
  return query.toString();
}

function ParamsForm({
  analysis,
  asked,
  shown,
  onApply,
}: {
  analysis: AnalysisSummary;
  /** The query last run: the form keeps it, even when the answer was a guard rail. */
  asked: string;
  /** The last result: the parameters it used, defaults filled in. */
  shown: AnalysisResult | null;
  onApply: (query: string) => void;
}) {
  const takes = (p: string) => analysis.params.includes(p);
  const query = new URLSearchParams(asked);
  const value = (p: string) => {
    const v = query.has(p)
      ? query.getAll(p)
      : p === 'from' || p === 'to'
        ? shown?.window?.[p]
        : shown?.params[p];
    return Array.isArray(v) ? v.join(p === 'chain' ? ', ' : ' ') : v === undefined ? '' : String(v);
  };
  const id = (p: string) => `${analysis.name}-${p}`;
  return html`<form class="filters" aria-label=${`Parameters of ${analysis.title}`}
      onSubmit=${(event: Event) => {
        event.preventDefault();
        onApply(toQuery(event.target as HTMLFormElement));
      }}>
    ${['from', 'to']
      .filter(takes)
      .map(
        (p) =>
          html`<label for=${id(p)}>${p === 'from' ? 'From' : 'To'}<input id=${id(p)} type="date" name=${p} value=${value(p)} /></label>`,
      )}
    ${Object.entries(LIST_PARAMS)
      .filter(([p]) => takes(p))
      .map(
        ([p, { label, hint }]) =>
          html`<label for=${id(p)}>${label}<input id=${id(p)} name=${p} value=${value(p)} placeholder=${hint} title=${hint} /></label>`,
      )}
    ${
      takes('correction')
        ? html`<label for=${id('correction')}>Correction<select id=${id('correction')} name="correction" value=${value('correction') || 'holm'}>
            <option value="holm">Holm</option><option value="bh">Benjamini–Hochberg</option></select></label>`
        : null
    }
    ${Object.entries(NUMBER_PARAMS)
      .filter(([p]) => takes(p))
      .map(
        ([p, label]) =>
          html`<label for=${id(p)}>${label}<input id=${id(p)} type="number" step="any" name=${p} value=${value(p)} /></label>`,
      )}
    ${
      takes('includeChains')
        ? html`<label for=${id('includeChains')} class="check"><input id=${id('includeChains')} type="checkbox" name="includeChains" value="true" checked=${query.has('includeChains') || (!asked && shown?.params.includeChains === true)} /> Include chains</label>`
        : null
    }
    <button type="submit">Run</button>
  </form>`;
}

/** One analysis: its parameters and its result, or the message saying why there is none. */
function AnalysisSection({ analysis }: { analysis: AnalysisSummary }) {
  const [query, setQuery] = useState('');
  const [outcome, setOutcome] = useState<Outcome>({ state: 'loading' });
  const [shown, setShown] = useState<AnalysisResult | null>(null);
  useEffect(() => {
    let live = true;
    setOutcome({ state: 'loading' });
    api<AnalysisResult>(`${analysis.href}${query ? `?${query}` : ''}`).then(
      (result) => {
        if (!live) return;
        setShown(result);
        setOutcome({ state: 'ok', result });
      },
      (error: Error) => {
        if (!live) return;
        const guard = error instanceof ApiError && (error.status === 400 || error.status === 422);
        setOutcome({ state: guard ? 'guard' : 'error', message: error.message });
      },
    );
    return () => {
      live = false;
    };
  }, [query]);
  const headingId = `analysis-${analysis.name}`;
  return html`<section class="analysis" data-analysis=${analysis.name} aria-labelledby=${headingId}>
    <h2 id=${headingId}>${analysis.title}</h2>
    <p class="muted">${analysis.description}</p>
    <${ParamsForm} analysis=${analysis} asked=${query} shown=${shown} onApply=${setQuery} />
    ${
      outcome.state === 'loading'
        ? html`<p class="muted">Loading…</p>`
        : outcome.state === 'guard'
          ? html`<p class="guard" role="status">${outcome.message}</p>`
          : outcome.state === 'error'
            ? html`<p class="error" role="alert">Could not load: ${outcome.message}</p>`
            : html`<${AnalysisView} result=${outcome.result} />`
    }
  </section>`;
}

/** Every analysis the API offers, each with its parameters, sentence, charts and numbers. */
function Analyses() {
  const list = useApi<{ items: AnalysisSummary[] }>('/analytics/analyses');
  return show(list, ({ items }) =>
    items.length === 0
      ? html`<p class="empty">No analyses are available in this build.</p>`
      : html`<nav aria-label="Analyses"><ul class="links">${items.map(
          (a) => html`<li><a href=${`#analysis-${a.name}`}>${a.title}</a></li>`,
        )}</ul></nav>
        ${items.map((a) => html`<${AnalysisSection} key=${a.name} analysis=${a} />`)}`,
  );
}

mount(Analyses);
