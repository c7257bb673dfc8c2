-- Per payment level, the businesses of the window (holding dates $from..$to), optionally of one
-- state and one category: their last rating and review count in the window, and their review
-- growth per day, (last review count - first) / days between (null with a single day).
with windowed as (

    select * from marts.rpt_business_segment
    where holding_date between cast($from as date) and cast($to as date)
        and ($state = '' or state_code = $state)
        and ($category = '' or business_id in (
            select bridge.business_id
            from marts.dim_business_category_bridge as bridge
            join marts.dim_business_category as category
                on category.category_id = bridge.category_id and category.is_current
            where bridge.is_current and category.category_alias = $category
        ))

),

per_business as (

    select
        business_id,
        any_value(payment_level_symbol) as payment_level_symbol,
        arg_max(rating, holding_date) as rating,
        arg_max(review_count, holding_date) as review_count,
        (arg_max(review_count, holding_date) - arg_min(review_count, holding_date))
            / nullif(date_diff('day', min(holding_date), max(holding_date)), 0) as growth_per_day
    from windowed
    group by business_id

)

select
    payment_level_symbol,
    count(*) as businesses,
    list(cast(rating as double) order by rating) as ratings,
    list(cast(review_count as double) order by review_count) as review_counts,
    list(cast(growth_per_day as double) order by growth_per_day) filter (where growth_per_day is not null) as growth
from per_business
group by payment_level_symbol
order by case payment_level_symbol when 'unknown' then 9 else length(payment_level_symbol) end
