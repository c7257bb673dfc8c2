-- Lake export bookkeeping: one row per (table, extract date). The row is the watermark range the
-- date's partition holds and its manifest; it is written only after the files are in place, so a
-- killed export leaves no trace here and the re-run picks the same range again.

create table ops.lake_watermark (
  table_name      text not null,
  extract_date    date not null,
  low_watermark   timestamptz,                    -- exclusive; null = from the beginning
  high_watermark  timestamptz not null,           -- inclusive
  rows            bigint not null check (rows >= 0),
  files           jsonb not null default '[]',    -- [{ key, rows, bytes }]
  manifest_key    text not null,
  exported_at     timestamptz not null default now(),
  primary key (table_name, extract_date)
);

-- The export selects each table's rows changed in (low, high]; these keep that a range scan.
create index if not exists business_updated_at_idx on business (updated_at);
create index if not exists business_holding_updated_at_idx on business_holding (updated_at);
create index if not exists review_updated_at_idx on review (updated_at);
create index if not exists business_category_bridge_updated_at_idx on business_category_bridge (updated_at);
create index if not exists business_transaction_bridge_updated_at_idx on business_transaction_bridge (updated_at);
create index if not exists yelp_user_updated_at_idx on yelp_user (updated_at);
create index if not exists event_updated_at_idx on event (updated_at);
