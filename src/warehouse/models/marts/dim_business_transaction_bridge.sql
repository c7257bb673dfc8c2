/* {
  "materialized": "view",
  "description": "Which transaction types a business offered and when.",
  "tests": [
    { "unique": ["business_id", "transaction_type_id", "valid_from"] },
    { "not_null": ["business_id", "transaction_type_id", "valid_from", "valid_to"] },
    { "relationships": { "column": "business_id", "to": "dim_business", "field": "business_id" } },
    { "relationships": { "column": "transaction_type_id", "to": "dim_transaction_type", "field": "transaction_type_id" } }
  ]
} */

with links as (

    select * from {{ ref('snap_business_transaction_bridge') }}

),

final as (

    select
        business_id,
        transaction_type_id,
        valid_from,
        coalesce(valid_to, cast('9999-12-31' as date)) as valid_to,
        is_current
    from links

)

select * from final
