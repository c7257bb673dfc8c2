-- marts/rpt_overview (view)

-- view
create or replace view `gourmand.warehouse_marts.rpt_overview` as
with businesses as (

    select * from `gourmand.warehouse_marts.dim_business`
    where is_current

),

reviews as (

    select review_key from `gourmand.warehouse_marts.dim_review`
    where is_current

),

holdings as (

    select holding_date from `gourmand.warehouse_marts.fct_business_holding`

),

activity as (

    select * from `gourmand.warehouse_intermediate.int_county_activity`

),

final as (

    select
        (select count(*) from businesses where not is_closed) as open_businesses,
        (select count(*) from businesses where is_closed) as closed_businesses,
        (select count(*) from reviews) as reviews,
        (select count(distinct holding_date) from holdings) as holding_dates,
        (select min(holding_date) from holdings) as first_holding_date,
        (select max(holding_date) from holdings) as last_holding_date,
        (select count(*) from activity where businesses > 0) as counties_with_businesses

)

select * from final;
