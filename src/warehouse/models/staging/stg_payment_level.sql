/* {
  "materialized": "view",
  "description": "Yelp price levels ($ to $$$$)."
} */

with source as (

    select * from {{ source('lake', 'payment_level') }}

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

select * from renamed
