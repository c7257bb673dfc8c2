import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiContext,
  apiBackends,
  createApiContext,
  expectError,
  type Session,
  signUp,
} from './support.ts';

describe.each(apiBackends)('writes with ownership and roles on %s with %s cache', (backend, cacheKind) => {
  let ctx: ApiContext;
  let alice: Session;
  let bob: Session;
  let unverified: Session;
  let moderator: Session;
  let admin: Session;
  beforeAll(async () => {
    ctx = await createApiContext(backend, cacheKind);
    alice = await signUp(ctx);
    bob = await signUp(ctx);
    unverified = await signUp(ctx, { verified: false });
    moderator = await signUp(ctx, { role: 'moderator' });
    admin = await signUp(ctx, { role: 'admin' });
  });
  afterAll(async () => {
    await ctx?.close();
  });

  const call = (
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    session?: Session,
    payload?: object,
  ) => ctx.app.inject({ method, url, payload, headers: session?.auth ?? {} });

  it('saves, lists and removes favourites of the signed-in user only', async () => {
    const { pizza, coffee } = ctx.seed.businesses;
    expect((await call('PUT', `/me/favourites/${pizza}`, alice)).statusCode).toBe(204);
    expect((await call('PUT', `/me/favourites/${pizza}`, alice)).statusCode).toBe(204);
    expect((await call('PUT', `/me/favourites/${coffee}`, alice)).statusCode).toBe(204);
    const mine = (await call('GET', '/me/favourites', alice)).json();
    expect(mine.items.map((b: { id: number }) => b.id)).toEqual([pizza, coffee]);
    expect((await call('GET', '/me/favourites', bob)).json()).toEqual({ items: [] });
    expectError(await call('DELETE', `/me/favourites/${pizza}`, bob), 404);
    expect((await call('DELETE', `/me/favourites/${pizza}`, alice)).statusCode).toBe(204);
    expect((await call('GET', '/me/favourites', alice)).json().items).toHaveLength(1);
    expectError(await call('PUT', '/me/favourites/999999', alice), 404);
    expectError(await call('PUT', '/me/favourites/0', alice), 400);
    expectError(await call('PUT', `/me/favourites/${pizza}`), 401);
    expectError(await call('PUT', `/me/favourites/${pizza}`, unverified), 403);
  });

  it("lets a user write, change and delete their own notes and never another user's", async () => {
    const id = ctx.seed.businesses.noodles;
    const created = await call('POST', `/businesses/${id}/notes`, alice, { body: 'Great broth', rating: 5 });
    expect(created.statusCode).toBe(201);
    const note = created.json();
    expect(note).toMatchObject({ businessId: id, authorId: alice.accountId, body: 'Great broth', rating: 5 });

    expectError(await call('PATCH', `/notes/${note.id}`, bob, { body: 'Hijacked' }), 403);
    expectError(await call('DELETE', `/notes/${note.id}`, bob), 403);
    // Not even a moderator or an admin edits someone else's words.
    expectError(await call('PATCH', `/notes/${note.id}`, admin, { body: 'Edited by admin' }), 403);

    const changed = await call('PATCH', `/notes/${note.id}`, alice, { rating: 4 });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ body: 'Great broth', rating: 4 });
    const listed = (await call('GET', `/businesses/${id}/notes`)).json();
    expect(listed.items.map((n: { body: string }) => n.body)).toEqual(['Great broth']);

    expectError(await call('PATCH', `/notes/${note.id}`, alice, {}), 400);
    expectError(await call('PATCH', `/notes/${note.id}`, alice, { author: bob.accountId }), 400);
    expectError(await call('PATCH', `/notes/${note.id}`, alice, { rating: 6 }), 400);
    // Outside 1–5 is refused, 0 included (it is not "no rating"); null clears the rating.
    for (const rating of [0, -1, 2.5, 6]) {
      expectError(await call('PATCH', `/notes/${note.id}`, alice, { rating }), 400);
      expectError(await call('POST', `/businesses/${id}/notes`, alice, { body: 'Zero?', rating }), 400);
    }
    const cleared = await call('PATCH', `/notes/${note.id}`, alice, { rating: null });
    expect(cleared.json()).toMatchObject({ rating: null });
    await call('PATCH', `/notes/${note.id}`, alice, { rating: 4 });
    expectError(await call('POST', `/businesses/${id}/notes`, alice, { body: '' }), 400);
    expectError(await call('POST', `/businesses/${id}/notes`, alice, { body: 'x'.repeat(4001) }), 400);
    expectError(await call('POST', '/businesses/999999/notes', alice, { body: 'Nowhere' }), 404);
    expectError(await call('POST', `/businesses/${id}/notes`, undefined, { body: 'Anonymous' }), 401);
    expectError(await call('POST', `/businesses/${id}/notes`, unverified, { body: 'Unverified' }), 403);

    expect((await call('DELETE', `/notes/${note.id}`, alice)).statusCode).toBe(204);
    expectError(await call('DELETE', `/notes/${note.id}`, alice), 404);
    expect((await call('GET', `/businesses/${id}/notes`)).json().items).toEqual([]);
  });

  it("lets moderators hide other users' notes, and nobody else", async () => {
    const id = ctx.seed.businesses.coffee;
    const note = (await call('POST', `/businesses/${id}/notes`, bob, { body: 'Spam spam spam' })).json();
    expectError(await call('PUT', `/notes/${note.id}/hidden`, alice, { hidden: true }), 403);
    expectError(await call('PUT', `/notes/${note.id}/hidden`, bob, { hidden: true }), 403);
    const hidden = await call('PUT', `/notes/${note.id}/hidden`, moderator, { hidden: true });
    expect(hidden.statusCode).toBe(200);
    expect(hidden.json().hidden).toBe(true);
    expect((await call('GET', `/businesses/${id}/notes`)).json().items).toEqual([]);
    expect((await call('PUT', `/notes/${note.id}/hidden`, admin, { hidden: false })).json().hidden).toBe(
      false,
    );
    expect((await call('GET', `/businesses/${id}/notes`)).json().items).toHaveLength(1);
    expectError(await call('PUT', '/notes/999999/hidden', moderator, { hidden: true }), 404);
  });

  it('pages notes newest first', async () => {
    const id = ctx.seed.businesses.virginia;
    for (const body of ['one', 'two', 'three'])
      await call('POST', `/businesses/${id}/notes`, alice, { body });
    const first = (await call('GET', `/businesses/${id}/notes?limit=2`)).json();
    expect(first.items.map((n: { body: string }) => n.body)).toEqual(['three', 'two']);
    const second = (await call('GET', `/businesses/${id}/notes?limit=2&cursor=${first.next}`)).json();
    expect(second).toMatchObject({ items: [{ body: 'one' }], next: null });
    expectError(await call('GET', '/businesses/999999/notes'), 404);
  });

  it('lets admins correct a business record in one audited transaction', async () => {
    const id = ctx.seed.businesses.closedDiner;
    expectError(await call('PATCH', `/businesses/${id}`, alice, { name: 'Mine now' }), 403);
    expectError(await call('PATCH', `/businesses/${id}`, moderator, { name: 'Mine now' }), 403);
    expectError(await call('PATCH', `/businesses/${id}`, undefined, { name: 'Mine now' }), 401);
    expectError(await call('PATCH', `/businesses/${id}`, admin, {}), 400);
    expectError(await call('PATCH', `/businesses/${id}`, admin, { yelp_id: 'stolen' }), 400);
    expectError(await call('PATCH', `/businesses/${id}`, admin, { price: 9 }), 400);
    expectError(await call('PATCH', '/businesses/999999', admin, { name: 'Ghost' }), 404);

    const corrected = await call('PATCH', `/businesses/${id}`, admin, {
      name: 'Open Diner',
      isClosed: false,
      price: null,
    });
    expect(corrected.statusCode).toBe(200);
    expect(corrected.json()).toMatchObject({ id, name: 'Open Diner', isClosed: false, price: null });
    expect((await call('GET', `/businesses/${id}`)).json().name).toBe('Open Diner');

    const trail = await ctx.database.db
      .selectFrom('ops.audit_log')
      .selectAll()
      .where('entity', '=', 'business')
      .where('entity_id', '=', String(id))
      .execute();
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({
      account_id: admin.accountId,
      actor_email: admin.email,
      action: 'correct',
      before: { name: 'Closed Diner', is_closed: true, payment_level_id: 3 },
      after: { name: 'Open Diner', is_closed: false, payment_level_id: null },
    });
  });

  it("lets admins change an account's role and verification, audited", async () => {
    const target = await signUp(ctx, { verified: false });
    expectError(
      await call('PATCH', `/admin/accounts/${target.accountId}`, moderator, { role: 'admin' }),
      403,
    );
    const changed = await call('PATCH', `/admin/accounts/${target.accountId}`, admin, {
      role: 'moderator',
      emailVerified: true,
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ role: 'moderator', emailVerified: true });
    // The role takes effect on the next request with the same token (the account is read each time).
    expect((await call('GET', '/me', target)).json().role).toBe('moderator');
    expectError(await call('PATCH', '/admin/accounts/999999', admin, { role: 'user' }), 404);
    const trail = await ctx.database.db
      .selectFrom('ops.audit_log')
      .select(['action', 'entity'])
      .where('entity', '=', 'account')
      .execute();
    expect(trail).toEqual([{ action: 'update', entity: 'account' }]);
  });
});
