-- staging/stg_county_population (view)

-- view
create or replace view `gourmand.warehouse_staging.stg_county_population` as
with source as (

    select * from `gourmand.warehouse_lake.county_population`

),

renamed as (

    select
        -- ids
        county_id,
        -- numerics
        year as estimation_year,
        population as estimated_population,
        -- extraction
        updated_at,
        dt as extracted_on
    from source

)

select * from renamed;
