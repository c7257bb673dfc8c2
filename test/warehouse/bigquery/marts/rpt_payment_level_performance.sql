-- marts/rpt_payment_level_performance (view)

-- view
create or replace view `gourmand.warehouse_marts.rpt_payment_level_performance` as
with businesses as (

    select * from `gourmand.warehouse_marts.dim_business`
    where is_current

),

holdings as (

    select * from `gourmand.warehouse_marts.fct_business_holding`

),

latest_holding as (

    select * from holdings
    where true qualify row_number() over (partition by business_id order by holding_date desc) = 1

),

growth as (

    select business_id, avg(reviews_gained) as avg_reviews_gained_per_day
    from holdings
    where reviews_gained is not null
    group by business_id

),

final as (

    select
        coalesce(businesses.payment_level_symbol, 'unknown') as payment_level_symbol,
        max(businesses.payment_level_name) as payment_level_name,
        count(*) as businesses,
        avg(latest_holding.rating) as avg_rating,
        avg(latest_holding.review_count) as avg_review_count,
        avg(growth.avg_reviews_gained_per_day) as avg_reviews_gained_per_day
    from businesses
    left join latest_holding on latest_holding.business_id = businesses.business_id
    left join growth on growth.business_id = businesses.business_id
    group by coalesce(businesses.payment_level_symbol, 'unknown')

)

select * from final;
