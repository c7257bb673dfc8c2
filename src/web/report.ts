import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';
import type { FastifyInstance } from 'fastify';
import type { AnalysisResult } from '../analysis/result.ts';
import { ValidationError } from '../common/errors.ts';
import { CLIENT_DIR, SCRIPT_OPTIONS, STYLE_ENTRY } from './build.ts';
import { escapeHtml } from './shell.ts';

const require = createRequire(import.meta.url);

/** Inline text that cannot close the element it sits in. */
const inlineScript = (text: string) => text.replaceAll('</script', '<\\/script');
const inlineJson = (value: unknown) => JSON.stringify(value).replaceAll('<', '\\u003c');

async function get<T>(app: FastifyInstance, url: string, accept: readonly number[] = []): Promise<T> {
  const response = await app.inject({ method: 'GET', url });
  if (response.statusCode !== 200 && !accept.includes(response.statusCode)) {
    throw new ValidationError(
      `Report: ${url} answered ${response.statusCode}: ${response.body.slice(0, 200)}`,
    );
  }
  return response.json() as T;
}

/**
 * Every analysis on its defaults (the window ending at the report's date), as the Analysis page
 * shows it; one the data cannot support keeps the API's message instead of a result.
 */
async function analyses(app: FastifyInstance, date: string | undefined) {
  const list = await get<{
    items: { name: string; title: string; description: string; params: string[]; href: string }[];
  }>(app, '/analytics/analyses');
  const out = [];
  for (const { name, title, description, params, href } of list.items) {
    const url = date && params.includes('to') ? `${href}?to=${date}` : href;
    // 422: the selection cannot support the analysis (too few observations); its message is shown.
    const body = await get<AnalysisResult | { message: string }>(app, url, [422]);
    out.push({
      name,
      title,
      description,
      ...('sentence' in body ? { result: body, message: null } : { result: null, message: body.message }),
    });
  }
  return out;
}

/**
 * One self-contained HTML file: the map, segments, the analyses and the latest run's health, with the data read
 * through the same API routes as the live pages (so the figures are the same) and the report
 * bundle, styles and map shapes inlined. Opens from disk with no network.
 */
export async function renderReport(app: FastifyInstance, options: { date?: string } = {}): Promise<string> {
  const overview = await get<{ built: boolean; lastHoldingDate: string | null }>(app, '/analytics/overview');
  if (!overview.built) {
    throw new ValidationError('No warehouse to report on yet: run `gourmand run` first');
  }
  const runs = await get<{ items: { runId: number; runDate: string }[] }>(
    app,
    '/analytics/pipeline/runs?limit=100',
  );
  const run = options.date ? runs.items.find((r) => r.runDate === options.date) : runs.items[0];
  if (options.date && !run) throw new ValidationError(`No run for ${options.date}: see \`gourmand status\``);
  const data = {
    generatedAt: new Date().toISOString(),
    overview,
    states: (await get<{ items: unknown[] }>(app, '/analytics/states')).items,
    counties: (await get<{ items: unknown[] }>(app, '/analytics/counties')).items,
    locations: await get(app, '/analytics/locations'),
    segments: await get(app, `/analytics/segments${options.date ? `?to=${options.date}` : ''}`),
    analyses: await analyses(app, options.date),
    run: run ? await get(app, `/analytics/pipeline/runs/${run.runId}`) : null,
    topology: JSON.parse(readFileSync(require.resolve('us-atlas/counties-10m.json'), 'utf8')),
  };
  const bundle = await build({
    ...SCRIPT_OPTIONS,
    entryPoints: [path.join(CLIENT_DIR, 'pages', 'report.ts')],
    write: false,
  });
  const css = await build({ ...SCRIPT_OPTIONS, entryPoints: [STYLE_ENTRY], write: false });
  const title = `Gourmand report · ${overview.lastHoldingDate}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${css.outputFiles[0]!.text.replaceAll('</style', '<\\/style')}</style>
</head>
<body>
<main id="main"><h1>${escapeHtml(title)}</h1>
<p class="note">Generated ${escapeHtml(data.generatedAt)} from the warehouse marts; every figure as on the live pages.</p>
<div id="app"></div></main>
<script type="application/json" id="report-data">${inlineJson(data)}</script>
<script type="module">${inlineScript(bundle.outputFiles[0]!.text)}</script>
</body>
</html>
`;
}
