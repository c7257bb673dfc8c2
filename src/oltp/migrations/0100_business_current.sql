-- Issue 9: the read model of the business list. The list filtered and sorted over
-- business_effective with a lateral "latest holding" per business, so no index could serve a
-- filter or a sort. business_current keeps, per business, what a list row shows and filters on:
-- the corrected (business_effective) values and the latest holding. It is a separate table, not
-- columns of business, so keeping it current never stamps business (ops.stamp_change) and the
-- lake export sees no change a correction or a new holding did not make.
--
-- Triggers keep it current in the writing transaction, set-based (statement triggers over
-- transition tables), whoever writes: the daily load, admin corrections, fixtures and seeds.

create extension if not exists pg_trgm;

create table business_current (
  business_id       int primary key references business on delete cascade,
  yelp_id           text not null,
  alias             text not null,
  name              text not null,
  payment_level_id  smallint,
  is_closed         boolean not null,
  -- business_effective.valid_to is null: the business shows in lists and counts.
  listed            boolean not null,
  city_id           int not null,
  state_id          int not null,
  latitude          numeric(9, 6),
  longitude         numeric(9, 6),
  -- The latest holding; null while the business has none.
  rating            numeric(2, 1),
  review_count      int,
  holding_date      date
);

-- Every sort with business_id as tie-break, so keyset pages walk an index; a business without
-- holdings sorts as -1 (the list's sort expressions).
create index business_current_id_idx on business_current (business_id) where listed;
create index business_current_name_idx on business_current (name, business_id) where listed;
create index business_current_rating_idx on business_current ((coalesce(rating, -1)), business_id) where listed;
create index business_current_review_count_idx
  on business_current ((coalesce(review_count, -1)), business_id) where listed;
-- Filters selective enough to be read from their own index.
create index business_current_state_idx on business_current (state_id) where listed;
create index business_current_city_idx on business_current (city_id) where listed;
create index business_current_price_idx on business_current (payment_level_id) where listed;
-- `q` (name contains, ilike '%…%').
create index business_current_name_trgm_idx on business_current using gin (name gin_trgm_ops) where listed;

-- Recomputes the rows of these businesses from business_effective and their latest holding;
-- a row that would not change is not written.
create function refresh_business_current(ids int[]) returns void language sql as $$
  insert into business_current (
    business_id, yelp_id, alias, name, payment_level_id, is_closed, listed, city_id, state_id,
    latitude, longitude, rating, review_count, holding_date
  )
  select b.business_id, b.yelp_id, b.alias, b.name, b.payment_level_id, b.is_closed,
         b.valid_to is null, b.city_id, ci.state_id, b.latitude, b.longitude,
         h.rating, h.review_count, h.holding_date
  from business_effective b
  join city ci on ci.city_id = b.city_id
  left join lateral (
    select rating, review_count, holding_date from business_holding
    where business_id = b.business_id
    order by holding_date desc
    limit 1
  ) h on true
  where b.business_id = any(ids)
  on conflict (business_id) do update
  set yelp_id = excluded.yelp_id, alias = excluded.alias, name = excluded.name,
      payment_level_id = excluded.payment_level_id, is_closed = excluded.is_closed,
      listed = excluded.listed, city_id = excluded.city_id, state_id = excluded.state_id,
      latitude = excluded.latitude, longitude = excluded.longitude, rating = excluded.rating,
      review_count = excluded.review_count, holding_date = excluded.holding_date
  where business_current is distinct from excluded
$$;

create function business_current_inserted() returns trigger language plpgsql as $$
begin
  perform refresh_business_current(array(select business_id from new_rows));
  return null;
end
$$;

-- Only a change of what a list row shows: the daily load moves last_seen of every business seen.
create function business_current_updated() returns trigger language plpgsql as $$
begin
  perform refresh_business_current(array(
    select n.business_id from new_rows n join old_rows o using (business_id)
    where (n.yelp_id, n.alias, n.name, n.payment_level_id, n.is_closed, n.valid_to, n.city_id,
           n.latitude, n.longitude)
          is distinct from
          (o.yelp_id, o.alias, o.name, o.payment_level_id, o.is_closed, o.valid_to, o.city_id,
           o.latitude, o.longitude)));
  return null;
end
$$;

-- Only a holding on or after a business's latest date can change it (an older date loaded late
-- does not).
create function business_current_holding_changed() returns trigger language plpgsql as $$
begin
  perform refresh_business_current(array(
    select distinct h.business_id from changed_rows h
    left join business_current c using (business_id)
    where c.holding_date is null or h.holding_date >= c.holding_date));
  return null;
end
$$;

create function business_current_overridden() returns trigger language plpgsql as $$
begin
  perform refresh_business_current(array[coalesce(new.business_id, old.business_id)]);
  return null;
end
$$;

create trigger business_current_insert after insert on business
referencing new table as new_rows for each statement execute function business_current_inserted();
create trigger business_current_update after update on business
referencing new table as new_rows old table as old_rows
for each statement execute function business_current_updated();
create trigger business_current_holding_insert after insert on business_holding
referencing new table as changed_rows for each statement execute function business_current_holding_changed();
create trigger business_current_holding_update after update on business_holding
referencing new table as changed_rows for each statement execute function business_current_holding_changed();
create trigger business_current_holding_delete after delete on business_holding
referencing old table as changed_rows for each statement execute function business_current_holding_changed();
create trigger business_current_override after insert or update or delete on api.business_override
for each row execute function business_current_overridden();

-- Existing databases: every business once.
select refresh_business_current(array(select business_id from business));
analyze business_current;
