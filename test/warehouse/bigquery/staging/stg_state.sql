-- staging/stg_state (view)

-- view
create or replace view `gourmand.warehouse_staging.stg_state` as
with source as (

    select * from `gourmand.warehouse_lake.state`

),

renamed as (

    select
        -- ids
        state_id,
        country_id,
        -- text
        state_name,
        state_code,
        fips_code as state_fips_code,
        -- extraction
        updated_at,
        dt as extracted_on
    from source

)

select * from renamed;
