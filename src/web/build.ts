import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { PAGES } from './pages.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const CLIENT_DIR = path.join(here, 'client');
/** Built assets; git-ignored, rebuilt by `npm run build:web`, `npm start`/`npm test` and on first serve. */
export const WEB_DIST = path.resolve(here, '../../dist/web');
export const MANIFEST = 'manifest.json';

export interface WebManifest {
  /** Entry name → its script and the chunks it imports, in /assets/. */
  pages: Record<string, { script: string; gzipBytes: number }>;
  style: string;
}

const require = createRequire(import.meta.url);

/** How every bundle is made (the pages here, the inlined report in report.ts). */
export const SCRIPT_OPTIONS = {
  bundle: true,
  format: 'esm',
  minify: true,
  target: 'es2022',
  legalComments: 'none',
  logLevel: 'error',
} as const;
export const STYLE_ENTRY = path.join(CLIENT_DIR, 'style.css');

/** Bundles every page (shared code split into chunks) into a fresh folder, then swaps it in. */
export async function buildWebAssets(out = WEB_DIST): Promise<WebManifest> {
  const temp = `${out}.tmp-${process.pid}-${Date.now()}`;
  const assets = path.join(temp, 'assets');
  mkdirSync(assets, { recursive: true });
  const result = await build({
    entryPoints: [...PAGES.map((p) => p.entry), 'report'].map((entry) => ({
      in: path.join(CLIENT_DIR, 'pages', `${entry}.ts`),
      out: entry,
    })),
    ...SCRIPT_OPTIONS,
    outdir: assets,
    splitting: true,
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    metafile: true,
  });
  const style = await build({
    ...SCRIPT_OPTIONS,
    entryPoints: [STYLE_ENTRY],
    outdir: assets,
    entryNames: '[name]-[hash]',
    metafile: true,
  });
  // The map's shapes: us-atlas counties (with states and nation), served by us, no CDN.
  copyFileSync(require.resolve('us-atlas/counties-10m.json'), path.join(assets, 'counties-10m.json'));
  copyFileSync(path.join(CLIENT_DIR, 'favicon.svg'), path.join(assets, 'favicon.svg'));

  const manifest: WebManifest = { pages: {}, style: path.basename(Object.keys(style.metafile.outputs)[0]!) };
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    if (!output.entryPoint) continue;
    const entry = path.basename(output.entryPoint, '.ts');
    manifest.pages[entry] = { script: path.basename(file), gzipBytes: gzippedClosure(result.metafile, file) };
  }
  writeFileSync(path.join(temp, MANIFEST), JSON.stringify(manifest, null, 2));
  rmSync(out, { recursive: true, force: true });
  try {
    renameSync(temp, out);
  } catch (error) {
    // Another process (a parallel test worker) swapped in the same build first.
    rmSync(temp, { recursive: true, force: true });
    if (!existsSync(path.join(out, MANIFEST))) throw error;
  }
  return manifest;
}

/** Gzipped bytes of a script and every chunk it imports statically (what a page downloads). */
function gzippedClosure(meta: Metafile, file: string): number {
  const seen = new Set<string>();
  const visit = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const i of meta.outputs[f]?.imports ?? []) if (i.kind === 'import-statement') visit(i.path);
  };
  visit(file);
  let total = 0;
  for (const f of seen) total += gzipSync(readFileSync(f), { level: 9 }).length;
  return total;
}

/** The newest modification time among the client sources. */
function newestSource(dir = CLIENT_DIR): number {
  let newest = statSync(path.join(here, 'pages.ts')).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

let pending: Promise<void> | null = null;

/** Builds the assets when missing or older than their sources (a fresh clone, an edit); once per process. */
export function ensureWebAssets(out = WEB_DIST): Promise<void> {
  pending ??= (async () => {
    const manifest = path.join(out, MANIFEST);
    if (existsSync(manifest) && statSync(manifest).mtimeMs >= newestSource()) return;
    await buildWebAssets(out);
  })().finally(() => {
    pending = null;
  });
  return pending;
}

export function formatSizes(manifest: WebManifest): string[] {
  return Object.entries(manifest.pages)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([entry, page]) => `${entry.padEnd(10)} ${(page.gzipBytes / 1024).toFixed(1).padStart(7)} KB gzipped`,
    );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const manifest = await buildWebAssets();
  console.log(
    `web assets in ${path.relative(process.cwd(), WEB_DIST)} (JavaScript per page, with its chunks):`,
  );
  for (const line of formatSizes(manifest)) console.log(`  ${line}`);
}
