-- The most frequent warnings and errors: by task and message, with the runs they came up in.
select coalesce(json ->> 'task', '(run)') as task,
       case when (json ->> 'level')::int >= 50 then 'error' else 'warn' end as level,
       json ->> 'msg' as msg,
       count(*) as times,
       count(distinct (json ->> 'runId')::bigint) as runs
from log_record
where (json ->> 'level')::int >= 40
group by all
order by times desc, task, msg
limit 10
