import { PAGES, type Page } from './pages.ts';

export const escapeHtml = (value: unknown): string =>
  String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The HTML every page starts from: navigation, a live region the page's script renders into, and
 * the page's bundle. Everything dynamic is rendered in the browser by components that escape.
 */
export function pageShell(page: Page, assets: { script: string; style: string }): string {
  const links = PAGES.filter((p) => p.nav)
    .map(
      (p) =>
        `<li><a href="${p.path}"${p.path === page.path ? ' aria-current="page"' : ''}>${escapeHtml(p.title)}</a></li>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)} · Gourmand</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/${escapeHtml(assets.style)}">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><nav aria-label="Main"><a class="brand" href="/">Gourmand</a><ul>${links}<li><a href="/docs">API docs</a></li></ul></nav></header>
<main id="main" tabindex="-1"><h1>${escapeHtml(page.title)}</h1><div id="app"><p class="muted">Loading…</p></div></main>
<script type="module" src="/assets/${escapeHtml(assets.script)}"></script>
</body>
</html>
`;
}
