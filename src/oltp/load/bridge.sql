-- One bridge of the businesses whose latest sighting is this date (run for categories and for
-- transaction types; an older date leaves bridges as later dates made them): end (valid_to) the
-- rows a business dropped, then insert or reopen the rows it carries. Ending first
-- keeps a first load from scanning the rows it has just inserted. :bridge, :key and :pairs are
-- replaced by the load with the bridge table, its second key column and today's pair table.

update :bridge br
set valid_to = :run_date, updated_at = now()
from business bu
join stg_business_placed b on b.yelp_id = bu.yelp_id
where br.business_id = bu.business_id
  and bu.last_seen = :run_date
  and br.valid_to is null
  and not exists (
    select 1 from :pairs p where p.business_id = br.business_id and p.:key = br.:key
  );

insert into :bridge (business_id, :key)
select business_id, :key from :pairs
order by business_id, :key
on conflict (business_id, :key) do update
set valid_to = null, updated_at = now()
where :bridge.valid_to is not null;
