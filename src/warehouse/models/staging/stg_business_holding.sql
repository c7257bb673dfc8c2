/* {
  "materialized": "view",
  "description": "The daily history: a business's rating and review count on a date."
} */

with source as (

    select * from {{ source('lake', 'business_holding') }}

),

renamed as (

    select
        -- ids
        business_id,
        -- numerics
        rating,
        review_count,
        -- dates
        holding_date,
        -- extraction
        updated_at,
        dt as extracted_on
    from source

)

select * from renamed
