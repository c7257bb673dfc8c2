import * as Plot from '@observablehq/plot';
import { useEffect, useState } from 'preact/hooks';
import { api, currentAccount, type Me } from '../lib/api.ts';
import type { BusinessSummary, Page } from '../lib/types.ts';
import { Empty, Figure, fmt, html, mount, show, useApi } from '../lib/ui.ts';

interface Detail extends Omit<BusinessSummary, 'city' | 'stateCode'> {
  url: string | null;
  displayPhone: string | null;
  firstSeen: string;
  lastSeen: string;
  location: {
    address1: string | null;
    zipCode: string | null;
    city: string;
    county: string;
    state: string;
    stateCode: string;
    latitude: number | null;
    longitude: number | null;
  };
  categories: { alias: string; title: string }[];
  transactions: string[];
}
interface Holding {
  date: string;
  rating: number;
  reviewCount: number;
}
interface Note {
  id: number;
  authorId: number;
  body: string;
  rating: number | null;
  hidden: boolean;
  createdAt: string;
}

const id = Number(location.pathname.split('/').pop());

function History({ holdings }: { holdings: Holding[] }) {
  if (holdings.length === 0) return html`<${Empty}>No daily holdings yet: run <code>gourmand run</code>.<//>`;
  const data = holdings.map((h) => ({ ...h, day: new Date(`${h.date}T00:00:00Z`) }));
  const chart = (y: 'rating' | 'reviewCount', label: string) =>
    Plot.plot({
      height: 180,
      marginLeft: 48,
      x: { type: 'utc', label: 'Date', ticks: 'day', tickFormat: '%b %d' },
      y: { label, grid: true, ...(y === 'rating' ? { domain: [0, 5] } : { zero: true, tickFormat: ',d' }) },
      marks: [Plot.lineY(data, { x: 'day', y }), Plot.dot(data, { x: 'day', y, tip: true })],
    });
  return html`<div class="charts two">
    <${Figure} label="Daily rating" build=${() => chart('rating', 'Rating')} />
    <${Figure} label="Daily review count" build=${() => chart('reviewCount', 'Review count')} />
  </div>`;
}

function Notes({ me }: { me: Me | null }) {
  const [version, setVersion] = useState(0);
  const notes = useApi<Page<Note>>(`/businesses/${id}/notes?limit=50&v=${version}`);
  const [error, setError] = useState<string | null>(null);
  const write = async (event: Event) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const rating = data.get('rating');
    try {
      await api(`/businesses/${id}/notes`, {
        method: 'POST',
        body: { body: String(data.get('body')), ...(rating ? { rating: Number(rating) } : {}) },
      });
      form.reset();
      setError(null);
      setVersion((v) => v + 1);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const hide = async (note: Note) => {
    await api(`/notes/${note.id}/hidden`, { method: 'PUT', body: { hidden: !note.hidden } }).catch(
      (e: Error) => setError(e.message),
    );
    setVersion((v) => v + 1);
  };
  const moderator = me?.role === 'moderator' || me?.role === 'admin';
  return html`
    ${show(notes, (page) =>
      page.items.length === 0
        ? html`<${Empty}>No notes yet.<//>`
        : html`<ul class="notes">${page.items.map(
            (n) => html`<li data-note=${n.id}>
              <p>${n.body}</p>
              <p class="muted">${n.rating ? `${'★'.repeat(n.rating)} · ` : ''}${n.createdAt.slice(0, 10)}${n.authorId === me?.id ? ' · yours' : ''}</p>
              ${moderator ? html`<button type="button" onClick=${() => hide(n)}>${n.hidden ? 'Unhide' : 'Hide'}</button>` : null}
            </li>`,
          )}</ul>`,
    )}
    ${
      me?.emailVerified
        ? html`<form class="note-form" onSubmit=${write}>
            <label>Your note <textarea name="body" required maxlength="4000" rows="3"></textarea></label>
            <label>Your rating
              <select name="rating"><option value="">none</option>${[1, 2, 3, 4, 5].map((r) => html`<option value=${r}>${r}</option>`)}</select>
            </label>
            <button type="submit">Save note</button>
          </form>`
        : html`<p class="muted"><a href="/account">Log in</a> with a verified account to write a note.</p>`
    }
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}`;
}

function Favourite({ me }: { me: Me | null }) {
  const [saved, setSaved] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!me) return;
    api<{ items: { id: number }[] }>('/me/favourites').then(
      (f) => setSaved(f.items.some((b) => b.id === id)),
      (e: Error) => setError(e.message),
    );
  }, [me]);
  if (!me) return null;
  const toggle = async () => {
    try {
      await api(`/me/favourites/${id}`, { method: saved ? 'DELETE' : 'PUT' });
      setSaved(!saved);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return html`<button type="button" class="favourite" aria-pressed=${saved ? 'true' : 'false'} disabled=${saved === null} onClick=${toggle}>
      ${saved ? '★ Favourite' : '☆ Add to favourites'}</button>
    ${error ? html`<span class="error" role="alert">${error}</span>` : null}`;
}

function Business() {
  const detail = useApi<Detail>(`/businesses/${id}`);
  const holdings = useApi<Page<Holding>>(`/businesses/${id}/holdings?limit=1000`);
  const [me, setMe] = useState<Me | null>(null);
  useEffect(() => {
    currentAccount().then(setMe, () => setMe(null));
  }, []);
  useEffect(() => {
    if (detail.state === 'ok') document.querySelector('h1')!.textContent = detail.data.name;
  }, [detail.state]);
  return html`
    ${show(detail, (b) => {
      const where = b.location;
      return html`<section class="business" aria-label="Business">
        <p><${Favourite} me=${me} /></p>
        <dl class="facts">
          <div><dt>Address</dt><dd>${where.address1 ?? '–'}, ${where.zipCode ?? ''} ${where.city}, ${where.county}, ${where.state}</dd></div>
          <div><dt>Coordinates</dt><dd>${fmt(where.latitude, 4)}, ${fmt(where.longitude, 4)}</dd></div>
          <div><dt>Price</dt><dd>${b.price ?? 'unknown'}</dd></div>
          <div><dt>Rating</dt><dd>${fmt(b.rating, 1)} (${fmt(b.reviewCount)} reviews)</dd></div>
          <div><dt>Status</dt><dd>${b.isClosed ? 'closed' : 'open'} · seen ${b.firstSeen} – ${b.lastSeen}</dd></div>
          <div><dt>Categories</dt><dd>${b.categories.map((c) => c.title).join(', ') || '–'}</dd></div>
          <div><dt>Transactions</dt><dd>${b.transactions.join(', ') || '–'}</dd></div>
          ${b.displayPhone ? html`<div><dt>Phone</dt><dd>${b.displayPhone}</dd></div>` : null}
        </dl>
      </section>`;
    })}
    <section aria-labelledby="history"><h2 id="history">Daily rating and review count</h2>
      ${show(holdings, (h) => html`<${History} holdings=${h.items} />`)}
    </section>
    <section aria-labelledby="notes"><h2 id="notes">Notes</h2><${Notes} me=${me} /></section>`;
}

mount(Business);
