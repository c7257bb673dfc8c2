-- marts/rpt_business_location (view)

-- view
create or replace view `gourmand.warehouse_marts.rpt_business_location` as
with businesses as (

    select * from `gourmand.warehouse_marts.dim_business`
    where is_current and not is_closed and latitude is not null and longitude is not null

),

counties as (

    select county_id, county_fips_code, state_code from `gourmand.warehouse_marts.dim_county`

),

final as (

    select
        businesses.business_id,
        businesses.latitude,
        businesses.longitude,
        counties.state_code,
        counties.county_fips_code
    from businesses
    join counties on counties.county_id = businesses.county_id

)

select * from final;
