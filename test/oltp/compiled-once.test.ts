import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import { describe, expect, it } from 'vitest';
import { businessDetailQuery } from '../../src/api/queries/businesses.ts';
import { compiledOnce } from '../../src/oltp/database.ts';
import type { Schema } from '../../src/oltp/schema.ts';

// A Kysely instance that compiles PostgreSQL but never connects.
const offline = () =>
  new Kysely<Schema>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });

describe('compiledOnce', () => {
  it('gives what compiling afresh gives, for every argument', () => {
    const db = offline();
    const detail = compiledOnce(businessDetailQuery);
    for (const id of [7, 1, 123_456]) {
      const fresh = businessDetailQuery(db, id).compile();
      const once = detail(db, id).compile();
      expect(once.sql).toBe(fresh.sql);
      expect(once.parameters).toEqual([id]);
    }
  });

  it('refuses a query whose parameters are not its arguments', () => {
    const withConstant = compiledOnce((db: Kysely<Schema>, id: number) =>
      db.selectFrom('business').select('name').where('business_id', '=', id).where('name', '=', 'x'),
    );
    expect(() => withConstant(offline(), 3)).toThrow(/parameters are not its arguments/);
  });
});
