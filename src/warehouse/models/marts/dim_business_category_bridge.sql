/* {
  "materialized": "view",
  "description": "Which categories a business had and when (validity window of the link itself).",
  "tests": [
    { "unique": ["business_id", "category_id", "valid_from"] },
    { "not_null": ["business_id", "category_id", "valid_from", "valid_to"] },
    { "relationships": { "column": "business_id", "to": "dim_business", "field": "business_id" } },
    { "relationships": { "column": "category_id", "to": "dim_business_category", "field": "category_id" } }
  ]
} */

with links as (

    select * from {{ ref('snap_business_category_bridge') }}

),

final as (

    select
        business_id,
        category_id,
        valid_from,
        coalesce(valid_to, cast('9999-12-31' as date)) as valid_to,
        is_current
    from links

)

select * from final
