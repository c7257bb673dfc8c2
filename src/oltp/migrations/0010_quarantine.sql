-- Records a source sent that could not be validated or placed (a malformed business, an unknown
-- state abbreviation, …). The load writes them here instead of dropping them silently; a re-run
-- of the same date adds nothing new (unique per date, source, entity, key and reason).
create table ops.quarantine (
  quarantine_id  bigserial primary key,
  run_date       date not null,
  source         text not null,                 -- yelp, census, states
  entity         text not null,                 -- business, review, event, county, page, …
  record_key     text not null default '',      -- the record's id when it has one
  reason         text not null,
  record         jsonb,
  created_at     timestamptz not null default now(),
  unique (run_date, source, entity, record_key, reason)
);

create index quarantine_run_date_idx on ops.quarantine (run_date);
