import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ValidationError } from '../common/errors.ts';

/**
 * A warehouse project: `.sql` models under staging/ intermediate/ marts/ snapshots/, custom
 * tests under tests/, source tests in sources.json. Each model starts with a JSON header in a
 * block comment (see models/README.md); the rest is SQL with `{{ ref('m') }}`, `{{ source('lake', 't') }}`
 * and the adapter's macros.
 */
export const MODELS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'models');
export const LAYERS = ['staging', 'intermediate', 'marts', 'snapshots'] as const;
export type Layer = (typeof LAYERS)[number];

const columns = z.union([z.string(), z.array(z.string()).min(1)]);
const severity = z.enum(['warn', 'error']).optional();

const testSchema = z.union([
  z.strictObject({ unique: columns, severity }),
  z.strictObject({ not_null: columns, severity }),
  z.strictObject({
    relationships: z.strictObject({ column: z.string(), to: z.string(), field: z.string() }),
    severity,
  }),
  z.strictObject({
    accepted_values: z.strictObject({
      column: z.string(),
      values: z.array(z.union([z.string(), z.number()])),
    }),
    severity,
  }),
]);
export type TestSpec = z.infer<typeof testSchema>;

const headerSchema = z.strictObject({
  materialized: z.enum(['view', 'table', 'incremental', 'snapshot']),
  description: z.string().optional(),
  unique_key: columns.optional(),
  /** Snapshots: `timestamp` compares `updated_at`, `check` compares `check_cols`. */
  strategy: z.enum(['timestamp', 'check']).optional(),
  updated_at: z.string().optional(),
  check_cols: z.array(z.string()).min(1).optional(),
  /** Snapshots: a column that, when not null, means the source row was deleted (closes the version). */
  deleted_when: z.string().optional(),
  /** Tables on engines that partition (BigQuery): a date column; clustering defaults to unique_key. */
  partition_by: z.string().optional(),
  cluster_by: z.array(z.string()).min(1).optional(),
  tests: z.array(testSchema).default([]),
});
export type ModelConfig = z.infer<typeof headerSchema>;

export interface Model {
  name: string;
  layer: Layer;
  file: string;
  config: ModelConfig;
  /** The SQL after the header, still templated. */
  body: string;
  refs: string[];
  sources: string[];
}

export interface CustomTest {
  name: string;
  file: string;
  severity: 'warn' | 'error';
  body: string;
  refs: string[];
}

export interface Project {
  dir: string;
  models: Map<string, Model>;
  /** Lake table → tests declared on it. */
  sourceTests: Map<string, TestSpec[]>;
  customTests: CustomTest[];
}

const HEADER = /^\s*\/\*\s*(\{[\s\S]*?\})\s*\*\//;
const REF = /\{\{\s*(?:ref|current)\(\s*'([a-z0-9_]+)'/g;
const SOURCE = /\{\{\s*source\(\s*'lake'\s*,\s*'([a-z0-9_]+)'\s*\)\s*\}\}/g;

function parseHeader(file: string, text: string): { config: ModelConfig; body: string } {
  const match = HEADER.exec(text);
  if (!match) throw new ValidationError(`Model ${file}: missing the /* { …config… } */ header`);
  let json: unknown;
  try {
    json = JSON.parse(match[1]!);
  } catch (error) {
    throw new ValidationError(`Model ${file}: header is not valid JSON (${(error as Error).message})`);
  }
  const parsed = headerSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ValidationError(`Model ${file}: header ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return { config: parsed.data, body: text.slice(match[0].length).trim() };
}

const matchesOf = (re: RegExp, text: string) => [...new Set([...text.matchAll(re)].map((m) => m[1]!))];

export function loadProject(dir = MODELS_DIR): Project {
  const models = new Map<string, Model>();
  for (const layer of LAYERS) {
    const folder = path.join(dir, layer);
    if (!existsSync(folder)) continue;
    for (const entry of readdirSync(folder)
      .filter((f) => f.endsWith('.sql'))
      .sort()) {
      const file = path.join(folder, entry);
      const name = entry.slice(0, -4);
      if (models.has(name)) throw new ValidationError(`Model name ${name} is used twice (${file})`);
      const { config, body } = parseHeader(file, readFileSync(file, 'utf8'));
      if ((layer === 'snapshots') !== (config.materialized === 'snapshot')) {
        throw new ValidationError(`Model ${file}: snapshots live in snapshots/ and only there`);
      }
      if (config.materialized === 'snapshot') {
        const ok =
          config.unique_key &&
          (config.strategy === 'timestamp'
            ? config.updated_at
            : config.strategy === 'check' && config.check_cols);
        if (!ok) {
          throw new ValidationError(
            `Snapshot ${file}: needs unique_key and strategy timestamp (with updated_at) or check (with check_cols)`,
          );
        }
      }
      if (config.materialized === 'incremental' && !config.unique_key) {
        throw new ValidationError(`Model ${file}: an incremental model needs unique_key`);
      }
      models.set(name, {
        name,
        layer,
        file,
        config,
        body,
        refs: matchesOf(REF, body),
        sources: matchesOf(SOURCE, body),
      });
    }
  }
  for (const model of models.values()) {
    for (const ref of model.refs) {
      if (!models.has(ref)) throw new ValidationError(`Model ${model.file}: ref('${ref}') names no model`);
    }
  }
  const sourceTests = new Map<string, TestSpec[]>();
  const sourcesFile = path.join(dir, 'sources.json');
  if (existsSync(sourcesFile)) {
    const parsed = z
      .record(z.string(), z.strictObject({ tests: z.array(testSchema).default([]) }))
      .safeParse(JSON.parse(readFileSync(sourcesFile, 'utf8')));
    if (!parsed.success) throw new ValidationError(`${sourcesFile}: ${parsed.error.issues[0]!.message}`);
    for (const [table, spec] of Object.entries(parsed.data)) sourceTests.set(table, spec.tests);
  }
  const customTests: CustomTest[] = [];
  const testsDir = path.join(dir, 'tests');
  if (existsSync(testsDir)) {
    for (const entry of readdirSync(testsDir)
      .filter((f) => f.endsWith('.sql'))
      .sort()) {
      const file = path.join(testsDir, entry);
      const text = readFileSync(file, 'utf8');
      const header = /^\s*\/\*\s*(\{[\s\S]*?\})\s*\*\//.exec(text);
      const config = header ? z.object({ severity }).parse(JSON.parse(header[1]!)) : {};
      const body = header ? text.slice(header[0].length).trim() : text.trim();
      const refs = matchesOf(REF, body);
      for (const ref of refs) {
        if (!models.has(ref)) throw new ValidationError(`Test ${file}: ref('${ref}') names no model`);
      }
      customTests.push({ name: entry.slice(0, -4), file, severity: config.severity ?? 'error', body, refs });
    }
  }
  return { dir, models, sourceTests, customTests };
}

/** The model's table layout: its partition column, clustered on `cluster_by` or its unique key. */
export function layoutOf(model: Model) {
  const clusterBy =
    model.config.cluster_by ?? (model.config.unique_key ? [model.config.unique_key].flat() : undefined);
  return { partitionBy: model.config.partition_by, clusterBy };
}

/** Models in dependency order (parents first); throws on a cycle. */
export function topoOrder(project: Project): Model[] {
  const order: Model[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (model: Model, trail: string[]) => {
    const seen = state.get(model.name);
    if (seen === 'done') return;
    if (seen === 'visiting') throw new ValidationError(`Model cycle: ${[...trail, model.name].join(' -> ')}`);
    state.set(model.name, 'visiting');
    for (const ref of model.refs) visit(project.models.get(ref)!, [...trail, model.name]);
    state.set(model.name, 'done');
    order.push(model);
  };
  for (const model of [...project.models.values()].sort((a, b) => a.name.localeCompare(b.name)))
    visit(model, []);
  return order;
}

/**
 * dbt-style selection: `name` the model, `name+` it and everything downstream, `+name` it and
 * everything upstream, `+name+` both. No selectors = every model.
 */
export function selectModels(project: Project, selectors: readonly string[]): Set<string> {
  if (selectors.length === 0) return new Set(project.models.keys());
  const children = new Map<string, string[]>();
  for (const model of project.models.values()) {
    for (const ref of model.refs) children.set(ref, [...(children.get(ref) ?? []), model.name]);
  }
  const selected = new Set<string>();
  const walk = (name: string, next: (n: string) => string[]) => {
    for (const other of next(name)) {
      if (!selected.has(other)) {
        selected.add(other);
        walk(other, next);
      }
    }
  };
  for (const selector of selectors) {
    const match = /^(\+?)([a-z0-9_]+)(\+?)$/.exec(selector);
    const name = match?.[2];
    if (!match || !name || !project.models.has(name)) {
      throw new ValidationError(
        `--select ${selector}: no such model (models: ${[...project.models.keys()].join(', ')})`,
      );
    }
    selected.add(name);
    if (match[1]) walk(name, (n) => project.models.get(n)!.refs);
    if (match[3]) walk(name, (n) => children.get(n) ?? []);
  }
  return selected;
}
