-- Alerts sent to the webhook: one row per (run, failure) so the same failure is announced once,
-- and one row per delivery attempt so a broken webhook leaves a trace instead of failing the run.
create table ops.alert (
  alert_id    bigserial primary key,
  run_id      bigint not null references ops.pipeline_run on delete cascade,
  run_date    date not null,
  dedup_key   text not null,
  status      text not null check (status in ('sending', 'sent', 'failed')),
  payload     jsonb not null,
  created_at  timestamptz not null default now(),
  sent_at     timestamptz,
  unique (run_id, dedup_key)
);

create table ops.alert_attempt (
  alert_id      bigint not null references ops.alert on delete cascade,
  attempt       smallint not null check (attempt >= 1),
  attempted_at  timestamptz not null default now(),
  http_status   integer,
  error         text,
  duration_ms   integer not null,
  primary key (alert_id, attempt)
);
