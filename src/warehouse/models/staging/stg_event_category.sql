/* {
  "materialized": "view",
  "description": "Yelp event categories."
} */

with source as (

    select * from {{ source('lake', 'event_category') }}

),

renamed as (

    select
        -- ids
        event_category_id,
        -- text
        name as event_category_name,
        -- extraction
        updated_at,
        dt as extracted_on
    from source

)

select * from renamed
