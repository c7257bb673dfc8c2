-- marts/rpt_state_daily_review_changes (view)

-- view
create or replace view `gourmand.warehouse_marts.rpt_state_daily_review_changes` as
with holdings as (

    select * from `gourmand.warehouse_marts.fct_business_holding`

),

businesses as (

    select business_key, county_id from `gourmand.warehouse_marts.dim_business`

),

counties as (

    select county_id, state_code, state_name from `gourmand.warehouse_marts.dim_county`

),

final as (

    select
        counties.state_code,
        counties.state_name,
        holdings.holding_date,
        count(*) as businesses,
        sum(holdings.review_count) as total_review_count,
        sum(holdings.reviews_gained) as reviews_gained
    from holdings
    join businesses on businesses.business_key = holdings.business_key
    join counties on counties.county_id = businesses.county_id
    group by counties.state_code, counties.state_name, holdings.holding_date

)

select * from final;
