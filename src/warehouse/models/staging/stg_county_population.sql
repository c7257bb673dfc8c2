/* {
  "materialized": "view",
  "description": "Census population estimates, one row per county and year."
} */

with source as (

    select * from {{ source('lake', 'county_population') }}

),

renamed as (

    select
        -- ids
        county_id,
        -- numerics
        year as estimation_year,
        population as estimated_population,
        -- extraction
        updated_at,
        dt as extracted_on
    from source

)

select * from renamed
