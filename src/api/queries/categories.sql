-- Current categories with the number of current businesses in each, most used first.
select
  c.alias,
  c.title,
  c.parent_alias,
  count(b.business_id)::int as business_count
from business_category c
left join business_category_bridge bcb on bcb.category_id = c.category_id and bcb.valid_to is null
left join business_current b on b.business_id = bcb.business_id and b.listed
where c.valid_to is null
group by c.category_id
order by business_count desc, c.alias
