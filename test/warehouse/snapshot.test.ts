import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbAdapter } from '../../src/warehouse/duckdb.ts';
import type { ModelConfig } from '../../src/warehouse/project.ts';
import { applySnapshotDate } from '../../src/warehouse/snapshot.ts';

const D1 = '2026-05-01';
const D2 = '2026-05-02';
const D3 = '2026-05-03';

/**
 * SCD2 on a hand-made change log: key 1 changes name on D2 with a newer updated_at, key 2 is touched
 * (newer updated_at) with the same name, key 3 is deleted on D3.
 */
describe('snapshot strategies', () => {
  let adapter: DuckDbAdapter;
  const source = '(select * from changes)';

  beforeAll(async () => {
    adapter = await DuckDbAdapter.open(':memory:');
    await adapter.exec(`
      create table changes as select * from (values
        (1, 'one',     timestamptz '2026-05-01 10:00:00+00', null::date,       date '${D1}'),
        (2, 'two',     timestamptz '2026-05-01 10:00:00+00', null::date,       date '${D1}'),
        (3, 'three',   timestamptz '2026-05-01 10:00:00+00', null::date,       date '${D1}'),
        (1, 'one bis', timestamptz '2026-05-02 10:00:00+00', null::date,       date '${D2}'),
        (2, 'two',     timestamptz '2026-05-02 10:00:00+00', null::date,       date '${D2}'),
        (3, 'three',   timestamptz '2026-05-03 10:00:00+00', date '${D3}',     date '${D3}')
      ) as t(id, name, updated_at, deleted_on, extracted_on)`);
  });
  afterAll(async () => {
    await adapter?.close();
  });

  const versions = (table: string) =>
    adapter.query<{ id: number; name: string; from: string; to: string | null; cur: boolean }>(
      `select id, name, cast(valid_from as varchar) as "from", cast(valid_to as varchar) as "to", is_current as cur
       from ${table} order by id, valid_from`,
    );

  const apply = async (table: string, config: ModelConfig, dates: string[], exists = false) => {
    for (const [i, date] of dates.entries()) {
      await applySnapshotDate(adapter, table, source, config, date, exists || i > 0);
    }
  };

  it('timestamp: a newer updated_at opens a version; a deleted row is closed out', async () => {
    const config: ModelConfig = {
      materialized: 'snapshot',
      unique_key: 'id',
      strategy: 'timestamp',
      updated_at: 'updated_at',
      deleted_when: 'deleted_on',
      tests: [],
    };
    await apply('snap_ts', config, [D1, D2, D3]);
    expect(await versions('snap_ts')).toEqual([
      { id: 1, name: 'one', from: D1, to: D2, cur: false },
      { id: 1, name: 'one bis', from: D2, to: null, cur: true },
      { id: 2, name: 'two', from: D1, to: D2, cur: false },
      { id: 2, name: 'two', from: D2, to: null, cur: true },
      { id: 3, name: 'three', from: D1, to: D3, cur: false },
    ]);
    // Applying the last date again replaces it exactly; an earlier date is refused.
    const before = await versions('snap_ts');
    await applySnapshotDate(adapter, 'snap_ts', source, config, D3, true);
    expect(await versions('snap_ts')).toEqual(before);
    await expect(applySnapshotDate(adapter, 'snap_ts', source, config, D2, true)).rejects.toThrow(
      /--full-refresh/,
    );
  });

  it('check: only a change in the checked columns opens a version', async () => {
    const config: ModelConfig = {
      materialized: 'snapshot',
      unique_key: 'id',
      strategy: 'check',
      check_cols: ['name'],
      tests: [],
    };
    await apply('snap_check', config, [D1, D2, D3]);
    expect(await versions('snap_check')).toEqual([
      { id: 1, name: 'one', from: D1, to: D2, cur: false },
      { id: 1, name: 'one bis', from: D2, to: null, cur: true },
      { id: 2, name: 'two', from: D1, to: null, cur: true },
      { id: 3, name: 'three', from: D1, to: null, cur: true },
    ]);
  });
});
