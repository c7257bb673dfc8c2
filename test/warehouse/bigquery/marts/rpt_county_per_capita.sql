-- marts/rpt_county_per_capita (view)

-- view
create or replace view `gourmand.warehouse_marts.rpt_county_per_capita` as
with counties as (

    select * from `gourmand.warehouse_marts.dim_county`

),

activity as (

    select * from `gourmand.warehouse_intermediate.int_county_activity`

),

final as (

    select
        counties.county_id,
        counties.county_fips_code,
        counties.county_name,
        counties.state_code,
        counties.population,
        coalesce(activity.businesses, 0) as businesses,
        coalesce(activity.reviews, 0) as reviews,
        100000.0 * coalesce(activity.businesses, 0) / nullif(counties.population, 0) as businesses_per_100k,
        100000.0 * coalesce(activity.reviews, 0) / nullif(counties.population, 0) as reviews_per_100k
    from counties
    left join activity on activity.county_id = counties.county_id

)

select * from final;
