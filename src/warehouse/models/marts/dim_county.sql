/* {
  "materialized": "table",
  "description": "Counties with their state and latest population estimate.",
  "tests": [
    { "unique": "county_id" },
    { "unique": "county_fips_code" },
    { "not_null": ["county_id", "county_name", "state_code"] }
  ]
} */

with counties as (

    select * from {{ current('stg_county', 'county_id') }}

),

states as (

    select * from {{ current('stg_state', 'state_id') }}

),

latest_population as (

    select county_id, estimation_year, estimated_population
    from {{ ref('fct_county_growth') }}
    qualify row_number() over (partition by county_id order by estimation_year desc) = 1

),

final as (

    select
        counties.county_id,
        counties.county_fips_code,
        counties.county_name,
        states.state_id,
        states.state_name,
        states.state_code,
        latest_population.estimation_year as population_year,
        latest_population.estimated_population as population
    from counties
    left join states on states.state_id = counties.state_id
    left join latest_population on latest_population.county_id = counties.county_id

)

select * from final
