-- Whether this load moves current state: only when no later date has been loaded (re-running the
-- latest date does). An older date adds its history (holdings, reviews, events not yet known) and
-- leaves every current value as the later load left it. :source is the load (yelp, geography).

create temp table stg_load on commit drop as
select coalesce(max(load_date) <= :run_date, true) as forward
from ops.source_load
where source = ':source';

insert into ops.source_load (source, load_date)
values (':source', :run_date)
on conflict (source, load_date) do nothing;
