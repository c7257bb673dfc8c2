/* {
  "materialized": "view",
  "description": "Yelp categories, type 2.",
  "tests": [
    { "unique": "business_category_key" },
    { "not_null": ["business_category_key", "category_id", "category_name"] }
  ]
} */

with versions as (

    select * from {{ ref('snap_business_category') }}

),

final as (

    select
        snapshot_id as business_category_key,
        category_id,
        category_alias,
        category_name,
        parent_category_alias,
        valid_from,
        coalesce(valid_to, cast('9999-12-31' as date)) as valid_to,
        is_current
    from versions

)

select * from final
