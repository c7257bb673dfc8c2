-- What a load could not use, kept with its reason; a re-run of the date adds nothing.
insert into ops.quarantine (run_date, source, entity, record_key, reason, record)
select distinct on (source, entity, coalesce(record_key, ''), reason)
       :run_date, source, entity, coalesce(record_key, ''), reason, record
from stg_quarantine
order by source, entity, coalesce(record_key, ''), reason
on conflict (run_date, source, entity, record_key, reason) do nothing;
