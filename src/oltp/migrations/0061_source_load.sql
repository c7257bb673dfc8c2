-- Which dates each load has committed. A load of a date older than the latest one adds that
-- date's history but never moves current state back (src/oltp/load/source-load.sql).

create table ops.source_load (
  source     text not null check (source in ('geography', 'yelp')),
  load_date  date not null,
  loaded_at  timestamptz not null default now(),
  primary key (source, load_date)
);

-- A database loaded before this table existed: its latest day of history is its latest load.
insert into ops.source_load (source, load_date)
select s.source, h.latest
from (select max(holding_date) as latest from business_holding) h
cross join (values ('geography'), ('yelp')) as s(source)
where h.latest is not null;
