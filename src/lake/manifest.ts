import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ValidationError } from '../common/errors.ts';
import { isTempKey, type ObjectStore } from './store.ts';
import type { LakeColumn } from './tables.ts';

/**
 * Lake layout: `<table>/dt=<extract date>/part-0000.parquet`, and one manifest per export,
 * `_manifests/dt=<date>.json`, naming every file it wrote with its size and SHA-256, and carrying
 * its own SHA-256. Readers go through manifests only, and check what they read.
 */
export const partitionPrefix = (table: string, date: string) => `${table}/dt=${date}/`;
export const manifestKey = (date: string) => `_manifests/dt=${date}.json`;

export interface ManifestFile {
  key: string;
  rows: number;
  bytes: number;
  /** Hex SHA-256 of the file (absent in manifests written before checksums). */
  sha256?: string;
}

export interface TableExport {
  table: string;
  /** The previous export's high watermark (null: from the beginning, or a whole-table export). */
  low: string | null;
  /** The database clock when this export's snapshot was taken. */
  high: string;
  /** The snapshot of the previous export: rows it could not see are exported (null: every row). */
  after?: string | null;
  rows: number;
  files: ManifestFile[];
  columns: LakeColumn[];
}

export interface Manifest {
  extractDate: string;
  exportedAt: string;
  /** The source snapshot (`pg_current_snapshot()`) the export read. */
  snapshot?: string;
  tables: Record<string, TableExport>;
}

const sha256Text = (text: string) => createHash('sha256').update(text).digest('hex');

/** The manifest's bytes: its JSON with a `sha256` of the JSON without it. */
export function renderManifest(manifest: Manifest): string {
  const body = JSON.stringify(manifest, null, 2);
  return `${JSON.stringify({ ...manifest, sha256: sha256Text(body) }, null, 2)}\n`;
}

const restore = (date: string) =>
  `re-export it with "gourmand lake export --date ${date}" if ${date} is the latest export, or restore the file`;

/** Parses a manifest's text, refusing one whose bytes are not exactly what the export wrote. */
export function parseManifest(key: string, text: string): Manifest {
  const date = /dt=(\d{4}-\d{2}-\d{2})/.exec(key)?.[1] ?? key;
  let parsed: Manifest & { sha256?: string };
  try {
    parsed = JSON.parse(text) as Manifest & { sha256?: string };
  } catch (error) {
    throw new ValidationError(
      `Lake manifest ${key} is not valid JSON (${(error as Error).message}); ${restore(date)}`,
    );
  }
  const { sha256, ...manifest } = parsed;
  // Manifests from before checksums carry none; their files are checked by size only.
  if (sha256 === undefined) return manifest;
  if (renderManifest(manifest) !== text) {
    throw new ValidationError(`Lake manifest ${key} does not match its checksum; ${restore(date)}`);
  }
  return manifest;
}

export async function readManifest(store: ObjectStore, date: string): Promise<Manifest | undefined> {
  const text = await store.getText(manifestKey(date));
  return text === undefined ? undefined : parseManifest(manifestKey(date), text);
}

/** Every extract date that has a manifest, ascending. */
export async function listExportDates(store: ObjectStore): Promise<string[]> {
  const keys = await store.list('_manifests/');
  return keys
    .filter((key) => !isTempKey(key))
    .map((key) => /dt=(\d{4}-\d{2}-\d{2})\.json$/.exec(key)?.[1])
    .filter((date): date is string => date !== undefined)
    .sort();
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * Fetches a manifest's file into `cacheDir` (remote stores; a local store reads it in place) and
 * checks its size and SHA-256 against the manifest. Returns the local path.
 */
export async function verifiedCopy(
  store: ObjectStore,
  file: ManifestFile,
  cacheDir: string,
): Promise<string> {
  const fetch = () =>
    store.localCopy(file.key, cacheDir).catch((error: unknown) => {
      throw new ValidationError(
        `Lake file ${file.key} cannot be read (${(error as Error).message}); restore it or re-export its date`,
      );
    });
  let local = await fetch();
  let problem = await fileProblem(local, file);
  // A cached download can be stale (same size, re-exported since): fetch it once more.
  if (problem && path.resolve(local).startsWith(path.resolve(cacheDir))) {
    await rm(local, { force: true });
    local = await fetch();
    problem = await fileProblem(local, file);
  }
  if (problem) {
    throw new ValidationError(
      `Lake file ${file.key} in ${store.url} ${problem}; restore it or re-export its date`,
    );
  }
  return local;
}

async function fileProblem(local: string, file: ManifestFile): Promise<string | undefined> {
  const size = (await stat(local).catch(() => undefined))?.size;
  if (size === undefined) return 'is missing';
  if (size !== file.bytes) return `has ${size} bytes, the manifest says ${file.bytes}`;
  if (file.sha256 !== undefined && (await sha256File(local)) !== file.sha256)
    return 'does not match its SHA-256 in the manifest';
  return undefined;
}

export interface VerifyProblem {
  /** The manifest or file that failed. */
  key: string;
  message: string;
}

export interface VerifyReport {
  dates: string[];
  files: number;
  problems: VerifyProblem[];
}

/** Checks every manifest (or one date's) and every file it lists; collects every problem. */
export async function verifyLake(
  store: ObjectStore,
  options: { date?: string; cacheDir: string },
): Promise<VerifyReport> {
  const dates = options.date ? [options.date] : await listExportDates(store);
  const report: VerifyReport = { dates, files: 0, problems: [] };
  for (const date of dates) {
    let manifest: Manifest | undefined;
    try {
      manifest = await readManifest(store, date);
    } catch (error) {
      report.problems.push({ key: manifestKey(date), message: (error as Error).message });
      continue;
    }
    if (!manifest) {
      report.problems.push({ key: manifestKey(date), message: `No export for ${date} in ${store.url}` });
      continue;
    }
    for (const file of Object.values(manifest.tables).flatMap((t) => t.files)) {
      report.files++;
      try {
        await verifiedCopy(store, file, options.cacheDir);
      } catch (error) {
        report.problems.push({ key: file.key, message: (error as Error).message });
      }
    }
  }
  return report;
}
