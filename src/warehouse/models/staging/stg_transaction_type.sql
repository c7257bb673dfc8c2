/* {
  "materialized": "view",
  "description": "Yelp transaction types (pickup, delivery, …)."
} */

with source as (

    select * from {{ source('lake', 'transaction_type') }}

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

select * from renamed
