-- staging/stg_county (view)

-- view
create or replace view `gourmand.warehouse_staging.stg_county` as
with source as (

    select * from `gourmand.warehouse_lake.county`

),

renamed as (

    select
        -- ids
        county_id,
        state_id,
        -- text
        fips_code as county_fips_code,
        county_name,
        -- extraction
        updated_at,
        dt as extracted_on
    from source

)

select * from renamed;
