import { useEffect, useState } from 'preact/hooks';
import { api, currentAccount, login, logout, type Me } from '../lib/api.ts';
import type { BusinessSummary } from '../lib/types.ts';
import { Empty, fmt, html, mount } from '../lib/ui.ts';

const field = (form: HTMLFormElement, name: string) => String(new FormData(form).get(name) ?? '');

function Account() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [token, setToken] = useState('');
  const [favourites, setFavourites] = useState<BusinessSummary[] | null>(null);

  const reload = async () => setMe(await currentAccount().catch(() => null));
  useEffect(() => {
    reload();
  }, []);
  useEffect(() => {
    if (!me) return setFavourites(null);
    api<{ items: BusinessSummary[] }>('/me/favourites').then(
      (f) => setFavourites(f.items),
      (e: Error) => setMessage({ text: e.message, error: true }),
    );
  }, [me]);

  const attempt =
    (action: (form: HTMLFormElement) => Promise<string | undefined>) => async (event: Event) => {
      event.preventDefault();
      try {
        const text = await action(event.target as HTMLFormElement);
        if (text) setMessage({ text, error: false });
      } catch (e) {
        setMessage({ text: (e as Error).message, error: true });
      }
    };
  const register = attempt(async (form) => {
    const result = await api<{ verificationToken?: string }>('/auth/register', {
      method: 'POST',
      body: { email: field(form, 'email'), password: field(form, 'password') },
    });
    if (result.verificationToken) setToken(result.verificationToken);
    return result.verificationToken
      ? 'Registered. Development mode: the verification token is filled in below.'
      : 'Registered. Ask an admin to verify your e-mail address, then log in.';
  });
  const verify = attempt(async (form) => {
    await api('/auth/verify', { method: 'POST', body: { token: field(form, 'token') } });
    await reload();
    return 'E-mail address verified.';
  });
  const signIn = attempt(async (form) => {
    await login(field(form, 'email'), field(form, 'password'));
    await reload();
    return 'Logged in.';
  });
  const signOut = async () => {
    await logout();
    setMe(null);
    setMessage({ text: 'Logged out.', error: false });
  };

  const status = message
    ? html`<p class=${message.error ? 'error' : 'ok'} role=${message.error ? 'alert' : 'status'}>${message.text}</p>`
    : null;
  if (me === undefined) return html`<p class="muted">Loading…</p>`;
  if (me) {
    return html`${status}
      <section aria-labelledby="who"><h2 id="who">Signed in</h2>
        <p data-account=${me.email}>${me.email} · ${me.role} · ${me.emailVerified ? 'verified' : 'not verified'}</p>
        ${me.emailVerified ? null : html`<form onSubmit=${verify} class="stack"><label>Verification token <input name="token" required value=${token} /></label><button type="submit">Verify</button></form>`}
        <button type="button" onClick=${signOut}>Log out</button>
      </section>
      <section aria-labelledby="favs"><h2 id="favs">Favourites</h2>
        ${
          favourites === null
            ? html`<p class="muted">Loading…</p>`
            : favourites.length === 0
              ? html`<${Empty}>No favourites yet: open a business in the <a href="/explorer">explorer</a> and add it.<//>`
              : html`<ul class="favourites">${favourites.map((b) => html`<li><a href=${`/business/${b.id}`}>${b.name}</a> · ${b.city}, ${b.stateCode} · ${fmt(b.rating, 1)}</li>`)}</ul>`
        }
        <p class="note">Your notes are on each business's page.</p>
      </section>`;
  }
  return html`${status}
    <div class="columns">
      <section aria-labelledby="login"><h2 id="login">Log in</h2>
        <form onSubmit=${signIn} class="stack">
          <label>E-mail <input name="email" type="email" autocomplete="username" required /></label>
          <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
          <button type="submit">Log in</button>
        </form>
      </section>
      <section aria-labelledby="register"><h2 id="register">Register</h2>
        <form onSubmit=${register} class="stack">
          <label>E-mail <input name="email" type="email" autocomplete="email" required /></label>
          <label>Password (8 or more characters) <input name="password" type="password" autocomplete="new-password" minlength="8" required /></label>
          <button type="submit">Register</button>
        </form>
      </section>
      <section aria-labelledby="verify"><h2 id="verify">Verify your e-mail</h2>
        <form onSubmit=${verify} class="stack">
          <label>Verification token <input name="token" required value=${token} onInput=${(e: Event) => setToken((e.target as HTMLInputElement).value)} /></label>
          <button type="submit">Verify</button>
        </form>
      </section>
    </div>`;
}

mount(Account);
