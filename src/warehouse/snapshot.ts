import { ValidationError } from '../common/errors.ts';
import type { WarehouseAdapter } from './adapter.ts';
import type { ModelConfig } from './project.ts';

/**
 * SCD type 2, one extract date at a time. The batch is the snapshot's select restricted to one
 * extract date; each key's current version is compared with the batch row (strategy `timestamp`:
 * a newer `updated_at`; `check`: any of `check_cols` differs). A changed key closes its current
 * version (`valid_to` = the date, `is_current` false) and opens a new one (`valid_from` = the date);
 * a row flagged deleted (`deleted_when` not null) only closes it. `snapshot_id` hashes the key and
 * `valid_from`, so it is the same however often the snapshot is rebuilt.
 *
 * Applying a date again first undoes what that date did, so a re-run is an exact replacement.
 */
export async function applySnapshotDate(
  adapter: WarehouseAdapter,
  target: string,
  compiledSelect: string,
  config: ModelConfig,
  date: string,
  exists: boolean,
): Promise<number> {
  const keys = [config.unique_key!].flat();
  const day = `cast('${date}' as date)`;
  const batch = `(select * from (${compiledSelect}) as s where extracted_on = ${day})`;
  const keyMatch = (a: string, b: string) => keys.map((k) => `${a}.${k} = ${b}.${k}`).join(' and ');
  const changed =
    config.strategy === 'timestamp'
      ? `b.${config.updated_at} > c.${config.updated_at}`
      : config.check_cols!.map((col) => `b.${col} is distinct from c.${col}`).join(' or ');
  const deleted = config.deleted_when ? `b.${config.deleted_when} is not null` : 'false';
  const snapshotId = adapter.macros.hash!(...keys.map((k) => `b.${k}`), day);

  if (!exists) {
    await adapter.exec(
      `create table ${target} as
       select ${adapter.starExcept('b', ['extracted_on'])}, ${snapshotId} as snapshot_id, ${day} as valid_from,
              cast(null as date) as valid_to, true as is_current
       from ${batch} as b where false`,
    );
  } else {
    const [state] = await adapter.query<{ later: number; applied: number; incoming: number }>(
      `select (select count(*) from ${target} where valid_from > ${day} or valid_to > ${day}) as later,
              (select count(*) from ${target} where valid_from = ${day} or valid_to = ${day}) as applied,
              (select count(*) from ${batch} as b) as incoming`,
    );
    if (state!.later > 0) {
      throw new ValidationError(
        `Snapshot ${target} already holds dates after ${date}; rebuild it with --full-refresh`,
      );
    }
    // Most entities change on few days: a date that brings no rows and was not applied before changes nothing.
    if (state!.applied === 0 && state!.incoming === 0) return 0;
    // Undo an earlier application of this date.
    await adapter.exec(`delete from ${target} where valid_from = ${day}`);
    await adapter.exec(`update ${target} set valid_to = null, is_current = true where valid_to = ${day}`);
  }
  const work = `(select b.*, c.${keys[0]} is not null as has_current,
                        c.${keys[0]} is null or (${changed}) as is_changed, ${deleted} as is_deleted
                 from ${batch} as b
                 left join ${target} as c on ${keyMatch('c', 'b')} and c.is_current)`;
  await adapter.exec(
    `update ${target} as c set valid_to = ${day}, is_current = false
     from ${work} as b
     where ${keyMatch('c', 'b')} and c.is_current and b.has_current and (b.is_changed or b.is_deleted)`,
  );
  const opened = await adapter.query<{ n: number }>(
    `select count(*) as n from ${work} as b where b.is_changed and not b.is_deleted`,
  );
  await adapter.insertByName(
    target,
    `select ${adapter.starExcept('b', ['extracted_on', 'has_current', 'is_changed', 'is_deleted'])}, ${snapshotId} as snapshot_id,
            ${day} as valid_from, cast(null as date) as valid_to, true as is_current
     from ${work} as b
     where b.is_changed and not b.is_deleted`,
  );
  return opened[0]!.n;
}
