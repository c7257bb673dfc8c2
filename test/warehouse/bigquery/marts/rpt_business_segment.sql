-- marts/rpt_business_segment (view)

-- view
create or replace view `gourmand.warehouse_marts.rpt_business_segment` as
with businesses as (

    select * from `gourmand.warehouse_marts.dim_business`
    where is_current

),

holdings as (

    select * from `gourmand.warehouse_marts.fct_business_holding`

),

counties as (

    select county_id, state_code from `gourmand.warehouse_marts.dim_county`

),

final as (

    select
        holdings.business_id,
        holdings.holding_date,
        coalesce(businesses.payment_level_symbol, 'unknown') as payment_level_symbol,
        counties.state_code,
        holdings.rating,
        holdings.review_count
    from holdings
    join businesses on businesses.business_id = holdings.business_id
    join counties on counties.county_id = businesses.county_id

)

select * from final;
