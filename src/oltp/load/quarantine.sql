-- What a load could not use, kept with its reason; a re-run of the date adds nothing (and takes
-- no id: only missing rows are inserted).
insert into ops.quarantine (run_date, source, entity, record_key, reason, record)
select :run_date, q.source, q.entity, q.record_key, q.reason, q.record
from (
  select distinct on (source, entity, coalesce(record_key, ''), reason)
         source, entity, coalesce(record_key, '') as record_key, reason, record
  from stg_quarantine
  order by source, entity, coalesce(record_key, ''), reason
) q
where not exists (
  select 1 from ops.quarantine o
  where o.run_date = :run_date and o.source = q.source and o.entity = q.entity
    and o.record_key = q.record_key and o.reason = q.reason
);
