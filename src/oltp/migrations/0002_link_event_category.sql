-- The schema-evolution step the original planned but never made: link each event to its
-- category, backfilling the link from the raw category text already loaded.

insert into event_category (name)
select distinct category from event where category is not null
on conflict (name) do nothing;

alter table event add column event_category_id int references event_category;

update event e
set event_category_id = c.event_category_id, updated_at = now()
from event_category c
where c.name = e.category;

alter table event drop column category;
