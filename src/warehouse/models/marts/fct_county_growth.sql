/* {
  "materialized": "incremental",
  "description": "Census population estimate per county and year (incremental: a run merges only the years its extract dates brought).",
  "unique_key": ["county_id", "estimation_year"],
  "tests": [
    { "unique": ["county_id", "estimation_year"] },
    { "not_null": ["county_id", "estimation_year", "estimated_population"] },
    { "relationships": { "column": "county_id", "to": "stg_county", "field": "county_id" } }
  ]
} */

with estimates as (

    select * from {{ ref('stg_county_population') }}
    {% if is_incremental() %}
    where extracted_on in {{ batch_dates }}
    {% endif %}

),

latest as (

    select * from estimates
    qualify row_number() over (partition by county_id, estimation_year order by extracted_on desc) = 1

),

final as (

    select
        county_id,
        estimation_year,
        estimated_population,
        updated_at,
        extracted_on
    from latest

)

select * from final
