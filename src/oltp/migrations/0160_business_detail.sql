-- Issue 9: one business (GET /businesses/{id}) was read from business_effective (its corrections
-- aggregated per request), four reference joins and two ordered aggregates of its bridges: about
-- 10,000 statements/s from ten clients, against 23,000 for a primary-key lookup. business_detail
-- keeps, per business, what the detail shows beyond the list's read model (business_current):
-- the corrected contact and address fields, the names of its city, county, state and price, and
-- its current categories and transactions, as they would be computed. The detail is then three
-- primary-key lookups: business (the columns every daily load moves: last_seen, updated_at,
-- distance_m), business_current (name, status, latest holding) and this table.
--
-- Like business_current, triggers keep it current in the writing transaction, set-based, and a
-- row that would not change is not written; a daily load moves last_seen of every business seen
-- but changes few of these fields, so it rewrites few rows. The business and correction triggers
-- are business_current's, refreshing both; bridges and reference renames have their own.
create table business_detail (
  business_id    int primary key references business on delete cascade,
  url            text,
  image_url      text,
  phone          text,
  display_phone  text,
  address1       text,
  address2       text,
  address3       text,
  zip_code       text,
  valid_to       date,
  price          text,
  city_name      text not null,
  county_name    text not null,
  state_name     text not null,
  state_code     text not null,
  -- [{alias, title}] by alias; [name] by name: the current (valid_to is null) bridge rows.
  categories     jsonb not null,
  transactions   jsonb not null
);

create function refresh_business_detail(ids int[]) returns void language sql as $$
  insert into business_detail (
    business_id, url, image_url, phone, display_phone, address1, address2, address3, zip_code,
    valid_to, price, city_name, county_name, state_name, state_code, categories, transactions
  )
  select b.business_id, b.url, b.image_url, b.phone, b.display_phone, b.address1, b.address2,
         b.address3, b.zip_code, b.valid_to, p.symbol, ci.city_name, co.county_name, s.state_name,
         s.state_code, coalesce(bc.categories, '[]'), coalesce(bt.transactions, '[]')
  from business_effective b
  join city ci on ci.city_id = b.city_id
  join county co on co.county_id = b.county_id
  join state s on s.state_id = ci.state_id
  left join payment_level p on p.payment_level_id = b.payment_level_id
  -- Grouped rather than a subquery per business: a first load's single call over every business
  -- (a million at the largest) aggregates each bridge in one pass, 30% faster.
  left join (
    select br.business_id,
           jsonb_agg(jsonb_build_object('alias', c.alias, 'title', c.title) order by c.alias) as categories
    from business_category_bridge br
    join business_category c on c.category_id = br.category_id
    where br.valid_to is null and br.business_id = any(ids)
    group by br.business_id
  ) bc on bc.business_id = b.business_id
  left join (
    select br.business_id, jsonb_agg(t.name order by t.name) as transactions
    from business_transaction_bridge br
    join transaction_type t on t.transaction_type_id = br.transaction_type_id
    where br.valid_to is null and br.business_id = any(ids)
    group by br.business_id
  ) bt on bt.business_id = b.business_id
  where b.business_id = any(ids)
  on conflict (business_id) do update
  set url = excluded.url, image_url = excluded.image_url, phone = excluded.phone,
      display_phone = excluded.display_phone, address1 = excluded.address1,
      address2 = excluded.address2, address3 = excluded.address3, zip_code = excluded.zip_code,
      valid_to = excluded.valid_to, price = excluded.price, city_name = excluded.city_name,
      county_name = excluded.county_name, state_name = excluded.state_name,
      state_code = excluded.state_code, categories = excluded.categories,
      transactions = excluded.transactions
  where business_detail is distinct from excluded
$$;

-- A business inserted, updated or corrected: the triggers of business_current (migration 0100)
-- refresh both read models, so a daily load, which updates every business it saw, pairs its old
-- and new rows once. A first load calls this over every business at its end.
create function refresh_business_read_models(ids int[]) returns void language sql as $$
  select refresh_business_current(ids);
  select refresh_business_detail(ids);
$$;

create or replace function business_current_inserted() returns trigger language plpgsql as $$
begin
  perform refresh_business_read_models(array(select business_id from new_rows));
  return null;
end
$$;

-- Each read model only for a change of a field it keeps (a correction's fields come through the
-- override trigger).
create or replace function business_current_updated() returns trigger language plpgsql as $$
declare
  current_ids int[];
  detail_ids int[];
begin
  select
    coalesce(array_agg(n.business_id) filter (where
      (n.yelp_id, n.alias, n.name, n.payment_level_id, n.is_closed, n.valid_to, n.city_id,
       n.latitude, n.longitude)
      is distinct from
      (o.yelp_id, o.alias, o.name, o.payment_level_id, o.is_closed, o.valid_to, o.city_id,
       o.latitude, o.longitude)), '{}'),
    coalesce(array_agg(n.business_id) filter (where
      (n.url, n.image_url, n.phone, n.display_phone, n.address1, n.address2, n.address3,
       n.zip_code, n.valid_to, n.payment_level_id, n.city_id, n.county_id)
      is distinct from
      (o.url, o.image_url, o.phone, o.display_phone, o.address1, o.address2, o.address3,
       o.zip_code, o.valid_to, o.payment_level_id, o.city_id, o.county_id)), '{}')
  into current_ids, detail_ids
  from new_rows n join old_rows o using (business_id);
  perform refresh_business_current(current_ids);
  perform refresh_business_detail(detail_ids);
  return null;
end
$$;

create or replace function business_current_overridden() returns trigger language plpgsql as $$
begin
  perform refresh_business_read_models(array[coalesce(new.business_id, old.business_id)]);
  return null;
end
$$;

-- A bridge row inserted, ended, reopened or deleted: its business (insert, update and delete
-- triggers each name their transition table changed_rows).
create function business_detail_bridge_changed() returns trigger language plpgsql as $$
begin
  perform refresh_business_detail(array(select distinct business_id from changed_rows));
  return null;
end
$$;

-- A name the detail copies changed in its reference table: the businesses that show it. Loads
-- update a reference row only when a value differs, so a day that renames nothing refreshes none.
create function business_detail_reference_changed() returns trigger language plpgsql as $$
begin
  case tg_table_name
    when 'city' then
      perform refresh_business_detail(array(
        select b.business_id from business b
        join new_rows n on n.city_id = b.city_id join old_rows o on o.city_id = n.city_id
        where (n.city_name, n.state_id) is distinct from (o.city_name, o.state_id)));
    when 'county' then
      perform refresh_business_detail(array(
        select b.business_id from business b
        join new_rows n on n.county_id = b.county_id join old_rows o on o.county_id = n.county_id
        where n.county_name is distinct from o.county_name));
    when 'state' then
      perform refresh_business_detail(array(
        select b.business_id from business b join city ci on ci.city_id = b.city_id
        join new_rows n on n.state_id = ci.state_id join old_rows o on o.state_id = n.state_id
        where (n.state_name, n.state_code) is distinct from (o.state_name, o.state_code)));
    when 'payment_level' then
      perform refresh_business_detail(array(
        select b.business_id from business b
        join new_rows n on n.payment_level_id = b.payment_level_id
        join old_rows o on o.payment_level_id = n.payment_level_id
        where n.symbol is distinct from o.symbol));
    when 'business_category' then
      perform refresh_business_detail(array(
        select distinct br.business_id from business_category_bridge br
        join new_rows n on n.category_id = br.category_id join old_rows o on o.category_id = n.category_id
        where br.valid_to is null and (n.alias, n.title) is distinct from (o.alias, o.title)));
    when 'transaction_type' then
      perform refresh_business_detail(array(
        select distinct br.business_id from business_transaction_bridge br
        join new_rows n on n.transaction_type_id = br.transaction_type_id
        join old_rows o on o.transaction_type_id = n.transaction_type_id
        where br.valid_to is null and n.name is distinct from o.name));
  end case;
  return null;
end
$$;

-- business_detail_{category,transaction}_{insert,update,delete} on the bridges (a first load turns
-- them off by these names, business-current-first.sql), and business_detail_<name>_update on each
-- reference table.
do $$
declare
  bridge text[];
  op text;
  ref text[];
begin
  foreach bridge slice 1 in array array[['category', 'business_category_bridge'],
                                        ['transaction', 'business_transaction_bridge']] loop
    foreach op in array array['insert', 'update', 'delete'] loop
      execute format(
        'create trigger %I after %s on %I referencing %s table as changed_rows '
        'for each statement execute function business_detail_bridge_changed()',
        'business_detail_' || bridge[1] || '_' || op, op, bridge[2],
        case op when 'delete' then 'old' else 'new' end);
    end loop;
  end loop;
  foreach ref slice 1 in array array[['city', 'city'], ['county', 'county'], ['state', 'state'],
                                     ['payment_level', 'payment_level'],
                                     ['category_title', 'business_category'],
                                     ['transaction_type', 'transaction_type']] loop
    execute format(
      'create trigger %I after update on %I referencing new table as new_rows old table as old_rows '
      'for each statement execute function business_detail_reference_changed()',
      'business_detail_' || ref[1] || '_update', ref[2]);
  end loop;
end
$$;

-- Existing databases: every business once.
select refresh_business_detail(array(select business_id from business));
analyze business_detail;
