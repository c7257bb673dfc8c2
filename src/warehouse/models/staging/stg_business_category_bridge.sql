/* {
  "materialized": "view",
  "description": "Which categories a business has."
} */

with source as (

    select * from {{ source('lake', 'business_category_bridge') }}

),

renamed as (

    select
        -- ids
        business_id,
        category_id,
        -- dates
        valid_to as deleted_on,
        -- extraction
        updated_at,
        dt as extracted_on
    from source

)

select * from renamed
