/* {
  "materialized": "view",
  "description": "Yelp categories."
} */

with source as (

    select * from {{ source('lake', 'business_category') }}

),

renamed as (

    select
        -- ids
        category_id,
        alias as category_alias,
        parent_alias as parent_category_alias,
        -- text
        title as category_name,
        -- dates
        valid_to as deleted_on,
        -- extraction
        updated_at,
        dt as extracted_on
    from source

)

select * from renamed
