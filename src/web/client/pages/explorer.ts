import type { BusinessSummary, Page } from '../lib/types.ts';
import { Empty, fmt, html, mount, Scroll, show, useApi, useQueryState } from '../lib/ui.ts';

const FILTERS = ['q', 'state', 'city', 'category', 'price', 'minRating', 'open', 'sort', 'order'] as const;
const SORTS = [
  ['name', 'Name'],
  ['rating', 'Rating'],
  ['review_count', 'Reviews'],
] as const;

function Explorer() {
  const [params, setParams] = useQueryState();
  const states = useApi<{ items: { code: string; name: string }[] }>('/states');
  const categories = useApi<{ items: { alias: string; title: string }[] }>('/categories');
  const query = new URLSearchParams();
  for (const key of [...FILTERS, 'cursor']) for (const v of params.getAll(key)) if (v) query.append(key, v);
  query.set('limit', '25');
  const list = useApi<Page<BusinessSummary>>(`/businesses?${query}`);

  const apply = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const next = new URLSearchParams();
    for (const [key, value] of form) if (typeof value === 'string' && value !== '') next.append(key, value);
    setParams(next);
  };
  const sortBy = (field: string) => {
    const next = new URLSearchParams(params);
    next.delete('cursor');
    next.delete('before');
    const same = params.get('sort') === field || (!params.get('sort') && field === 'name');
    next.set('sort', field);
    next.set('order', same && (params.get('order') ?? 'asc') === 'asc' ? 'desc' : 'asc');
    setParams(next);
  };
  const page = (cursor: string | null) => {
    const next = new URLSearchParams(params);
    // The cursors of the earlier pages, so "Previous" walks back along the keyset.
    const trail = params.getAll('before');
    next.delete('before');
    next.delete('cursor');
    if (cursor === null) {
      const back = trail.pop();
      for (const t of trail) next.append('before', t);
      if (back) next.set('cursor', back);
    } else {
      for (const t of [...trail, params.get('cursor') ?? '']) next.append('before', t);
      next.set('cursor', cursor);
    }
    setParams(next);
  };
  const sort = params.get('sort') ?? 'name';
  const order = params.get('order') ?? 'asc';
  const options = <T>(loaded: ReturnType<typeof useApi<{ items: T[] }>>, view: (item: T) => unknown) =>
    loaded.state === 'ok' ? loaded.data.items.map(view) : null;

  return html`
    <form class="filters" onSubmit=${apply} aria-label="Filter businesses">
      <label>Name contains <input name="q" type="search" value=${params.get('q') ?? ''} /></label>
      <label>State
        <select name="state" value=${params.get('state') ?? ''}>
          <option value="">any</option>
          ${options(states, (s: { code: string; name: string }) => html`<option value=${s.code}>${s.name}</option>`)}
        </select>
      </label>
      <label>City <input name="city" value=${params.get('city') ?? ''} /></label>
      <label>Category
        <select name="category" value=${params.get('category') ?? ''}>
          <option value="">any</option>
          ${options(categories, (c: { alias: string; title: string }) => html`<option value=${c.alias}>${c.title}</option>`)}
        </select>
      </label>
      <label>Price
        <select name="price" value=${params.get('price') ?? ''}>
          <option value="">any</option>
          ${[1, 2, 3, 4].map((p) => html`<option value=${p}>${'$'.repeat(p)}</option>`)}
        </select>
      </label>
      <label>Rating at least
        <select name="minRating" value=${params.get('minRating') ?? ''}>
          <option value="">any</option>
          ${[1, 2, 3, 4, 4.5].map((r) => html`<option value=${r}>${r}</option>`)}
        </select>
      </label>
      <label>Status
        <select name="open" value=${params.get('open') ?? ''}>
          <option value="">open and closed</option>
          <option value="true">open</option>
          <option value="false">closed</option>
        </select>
      </label>
      <input type="hidden" name="sort" value=${sort} />
      <input type="hidden" name="order" value=${order} />
      <button type="submit">Apply filters</button>
      <a href="/explorer">Clear</a>
    </form>
    ${show(list, (data) =>
      data.items.length === 0
        ? html`<${Empty}>No businesses match. ${params.toString() ? 'Loosen the filters.' : html`No data yet: run <code>gourmand run</code>.`}<//>`
        : html`
          <${Scroll} label="Businesses, scrollable"><table class="list" aria-label="Businesses">
            <thead><tr>
              ${SORTS.map(
                ([
                  field,
                  title,
                ]) => html`<th scope="col" aria-sort=${sort === field ? (order === 'asc' ? 'ascending' : 'descending') : 'none'}>
                  <button type="button" class="sort" onClick=${() => sortBy(field)}>${title}${sort === field ? (order === 'asc' ? ' ▲' : ' ▼') : ''}</button></th>`,
              )}
              <th scope="col">Price</th><th scope="col">City</th><th scope="col">Status</th>
            </tr></thead>
            <tbody>
              ${data.items.map(
                (b) => html`<tr>
                  <td><a href=${`/business/${b.id}`}>${b.name}</a></td>
                  <td class="num">${fmt(b.rating, 1)}</td>
                  <td class="num">${fmt(b.reviewCount)}</td>
                  <td>${b.price ?? '–'}</td>
                  <td>${b.city}, ${b.stateCode}</td>
                  <td>${b.isClosed ? 'closed' : 'open'}</td>
                </tr>`,
              )}
            </tbody>
          </table><//>
          <nav class="pager" aria-label="Pages">
            <button type="button" disabled=${!params.has('cursor')} onClick=${() => page(null)}>Previous</button>
            <button type="button" disabled=${!data.next} onClick=${() => page(data.next)}>Next</button>
          </nav>`,
    )}
    <p class="note">Current businesses in the source database (<code>GET /businesses</code>); rating and reviews are the latest daily holding.</p>`;
}

mount(Explorer);
