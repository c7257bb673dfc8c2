/* {
  "materialized": "view",
  "description": "Which transaction types a business offers."
} */

with source as (

    select * from {{ source('lake', 'business_transaction_bridge') }}

),

renamed as (

    select
        -- ids
        business_id,
        transaction_type_id,
        -- dates
        valid_to as deleted_on,
        -- extraction
        updated_at,
        dt as extracted_on
    from source

)

select * from renamed
