-- marts/dim_location (table)

-- table
create or replace table `gourmand.warehouse_marts.dim_location` as
with cities as (

    select * from (select * from `gourmand.warehouse_staging.stg_city` where true qualify row_number() over (partition by city_id order by extracted_on desc) = 1)

),

counties as (

    select * from (select * from `gourmand.warehouse_staging.stg_county` where true qualify row_number() over (partition by county_id order by extracted_on desc) = 1)

),

states as (

    select * from (select * from `gourmand.warehouse_staging.stg_state` where true qualify row_number() over (partition by state_id order by extracted_on desc) = 1)

),

countries as (

    select * from (select * from `gourmand.warehouse_staging.stg_country` where true qualify row_number() over (partition by country_id order by extracted_on desc) = 1)

),

final as (

    select
        cities.city_id,
        cities.city_name,
        counties.county_id,
        counties.county_name,
        counties.county_fips_code,
        states.state_id,
        states.state_name,
        states.state_code,
        countries.country_code,
        countries.country_name
    from cities
    -- a city whose county lies in another state has no county (kept, not dropped)
    left join counties on counties.county_id = cities.county_id
    left join states on states.state_id = cities.state_id
    left join countries on countries.country_id = states.country_id

)

select * from final;
