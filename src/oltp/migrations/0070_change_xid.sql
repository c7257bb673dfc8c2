-- Issue 16: the lake export reads one snapshot and takes the rows changed since the previous
-- export's snapshot, by transaction id instead of wall-clock timestamps. Every exported table gets
-- change_xid (the transaction that last changed the row) and a trigger that stamps it, and
-- updated_at, from the database: a row's updated_at only moves forward, whatever a statement or a
-- client's clock sets. Rows from before this migration keep change_xid null (exported already, or
-- picked up by the previous export's timestamp watermark once).

-- A row counts as changed when it is new, when a statement moved its updated_at on purpose, or when
-- any column but updated_at, change_xid and the trigger's arguments (columns that move every day
-- without changing what the row is, like business.last_seen) differs.
create function ops.stamp_change() returns trigger language plpgsql as $$
begin
  if tg_op = 'UPDATE'
     and new.updated_at is not distinct from old.updated_at
     and (to_jsonb(new) - tg_argv - 'updated_at' - 'change_xid')
         = (to_jsonb(old) - tg_argv - 'updated_at' - 'change_xid') then
    new.change_xid := old.change_xid;
    return new;
  end if;
  new.change_xid := pg_current_xact_id();
  new.updated_at := case when tg_op = 'UPDATE'
    then greatest(clock_timestamp(), old.updated_at + interval '1 microsecond')
    else clock_timestamp() end;
  return new;
end
$$;

alter table country add column change_xid xid8;
alter table state add column change_xid xid8;
alter table county add column change_xid xid8;
alter table county_population add column change_xid xid8;
alter table city add column change_xid xid8;
alter table business add column change_xid xid8;
alter table business_category add column change_xid xid8;
alter table business_category_bridge add column change_xid xid8;
alter table transaction_type add column change_xid xid8;
alter table business_transaction_bridge add column change_xid xid8;
alter table business_holding add column change_xid xid8;
alter table yelp_user add column change_xid xid8;
alter table review add column change_xid xid8;
alter table event_category add column change_xid xid8;
alter table event add column change_xid xid8;

create trigger country_stamp before insert or update on country for each row execute function ops.stamp_change();
create trigger state_stamp before insert or update on state for each row execute function ops.stamp_change();
create trigger county_stamp before insert or update on county for each row execute function ops.stamp_change();
create trigger county_population_stamp before insert or update on county_population for each row execute function ops.stamp_change();
create trigger city_stamp before insert or update on city for each row execute function ops.stamp_change();
create trigger business_stamp before insert or update on business for each row execute function ops.stamp_change('last_seen');
create trigger business_category_stamp before insert or update on business_category for each row execute function ops.stamp_change();
create trigger business_category_bridge_stamp before insert or update on business_category_bridge for each row execute function ops.stamp_change();
create trigger transaction_type_stamp before insert or update on transaction_type for each row execute function ops.stamp_change();
create trigger business_transaction_bridge_stamp before insert or update on business_transaction_bridge for each row execute function ops.stamp_change();
create trigger business_holding_stamp before insert or update on business_holding for each row execute function ops.stamp_change();
create trigger yelp_user_stamp before insert or update on yelp_user for each row execute function ops.stamp_change();
create trigger review_stamp before insert or update on review for each row execute function ops.stamp_change();
create trigger event_category_stamp before insert or update on event_category for each row execute function ops.stamp_change();
create trigger event_stamp before insert or update on event for each row execute function ops.stamp_change();

-- The export selects change_xid >= the previous snapshot's xmin (then filters by visibility).
create index business_change_xid_idx on business (change_xid);
create index business_holding_change_xid_idx on business_holding (change_xid);
create index review_change_xid_idx on review (change_xid);
create index business_category_bridge_change_xid_idx on business_category_bridge (change_xid);
create index business_transaction_bridge_change_xid_idx on business_transaction_bridge (change_xid);
create index yelp_user_change_xid_idx on yelp_user (change_xid);
create index event_change_xid_idx on event (change_xid);

-- The snapshot each export read; the next export takes the rows it could not see.
alter table ops.lake_watermark add column snapshot pg_snapshot;
