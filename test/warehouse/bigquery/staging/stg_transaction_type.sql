-- staging/stg_transaction_type (view)

-- view
create or replace view `gourmand.warehouse_staging.stg_transaction_type` as
with source as (

    select * from `gourmand.warehouse_lake.transaction_type`

),

renamed as (

    select
        -- ids
        transaction_type_id,
        -- text
        name as transaction_name,
        -- extraction
        updated_at,
        dt as extracted_on
    from source

)

select * from renamed;
