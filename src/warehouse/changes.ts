import type { WarehouseAdapter } from './adapter.ts';

/**
 * What builds changed that the data tests have not checked yet, so a day's tests can check only
 * the day's rows (data-tests.ts). An entity whose rows a build only adds or replaces by key (a lake
 * table, a partition `dt` at a time; an incremental model, by its unique key) gets its changed keys
 * appended to `_gourmand.changed_<entity>`; every row whose key is not there is as it was when the
 * tests last ran. Rebuilding an entity forgets which of its tests ran (`tested_test`), so they all
 * run in full next time; a test whose SQL changed runs in full too.
 */
const META = '_gourmand';
export const TESTED = 'tested_test';

export const safeName = (text: string) => text.replace(/[^a-z0-9_]+/gi, '_').toLowerCase();

/** The relation holding the entity's changed keys. */
export const changedRelation = (adapter: WarehouseAdapter, entity: string) =>
  adapter.relation(META, `changed_${safeName(entity)}`);

export const testedRelation = (adapter: WarehouseAdapter) => adapter.relation(META, TESTED);

export async function ensureTested(adapter: WarehouseAdapter) {
  await adapter.ensureSchema(META);
  await adapter.exec(
    `create table if not exists ${testedRelation(adapter)} (entity varchar, test_name varchar, test_sql varchar)`,
  );
}

/** Appends the distinct `keys` of `select` to the entity's changed keys. */
export async function recordChanged(
  adapter: WarehouseAdapter,
  entity: string,
  keys: readonly string[],
  select: string,
) {
  const changed = changedRelation(adapter, entity);
  const distinct = `select distinct ${keys.join(', ')} from (${select}) as changed_rows`;
  await adapter.exec(adapter.render(`create table if not exists ${changed} as ${distinct} where false`));
  await adapter.insertByName(changed, distinct);
}

/** The entity was rebuilt: its tests run in full next time, and the changed keys are moot. */
export async function recordRebuilt(adapter: WarehouseAdapter, entity: string) {
  await ensureTested(adapter);
  await adapter.exec(`delete from ${testedRelation(adapter)} where entity = '${entity}'`);
  await adapter.exec(`drop table if exists ${changedRelation(adapter, entity)}`);
}
