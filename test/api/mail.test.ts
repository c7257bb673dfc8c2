import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { MemoryCache } from '../../src/api/cache/memory.ts';
import { silentLogger } from '../../src/common/logger.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { testSettings } from '../support/settings.ts';
import { expectError, JWT_SECRET } from './support.ts';

interface Received {
  from: string;
  to: string[];
  secure: boolean;
  raw: string;
}

/**
 * Mail through a loopback SMTP server of the test's own (smtp-server, offering STARTTLS with its
 * built-in self-signed certificate): the verification link verifies; a reset works once and ends
 * every session.
 */
describe('verification and password-reset mail over SMTP', () => {
  const inbox: Received[] = [];
  let smtp: SMTPServer;
  let database: TestDatabase;
  let app: Awaited<ReturnType<typeof buildApp>>;

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      onData(stream, session, callback) {
        let raw = '';
        stream.on('data', (chunk: Buffer) => {
          raw += chunk.toString();
        });
        stream.on('end', () => {
          inbox.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            secure: session.secure,
            raw,
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const { port } = smtp.server.address() as AddressInfo;
    database = await createTestDatabase('pglite');
    const settings = testSettings({
      JWT_SECRET,
      // Not dev mode: tokens travel by mail only.
      GOURMAND_DEV: 'false',
      API_RATE_LIMIT: '0',
      API_LOGIN_RATE_LIMIT: '0',
      // The test server's certificate is self-signed.
      SMTP_URL: `smtp://127.0.0.1:${port}/?tls.rejectUnauthorized=false`,
      MAIL_FROM: 'Gourmand <no-reply@gourmand.test>',
      API_PUBLIC_URL: 'https://gourmand.test',
    });
    app = await buildApp({ settings, database, cache: new MemoryCache(), log: silentLogger });
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
    await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  });

  const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, payload, headers });
  const lastMailTo = (address: string) => inbox.filter((mail) => mail.to.includes(address)).at(-1);
  // The body is quoted-printable; undo soft line breaks and =3D before looking for the token.
  const text = (mail: Received) => mail.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');

  it('mails the verification link on register; the link verifies the account, once', async () => {
    const registered = await post('/auth/register', { email: 'fay@example.com', password: 'fay password 1' });
    expect(registered.statusCode).toBe(201);
    expect(registered.json().verificationToken).toBeUndefined();
    const mail = lastMailTo('fay@example.com');
    expect(mail).toBeDefined();
    expect(mail!.from).toBe('no-reply@gourmand.test');
    expect(mail!.secure).toBe(true); // upgraded with STARTTLS
    const link = /https:\/\/gourmand\.test(\/auth\/verify\?token=[\w-]+)/.exec(text(mail!));
    expect(link).not.toBeNull();
    const verified = await app.inject({ method: 'GET', url: link![1]! });
    expect(verified.statusCode).toBe(200);
    expect(verified.json()).toMatchObject({ email: 'fay@example.com', emailVerified: true });
    expectError(await app.inject({ method: 'GET', url: link![1]! }), 400);
  });

  it('resets the password by mail once, and signs every session out', async () => {
    const email = 'gus@example.com';
    await post('/auth/register', { email, password: 'old password 1' });
    const sessions = await Promise.all(
      [1, 2].map(async () =>
        (await post('/auth/login', { username: email, password: 'old password 1' })).json(),
      ),
    );
    const asked = await post('/auth/password-reset', { email });
    expect(asked.statusCode).toBe(202);
    expect(asked.json()).toEqual({});
    // An unknown address gets the same answer and no mail.
    const before = inbox.length;
    expect((await post('/auth/password-reset', { email: 'nobody@example.com' })).json()).toEqual({});
    expect(inbox.length).toBe(before);

    const token = /\n([\w-]{40,})\r?\n/.exec(text(lastMailTo(email)!))?.[1];
    expect(token).toBeDefined();
    const confirmed = await post('/auth/password-reset/confirm', { token, password: 'new password 2' });
    expect(confirmed.statusCode).toBe(204);
    expectError(await post('/auth/password-reset/confirm', { token, password: 'third password 3' }), 400);

    for (const session of sessions) {
      expectError(await post('/auth/refresh', { refresh_token: session.refresh_token }), 401);
    }
    expectError(await post('/auth/login', { username: email, password: 'old password 1' }), 401);
    expect((await post('/auth/login', { username: email, password: 'new password 2' })).statusCode).toBe(200);
  });
});
