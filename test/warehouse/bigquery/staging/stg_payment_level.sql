-- staging/stg_payment_level (view)

-- view
create or replace view `gourmand.warehouse_staging.stg_payment_level` as
with source as (

    select * from `gourmand.warehouse_lake.payment_level`

),

renamed as (

    select
        -- ids
        payment_level_id,
        -- text
        symbol as payment_level_symbol,
        name as payment_level_name,
        -- extraction
        dt as extracted_on
    from source

)

select * from renamed;
