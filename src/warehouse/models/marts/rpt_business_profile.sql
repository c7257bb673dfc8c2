/* {
  "materialized": "view",
  "description": "One row per current business with what the analyses group by: state, payment level (1-4, null when unpriced), top-level category, chain (a name at 10 or more current businesses) and current transaction count.",
  "tests": [
    { "unique": "business_id" },
    { "not_null": ["business_id", "business_key", "yelp_id", "business_name", "state_code", "transaction_count"] },
    { "accepted_values": { "column": "payment_level", "values": [1, 2, 3, 4] } },
    { "relationships": { "column": "business_id", "to": "dim_business", "field": "business_id" } }
  ]
} */

with businesses as (

    select * from {{ ref('dim_business') }}
    where is_current

),

counties as (

    select county_id, county_fips_code, state_code from {{ ref('dim_county') }}

),

category_links as (

    select business_id, category_id from {{ ref('dim_business_category_bridge') }}
    where is_current

),

categories as (

    select category_id, category_alias, parent_category_alias from {{ ref('dim_business_category') }}
    where is_current

),

-- a business's leaves share one parent in Yelp's tree; the smallest alias breaks a rare tie
category_groups as (

    select
        category_links.business_id,
        min(coalesce(categories.parent_category_alias, categories.category_alias)) as category_group
    from category_links
    join categories on categories.category_id = category_links.category_id
    group by category_links.business_id

),

transactions as (

    select business_id, count(*) as transaction_count
    from {{ ref('dim_business_transaction_bridge') }}
    where is_current
    group by business_id

),

name_counts as (

    select business_name, count(*) as locations
    from businesses
    group by business_name

),

final as (

    select
        businesses.business_id,
        businesses.business_key,
        businesses.yelp_id,
        businesses.business_name,
        counties.state_code,
        counties.county_fips_code,
        length(businesses.payment_level_symbol) as payment_level,
        businesses.payment_level_symbol,
        category_groups.category_group,
        case when name_counts.locations >= 10 then businesses.business_name end as chain_name,
        coalesce(transactions.transaction_count, 0) as transaction_count,
        businesses.is_closed
    from businesses
    join counties on counties.county_id = businesses.county_id
    left join category_groups on category_groups.business_id = businesses.business_id
    left join transactions on transactions.business_id = businesses.business_id
    left join name_counts on name_counts.business_name = businesses.business_name

)

select * from final
