-- The secondary indexes and foreign keys (between them) of the still-empty tables $1 (text[]) that a first load
-- builds and checks once, at its end, instead of row by row: the drop to run now and the statement
-- that restores it (pg_get_indexdef / pg_get_constraintdef, so the same name and definition).
-- Unique indexes and primary keys stay: the load's "on conflict" and "not exists" need them.
-- Indexes are restored before foreign keys, which are checked once when re-added.
select format('drop index %s', i.indexrelid::regclass) as "drop",
       pg_get_indexdef(i.indexrelid) as restore,
       1 as step
from pg_index i
where i.indrelid = any (select t::regclass from unnest($1::text[]) t)
  and not i.indisunique
union all
select format('alter table %s drop constraint %I', c.conrelid::regclass, c.conname),
       format('alter table %s add constraint %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid)),
       2
from pg_constraint c
where c.conrelid = any (select t::regclass from unnest($1::text[]) t)
  and c.contype = 'f'
  -- Dropping a foreign key locks the table it references exclusively until commit: only keys into
  -- tables of the same empty set, so readers of county or payment_level are never blocked.
  and c.confrelid = any (select t::regclass from unnest($1::text[]) t)
order by step, restore;
