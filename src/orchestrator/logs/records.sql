-- The log records that match the filters, oldest first. An empty filter ('' or 0) matches all;
-- $level is the lowest pino level kept (30 info, 40 warn, 50 error).
select json::varchar as line
from log_record
where ($run = 0 or (json ->> 'runId')::bigint = $run)
  and ($task = '' or (json ->> 'task') = $task)
  and coalesce((json ->> 'level')::int, 0) >= $level
  and ($grep = '' or contains(lower((json ->> 'msg')), lower($grep)) or contains(lower(json ->> 'err'), lower($grep)))
order by (json ->> 'time')::bigint, rowid
