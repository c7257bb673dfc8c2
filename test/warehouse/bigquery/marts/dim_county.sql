-- marts/dim_county (table)

-- table
create or replace table `gourmand.warehouse_marts.dim_county` as
with counties as (

    select * from (select * from `gourmand.warehouse_staging.stg_county` where true qualify row_number() over (partition by county_id order by extracted_on desc) = 1)

),

states as (

    select * from (select * from `gourmand.warehouse_staging.stg_state` where true qualify row_number() over (partition by state_id order by extracted_on desc) = 1)

),

latest_population as (

    select county_id, estimation_year, estimated_population
    from `gourmand.warehouse_marts.fct_county_growth`
    where true qualify row_number() over (partition by county_id order by estimation_year desc) = 1

),

final as (

    select
        counties.county_id,
        counties.county_fips_code,
        counties.county_name,
        states.state_id,
        states.state_name,
        states.state_code,
        latest_population.estimation_year as population_year,
        latest_population.estimated_population as population
    from counties
    left join states on states.state_id = counties.state_id
    left join latest_population on latest_population.county_id = counties.county_id

)

select * from final;
