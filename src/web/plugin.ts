import { readFileSync } from 'node:fs';
import path from 'node:path';
import compress from '@fastify/compress';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { ensureWebAssets, MANIFEST, WEB_DIST, type WebManifest } from './build.ts';
import { PAGES } from './pages.ts';
import { pageShell } from './shell.ts';

/**
 * The web app: one HTML shell per page plus its bundle, all served from this process (no CDN).
 * Hashed bundles are immutable; the shells are not cached, so a rebuild shows at once.
 */
export async function webRoutes(app: FastifyInstance) {
  await ensureWebAssets();
  const manifest = JSON.parse(readFileSync(path.join(WEB_DIST, MANIFEST), 'utf8')) as WebManifest;
  // Scoped to this plugin: the JSON API keeps its own (uncompressed, cached) responses.
  await app.register(compress, { threshold: 1024 });
  await app.register(fastifyStatic, {
    root: path.join(WEB_DIST, 'assets'),
    prefix: '/assets/',
    cacheControl: false,
    setHeaders(res, file) {
      const hashed = /-[A-Z0-9]{8}\.(js|css)$/.test(file);
      res.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'public, max-age=3600');
    },
  });
  app.get('/favicon.ico', { schema: { hide: true } }, (_request, reply) =>
    reply.redirect('/assets/favicon.svg', 301),
  );
  // The old dashboard address (alert links made before the web app) opens the pipeline page.
  app.get('/dashboard', { schema: { hide: true } }, (request, reply) => {
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
    return reply.redirect(`/pipeline${query}`, 301);
  });
  for (const page of PAGES) {
    const html = pageShell(page, { script: manifest.pages[page.entry]!.script, style: manifest.style });
    app.get(page.path, { schema: { hide: true } }, (_request, reply) =>
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(html),
    );
  }
}
